//! The NetSuite data model, written down once: every table SuiteQL sees and
//! every record type the REST record API serves from it, with their columns
//! and fields, and the code tables (transaction types and statuses, item and
//! account types, countries).
//!
//! Both the translator and the emulator read it: the translator resolves
//! columns and `BUILTIN.DF` displays here, the emulator creates its tables from
//! [`Model::schema_sql`] and renders, writes, filters and describes records
//! (`metadata-catalog`) from [`Model::record_types`]. A test can build an
//! extended model ([`Model::add_column`]) and run both over it.
//!
//! Storage conventions the translated SQL relies on:
//! * dates ([`SqlType::Date`]) are text `YYYY-MM-DD`;
//! * date-times ([`SqlType::DateTime`]) are text `YYYY-MM-DDTHH:MM:SSZ` in UTC;
//! * check boxes ([`SqlType::Bool`]) are text `'T'` / `'F'`;
//! * `transactionline` rows are keyed by (`transaction`, `id`): a line id is
//!   only unique within its transaction, as in NetSuite (`uniquekey` is global).

use std::sync::LazyLock;

use crate::sql::{Ty, ident, string};

/// A code table: `(code, display name)` pairs.
pub type Codes = &'static [(&'static str, &'static str)];

/// How a column is stored in SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlType {
    /// `INTEGER`: ids, references, counters.
    Integer,
    /// `REAL`: amounts, rates, quantities.
    Real,
    /// `TEXT`.
    Text,
    /// `TEXT` holding `YYYY-MM-DD`.
    Date,
    /// `TEXT` holding `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    DateTime,
    /// `TEXT` holding `'T'` or `'F'` (a check box).
    Bool,
}

impl SqlType {
    /// The declared SQLite type.
    #[must_use]
    pub fn declared(self) -> &'static str {
        match self {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            _ => "TEXT",
        }
    }

    pub(crate) fn ty(self) -> Ty {
        match self {
            SqlType::Integer | SqlType::Real => Ty::Number,
            SqlType::Text | SqlType::Bool => Ty::Text,
            SqlType::Date => Ty::Date,
            SqlType::DateTime => Ty::DateTime,
        }
    }
}

/// What `BUILTIN.DF` shows for a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Display {
    /// The value itself.
    Value,
    /// A reference to the `id` of a record in this table: its name.
    Record(&'static str),
    /// A code: its display name from this code table.
    Codes(Codes),
    /// `transaction.status`: "Sales Order : Pending Fulfillment", ... (by the
    /// row's `type`, from [`TRANSACTION_STATUSES`]).
    TransactionStatus,
}

/// What a REST field holds, and so how it is rendered, written and filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
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
    Select(Codes),
}

/// What a reference field points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One record type (canonical name).
    Type(&'static str),
    /// Any item type (transaction lines): the link names the item's own type.
    AnyItem,
}

/// A column of a SuiteQL table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Column {
    /// The SuiteQL (and SQLite) name, lowercase.
    pub name: &'static str,
    pub sql_type: SqlType,
    /// `NOT NULL` (a `NOT NULL` check box defaults to `'F'`).
    pub not_null: bool,
    /// What `BUILTIN.DF` shows.
    pub display: Display,
    /// The REST field name record types use by default (`companyName`), if
    /// the REST API shows the column.
    pub field: Option<&'static str>,
    /// The label NetSuite uses in messages and the metadata catalog.
    pub label: &'static str,
    /// Set on create by default (after defaults are applied).
    pub required: bool,
    /// Computed or system-maintained: ignored in request bodies.
    pub read_only: bool,
}

impl Column {
    /// A nullable column with no REST field.
    #[must_use]
    pub const fn new(name: &'static str, sql_type: SqlType) -> Column {
        Column {
            name,
            sql_type,
            not_null: false,
            display: Display::Value,
            field: None,
            label: "",
            required: false,
            read_only: false,
        }
    }

    /// `NOT NULL`.
    #[must_use]
    pub const fn not_null(mut self) -> Column {
        self.not_null = true;
        self
    }

    /// Shown by the REST API as `field`, labelled `label`.
    #[must_use]
    pub const fn rest(mut self, field: &'static str, label: &'static str) -> Column {
        self.field = Some(field);
        self.label = label;
        self
    }

    /// A reference to a record of `table` (an `INTEGER` id).
    #[must_use]
    pub const fn refers(mut self, table: &'static str) -> Column {
        self.display = Display::Record(table);
        self
    }

    /// A code of `codes`.
    #[must_use]
    pub const fn codes(mut self, codes: Codes) -> Column {
        self.display = Display::Codes(codes);
        self
    }

    #[must_use]
    pub const fn required(mut self) -> Column {
        self.required = true;
        self
    }

    #[must_use]
    pub const fn read_only(mut self) -> Column {
        self.read_only = true;
        self
    }

