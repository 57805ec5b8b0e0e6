//! The account's data: a base every account has (currencies, the parent subsidiary,
//! a chart of accounts, the administrator), and deterministic demo data on top
//! (subsidiaries, employees, customers, contacts, items, and any number of sales
//! orders and invoices with their lines).
//!
//! Transactions are numbered from 301; transaction `301 + n` depends only on `n`, so
//! a database can be grown to a larger scale later and holds the same rows as one
//! generated at that scale at once. The first ten are the sales orders 301 to 310
//! (304: Umbrella Corporation, Pending Fulfillment, "Rush order: ship by Friday").
//! Rows go in through prepared statements inside the caller's transaction.

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::date_string;

/// Demo transactions generated when nothing else is asked for.
pub const DEFAULT_SCALE: u64 = 100;

/// The most demo transactions an account can have (1,000,000 take about 20 s to write).
pub const MAX_SCALE: u64 = 10_000_000;

/// The first demo transaction's internal id.
pub const FIRST_TRANSACTION: i64 = 301;

/// A demo saved search of the AI Connector (`ns_listSavedSearches`): SuiteQL over the
/// account's data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SavedSearch {
    pub id: i64,
    pub script_id: &'static str,
    pub title: &'static str,
    pub record_type: &'static str,
    pub query: &'static str,
}

/// The demo saved searches.
pub(crate) const SAVED_SEARCHES: [SavedSearch; 3] = [
    SavedSearch {
        id: 1,
        script_id: "customsearch_open_sales_orders",
        title: "Open Sales Orders",
        record_type: "transaction",
        query: "SELECT t.id, t.tranid, t.trandate, c.companyname AS customer, t.status, t.foreigntotal AS amount FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'SalesOrd' AND t.status IN ('A', 'B', 'D', 'E') ORDER BY t.id",
    },
    SavedSearch {
        id: 2,
        script_id: "customsearch_customer_contacts",
        title: "Customer Contacts",
        record_type: "contact",
        query: "SELECT ct.id, ct.firstname, ct.lastname, ct.email, c.companyname AS company FROM contact ct JOIN customer c ON c.id = ct.company ORDER BY ct.id",
    },
    SavedSearch {
        id: 3,
        script_id: "customsearch_item_price_list",
        title: "Item Price List",
        record_type: "item",
        query: "SELECT id, itemid, displayname, baseprice, cost FROM item ORDER BY id",
    },
];

/// A demo report of the AI Connector (`ns_listAllReports`): SuiteQL with `{from}`,
/// `{to}` (YYYY-MM-DD) and `{subsidiaries}` (a list of ids) filled in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Report {
    pub id: i64,
    pub name: &'static str,
    /// Only `dateTo` (an as-of date), no period.
    pub as_of_date: bool,
    pub has_subsidiary_filter: bool,
    pub query: &'static str,
}

/// The demo reports.
pub(crate) const REPORTS: [Report; 3] = [
    Report {
        id: 1,
        name: "Sales by Customer Summary",
        as_of_date: false,
        has_subsidiary_filter: true,
        query: "SELECT c.companyname AS customer, COUNT(*) AS orders, SUM(t.foreigntotal) AS amount FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'SalesOrd' AND t.trandate >= TO_DATE('{from}', 'YYYY-MM-DD') AND t.trandate <= TO_DATE('{to}', 'YYYY-MM-DD') AND t.subsidiary IN ({subsidiaries}) GROUP BY c.companyname ORDER BY SUM(t.foreigntotal) DESC, c.companyname",
    },
    Report {
        id: 2,
        name: "Open Invoices",
        as_of_date: true,
        has_subsidiary_filter: false,
        query: "SELECT t.tranid, c.companyname AS customer, t.trandate, t.duedate, t.foreigntotal AS amount FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' AND t.status = 'A' AND t.trandate <= TO_DATE('{to}', 'YYYY-MM-DD') ORDER BY t.trandate, t.id",
    },
    Report {
        id: 3,
        name: "Sales by Item Summary",
        as_of_date: false,
        has_subsidiary_filter: true,
        query: "SELECT i.itemid AS item, SUM(tl.quantity) AS quantity, SUM(tl.foreignamount) AS amount FROM transactionline tl JOIN transaction t ON t.id = tl.transaction JOIN item i ON i.id = tl.item WHERE t.type = 'SalesOrd' AND tl.mainline = 'F' AND t.trandate >= TO_DATE('{from}', 'YYYY-MM-DD') AND t.trandate <= TO_DATE('{to}', 'YYYY-MM-DD') AND t.subsidiary IN ({subsidiaries}) GROUP BY i.itemid ORDER BY i.itemid",
    },
];

