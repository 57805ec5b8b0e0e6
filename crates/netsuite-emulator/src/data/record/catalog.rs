//! The record types kept in SQL tables, and how their REST fields map onto the
//! columns SuiteQL sees.
//!
//! One schema serves both APIs: `GET /record/v1/salesorder/304` and
//! `SELECT tranid FROM transaction WHERE id = 304` read the same row. A REST field
//! (`companyName`) maps onto a column with NetSuite's SuiteQL name (`companyname`);
//! booleans are stored as `'T'`/`'F'`, dates as `YYYY-MM-DD`, times as
//! `YYYY-MM-DDTHH:MM:SSZ`, references as the internal id of the record they point at.
//! Record types without a table (vendors, custom records, ...) are JSON documents in
//! the `record` table instead.

/// What a field holds, and so how it is rendered, written and filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string.
    Text,
    /// An integer.
    Integer,
    /// A number (amounts, rates, quantities).
    Float,
    /// `true`/`false` on the wire, `'T'`/`'F'` in SQL.
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    DateTime,
    /// A reference to another record: `{links, id, refName}` on the wire.
    Ref(Target),
    /// A list value: `{id, refName}` on the wire, the id in SQL.
    Select(&'static [(&'static str, &'static str)]),
}

/// What a reference field points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// One record type (canonical name).
    Type(&'static str),
    /// Any item type (transaction lines): the link names the item's own type.
    AnyItem,
}

/// A field of a record type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// The REST name (`companyName`); matched case-insensitively.
    pub name: &'static str,
    /// The SQL column (`companyname`).
    pub column: &'static str,
    pub kind: Kind,
    /// The label NetSuite uses in messages ("Company Name").
    pub label: &'static str,
    /// Must be set on create (after defaults are applied).
    pub required: bool,
    /// Computed or system-maintained: ignored in request bodies.
    pub read_only: bool,
}

const fn f(name: &'static str, column: &'static str, kind: Kind, label: &'static str) -> Field {
    Field {
        name,
        column,
        kind,
        label,
        required: false,
        read_only: false,
    }
}

impl Field {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
}

/// A sublist stored in its own table (`item` lines of a transaction).
#[derive(Debug)]
pub(crate) struct Sublist {
    /// The REST name (`item`).
    pub name: &'static str,
    pub table: &'static str,
    /// The column that holds the parent's id.
    pub parent_column: &'static str,
    /// The column that numbers lines within a parent (the `line` field).
    pub line_column: &'static str,
    /// SQL condition selecting this sublist's rows (`mainline = 'F'`).
    pub condition: &'static str,
    pub fields: &'static [Field],
}

/// A record type stored in a table.
#[derive(Debug)]
pub(crate) struct TypeDef {
    /// The canonical REST name, lowercase (`salesorder`).
    pub name: &'static str,
    /// What NetSuite calls it in messages ("Sales Order").
    pub label: &'static str,
    pub table: &'static str,
    /// `(column, value)` telling this type's rows apart in a shared table.
    pub discriminator: Option<(&'static str, &'static str)>,
    /// Other columns set on every insert.
    pub fixed: &'static [(&'static str, &'static str)],
    pub fields: &'static [Field],
    /// SQL expression (over the table's columns) for `refName` when referenced.
    pub ref_name: &'static str,
    pub sublists: &'static [Sublist],
    /// Tables whose ids share one sequence with this one (NetSuite numbers all
    /// entities in one series).
    pub id_family: &'static [&'static str],
}

impl TypeDef {
    /// The field with this REST name (case-insensitive) or column name.
    pub(crate) fn field(&self, name: &str) -> Option<&'static Field> {
        find_field(self.fields, name)
    }

    /// The sublist with this REST name (case-insensitive).
    pub(crate) fn sublist(&self, name: &str) -> Option<&'static Sublist> {
        self.sublists
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// SQL condition restricting the table to this type, with a leading ` AND `.
    pub(crate) fn and_discriminator(&self) -> String {
        match self.discriminator {
            Some((c, v)) => format!(" AND {c} = '{v}'"),
            None => String::new(),
        }
    }
}