    /// The REST kind the column has by default.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match (self.display, self.sql_type) {
            (Display::Record(t), _) => Kind::Ref(Target::Type(t)),
            (Display::Codes(c), _) => Kind::Select(c),
            (_, SqlType::Integer) => Kind::Integer,
            (_, SqlType::Real) => Kind::Float,
            (_, SqlType::Bool) => Kind::Bool,
            (_, SqlType::Date) => Kind::Date,
            (_, SqlType::DateTime) => Kind::DateTime,
            (_, SqlType::Text) => Kind::Text,
        }
    }

    pub(crate) fn ty(&self) -> Ty {
        self.sql_type.ty()
    }
}

/// What `BUILTIN.DF` shows for a reference to a record of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordName {
    /// The first of these columns that is not NULL.
    FirstOf(&'static [&'static str]),
    /// "Sales Order #SO1": the type's display name and `tranid`.
    Transaction,
}

/// A SuiteQL table and the SQLite table behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Table {
    /// The SuiteQL name, lowercase.
    pub name: &'static str,
    pub columns: Vec<Column>,
    /// The primary key: `["id"]` (an `INTEGER PRIMARY KEY`), or several
    /// columns (a `WITHOUT ROWID` table).
    pub key: &'static [&'static str],
    /// Columns with an index of their own (`externalid` always has a unique one).
    pub indexes: &'static [&'static str],
    /// What `BUILTIN.DF` shows for a reference to one of its records (`None`:
    /// no column refers to the table).
    pub record_name: Option<RecordName>,
}

impl Table {
    /// The column with this (lowercase) name.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `CREATE TABLE` and `CREATE INDEX` statements (`IF NOT EXISTS`).
    #[must_use]
    pub fn create_sql(&self) -> String {
        let width = self.columns.iter().map(|c| ident_sql(c.name).len()).max();
        let width = width.unwrap_or(0);
        let mut out = format!("CREATE TABLE IF NOT EXISTS {} (\n", ident_sql(self.name));
        let single = self.key.len() == 1;
        let mut lines = Vec::new();
        for c in &self.columns {
            let mut line = format!("    {:width$} {}", ident_sql(c.name), c.sql_type.declared());
            if single && self.key[0] == c.name {
                line.push_str(" PRIMARY KEY");
            } else if c.not_null {
                line.push_str(" NOT NULL");
                if c.sql_type == SqlType::Bool {
                    line.push_str(" DEFAULT 'F'");
                }
            }
            lines.push(line);
        }
        if !single {
            let key: Vec<String> = self.key.iter().map(|k| ident_sql(k)).collect();
            lines.push(format!("    PRIMARY KEY ({})", key.join(", ")));
        }
        out.push_str(&lines.join(",\n"));
        out.push_str(if single {
            "\n);\n"
        } else {
            "\n) WITHOUT ROWID;\n"
        });
        let table = ident_sql(self.name);
        if self.column("externalid").is_some() {
            out.push_str(&format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {n}_externalid ON {table}(externalid) WHERE externalid IS NOT NULL;\n",
                n = self.name
            ));
        }
        for c in self.indexes {
            out.push_str(&format!(
                "CREATE INDEX IF NOT EXISTS {n}_{c} ON {table}({});\n",
                ident_sql(c),
                n = self.name
            ));
        }
        out
    }
}

/// An identifier as the DDL writes it: quoted only when it is a keyword.
fn ident_sql(name: &str) -> String {
    if name == "transaction" {
        ident(name)
    } else {
        name.to_owned()
    }
}

/// A REST field of a record type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Field {
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

/// How a record type shows one column, where it differs from the column's
/// defaults ([`Column::field`], [`Column::label`], [`Column::kind`], ...).
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    column: &'static str,
    name: Option<&'static str>,
    label: Option<&'static str>,
    kind: Option<Kind>,
    required: Option<bool>,
    read_only: Option<bool>,
}

/// The column's field with its defaults.
#[must_use]
pub const fn field(column: &'static str) -> FieldSpec {
    FieldSpec {
        column,
        name: None,
        label: None,
        kind: None,
        required: None,
        read_only: None,
    }
}

impl FieldSpec {
    /// Another REST name and label.
    #[must_use]
    pub const fn named(mut self, name: &'static str, label: &'static str) -> FieldSpec {
        self.name = Some(name);
        self.label = Some(label);
        self
    }

    #[must_use]
    pub const fn label(mut self, label: &'static str) -> FieldSpec {
        self.label = Some(label);
        self
    }

    #[must_use]
    pub const fn kind(mut self, kind: Kind) -> FieldSpec {
        self.kind = Some(kind);
        self
    }

    #[must_use]
    pub const fn required(mut self) -> FieldSpec {
        self.required = Some(true);
        self
    }

    #[must_use]
    pub const fn optional(mut self) -> FieldSpec {
        self.required = Some(false);
        self
    }

    #[must_use]
    pub const fn read_only(mut self) -> FieldSpec {
        self.read_only = Some(true);
        self
    }

    /// The field, with the column's defaults filled in.
    ///
    /// # Panics
    /// When the table has no such column, or the column no REST name and the
    /// spec none either (a mistake in the model, caught by its tests).
    #[must_use]
    pub fn resolve(&self, table: &Table) -> Field {
        let c = table
            .column(self.column)
            .unwrap_or_else(|| panic!("model: {}.{} is not a column", table.name, self.column));
        Field {
            name: self
                .name
                .or(c.field)
                .unwrap_or_else(|| panic!("model: {}.{} has no REST name", table.name, c.name)),
            column: c.name,
            kind: self.kind.unwrap_or_else(|| c.kind()),
            label: self.label.unwrap_or(c.label),
            required: self.required.unwrap_or(c.required),
            read_only: self.read_only.unwrap_or(c.read_only),
        }
    }
}