const META_BASE: &str = "data_base_v2";
const META_ENTITIES: &str = "demo_entities_v2";
const META_TRANSACTIONS: &str = "demo_transactions_v2";

/// What [`seed`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Seeded {
    /// Transactions written now.
    pub transactions: u64,
    /// Transaction lines written now (main lines included).
    pub lines: u64,
}

const NAMED_CUSTOMERS: [(i64, &str, &str, &str); 5] = [
    (101, "Acme Corporation", "ap@acme.example", "555-0101"),
    (
        102,
        "Globex Corporation",
        "billing@globex.example",
        "555-0102",
    ),
    (103, "Initech", "accounts@initech.example", "555-0103"),
    (
        104,
        "Umbrella Corporation",
        "finance@umbrella.example",
        "555-0104",
    ),
    (
        105,
        "Stark Industries",
        "payables@stark.example",
        "555-0105",
    ),
];

const COMPANY_WORDS: [&str; 20] = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Proseware",
    "Adatum",
    "Lucerne",
    "Margie",
    "Fourth Coffee",
    "Alpine Ski",
    "Blue Yonder",
    "Coho",
    "Consolidated Messenger",
    "Graphic Design",
    "Humongous",
    "Southridge",
    "Trey Research",
    "Woodgrove",
];

const COMPANY_SUFFIXES: [&str; 4] = ["Traders", "Ltd", "Inc", "Group"];

const FIRST_NAMES: [&str; 10] = [
    "Ada", "Grace", "Alan", "Barbara", "Edsger", "Margaret", "Ken", "Frances", "Donald", "Radia",
];

const LAST_NAMES: [&str; 10] = [
    "Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Hamilton", "Thompson", "Allen", "Knuth",
    "Perlman",
];

/// Items 201 to 220: (item id, name, base price).
const NAMED_ITEMS: [(&str, &str, f64); 5] = [
    ("WIDGET-S", "Small widget", 12.5),
    ("WIDGET-L", "Large widget", 48.0),
    ("GEAR-10", "Gear, 10 teeth", 7.25),
    ("BOLT-M8", "M8 bolt (box of 100)", 19.99),
    ("MOTOR-1K", "1 kW motor", 349.0),
];

const ITEM_COUNT: i64 = 20;
const CUSTOMER_COUNT: i64 = 25;
const EMPLOYEE_COUNT: i64 = 10;

/// Statuses of the first ten orders, by order number modulo 4 (304: Pending Fulfillment).
const FIRST_STATUSES: [&str; 4] = ["A", "E", "F", "B"];

/// Sales order statuses of generated orders, weighted towards closed business.
const ORDER_STATUSES: [&str; 10] = ["A", "B", "B", "D", "E", "F", "G", "G", "G", "H"];

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A deterministic 64-bit mix of `n` (SplitMix64).
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 2020-01-01 as days since 1970-01-01.
const DAY_2020_01_01: i64 = 18_262;
/// 2025-01-01 as days since 1970-01-01.
const DAY_2025_01_01: i64 = 20_089;

fn item_price(index: i64) -> f64 {
    match NAMED_ITEMS.get(index as usize) {
        Some(&(_, _, p)) => p,
        None => round2(5.0 + (mix(index as u64 + 7_000) % 40_000) as f64 / 100.0),
    }
}