/// The field with this REST name (case-insensitive) or column name.
pub(crate) fn find_field(fields: &'static [Field], name: &str) -> Option<&'static Field> {
    fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .or_else(|| fields.iter().find(|f| f.column.eq_ignore_ascii_case(name)))
}

/// Countries the demo data uses (`country` select fields).
pub(crate) const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("AU", "Australia"),
    ("JP", "Japan"),
];

/// `accttype` values.
pub(crate) const ACCOUNT_TYPES: &[(&str, &str)] = &[
    ("Bank", "Bank"),
    ("AcctRec", "Accounts Receivable"),
    ("OthCurrAsset", "Other Current Asset"),
    ("FixedAsset", "Fixed Asset"),
    ("AcctPay", "Accounts Payable"),
    ("OthCurrLiab", "Other Current Liability"),
    ("Equity", "Equity"),
    ("Income", "Income"),
    ("COGS", "Cost of Goods Sold"),
    ("Expense", "Expense"),
];

/// Sales order statuses (`transaction.status` for `SalesOrd`).
pub(crate) const SALES_ORDER_STATUS: &[(&str, &str)] = &[
    ("A", "Pending Approval"),
    ("B", "Pending Fulfillment"),
    ("C", "Cancelled"),
    ("D", "Partially Fulfilled"),
    ("E", "Pending Billing/Partially Fulfilled"),
    ("F", "Pending Billing"),
    ("G", "Billed"),
    ("H", "Closed"),
];

/// Invoice statuses (`transaction.status` for `CustInvc`).
pub(crate) const INVOICE_STATUS: &[(&str, &str)] = &[("A", "Open"), ("B", "Paid In Full")];

/// `item.itemtype` values of the item types kept in the `item` table.
pub(crate) const ITEM_TYPES: &[(&str, &str)] = &[
    ("InvtPart", "Inventory Item"),
    ("NonInvtPart", "Non-inventory Item"),
    ("Service", "Service"),
];

const ENTITY_FAMILY: &[&str] = &["customer", "contact", "employee"];