/// A sublist stored in its own table (`item` lines of a transaction).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sublist {
    /// The REST name (`item`).
    pub name: &'static str,
    pub table: &'static str,
    /// The column that holds the parent's id.
    pub parent_column: &'static str,
    /// The column that numbers lines within a parent (the `line` field).
    pub line_column: &'static str,
    /// SQL condition selecting this sublist's rows (`mainline = 'F'`).
    pub condition: &'static str,
    pub fields: Vec<Field>,
}

/// A record type stored in a table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordType {
    /// The canonical REST name, lowercase (`salesorder`).
    pub name: &'static str,
    /// What NetSuite calls it in messages ("Sales Order").
    pub label: &'static str,
    pub table: &'static str,
    /// `(column, value)` telling this type's rows apart in a shared table.
    pub discriminator: Option<(&'static str, &'static str)>,
    /// Other columns set on every insert.
    pub fixed: &'static [(&'static str, &'static str)],
    pub fields: Vec<Field>,
    /// SQL expression (over the table's columns) for `refName` when referenced.
    pub ref_name: &'static str,
    pub sublists: Vec<Sublist>,
    /// Tables whose ids share one sequence with this one (NetSuite numbers all
    /// entities in one series).
    pub id_family: &'static [&'static str],
}

impl RecordType {
    /// The field with this REST name (case-insensitive) or column name.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        find_field(&self.fields, name)
    }

    /// The sublist with this REST name (case-insensitive).
    #[must_use]
    pub fn sublist(&self, name: &str) -> Option<&Sublist> {
        self.sublists
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// SQL condition restricting the table to this type, with a leading ` AND `.
    #[must_use]
    pub fn and_discriminator(&self) -> String {
        match self.discriminator {
            Some((c, v)) => format!(" AND {c} = {}", string(v)),
            None => String::new(),
        }
    }
}

/// The field with this REST name (case-insensitive) or column name.
#[must_use]
pub fn find_field<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .or_else(|| fields.iter().find(|f| f.column.eq_ignore_ascii_case(name)))
}

/// The whole model: tables, the record types on them, and the record types
/// kept as JSON documents.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Model {
    /// The SuiteQL tables, by name.
    pub tables: Vec<Table>,
    /// The record types stored in [`Model::tables`].
    pub record_types: Vec<RecordType>,
    /// Other record types the REST API knows, kept as JSON documents
    /// (custom records, `customrecord_*`, are known too).
    pub document_types: Vec<&'static str>,
    schema_sql: String,
}

static NETSUITE: LazyLock<Model> = LazyLock::new(netsuite);

impl Model {
    /// NetSuite's model, as the emulator serves it.
    #[must_use]
    pub fn netsuite() -> &'static Model {
        &NETSUITE
    }

    /// A model of these tables and record types (see [`Model::netsuite`]).
    #[must_use]
    pub fn new(
        tables: Vec<Table>,
        record_types: Vec<RecordType>,
        document_types: Vec<&'static str>,
    ) -> Model {
        let mut m = Model {
            tables,
            record_types,
            document_types,
            schema_sql: String::new(),
        };
        m.schema_sql = m.build_schema_sql();
        m
    }

    /// Keeps the model for the life of the process, for an emulator or a
    /// translation that outlives the caller (one leak per model built).
    #[must_use]
    pub fn leak(self) -> &'static Model {
        Box::leak(Box::new(self))
    }

    /// The table with this (lowercase) name.
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Names of the SuiteQL tables, lowercase.
    pub fn table_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tables.iter().map(|t| t.name)
    }

    /// The table-backed record type with this canonical (lowercase) name.
    #[must_use]
    pub fn record_type(&self, name: &str) -> Option<&RecordType> {
        self.record_types.iter().find(|t| t.name == name)
    }

    /// Every record type the REST API knows (stored in tables or as
    /// documents), lowercase, sorted.
    #[must_use]
    pub fn known_types(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self
            .record_types
            .iter()
            .map(|t| t.name)
            .chain(self.document_types.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Whether the REST API knows this (lowercase) record type.
    #[must_use]
    pub fn is_known_type(&self, name: &str) -> bool {
        self.record_type(name).is_some() || self.document_types.contains(&name)
    }

    /// The REST type of an item from its `itemtype`.
    #[must_use]
    pub fn item_type_name(&self, itemtype: &str) -> &'static str {
        self.record_types
            .iter()
            .find(|t| t.table == "item" && t.discriminator.is_some_and(|(_, v)| v == itemtype))
            .map_or("inventoryitem", |t| t.name)
    }

    /// `CREATE TABLE` and `CREATE INDEX` statements (all `IF NOT EXISTS`) for
    /// every table, generated from the model.
    #[must_use]
    pub fn schema_sql(&self) -> &str {
        &self.schema_sql
    }

    fn build_schema_sql(&self) -> String {
        self.tables.iter().map(Table::create_sql).collect()
    }

    /// Adds a column to a table and, when it has a REST name, a field to
    /// every record type stored in that table.
    ///
    /// # Panics
    /// When there is no such table or it already has a column of that name.
    pub fn add_column(&mut self, table: &str, column: Column) {
        let t = self
            .tables
            .iter_mut()
            .find(|t| t.name == table)
            .unwrap_or_else(|| panic!("model: no table {table}"));
        assert!(
            t.column(column.name).is_none(),
            "model: {table}.{} exists",
            column.name
        );
        t.columns.push(column.clone());
        if column.field.is_some() {
            let f = field(column.name).resolve(t);
            for rt in self.record_types.iter_mut().filter(|r| r.table == table) {
                rt.fields.push(f);
            }
        }
        self.schema_sql = self.build_schema_sql();
    }
}