fn meta_u64(conn: &Connection, key: &str) -> rusqlite::Result<Option<u64>> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()))
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [key, value],
    )?;
    Ok(())
}

/// Writes what is missing: the base data, then (when `demo`) the demo entities and
/// demo transactions up to `scale` of them. Never removes anything.
pub(crate) fn seed(conn: &Connection, demo: bool, scale: u64) -> rusqlite::Result<Seeded> {
    if meta_u64(conn, META_BASE)?.is_none() {
        // Databases from before the record tables kept these types as JSON documents.
        conn.execute(
            "DELETE FROM record WHERE type IN ('currency', 'subsidiary', 'customer', 'inventoryitem', 'salesorder')",
            [],
        )?;
        base(conn)?;
        set_meta(conn, META_BASE, "1")?;
    }
    if !demo {
        return Ok(Seeded::default());
    }
    if meta_u64(conn, META_ENTITIES)?.is_none() {
        entities(conn)?;
        set_meta(conn, META_ENTITIES, "1")?;
    }
    let done = meta_u64(conn, META_TRANSACTIONS)?.unwrap_or(0);
    if scale <= done {
        return Ok(Seeded::default());
    }
    let seeded = transactions(conn, done, scale)?;
    set_meta(conn, META_TRANSACTIONS, &scale.to_string())?;
    Ok(seeded)
}

fn base(conn: &Connection) -> rusqlite::Result<()> {
    let mut cur = conn.prepare(
        "INSERT OR IGNORE INTO currency (id, name, symbol, displaysymbol, exchangerate, isbasecurrency) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (id, name, symbol, display, rate, base) in [
        (1, "USA", "USD", "$", 1.0, "T"),
        (2, "British pound", "GBP", "£", 1.27, "F"),
        (3, "Canadian Dollar", "CAD", "$", 0.73, "F"),
        (4, "Euro", "EUR", "€", 1.08, "F"),
    ] {
        cur.execute(params![id, name, symbol, display, rate, base])?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO subsidiary (id, name, fullname, currency, country, lastmodifieddate) VALUES (1, 'Parent Company', 'Parent Company', 1, 'US', '2024-10-01T08:00:00Z')",
        [],
    )?;
    let mut acct = conn.prepare(
        "INSERT OR IGNORE INTO account (id, acctnumber, acctname, fullname, accttype, subsidiary, currency, lastmodifieddate) VALUES (?1, ?2, ?3, ?3, ?4, 1, 1, '2024-10-01T08:00:00Z')",
    )?;
    for (id, number, name, kind) in [
        (1, "1000", "Checking", "Bank"),
        (2, "1100", "Accounts Receivable", "AcctRec"),
        (3, "1200", "Inventory Asset", "OthCurrAsset"),
        (4, "1500", "Equipment", "FixedAsset"),
        (5, "2000", "Accounts Payable", "AcctPay"),
        (6, "2100", "Sales Tax Payable", "OthCurrLiab"),
        (7, "3000", "Retained Earnings", "Equity"),
        (8, "4000", "Sales", "Income"),
        (9, "5000", "Cost of Goods Sold", "COGS"),
        (10, "6000", "Office Expenses", "Expense"),
    ] {
        acct.execute(params![id, number, name, kind])?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO employee (id, entityid, firstname, lastname, email, subsidiary, title, datecreated, lastmodifieddate) VALUES (-5, 'Administrator', 'Account', 'Administrator', 'admin@emulator.example', 1, 'Administrator', '2024-10-01T08:00:00Z', '2024-10-01T08:00:00Z')",
        [],
    )?;
    Ok(())
}