const SUBSIDIARY_FIELDS: &[Field] = &[
    f("name", "name", Kind::Text, "Name").required(),
    f("fullName", "fullname", Kind::Text, "Full Name").read_only(),
    f(
        "parent",
        "parent",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary Of",
    ),
    f(
        "currency",
        "currency",
        Kind::Ref(Target::Type("currency")),
        "Currency",
    ),
    f("country", "country", Kind::Select(COUNTRIES), "Country"),
    f("isElimination", "iselimination", Kind::Bool, "Elimination"),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const CURRENCY_FIELDS: &[Field] = &[
    f("name", "name", Kind::Text, "Name").required(),
    f("symbol", "symbol", Kind::Text, "ISO Code").required(),
    f("displaySymbol", "displaysymbol", Kind::Text, "Symbol"),
    f(
        "exchangeRate",
        "exchangerate",
        Kind::Float,
        "Default Exchange Rate",
    ),
    f(
        "isBaseCurrency",
        "isbasecurrency",
        Kind::Bool,
        "Base Currency",
    )
    .read_only(),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
];

const ACCOUNT_FIELDS: &[Field] = &[
    f("acctNumber", "acctnumber", Kind::Text, "Number"),
    f("acctName", "acctname", Kind::Text, "Name").required(),
    f("fullName", "fullname", Kind::Text, "Full Name").read_only(),
    f("acctType", "accttype", Kind::Select(ACCOUNT_TYPES), "Type").required(),
    f("description", "description", Kind::Text, "Description"),
    f(
        "parent",
        "parent",
        Kind::Ref(Target::Type("account")),
        "Subaccount Of",
    ),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    ),
    f(
        "currency",
        "currency",
        Kind::Ref(Target::Type("currency")),
        "Currency",
    ),
    f("isSummary", "issummary", Kind::Bool, "Summary"),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const CUSTOMER_FIELDS: &[Field] = &[
    f("entityId", "entityid", Kind::Text, "Customer ID"),
    // Required unless isPerson: checked by the writer.
    f("companyName", "companyname", Kind::Text, "Company Name"),
    f("firstName", "firstname", Kind::Text, "First Name"),
    f("lastName", "lastname", Kind::Text, "Last Name"),
    f("isPerson", "isperson", Kind::Bool, "Type"),
    f("email", "email", Kind::Text, "Email"),
    f("phone", "phone", Kind::Text, "Phone"),
    f("comments", "comments", Kind::Text, "Comments"),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Primary Subsidiary",
    )
    .required(),
    f(
        "currency",
        "currency",
        Kind::Ref(Target::Type("currency")),
        "Currency",
    ),
    f(
        "salesRep",
        "salesrep",
        Kind::Ref(Target::Type("employee")),
        "Sales Rep",
    ),
    f("creditLimit", "creditlimit", Kind::Float, "Credit Limit"),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("dateCreated", "datecreated", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const CONTACT_FIELDS: &[Field] = &[
    f("entityId", "entityid", Kind::Text, "Contact").required(),
    f("firstName", "firstname", Kind::Text, "First Name"),
    f("lastName", "lastname", Kind::Text, "Last Name"),
    f("email", "email", Kind::Text, "Email"),
    f("phone", "phone", Kind::Text, "Phone"),
    f("title", "title", Kind::Text, "Job Title"),
    f(
        "company",
        "company",
        Kind::Ref(Target::Type("customer")),
        "Company",
    ),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    )
    .required(),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("dateCreated", "datecreated", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const EMPLOYEE_FIELDS: &[Field] = &[
    f("entityId", "entityid", Kind::Text, "Employee ID"),
    f("firstName", "firstname", Kind::Text, "First Name").required(),
    f("lastName", "lastname", Kind::Text, "Last Name").required(),
    f("email", "email", Kind::Text, "Email"),
    f("phone", "phone", Kind::Text, "Phone"),
    f("title", "title", Kind::Text, "Job Title"),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    )
    .required(),
    f(
        "supervisor",
        "supervisor",
        Kind::Ref(Target::Type("employee")),
        "Supervisor",
    ),
    f("hireDate", "hiredate", Kind::Date, "Hire Date"),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("dateCreated", "datecreated", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const ITEM_FIELDS: &[Field] = &[
    f("itemId", "itemid", Kind::Text, "Item Name/Number").required(),
    f(
        "displayName",
        "displayname",
        Kind::Text,
        "Display Name/Code",
    ),
    f(
        "salesDescription",
        "description",
        Kind::Text,
        "Sales Description",
    ),
    f(
        "purchaseDescription",
        "purchasedescription",
        Kind::Text,
        "Purchase Description",
    ),
    f("basePrice", "baseprice", Kind::Float, "Base Price"),
    f("cost", "cost", Kind::Float, "Purchase Price"),
    f(
        "itemType",
        "itemtype",
        Kind::Select(ITEM_TYPES),
        "Item Type",
    )
    .read_only(),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    ),
    f("isInactive", "isinactive", Kind::Bool, "Inactive"),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("createdDate", "createddate", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const ITEM_LINE_FIELDS: &[Field] = &[
    f("line", "id", Kind::Integer, "Line").read_only(),
    f("item", "item", Kind::Ref(Target::AnyItem), "Item").required(),
    f("quantity", "quantity", Kind::Float, "Quantity"),
    f("rate", "rate", Kind::Float, "Rate"),
    f("amount", "foreignamount", Kind::Float, "Amount"),
    f("description", "memo", Kind::Text, "Description"),
    f("isClosed", "isclosed", Kind::Bool, "Closed"),
];

const ITEM_SUBLIST: &[Sublist] = &[Sublist {
    name: "item",
    table: "transactionline",
    parent_column: "transaction",
    line_column: "id",
    condition: "mainline = 'F'",
    fields: ITEM_LINE_FIELDS,
}];

const SALES_ORDER_FIELDS: &[Field] = &[
    f("tranId", "tranid", Kind::Text, "Order #"),
    f("tranDate", "trandate", Kind::Date, "Date").required(),
    f(
        "entity",
        "entity",
        Kind::Ref(Target::Type("customer")),
        "Customer",
    )
    .required(),
    f(
        "status",
        "status",
        Kind::Select(SALES_ORDER_STATUS),
        "Status",
    ),
    f(
        "currency",
        "currency",
        Kind::Ref(Target::Type("currency")),
        "Currency",
    ),
    f("exchangeRate", "exchangerate", Kind::Float, "Exchange Rate"),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    ),
    f(
        "salesRep",
        "employee",
        Kind::Ref(Target::Type("employee")),
        "Sales Rep",
    ),
    f("otherRefNum", "otherrefnum", Kind::Text, "PO #"),
    f("shipDate", "shipdate", Kind::Date, "Ship Date"),
    f("memo", "memo", Kind::Text, "Memo"),
    f("subtotal", "foreigntotal", Kind::Float, "Subtotal").read_only(),
    f("total", "foreigntotal", Kind::Float, "Total").read_only(),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("createdDate", "createddate", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const INVOICE_FIELDS: &[Field] = &[
    f("tranId", "tranid", Kind::Text, "Invoice #"),
    f("tranDate", "trandate", Kind::Date, "Date").required(),
    f(
        "entity",
        "entity",
        Kind::Ref(Target::Type("customer")),
        "Customer",
    )
    .required(),
    f("status", "status", Kind::Select(INVOICE_STATUS), "Status"),
    f(
        "currency",
        "currency",
        Kind::Ref(Target::Type("currency")),
        "Currency",
    ),
    f("exchangeRate", "exchangerate", Kind::Float, "Exchange Rate"),
    f(
        "subsidiary",
        "subsidiary",
        Kind::Ref(Target::Type("subsidiary")),
        "Subsidiary",
    ),
    f(
        "salesRep",
        "employee",
        Kind::Ref(Target::Type("employee")),
        "Sales Rep",
    ),
    f(
        "createdFrom",
        "createdfrom",
        Kind::Ref(Target::Type("salesorder")),
        "Created From",
    ),
    f("otherRefNum", "otherrefnum", Kind::Text, "PO #"),
    f("dueDate", "duedate", Kind::Date, "Due Date"),
    f("memo", "memo", Kind::Text, "Memo"),
    f("subtotal", "foreigntotal", Kind::Float, "Subtotal").read_only(),
    f("total", "foreigntotal", Kind::Float, "Total").read_only(),
    f("externalId", "externalid", Kind::Text, "External ID"),
    f("createdDate", "createddate", Kind::DateTime, "Date Created").read_only(),
    f(
        "lastModifiedDate",
        "lastmodifieddate",
        Kind::DateTime,
        "Last Modified",
    )
    .read_only(),
];

const CUSTOMER_REF_NAME: &str = "COALESCE(companyname, NULLIF(TRIM(COALESCE(firstname, '') || ' ' || COALESCE(lastname, '')), ''), entityid)";

/// Every table-backed record type.
pub(crate) const TYPES: &[TypeDef] = &[
    TypeDef {
        name: "subsidiary",
        label: "Subsidiary",
        table: "subsidiary",
        discriminator: None,
        fixed: &[],
        fields: SUBSIDIARY_FIELDS,
        ref_name: "name",
        sublists: &[],
        id_family: &["subsidiary"],
    },
    TypeDef {
        name: "currency",
        label: "Currency",
        table: "currency",
        discriminator: None,
        fixed: &[],
        fields: CURRENCY_FIELDS,
        ref_name: "name",
        sublists: &[],
        id_family: &["currency"],
    },
    TypeDef {
        name: "account",
        label: "Account",
        table: "account",
        discriminator: None,
        fixed: &[],
        fields: ACCOUNT_FIELDS,
        ref_name: "COALESCE(acctnumber || ' ' || acctname, acctname)",
        sublists: &[],
        id_family: &["account"],
    },
    TypeDef {
        name: "customer",
        label: "Customer",
        table: "customer",
        discriminator: None,
        fixed: &[],
        fields: CUSTOMER_FIELDS,
        ref_name: CUSTOMER_REF_NAME,
        sublists: &[],
        id_family: ENTITY_FAMILY,
    },
    TypeDef {
        name: "contact",
        label: "Contact",
        table: "contact",
        discriminator: None,
        fixed: &[],
        fields: CONTACT_FIELDS,
        ref_name: "entityid",
        sublists: &[],
        id_family: ENTITY_FAMILY,
    },
    TypeDef {
        name: "employee",
        label: "Employee",
        table: "employee",
        discriminator: None,
        fixed: &[],
        fields: EMPLOYEE_FIELDS,
        ref_name: "entityid",
        sublists: &[],
        id_family: ENTITY_FAMILY,
    },
    TypeDef {
        name: "inventoryitem",
        label: "Inventory Item",
        table: "item",
        discriminator: Some(("itemtype", "InvtPart")),
        fixed: &[],
        fields: ITEM_FIELDS,
        ref_name: "itemid",
        sublists: &[],
        id_family: &["item"],
    },
    TypeDef {
        name: "noninventorysaleitem",
        label: "Non-inventory Item for Sale",
        table: "item",
        discriminator: Some(("itemtype", "NonInvtPart")),
        fixed: &[],
        fields: ITEM_FIELDS,
        ref_name: "itemid",
        sublists: &[],
        id_family: &["item"],
    },
    TypeDef {
        name: "servicesaleitem",
        label: "Service Item for Sale",
        table: "item",
        discriminator: Some(("itemtype", "Service")),
        fixed: &[],
        fields: ITEM_FIELDS,
        ref_name: "itemid",
        sublists: &[],
        id_family: &["item"],
    },
    TypeDef {
        name: "salesorder",
        label: "Sales Order",
        table: "transaction",
        discriminator: Some(("type", "SalesOrd")),
        fixed: &[("recordtype", "salesorder"), ("posting", "F")],
        fields: SALES_ORDER_FIELDS,
        ref_name: "'Sales Order #' || tranid",
        sublists: ITEM_SUBLIST,
        id_family: &["transaction"],
    },
    TypeDef {
        name: "invoice",
        label: "Invoice",
        table: "transaction",
        discriminator: Some(("type", "CustInvc")),
        fixed: &[("recordtype", "invoice"), ("posting", "T")],
        fields: INVOICE_FIELDS,
        ref_name: "'Invoice #' || tranid",
        sublists: ITEM_SUBLIST,
        id_family: &["transaction"],
    },
];

/// The table-backed definition of a canonical record type name.
pub(crate) fn lookup(canonical: &str) -> Option<&'static TypeDef> {
    TYPES.iter().find(|t| t.name == canonical)
}

/// The REST type of an item from its `itemtype`.
pub(crate) fn item_type_name(itemtype: &str) -> &'static str {
    TYPES
        .iter()
        .find(|t| t.table == "item" && t.discriminator.is_some_and(|(_, v)| v == itemtype))
        .map_or("inventoryitem", |t| t.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field and sublist maps onto a column that exists.
    #[test]
    fn fields_map_onto_columns() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate(&conn).unwrap();
        let columns = |table: &str| -> Vec<String> {
            let mut stmt = conn
                .prepare(&format!("PRAGMA table_info(\"{table}\")"))
                .unwrap();
            stmt.query_map([], |r| r.get::<_, String>(1))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        for t in TYPES {
            let cols = columns(t.table);
            assert!(!cols.is_empty(), "table {}", t.table);
            for f in t.fields {
                assert!(
                    cols.iter().any(|c| c == f.column),
                    "{}.{}",
                    t.name,
                    f.column
                );
                if let Kind::Ref(Target::Type(target)) = f.kind {
                    assert!(
                        lookup(target).is_some(),
                        "{}.{} -> {target}",
                        t.name,
                        f.name
                    );
                }
            }
            for (c, _) in t.discriminator.iter().chain(t.fixed) {
                assert!(cols.iter().any(|x| x == c), "{}.{c}", t.name);
            }
            for s in t.sublists {
                let cols = columns(s.table);
                assert!(cols.iter().any(|c| c == s.parent_column));
                for f in s.fields {
                    assert!(
                        cols.iter().any(|c| c == f.column),
                        "{}.{}",
                        s.name,
                        f.column
                    );
                }
            }
            let sql = format!("SELECT {} FROM \"{}\" LIMIT 1", t.ref_name, t.table);
            conn.prepare(&sql).unwrap();
        }
        assert_eq!(item_type_name("Service"), "servicesaleitem");
        assert_eq!(
            lookup("salesorder").unwrap().field("TRANID").unwrap().name,
            "tranId"
        );
        assert_eq!(
            lookup("salesorder")
                .unwrap()
                .field("foreigntotal")
                .unwrap()
                .name,
            "subtotal"
        );
    }
}