/// `transaction.type` codes and their display names.
pub const TRANSACTION_TYPES: Codes = &[
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
pub const TRANSACTION_STATUSES: &[(&str, Codes)] = &[
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
pub const ITEM_TYPES: Codes = &[
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
pub const ACCOUNT_TYPES: Codes = &[
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

/// `country` codes the demo data uses, and their names.
pub const COUNTRIES: Codes = &[
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("AU", "Australia"),
    ("JP", "Japan"),
];

/// The statuses of a transaction type (empty for a type without any).
#[must_use]
pub fn statuses(transaction_type: &str) -> Codes {
    TRANSACTION_STATUSES
        .iter()
        .find(|(t, _)| *t == transaction_type)
        .map_or(&[], |(_, s)| s)
}

use SqlType::{Bool, Date as D, DateTime as Dt, Integer as Int, Real, Text};

const fn c(name: &'static str, ty: SqlType) -> Column {
    Column::new(name, ty)
}

fn id() -> Column {
    c("id", Int).not_null()
}

fn inactive() -> Column {
    c("isinactive", Bool)
        .not_null()
        .rest("isInactive", "Inactive")
}

fn external_id() -> Column {
    c("externalid", Text).rest("externalId", "External ID")
}

fn last_modified() -> Column {
    c("lastmodifieddate", Dt)
        .rest("lastModifiedDate", "Last Modified")
        .read_only()
}

fn subsidiary() -> Column {
    c("subsidiary", Int)
        .refers("subsidiary")
        .rest("subsidiary", "Subsidiary")
}

fn currency() -> Column {
    c("currency", Int)
        .refers("currency")
        .rest("currency", "Currency")
}

fn table(
    name: &'static str,
    columns: Vec<Column>,
    indexes: &'static [&'static str],
    record_name: RecordName,
) -> Table {
    Table {
        name,
        columns,
        key: &["id"],
        indexes,
        record_name: Some(record_name),
    }
}

fn tables() -> Vec<Table> {
    let [contact, customer, employee] = entity_tables();
    vec![
        account_table(),
        contact,
        currency_table(),
        customer,
        employee,
        item_table(),
        subsidiary_table(),
        transaction_table(),
        transactionline_table(),
    ]
}

/// The entity tables, which share their person, contact and date columns.
fn entity_tables() -> [Table; 3] {
    let entity_dates = || {
        [
            c("datecreated", Dt)
                .rest("dateCreated", "Date Created")
                .read_only(),
            last_modified(),
        ]
    };
    let person = || {
        [
            c("entityid", Text).rest("entityId", "ID"),
            c("firstname", Text).rest("firstName", "First Name"),
            c("lastname", Text).rest("lastName", "Last Name"),
        ]
    };
    let contact_info = || {
        [
            c("email", Text).rest("email", "Email"),
            c("phone", Text).rest("phone", "Phone"),
        ]
    };
    let mut contact = vec![id()];
    contact.extend(person());
    contact.extend(contact_info());
    contact.extend([
        c("title", Text).rest("title", "Job Title"),
        c("company", Int)
            .refers("customer")
            .rest("company", "Company"),
        subsidiary().required(),
        inactive(),
        external_id(),
    ]);
    contact.extend(entity_dates());
    let mut customer = vec![
        id(),
        c("entityid", Text).rest("entityId", "Customer ID"),
        c("companyname", Text).rest("companyName", "Company Name"),
    ];
    customer.extend(person().into_iter().skip(1));
    customer.push(c("isperson", Bool).not_null().rest("isPerson", "Type"));
    customer.extend(contact_info());
    customer.extend([
        c("comments", Text).rest("comments", "Comments"),
        subsidiary()
            .rest("subsidiary", "Primary Subsidiary")
            .required(),
        currency(),
        c("salesrep", Int)
            .refers("employee")
            .rest("salesRep", "Sales Rep"),
        c("creditlimit", Real).rest("creditLimit", "Credit Limit"),
        c("balance", Real),
        inactive(),
        external_id(),
    ]);
    customer.extend(entity_dates());
    let mut employee = vec![id()];
    employee.extend(person());
    employee.extend(contact_info());
    employee.extend([
        c("title", Text).rest("title", "Job Title"),
        subsidiary().required(),
        c("supervisor", Int)
            .refers("employee")
            .rest("supervisor", "Supervisor"),
        c("hiredate", D).rest("hireDate", "Hire Date"),
        inactive(),
        external_id(),
    ]);
    employee.extend(entity_dates());
    [
        table(
            "contact",
            contact,
            &["company"],
            RecordName::FirstOf(&["entityid"]),
        ),
        table(
            "customer",
            customer,
            &["entityid", "lastmodifieddate"],
            RecordName::FirstOf(&["companyname", "entityid"]),
        ),
        table(
            "employee",
            employee,
            &[],
            RecordName::FirstOf(&["entityid"]),
        ),
    ]
}

fn account_table() -> Table {
    table(
        "account",
        vec![
            id(),
            c("acctnumber", Text).rest("acctNumber", "Number"),
            c("acctname", Text)
                .not_null()
                .rest("acctName", "Name")
                .required(),
            c("fullname", Text)
                .rest("fullName", "Full Name")
                .read_only(),
            c("accttype", Text)
                .not_null()
                .codes(ACCOUNT_TYPES)
                .rest("acctType", "Type")
                .required(),
            c("description", Text).rest("description", "Description"),
            c("parent", Int)
                .refers("account")
                .rest("parent", "Subaccount Of"),
            subsidiary(),
            currency(),
            c("issummary", Bool).not_null().rest("isSummary", "Summary"),
            inactive(),
            external_id(),
            last_modified(),
        ],
        &[],
        RecordName::FirstOf(&["fullname", "acctname"]),
    )
}

fn currency_table() -> Table {
    table(
        "currency",
        vec![
            id(),
            c("name", Text).not_null().rest("name", "Name").required(),
            c("symbol", Text)
                .not_null()
                .rest("symbol", "ISO Code")
                .required(),
            c("displaysymbol", Text).rest("displaySymbol", "Symbol"),
            c("exchangerate", Real).rest("exchangeRate", "Default Exchange Rate"),
            c("isbasecurrency", Bool)
                .not_null()
                .rest("isBaseCurrency", "Base Currency")
                .read_only(),
            inactive(),
            external_id(),
        ],
        &[],
        RecordName::FirstOf(&["name"]),
    )
}

fn item_table() -> Table {
    table(
        "item",
        vec![
            id(),
            c("itemid", Text)
                .not_null()
                .rest("itemId", "Item Name/Number")
                .required(),
            c("displayname", Text).rest("displayName", "Display Name/Code"),
            c("description", Text).rest("salesDescription", "Sales Description"),
            c("purchasedescription", Text).rest("purchaseDescription", "Purchase Description"),
            c("itemtype", Text)
                .not_null()
                .codes(ITEM_TYPES)
                .rest("itemType", "Item Type")
                .read_only(),
            c("baseprice", Real).rest("basePrice", "Base Price"),
            c("cost", Real).rest("cost", "Purchase Price"),
            subsidiary(),
            inactive(),
            external_id(),
            c("createddate", Dt)
                .rest("createdDate", "Date Created")
                .read_only(),
            last_modified(),
        ],
        &["itemid"],
        RecordName::FirstOf(&["itemid"]),
    )
}

fn subsidiary_table() -> Table {
    table(
        "subsidiary",
        vec![
            id(),
            c("name", Text).not_null().rest("name", "Name").required(),
            c("fullname", Text)
                .rest("fullName", "Full Name")
                .read_only(),
            c("parent", Int)
                .refers("subsidiary")
                .rest("parent", "Subsidiary Of"),
            currency(),
            // BUILTIN.DF shows the code; REST shows {id, refName}.
            c("country", Text).rest("country", "Country"),
            c("iselimination", Bool)
                .not_null()
                .rest("isElimination", "Elimination"),
            inactive(),
            external_id(),
            last_modified(),
        ],
        &[],
        RecordName::FirstOf(&["name"]),
    )
}

fn transaction_table() -> Table {
    table(
        "transaction",
        vec![
            id(),
            c("tranid", Text).rest("tranId", "Number"),
            c("trandate", D)
                .not_null()
                .rest("tranDate", "Date")
                .required(),
            c("type", Text).not_null().codes(TRANSACTION_TYPES),
            c("recordtype", Text).not_null(),
            c("entity", Int)
                .refers("customer")
                .rest("entity", "Customer")
                .required(),
            Column {
                display: Display::TransactionStatus,
                ..c("status", Text).rest("status", "Status")
            },
            c("foreigntotal", Real).rest("total", "Total").read_only(),
            currency(),
            c("exchangerate", Real).rest("exchangeRate", "Exchange Rate"),
            subsidiary(),
            c("employee", Int)
                .refers("employee")
                .rest("salesRep", "Sales Rep"),
            c("createdfrom", Int)
                .refers("transaction")
                .rest("createdFrom", "Created From"),
            c("otherrefnum", Text).rest("otherRefNum", "PO #"),
            c("shipdate", D).rest("shipDate", "Ship Date"),
            c("duedate", D).rest("dueDate", "Due Date"),
            c("memo", Text).rest("memo", "Memo"),
            external_id(),
            c("createddate", Dt)
                .rest("createdDate", "Date Created")
                .read_only(),
            last_modified(),
            c("posting", Bool).not_null(),
        ],
        &["type", "entity", "trandate", "lastmodifieddate", "id"],
        RecordName::Transaction,
    )
}

fn transactionline_table() -> Table {
    Table {
        name: "transactionline",
        columns: vec![
            c("transaction", Int).not_null().refers("transaction"),
            c("id", Int).not_null().rest("line", "Line").read_only(),
            c("linesequencenumber", Int),
            c("uniquekey", Int),
            c("mainline", Bool).not_null(),
            c("taxline", Bool).not_null(),
            c("item", Int)
                .refers("item")
                .rest("item", "Item")
                .required(),
            c("quantity", Real).rest("quantity", "Quantity"),
            c("rate", Real).rest("rate", "Rate"),
            c("netamount", Real),
            c("foreignamount", Real).rest("amount", "Amount"),
            c("memo", Text).rest("description", "Description"),
            c("entity", Int).refers("customer"),
            subsidiary(),
            c("isclosed", Bool).not_null().rest("isClosed", "Closed"),
        ],
        key: &["transaction", "id"],
        indexes: &["id", "uniquekey", "item"],
        record_name: None,
    }
}

const ENTITY_FAMILY: &[&str] = &["customer", "contact", "employee"];

fn record_type(
    tables: &[Table],
    name: &'static str,
    label: &'static str,
    table: &'static str,
    fields: &[FieldSpec],
) -> RecordType {
    let t = tables
        .iter()
        .find(|t| t.name == table)
        .unwrap_or_else(|| panic!("model: no table {table}"));
    RecordType {
        name,
        label,
        table,
        discriminator: None,
        fixed: &[],
        fields: fields.iter().map(|f| f.resolve(t)).collect(),
        ref_name: "name",
        sublists: Vec::new(),
        id_family: &[],
    }
}

fn record_types(tables: &[Table]) -> Vec<RecordType> {
    let rt =
        |name, label, table, fields: &[FieldSpec]| record_type(tables, name, label, table, fields);
    let item_fields = [
        field("itemid"),
        field("displayname"),
        field("description"),
        field("purchasedescription"),
        field("baseprice"),
        field("cost"),
        field("itemtype"),
        field("subsidiary"),
        field("isinactive"),
        field("externalid"),
        field("createddate"),
        field("lastmodifieddate"),
    ];
    let item = |name, label, itemtype| RecordType {
        discriminator: Some(("itemtype", itemtype)),
        ref_name: "itemid",
        id_family: &["item"],
        ..rt(name, label, "item", &item_fields)
    };
    let [sales_order, invoice] = transaction_types(tables);
    let [customer, contact, employee] = entity_types(tables);
    vec![
        RecordType {
            id_family: &["subsidiary"],
            ..rt(
                "subsidiary",
                "Subsidiary",
                "subsidiary",
                &[
                    field("name"),
                    field("fullname"),
                    field("parent"),
                    field("currency"),
                    field("country").kind(Kind::Select(COUNTRIES)),
                    field("iselimination"),
                    field("isinactive"),
                    field("externalid"),
                    field("lastmodifieddate"),
                ],
            )
        },
        RecordType {
            id_family: &["currency"],
            ..rt(
                "currency",
                "Currency",
                "currency",
                &[
                    field("name"),
                    field("symbol"),
                    field("displaysymbol"),
                    field("exchangerate"),
                    field("isbasecurrency"),
                    field("isinactive"),
                    field("externalid"),
                ],
            )
        },
        RecordType {
            ref_name: "COALESCE(acctnumber || ' ' || acctname, acctname)",
            id_family: &["account"],
            ..rt(
                "account",
                "Account",
                "account",
                &[
                    field("acctnumber"),
                    field("acctname"),
                    field("fullname"),
                    field("accttype"),
                    field("description"),
                    field("parent"),
                    field("subsidiary"),
                    field("currency"),
                    field("issummary"),
                    field("isinactive"),
                    field("externalid"),
                    field("lastmodifieddate"),
                ],
            )
        },
        customer,
        contact,
        employee,
        item("inventoryitem", "Inventory Item", "InvtPart"),
        item(
            "noninventorysaleitem",
            "Non-inventory Item for Sale",
            "NonInvtPart",
        ),
        item("servicesaleitem", "Service Item for Sale", "Service"),
        sales_order,
        invoice,
    ]
}

/// Sales orders and invoices, with their item sublist.
fn transaction_types(tables: &[Table]) -> [RecordType; 2] {
    let rt =
        |name, label, table, fields: &[FieldSpec]| record_type(tables, name, label, table, fields);
    let lines = record_type(
        tables,
        "",
        "",
        "transactionline",
        &[
            field("id"),
            field("item").kind(Kind::Ref(Target::AnyItem)),
            field("quantity"),
            field("rate"),
            field("foreignamount"),
            field("memo"),
            field("isclosed"),
        ],
    );
    let item_sublist = Sublist {
        name: "item",
        table: "transactionline",
        parent_column: "transaction",
        line_column: "id",
        condition: "mainline = 'F'",
        fields: lines.fields,
    };
    let transaction = |name, label, code, fixed, ref_name, fields: &[FieldSpec]| RecordType {
        discriminator: Some(("type", code)),
        fixed,
        ref_name,
        sublists: vec![item_sublist.clone()],
        id_family: &["transaction"],
        ..rt(name, label, "transaction", fields)
    };
    let sales_order = transaction(
        "salesorder",
        "Sales Order",
        "SalesOrd",
        &[("recordtype", "salesorder"), ("posting", "F")],
        "'Sales Order #' || tranid",
        &[
            field("tranid").label("Order #"),
            field("trandate"),
            field("entity"),
            field("status").kind(Kind::Select(statuses("SalesOrd"))),
            field("currency"),
            field("exchangerate"),
            field("subsidiary"),
            field("employee"),
            field("otherrefnum"),
            field("shipdate"),
            field("memo"),
            field("foreigntotal").named("subtotal", "Subtotal"),
            field("foreigntotal"),
            field("externalid"),
            field("createddate"),
            field("lastmodifieddate"),
        ],
    );
    let invoice = transaction(
        "invoice",
        "Invoice",
        "CustInvc",
        &[("recordtype", "invoice"), ("posting", "T")],
        "'Invoice #' || tranid",
        &[
            field("tranid").label("Invoice #"),
            field("trandate"),
            field("entity"),
            field("status").kind(Kind::Select(statuses("CustInvc"))),
            field("currency"),
            field("exchangerate"),
            field("subsidiary"),
            field("employee"),
            field("createdfrom").kind(Kind::Ref(Target::Type("salesorder"))),
            field("otherrefnum"),
            field("duedate"),
            field("memo"),
            field("foreigntotal").named("subtotal", "Subtotal"),
            field("foreigntotal"),
            field("externalid"),
            field("createddate"),
            field("lastmodifieddate"),
        ],
    );
    [sales_order, invoice]
}

/// Customers, contacts and employees.
fn entity_types(tables: &[Table]) -> [RecordType; 3] {
    let rt =
        |name, label, table, fields: &[FieldSpec]| record_type(tables, name, label, table, fields);
    let dates = [field("datecreated"), field("lastmodifieddate")];
    let entity = |name, label, fields: &[FieldSpec], ref_name| RecordType {
        ref_name,
        id_family: ENTITY_FAMILY,
        ..rt(name, label, name, fields)
    };
    let with_dates =
        |fields: &[FieldSpec]| -> Vec<FieldSpec> { fields.iter().chain(&dates).copied().collect() };
    [
        entity(
            "customer",
            "Customer",
            &with_dates(&[
                field("entityid"),
                // Required unless isPerson: checked by the writer.
                field("companyname"),
                field("firstname"),
                field("lastname"),
                field("isperson"),
                field("email"),
                field("phone"),
                field("comments"),
                field("subsidiary"),
                field("currency"),
                field("salesrep"),
                field("creditlimit"),
                field("isinactive"),
                field("externalid"),
            ]),
            "COALESCE(companyname, NULLIF(TRIM(COALESCE(firstname, '') || ' ' || COALESCE(lastname, '')), ''), entityid)",
        ),
        entity(
            "contact",
            "Contact",
            &with_dates(&[
                field("entityid").label("Contact").required(),
                field("firstname"),
                field("lastname"),
                field("email"),
                field("phone"),
                field("title"),
                field("company"),
                field("subsidiary"),
                field("isinactive"),
                field("externalid"),
            ]),
            "entityid",
        ),
        entity(
            "employee",
            "Employee",
            &with_dates(&[
                field("entityid").label("Employee ID"),
                field("firstname").required(),
                field("lastname").required(),
                field("email"),
                field("phone"),
                field("title"),
                field("subsidiary"),
                field("supervisor"),
                field("hiredate"),
                field("isinactive"),
                field("externalid"),
            ]),
            "entityid",
        ),
    ]
}

/// Record types the REST API keeps as JSON documents.
const DOCUMENT_TYPES: &[&str] = &[
    "assemblyitem",
    "calendarevent",
    "cashsale",
    "classification",
    "creditmemo",
    "customerpayment",
    "department",
    "estimate",
    "expensereport",
    "itemfulfillment",
    "journalentry",
    "location",
    "opportunity",
    "partner",
    "phonecall",
    "purchaseorder",
    "returnauthorization",
    "serviceresaleitem",
    "supportcase",
    "task",
    "transferorder",
    "vendor",
    "vendorbill",
    "vendorpayment",
    "workorder",
];

fn netsuite() -> Model {
    let tables = tables();
    let record_types = record_types(&tables);
    Model::new(tables, record_types, DOCUMENT_TYPES.to_vec())
}

/// `CASE value WHEN code THEN name ... ELSE value END`.
pub(crate) fn code_display(value: &str, codes: Codes) -> String {
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
pub(crate) fn record_name(table: &Table, alias: &str) -> String {
    let col = |name: &str| format!("{alias}.{}", ident(name));
    match table.record_name {
        None => "NULL".to_owned(),
        Some(RecordName::FirstOf([one])) => col(one),
        Some(RecordName::FirstOf(columns)) => {
            let cols: Vec<String> = columns.iter().map(|c| col(c)).collect();
            format!("coalesce({})", cols.join(", "))
        }
        Some(RecordName::Transaction) => format!(
            "{} || ' #' || {}",
            code_display(&col("type"), TRANSACTION_TYPES),
            col("tranid")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(model: &Model) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(model.schema_sql()).unwrap();
        // Idempotent.
        conn.execute_batch(model.schema_sql()).unwrap();
        conn
    }

    /// The generated tables are the model's, column by column.
    #[test]
    fn schema_sql_matches_the_model() {
        let model = Model::netsuite();
        let conn = db(model);
        for t in &model.tables {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info('{}')",
                    t.name
                ))
                .unwrap();
            let cols: Vec<(String, String, bool, i64, Option<String>)> = stmt
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            let expected: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            assert_eq!(names, expected, "{}", t.name);
            for (name, decl, not_null, pk, default) in cols {
                let c = t.column(&name).unwrap();
                assert_eq!(c.not_null, not_null || pk > 0, "{}.{name}", t.name);
                assert_eq!(decl, c.sql_type.declared(), "{}.{name}", t.name);
                assert_eq!(pk > 0, t.key.contains(&c.name), "{}.{name}", t.name);
                let check_box = c.sql_type == SqlType::Bool && c.not_null;
                assert_eq!(
                    default.as_deref() == Some("'F'"),
                    check_box,
                    "{}.{name}",
                    t.name
                );
            }
        }
        let indexes: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 8 + 12);
    }

    /// References, fields, sublists and names all point at something real.
    #[test]
    fn record_types_map_onto_columns() {
        let model = Model::netsuite();
        let conn = db(model);
        for t in &model.tables {
            for c in &t.columns {
                if let Display::Record(target) = c.display {
                    let target = model.table(target).unwrap();
                    assert!(target.record_name.is_some(), "{}.{}", t.name, c.name);
                    let sql = format!(
                        "SELECT {} FROM {} AS x",
                        record_name(target, "x"),
                        ident(target.name)
                    );
                    conn.prepare(&sql).unwrap();
                }
            }
        }
        for rt in &model.record_types {
            let table = model.table(rt.table).unwrap();
            let fields = rt
                .fields
                .iter()
                .chain(rt.sublists.iter().flat_map(|s| &s.fields));
            for f in fields {
                if let Kind::Ref(Target::Type(target)) = f.kind {
                    assert!(
                        model.record_type(target).is_some(),
                        "{}.{}",
                        rt.name,
                        f.name
                    );
                }
            }
            for f in &rt.fields {
                assert!(table.column(f.column).is_some(), "{}.{}", rt.name, f.column);
            }
            for (c, _) in rt.discriminator.iter().chain(rt.fixed) {
                assert!(table.column(c).is_some(), "{}.{c}", rt.name);
            }
            for s in &rt.sublists {
                let sub = model.table(s.table).unwrap();
                assert!(sub.column(s.parent_column).is_some());
                for f in &s.fields {
                    assert!(sub.column(f.column).is_some(), "{}.{}", s.name, f.column);
                }
            }
            conn.prepare(&format!(
                "SELECT {} FROM {} LIMIT 1",
                rt.ref_name,
                ident(rt.table)
            ))
            .unwrap();
            assert!(!model.document_types.contains(&rt.name), "{}", rt.name);
        }
        assert_eq!(model.item_type_name("Service"), "servicesaleitem");
        let so = model.record_type("salesorder").unwrap();
        assert_eq!(so.field("TRANID").unwrap().name, "tranId");
        assert_eq!(so.field("foreigntotal").unwrap().name, "subtotal");
        assert_eq!(model.known_types().len(), 36);
        assert!(model.is_known_type("vendor") && model.is_known_type("invoice"));
    }

    /// One code table per list: REST selects and `BUILTIN.DF` agree.
    #[test]
    fn code_tables_are_shared() {
        let model = Model::netsuite();
        let invoice = model.record_type("invoice").unwrap();
        let Kind::Select(codes) = invoice.field("status").unwrap().kind else {
            panic!("status is a select");
        };
        let codes: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, ["A", "B", "D", "E", "V"]);
        let account = model.record_type("account").unwrap();
        assert_eq!(
            account.field("acctType").unwrap().kind,
            Kind::Select(ACCOUNT_TYPES)
        );
        let accttype = model.table("account").unwrap().column("accttype").unwrap();
        assert_eq!(accttype.display, Display::Codes(ACCOUNT_TYPES));
    }

    #[test]
    fn an_added_column_reaches_table_and_record_types() {
        let mut model = Model::netsuite().clone();
        model.add_column(
            "item",
            Column::new("custitem_color", SqlType::Text).rest("custitem_color", "Color"),
        );
        for rt in model.record_types.iter().filter(|r| r.table == "item") {
            assert_eq!(rt.field("custitem_color").unwrap().label, "Color");
        }
        assert!(model.schema_sql().contains("custitem_color "));
        let conn = db(&model);
        conn.prepare("SELECT custitem_color FROM item").unwrap();
    }
}
