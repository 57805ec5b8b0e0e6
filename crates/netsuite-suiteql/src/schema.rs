//! The SuiteQL tables the translator knows, with NetSuite's column names, and
//! the SQLite tables that back them.

use crate::sql::{Ty, ident, string};

/// A SuiteQL table.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [Column],
}

/// A column of a SuiteQL table.
#[derive(Debug)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) not_null: bool,
    /// What `BUILTIN.DF` shows for the column.
    pub(crate) display: Display,
}

/// The display value (`BUILTIN.DF`) of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Display {
    /// The value itself.
    Value,
    /// A reference to the `id` of a record in this table: its name.
    Record(&'static str),
    /// `transaction.type`: "Sales Order", "Invoice", ...
    TransactionType,
    /// `transaction.status`: "Sales Order : Pending Fulfillment", ...
    TransactionStatus,
    /// `item.itemtype`: "Inventory Item", ...
    ItemType,
    /// `account.accttype`: "Accounts Receivable", ...
    AccountType,
}

impl Table {
    pub(crate) fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn c(name: &'static str, ty: Ty) -> Column {
    Column {
        name,
        ty,
        not_null: false,
        display: Display::Value,
    }
}

const fn nn(name: &'static str, ty: Ty) -> Column {
    Column {
        name,
        ty,
        not_null: true,
        display: Display::Value,
    }
}

const fn r(name: &'static str, table: &'static str) -> Column {
    Column {
        name,
        ty: Ty::Number,
        not_null: false,
        display: Display::Record(table),
    }
}

const fn d(name: &'static str, ty: Ty, not_null: bool, display: Display) -> Column {
    Column {
        name,
        ty,
        not_null,
        display,
    }
}

use Ty::{Date, DateTime, Number as Num, Text};

pub(crate) static TABLE_DEFS: &[Table] = &[
    Table {
        name: "account",
        columns: &[
            nn("id", Num),
            c("acctnumber", Text),
            nn("acctname", Text),
            c("fullname", Text),
            d("accttype", Text, true, Display::AccountType),
            c("description", Text),
            r("parent", "account"),
            r("subsidiary", "subsidiary"),
            r("currency", "currency"),
            nn("issummary", Text),
            nn("isinactive", Text),
            c("externalid", Text),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "contact",
        columns: &[
            nn("id", Num),
            c("entityid", Text),
            c("firstname", Text),
            c("lastname", Text),
            c("email", Text),
            c("phone", Text),
            c("title", Text),
            r("company", "customer"),
            r("subsidiary", "subsidiary"),
            nn("isinactive", Text),
            c("externalid", Text),
            c("datecreated", DateTime),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "currency",
        columns: &[
            nn("id", Num),
            nn("name", Text),
            nn("symbol", Text),
            c("displaysymbol", Text),
            c("exchangerate", Num),
            nn("isbasecurrency", Text),
            nn("isinactive", Text),
            c("externalid", Text),
        ],
    },
    Table {
        name: "customer",
        columns: &[
            nn("id", Num),
            c("entityid", Text),
            c("companyname", Text),
            c("firstname", Text),
            c("lastname", Text),
            nn("isperson", Text),
            c("email", Text),
            c("phone", Text),
            c("comments", Text),
            r("subsidiary", "subsidiary"),
            r("currency", "currency"),
            r("salesrep", "employee"),
            c("creditlimit", Num),
            c("balance", Num),
            nn("isinactive", Text),
            c("externalid", Text),
            c("datecreated", DateTime),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "employee",
        columns: &[
            nn("id", Num),
            c("entityid", Text),
            c("firstname", Text),
            c("lastname", Text),
            c("email", Text),
            c("phone", Text),
            c("title", Text),
            r("subsidiary", "subsidiary"),
            r("supervisor", "employee"),
            c("hiredate", Date),
            nn("isinactive", Text),
            c("externalid", Text),
            c("datecreated", DateTime),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "item",
        columns: &[
            nn("id", Num),
            nn("itemid", Text),
            c("displayname", Text),
            c("description", Text),
            c("purchasedescription", Text),
            d("itemtype", Text, true, Display::ItemType),
            c("baseprice", Num),
            c("cost", Num),
            r("subsidiary", "subsidiary"),
            nn("isinactive", Text),
            c("externalid", Text),
            c("createddate", DateTime),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "subsidiary",
        columns: &[
            nn("id", Num),
            nn("name", Text),
            c("fullname", Text),
            r("parent", "subsidiary"),
            r("currency", "currency"),
            c("country", Text),
            nn("iselimination", Text),
            nn("isinactive", Text),
            c("externalid", Text),
            c("lastmodifieddate", DateTime),
        ],
    },
    Table {
        name: "transaction",
        columns: &[
            nn("id", Num),
            c("tranid", Text),
            nn("trandate", Date),
            d("type", Text, true, Display::TransactionType),
            nn("recordtype", Text),
            r("entity", "customer"),
            d("status", Text, false, Display::TransactionStatus),
            c("foreigntotal", Num),
            r("currency", "currency"),
            c("exchangerate", Num),
            r("subsidiary", "subsidiary"),
            r("employee", "employee"),
            r("createdfrom", "transaction"),
            c("otherrefnum", Text),
            c("shipdate", Date),
            c("duedate", Date),
            c("memo", Text),
            c("externalid", Text),
            c("createddate", DateTime),
            c("lastmodifieddate", DateTime),
            nn("posting", Text),
        ],
    },
    Table {
        name: "transactionline",
        columns: &[
            d("transaction", Num, true, Display::Record("transaction")),
            nn("id", Num),
            c("linesequencenumber", Num),
            c("uniquekey", Num),
            nn("mainline", Text),
            nn("taxline", Text),
            r("item", "item"),
            c("quantity", Num),
            c("rate", Num),
            c("netamount", Num),
            c("foreignamount", Num),
            c("memo", Text),
            r("entity", "customer"),
            r("subsidiary", "subsidiary"),
            nn("isclosed", Text),
        ],
    },
];

/// Names of the SuiteQL tables [`crate::translate`] accepts, in lowercase.
pub const TABLES: &[&str] = &[
    "account",
    "contact",
    "currency",
    "customer",
    "employee",
    "item",
    "subsidiary",
    "transaction",
    "transactionline",
];

pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLE_DEFS.iter().find(|t| t.name == name)
}

/// `CREATE TABLE` and `CREATE INDEX` statements (all `IF NOT EXISTS`) for the
/// SQLite tables behind SuiteQL.
///
/// Conventions the translated SQL relies on:
/// * dates (`trandate`, `shipdate`, `duedate`, `hiredate`) are text `YYYY-MM-DD`;
/// * date-times (`createddate`, `datecreated`, `lastmodifieddate`) are text
///   `YYYY-MM-DDTHH:MM:SSZ` in UTC;
/// * check boxes (`isinactive`, `mainline`, `posting`, ...) are text `'T'` / `'F'`;
/// * `transactionline` rows are keyed by (`transaction`, `id`): a line id is
///   only unique within its transaction, as in NetSuite (`uniquekey` is global).
pub fn schema_sql() -> &'static str {
    SCHEMA_SQL
}

const SCHEMA_SQL: &str = r#"CREATE TABLE IF NOT EXISTS currency (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    displaysymbol  TEXT,
    exchangerate   REAL,
    isbasecurrency TEXT NOT NULL DEFAULT 'F',
    isinactive     TEXT NOT NULL DEFAULT 'F',
    externalid     TEXT
);
CREATE TABLE IF NOT EXISTS subsidiary (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    fullname         TEXT,
    parent           INTEGER,
    currency         INTEGER,
    country          TEXT,
    iselimination    TEXT NOT NULL DEFAULT 'F',
    isinactive       TEXT NOT NULL DEFAULT 'F',
    externalid       TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS account (
    id               INTEGER PRIMARY KEY,
    acctnumber       TEXT,
    acctname         TEXT NOT NULL,
    fullname         TEXT,
    accttype         TEXT NOT NULL,
    description      TEXT,
    parent           INTEGER,
    subsidiary       INTEGER,
    currency         INTEGER,
    issummary        TEXT NOT NULL DEFAULT 'F',
    isinactive       TEXT NOT NULL DEFAULT 'F',
    externalid       TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS customer (
    id               INTEGER PRIMARY KEY,
    entityid         TEXT,
    companyname      TEXT,
    firstname        TEXT,
    lastname         TEXT,
    isperson         TEXT NOT NULL DEFAULT 'F',
    email            TEXT,
    phone            TEXT,
    comments         TEXT,
    subsidiary       INTEGER,
    currency         INTEGER,
    salesrep         INTEGER,
    creditlimit      REAL,
    balance          REAL,
    isinactive       TEXT NOT NULL DEFAULT 'F',
    externalid       TEXT,
    datecreated      TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS contact (
    id               INTEGER PRIMARY KEY,
    entityid         TEXT,
    firstname        TEXT,
    lastname         TEXT,
    email            TEXT,
    phone            TEXT,
    title            TEXT,
    company          INTEGER,
    subsidiary       INTEGER,
    isinactive       TEXT NOT NULL DEFAULT 'F',
    externalid       TEXT,
    datecreated      TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS employee (
    id               INTEGER PRIMARY KEY,
    entityid         TEXT,
    firstname        TEXT,
    lastname         TEXT,
    email            TEXT,
    phone            TEXT,
    title            TEXT,
    subsidiary       INTEGER,
    supervisor       INTEGER,
    hiredate         TEXT,
    isinactive       TEXT NOT NULL DEFAULT 'F',
    externalid       TEXT,
    datecreated      TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS item (
    id                  INTEGER PRIMARY KEY,
    itemid              TEXT NOT NULL,
    displayname         TEXT,
    description         TEXT,
    purchasedescription TEXT,
    itemtype            TEXT NOT NULL,
    baseprice           REAL,
    cost                REAL,
    subsidiary          INTEGER,
    isinactive          TEXT NOT NULL DEFAULT 'F',
    externalid          TEXT,
    createddate         TEXT,
    lastmodifieddate    TEXT
);
CREATE TABLE IF NOT EXISTS "transaction" (
    id               INTEGER PRIMARY KEY,
    tranid           TEXT,
    trandate         TEXT NOT NULL,
    type             TEXT NOT NULL,
    recordtype       TEXT NOT NULL,
    entity           INTEGER,
    status           TEXT,
    foreigntotal     REAL,
    currency         INTEGER,
    exchangerate     REAL,
    subsidiary       INTEGER,
    employee         INTEGER,
    createdfrom      INTEGER,
    otherrefnum      TEXT,
    shipdate         TEXT,
    duedate          TEXT,
    memo             TEXT,
    externalid       TEXT,
    createddate      TEXT,
    lastmodifieddate TEXT,
    posting          TEXT NOT NULL DEFAULT 'F'
);
CREATE TABLE IF NOT EXISTS transactionline (
    "transaction"      INTEGER NOT NULL,
    id                 INTEGER NOT NULL,
    linesequencenumber INTEGER,
    uniquekey          INTEGER,
    mainline           TEXT NOT NULL DEFAULT 'F',
    taxline            TEXT NOT NULL DEFAULT 'F',
    item               INTEGER,
    quantity           REAL,
    rate               REAL,
    netamount          REAL,
    foreignamount      REAL,
    memo               TEXT,
    entity             INTEGER,
    subsidiary         INTEGER,
    isclosed           TEXT NOT NULL DEFAULT 'F',
    PRIMARY KEY ("transaction", id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS currency_externalid ON currency(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS subsidiary_externalid ON subsidiary(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS account_externalid ON account(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS customer_externalid ON customer(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS contact_externalid ON contact(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS employee_externalid ON employee(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS item_externalid ON item(externalid) WHERE externalid IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS transaction_externalid ON "transaction"(externalid) WHERE externalid IS NOT NULL;
CREATE INDEX IF NOT EXISTS transaction_type ON "transaction"(type);
CREATE INDEX IF NOT EXISTS transaction_entity ON "transaction"(entity);
CREATE INDEX IF NOT EXISTS transaction_trandate ON "transaction"(trandate);
CREATE INDEX IF NOT EXISTS transaction_lastmodifieddate ON "transaction"(lastmodifieddate);
CREATE INDEX IF NOT EXISTS transactionline_id ON transactionline(id);
CREATE INDEX IF NOT EXISTS transactionline_uniquekey ON transactionline(uniquekey);
CREATE INDEX IF NOT EXISTS transactionline_item ON transactionline(item);
CREATE INDEX IF NOT EXISTS customer_entityid ON customer(entityid);
CREATE INDEX IF NOT EXISTS customer_lastmodifieddate ON customer(lastmodifieddate);
CREATE INDEX IF NOT EXISTS contact_company ON contact(company);
CREATE INDEX IF NOT EXISTS item_itemid ON item(itemid);
"#;

/// `transaction.type` codes and their display names.
pub(crate) const TRANSACTION_TYPES: &[(&str, &str)] = &[
    ("SalesOrd", "Sales Order"),
    ("CustInvc", "Invoice"),
    ("CashSale", "Cash Sale"),
    ("CustCred", "Credit Memo"),
    ("CustPymt", "Payment"),
    ("CustDep", "Customer Deposit"),
    ("CustRfnd", "Customer Refund"),
    ("Estimate", "Quote"),
    ("Opprtnty", "Opportunity"),
    ("RtnAuth", "Return Authorization"),
    ("PurchOrd", "Purchase Order"),
    ("VendBill", "Bill"),
    ("VendCred", "Bill Credit"),
    ("VendPymt", "Bill Payment"),
    ("ItemShip", "Item Fulfillment"),
    ("ItemRcpt", "Item Receipt"),
    ("Journal", "Journal"),
    ("Check", "Check"),
    ("Deposit", "Deposit"),
    ("CardChrg", "Credit Card"),
    ("CardRfnd", "CCard Refund"),
    ("TrnfrOrd", "Transfer Order"),
    ("InvAdjst", "Inventory Adjustment"),
    ("WorkOrd", "Work Order"),
    ("ExpRept", "Expense Report"),
];

/// `transaction.status` codes per transaction type and their display text.
pub(crate) const TRANSACTION_STATUSES: &[(&str, &[(&str, &str)])] = &[
    (
        "SalesOrd",
        &[
            ("A", "Pending Approval"),
            ("B", "Pending Fulfillment"),
            ("C", "Cancelled"),
            ("D", "Partially Fulfilled"),
            ("E", "Pending Billing/Partially Fulfilled"),
            ("F", "Pending Billing"),
            ("G", "Billed"),
            ("H", "Closed"),
        ],
    ),
    (
        "CustInvc",
        &[
            ("A", "Open"),
            ("B", "Paid In Full"),
            ("D", "Pending Approval"),
            ("E", "Rejected"),
            ("V", "Voided"),
        ],
    ),
    (
        "CashSale",
        &[
            ("A", "Unapproved Payment"),
            ("B", "Not Deposited"),
            ("C", "Deposited"),
        ],
    ),
    ("CustCred", &[("A", "Open"), ("B", "Fully Applied")]),
    (
        "CustPymt",
        &[
            ("A", "Unapproved Payment"),
            ("B", "Not Deposited"),
            ("C", "Deposited"),
        ],
    ),
    (
        "CustDep",
        &[
            ("A", "Not Deposited"),
            ("B", "Deposited"),
            ("C", "Fully Applied"),
        ],
    ),
    (
        "Estimate",
        &[
            ("A", "Open"),
            ("B", "Processed"),
            ("C", "Closed"),
            ("V", "Voided"),
            ("X", "Expired"),
        ],
    ),
    (
        "PurchOrd",
        &[
            ("A", "Pending Supervisor Approval"),
            ("B", "Pending Receipt"),
            ("C", "Rejected by Supervisor"),
            ("D", "Partially Received"),
            ("E", "Pending Billing/Partially Received"),
            ("F", "Pending Bill"),
            ("G", "Fully Billed"),
            ("H", "Closed"),
        ],
    ),
    (
        "VendBill",
        &[
            ("A", "Open"),
            ("B", "Paid In Full"),
            ("C", "Cancelled"),
            ("D", "Pending Approval"),
            ("E", "Rejected"),
        ],
    ),
    (
        "RtnAuth",
        &[
            ("A", "Pending Approval"),
            ("B", "Pending Receipt"),
            ("C", "Cancelled"),
            ("D", "Partially Received"),
            ("E", "Pending Refund/Partially Received"),
            ("F", "Pending Refund"),
            ("G", "Refunded"),
            ("H", "Closed"),
        ],
    ),
    (
        "ItemShip",
        &[("A", "Picked"), ("B", "Packed"), ("C", "Shipped")],
    ),
    (
        "Journal",
        &[("A", "Pending Approval"), ("B", "Approved for Posting")],
    ),
];

/// `item.itemtype` codes and their display names.
pub(crate) const ITEM_TYPES: &[(&str, &str)] = &[
    ("InvtPart", "Inventory Item"),
    ("NonInvtPart", "Non-inventory Item"),
    ("Service", "Service"),
    ("OthCharge", "Other Charge"),
    ("Assembly", "Assembly"),
    ("Kit", "Kit/Package"),
    ("Group", "Item Group"),
    ("Discount", "Discount"),
    ("Markup", "Markup"),
    ("Payment", "Payment"),
    ("Subtotal", "Subtotal"),
    ("Description", "Description"),
    ("GiftCert", "Gift Certificate"),
    ("DwnLdItem", "Download Item"),
];

/// `account.accttype` codes and their display names.
pub(crate) const ACCOUNT_TYPES: &[(&str, &str)] = &[
    ("Bank", "Bank"),
    ("AcctRec", "Accounts Receivable"),
    ("OthCurrAsset", "Other Current Asset"),
    ("FixedAsset", "Fixed Asset"),
    ("OthAsset", "Other Asset"),
    ("AcctPay", "Accounts Payable"),
    ("CredCard", "Credit Card"),
    ("OthCurrLiab", "Other Current Liability"),
    ("LongTermLiab", "Long Term Liability"),
    ("Equity", "Equity"),
    ("Income", "Income"),
    ("COGS", "Cost of Goods Sold"),
    ("Expense", "Expense"),
    ("OthIncome", "Other Income"),
    ("OthExpense", "Other Expense"),
    ("DeferRevenue", "Deferred Revenue"),
    ("DeferExpense", "Deferred Expense"),
    ("UnbilledRec", "Unbilled Receivable"),
    ("NonPosting", "Non Posting"),
    ("Stat", "Statistical"),
];

/// `CASE value WHEN code THEN name ... ELSE value END`.
pub(crate) fn code_display(value: &str, codes: &[(&str, &str)]) -> String {
    let mut out = format!("CASE {value}");
    for (code, name) in codes {
        out.push_str(" WHEN ");
        out.push_str(&string(code));
        out.push_str(" THEN ");
        out.push_str(&string(name));
    }
    out.push_str(" ELSE ");
    out.push_str(value);
    out.push_str(" END");
    out
}

/// The display text of a transaction status, given its type and status code.
pub(crate) fn status_display(type_sql: &str, status_sql: &str) -> String {
    let mut out = format!("CASE {type_sql} || ':' || {status_sql}");
    for (ty, statuses) in TRANSACTION_STATUSES {
        let type_name = TRANSACTION_TYPES
            .iter()
            .find(|(code, _)| code == ty)
            .map_or(*ty, |(_, name)| *name);
        for (code, name) in *statuses {
            out.push_str(" WHEN ");
            out.push_str(&string(&format!("{ty}:{code}")));
            out.push_str(" THEN ");
            out.push_str(&string(&format!("{type_name} : {name}")));
        }
    }
    out.push_str(" ELSE ");
    out.push_str(status_sql);
    out.push_str(" END");
    out
}

/// The name of a record (what `BUILTIN.DF` shows for a reference to it), with
/// the record's columns qualified by `alias` (already quoted).
pub(crate) fn record_name(table: &str, alias: &str) -> String {
    let col = |name: &str| format!("{alias}.{}", ident(name));
    match table {
        "customer" => format!("coalesce({}, {})", col("companyname"), col("entityid")),
        "account" => format!("coalesce({}, {})", col("fullname"), col("acctname")),
        "item" => col("itemid"),
        "subsidiary" | "currency" => col("name"),
        "transaction" => format!(
            "{} || ' #' || {}",
            code_display(&col("type"), TRANSACTION_TYPES),
            col("tranid")
        ),
        // contact, employee
        _ => col("entityid"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column definitions and the SQLite tables agree, name by name.
    #[test]
    fn definitions_match_schema_sql() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(schema_sql()).unwrap();
        // Idempotent.
        conn.execute_batch(schema_sql()).unwrap();
        let names: Vec<&str> = TABLE_DEFS.iter().map(|t| t.name).collect();
        assert_eq!(names, TABLES);
        for t in TABLE_DEFS {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{}')",
                    t.name
                ))
                .unwrap();
            let cols: Vec<(String, String, bool, i64)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(cols.len(), t.columns.len(), "{}", t.name);
            for (name, decl, not_null, pk) in cols {
                let def = t
                    .column(&name)
                    .unwrap_or_else(|| panic!("{}.{name}", t.name));
                assert_eq!(
                    def.not_null,
                    not_null || pk > 0,
                    "{}.{name} not null",
                    t.name
                );
                let number = matches!(decl.as_str(), "INTEGER" | "REAL");
                assert_eq!(def.ty == Ty::Number, number, "{}.{name} type", t.name);
            }
        }
    }

    #[test]
    fn every_reference_names_a_table() {
        for t in TABLE_DEFS {
            for c in t.columns {
                if let Display::Record(target) = c.display {
                    assert!(table(target).is_some(), "{}.{}", t.name, c.name);
                }
            }
        }
    }
}