/// The demo's subsidiaries, employees, customers, contacts and items.
fn entities(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT OR IGNORE INTO subsidiary (id, name, fullname, parent, currency, country, lastmodifieddate) VALUES
            (2, 'UK Subsidiary', 'Parent Company : UK Subsidiary', 1, 2, 'GB', '2024-10-01T08:00:00Z'),
            (3, 'Canada Subsidiary', 'Parent Company : Canada Subsidiary', 1, 3, 'CA', '2024-10-01T08:00:00Z');",
    )?;
    employees(conn)?;
    customers(conn)?;
    contacts(conn)?;
    items(conn)
}

fn employees(conn: &Connection) -> rusqlite::Result<()> {
    let mut emp = conn.prepare(
        "INSERT OR IGNORE INTO employee (id, entityid, firstname, lastname, email, phone, title, subsidiary, supervisor, hiredate, externalid, datecreated, lastmodifieddate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?;
    for i in 0..EMPLOYEE_COUNT {
        let id = 11 + i;
        let (first, last) = (FIRST_NAMES[i as usize], LAST_NAMES[i as usize]);
        let title = if i == 0 {
            "Sales Director"
        } else {
            "Account Executive"
        };
        emp.execute(params![
            id,
            format!("{first} {last}"),
            first,
            last,
            format!(
                "{}.{}@emulator.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            format!("555-01{id:02}"),
            title,
            1 + i % 3,
            (i > 0).then_some(11),
            date_string(DAY_2020_01_01 + i * 97),
            format!("EMP-{id}"),
            "2024-10-02T08:00:00Z",
        ])?;
    }
    Ok(())
}

fn customers(conn: &Connection) -> rusqlite::Result<()> {
    let mut cust = conn.prepare(
        "INSERT OR IGNORE INTO customer (id, entityid, companyname, email, phone, subsidiary, currency, salesrep, creditlimit, externalid, datecreated, lastmodifieddate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for i in 0..CUSTOMER_COUNT {
        let id = 101 + i;
        let (name, email, phone) = match NAMED_CUSTOMERS.get(i as usize) {
            Some(&(_, name, email, phone)) => (name.to_owned(), email.to_owned(), phone.to_owned()),
            None => {
                let word = COMPANY_WORDS[(i - 5) as usize];
                let name = format!("{word} {}", COMPANY_SUFFIXES[(i % 4) as usize]);
                let domain: String = word
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_lowercase();
                (
                    name,
                    format!("ap@{domain}.example"),
                    format!("555-01{id:02}"),
                )
            }
        };
        // The first five keep subsidiary 1 and USD; later ones spread over three.
        let sub = if i < 5 { 1 } else { 1 + i % 3 };
        cust.execute(params![
            id,
            format!("CUST{id}"),
            name,
            email,
            phone,
            sub,
            sub,
            11 + i % EMPLOYEE_COUNT,
            10_000.0 * (1 + i % 5) as f64,
            format!("CUST-{id}"),
            format!("2024-11-{:02}T09:15:00Z", 1 + i % 28),
            format!("2025-01-{:02}T16:40:00Z", 1 + i % 28),
        ])?;
    }
    Ok(())
}

fn contacts(conn: &Connection) -> rusqlite::Result<()> {
    let mut contact = conn.prepare(
        "INSERT OR IGNORE INTO contact (id, entityid, firstname, lastname, email, phone, title, company, subsidiary, externalid, datecreated, lastmodifieddate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?10)",
    )?;
    for i in 0..CUSTOMER_COUNT {
        let id = 151 + i;
        let first = FIRST_NAMES[((i + 3) % 10) as usize];
        let last = LAST_NAMES[((i * 7) % 10) as usize];
        contact.execute(params![
            id,
            format!("{first} {last}"),
            first,
            last,
            format!(
                "{}.{}@customer{}.example",
                first.to_lowercase(),
                last.to_lowercase(),
                101 + i
            ),
            format!("555-02{:02}", i),
            if i % 2 == 0 {
                "Accounts Payable"
            } else {
                "Purchasing Manager"
            },
            101 + i,
            format!("CONT-{id}"),
            format!("2024-11-{:02}T10:00:00Z", 1 + i % 28),
        ])?;
    }
    Ok(())
}

fn items(conn: &Connection) -> rusqlite::Result<()> {
    let mut item = conn.prepare(
        "INSERT OR IGNORE INTO item (id, itemid, displayname, description, purchasedescription, itemtype, baseprice, cost, subsidiary, externalid, createddate, lastmodifieddate)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, 1, ?8, '2024-10-15T12:00:00Z', '2025-01-02T12:00:00Z')",
    )?;
    for i in 0..ITEM_COUNT {
        let id = 201 + i;
        let price = item_price(i);
        let (code, name) = match NAMED_ITEMS.get(i as usize) {
            Some(&(code, name, _)) => (code.to_owned(), name.to_owned()),
            None => (format!("PART-{id}"), format!("Part {id}")),
        };
        let itemtype = match i {
            0..=14 => "InvtPart",
            15..=17 => "NonInvtPart",
            _ => "Service",
        };
        item.execute(params![
            id,
            code,
            name,
            format!("{name} (purchase)"),
            itemtype,
            price,
            round2(price * 0.6),
            format!("ITEM-{id}"),
        ])?;
    }
    Ok(())
}

/// One generated transaction: its header and its item lines.
struct Generated {
    id: i64,
    invoice: bool,
    entity: i64,
    status: &'static str,
    day: i64,
    memo: Option<String>,
    /// (item index 0-based, quantity)
    lines: Vec<(i64, f64)>,
}

fn generate(n: u64) -> Generated {
    let id = FIRST_TRANSACTION + n as i64;
    if n < 10 {
        let n = n as i64;
        let lines = (0..(2 + n % 2))
            .map(|l| ((n + l * 2) % 5, (1 + (n * 3 + l) % 7) as f64))
            .collect();
        return Generated {
            id,
            invoice: false,
            entity: 101 + n % 5,
            status: FIRST_STATUSES[(n % 4) as usize],
            day: DAY_2025_01_01 + 9 + n,
            memo: Some(if id == 304 {
                "Rush order: ship by Friday".to_owned()
            } else {
                format!("Demo order {id}")
            }),
            lines,
        };
    }
    let h = mix(n);
    let invoice = h.is_multiple_of(3);
    let line_count = 1 + (h >> 8) % 3;
    let lines = (0..line_count)
        .map(|l| {
            (
                (((h >> 12) + l * 7) % ITEM_COUNT as u64) as i64,
                (1 + ((h >> 20) + l) % 9) as f64,
            )
        })
        .collect();
    let status = if invoice {
        if (h >> 28).is_multiple_of(4) {
            "A"
        } else {
            "B"
        }
    } else {
        ORDER_STATUSES[((h >> 28) % ORDER_STATUSES.len() as u64) as usize]
    };
    Generated {
        id,
        invoice,
        entity: 101 + ((h >> 32) % CUSTOMER_COUNT as u64) as i64,
        status,
        day: DAY_2020_01_01 + ((h >> 40) % 2192) as i64,
        memo: n.is_multiple_of(7).then(|| format!("Demo order {id}")),
        lines,
    }
}

/// Transactions from which the secondary indexes are rebuilt after the load rather
/// than kept up to date row by row.
const REBUILD_INDEXES_FROM: u64 = 50_000;

fn transactions(conn: &Connection, from: u64, to: u64) -> rusqlite::Result<Seeded> {
    let rebuild = to - from >= REBUILD_INDEXES_FROM;
    let dropped = if rebuild {
        drop_secondary_indexes(conn)?
    } else {
        Vec::new()
    };
    let seeded = insert_transactions(conn, from, to)?;
    for sql in dropped {
        conn.execute_batch(&sql)?;
    }
    Ok(seeded)
}

/// Drops the non-unique indexes of the transaction tables; returns their definitions.
fn drop_secondary_indexes(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('transaction', 'transactionline') AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
    )?;
    let found: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &found {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
}

fn insert_transactions(conn: &Connection, from: u64, to: u64) -> rusqlite::Result<Seeded> {
    let mut header = conn.prepare(
        "INSERT OR IGNORE INTO \"transaction\" (id, tranid, trandate, type, recordtype, entity, status, foreigntotal, currency, exchangerate, subsidiary, employee, otherrefnum, shipdate, duedate, memo, externalid, createddate, lastmodifieddate, posting)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1.0, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?;
    let mut line = conn.prepare(
        "INSERT OR IGNORE INTO transactionline (\"transaction\", id, linesequencenumber, uniquekey, mainline, item, quantity, rate, foreignamount, netamount, memo, entity, subsidiary)
         VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11)",
    )?;
    let mut seeded = Seeded::default();
    for n in from..to {
        let g = generate(n);
        let sub = if g.entity < 106 {
            1
        } else {
            1 + (g.entity - 101) % 3
        };
        let mut total = 0.0;
        let mut amounts = Vec::with_capacity(g.lines.len());
        for &(item, qty) in &g.lines {
            let rate = item_price(item);
            let amount = round2(rate * qty);
            total += amount;
            amounts.push((item, qty, rate, amount));
        }
        let total = round2(total);
        let date = date_string(g.day);
        let (kind, recordtype, tranid) = if g.invoice {
            ("CustInvc", "invoice", format!("INV{}", g.id))
        } else {
            ("SalesOrd", "salesorder", format!("SO{}", g.id))
        };
        let inserted = header.execute(params![
            g.id,
            tranid,
            date,
            kind,
            recordtype,
            g.entity,
            g.status,
            total,
            sub,
            sub,
            11 + (g.entity - 101) % EMPLOYEE_COUNT,
            (!g.invoice && g.id % 5 == 0).then(|| format!("PO-{}", g.id * 7 % 100_000)),
            (!g.invoice).then(|| date_string(g.day + 5)),
            g.invoice.then(|| date_string(g.day + 30)),
            g.memo,
            format!("{}-{}", if g.invoice { "INV" } else { "WEB" }, g.id),
            format!("{date}T10:00:00Z"),
            format!("{date}T10:05:00Z"),
            if g.invoice { "T" } else { "F" },
        ])?;
        if inserted == 0 {
            // The id or external id is taken by a record made through the API.
            continue;
        }
        line.execute(params![
            g.id,
            0,
            g.id * 1000,
            "T",
            None::<i64>,
            None::<f64>,
            None::<f64>,
            total,
            None::<String>,
            g.entity,
            sub
        ])?;
        for (k, (item, qty, rate, amount)) in amounts.into_iter().enumerate() {
            let k = k as i64 + 1;
            line.execute(params![
                g.id,
                k,
                g.id * 1000 + k,
                "F",
                201 + item,
                qty,
                rate,
                amount,
                None::<String>,
                g.entity,
                sub
            ])?;
        }
        seeded.transactions += 1;
        seeded.lines += 1 + g.lines.len() as u64;
    }
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date_string(0), "1970-01-01");
        assert_eq!(date_string(DAY_2020_01_01), "2020-01-01");
        assert_eq!(date_string(DAY_2025_01_01), "2025-01-01");
        assert_eq!(date_string(DAY_2020_01_01 + 59), "2020-02-29");
        assert_eq!(date_string(-1), "1969-12-31");
    }

    #[test]
    fn order_304_is_the_documented_one() {
        let g = generate(3);
        assert_eq!(g.id, 304);
        assert_eq!(g.entity, 104);
        assert_eq!(g.status, "B");
        assert_eq!(date_string(g.day), "2025-01-13");
        assert!(!g.invoice);
        // Deterministic: the same n, the same transaction.
        let a = generate(123_456);
        let b = generate(123_456);
        assert_eq!(
            (a.entity, a.day, a.lines.clone()),
            (b.entity, b.day, b.lines)
        );
    }
}
