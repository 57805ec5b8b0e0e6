//! A small SuiteQL database in memory, and a runner that renders values as
//! the emulator does (strings; NULL as `None`).

#![allow(dead_code)]

use netsuite_suiteql::{Options, Translation, schema_sql, translate_with};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// The fixed "now" of the tests.
pub const NOW: &str = "2024-03-10T12:00:00Z";

pub fn database() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(schema_sql()).unwrap();
    conn.execute_batch(
        r#"
        INSERT INTO currency (id, name, symbol) VALUES (1, 'US Dollar', 'USD'), (2, 'British pound', 'GBP');
        INSERT INTO subsidiary (id, name, currency, country) VALUES (1, 'Parent Company', 1, 'US'), (2, 'UK Sub', 2, 'GB');
        INSERT INTO employee (id, entityid, firstname, lastname, subsidiary) VALUES (7, 'Sam Seller', 'Sam', 'Seller', 1);
        INSERT INTO customer (id, entityid, companyname, email, subsidiary, salesrep, balance, datecreated, lastmodifieddate) VALUES
            (1, 'CUST1', 'Acme Inc', 'ap@acme.example', 1, 7, 150.0, '2023-12-01T09:00:00Z', '2024-03-01T10:00:00Z'),
            (2, 'Jane Doe', NULL, 'jane@example.com', 1, NULL, 0, '2023-12-02T09:00:00Z', '2024-03-09T23:30:00Z'),
            (3, 'CUST3', 'Globex', NULL, 2, 7, NULL, '2024-01-01T00:00:00Z', '2024-03-10T11:00:00Z');
        INSERT INTO contact (id, entityid, firstname, lastname, company) VALUES (11, 'Wile E', 'Wile', 'Coyote', 1);
        INSERT INTO item (id, itemid, displayname, itemtype, baseprice) VALUES
            (1, 'WIDGET', 'Widget', 'InvtPart', 10.0),
            (2, 'CONSULTING', 'Consulting hour', 'Service', 100.0);
        INSERT INTO account (id, acctnumber, acctname, accttype) VALUES (1, '1000', 'Checking', 'Bank');
        INSERT INTO "transaction" (id, tranid, trandate, type, recordtype, entity, status, foreigntotal, currency, subsidiary, memo, createddate, lastmodifieddate, posting) VALUES
            (1, 'SO1', '2024-01-15', 'SalesOrd', 'salesorder', 1, 'B', 150.0, 1, 1, 'first order', '2024-01-15T08:30:00Z', '2024-01-15T08:30:00Z', 'F'),
            (2, 'SO2', '2024-01-31', 'SalesOrd', 'salesorder', 2, 'G', 99.5, 1, 1, NULL, '2024-01-31T00:00:00Z', '2024-02-01T10:00:00Z', 'F'),
            (3, 'INV1', '2024-02-29', 'CustInvc', 'invoice', 1, 'A', 150.0, 1, 1, 'Invoice for SO1', '2024-02-29T16:45:10Z', '2024-03-01T09:00:00Z', 'T'),
            (4, 'INV2', '2024-03-01', 'CustInvc', 'invoice', NULL, 'B', 20.25, 2, 2, 'cash', '2024-03-01T00:00:00Z', '2024-03-09T12:00:00Z', 'T'),
            (101, 'SO101', '2024-03-05', 'SalesOrd', 'salesorder', 3, 'A', 10, 1, 2, NULL, '2024-03-05T10:00:00Z', '2024-03-05T10:00:00Z', 'F'),
            (102, 'SO102', '2024-03-06', 'SalesOrd', 'salesorder', 3, 'H', -5.5, 1, 2, 'refund?', '2024-03-06T10:00:00Z', '2024-03-06T10:00:00Z', 'F'),
            (103, 'SO103', '2024-03-09', 'SalesOrd', 'salesorder', 3, 'Z', 1234567.891, 1, 2, '100% [done]', '2024-03-09T10:00:00Z', '2024-03-09T10:00:00Z', 'F');
        INSERT INTO transactionline ("transaction", id, linesequencenumber, uniquekey, mainline, item, quantity, rate, netamount, foreignamount, memo) VALUES
            (1, 0, 0, 1000, 'T', NULL, NULL, NULL, 150.0, 150.0, NULL),
            (1, 1, 1, 1001, 'F', 1, 5, 10.0, 50.0, 50.0, 'widgets'),
            (1, 2, 2, 1002, 'F', 2, 1, 100.0, 100.0, 100.0, NULL),
            (3, 0, 0, 3000, 'T', NULL, NULL, NULL, 150.0, 150.0, NULL),
            (3, 1, 1, 3001, 'F', 1, 15, 10.0, 150.0, 150.0, 'billed');
        "#,
    )
    .unwrap();
    conn
}

pub fn tr(suiteql: &str) -> Translation {
    translate_with(suiteql, &Options::default().with_now(NOW))
        .unwrap_or_else(|e| panic!("{suiteql}\n=> {e}"))
}

/// Renders a value as the emulator does: numbers and text as strings.
pub fn render(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(if r.fract() == 0.0 && r.abs() < 1e15 {
            format!("{}", r as i64)
        } else {
            format!("{r}")
        }),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => Some("<blob>".into()),
    }
}

/// Translates and runs a query; checks the column names SQLite reports.
pub fn run(conn: &Connection, suiteql: &str) -> Vec<Vec<Option<String>>> {
    let t = tr(suiteql);
    let mut stmt = conn
        .prepare(&t.sql)
        .unwrap_or_else(|e| panic!("{suiteql}\n=> {}\n=> {e}", t.sql));
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    assert_eq!(names, t.columns, "{suiteql}");
    let n = names.len();
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows
        .next()
        .unwrap_or_else(|e| panic!("{suiteql}\n=> {}\n=> {e}", t.sql))
    {
        out.push((0..n).map(|i| render(row.get_ref(i).unwrap())).collect());
    }
    out
}

/// The rows as `Vec<Vec<&str>>`, NULL as "NULL", for terse assertions.
pub fn rows(conn: &Connection, suiteql: &str) -> Vec<Vec<String>> {
    run(conn, suiteql)
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

/// One column of the result.
pub fn column(conn: &Connection, suiteql: &str) -> Vec<String> {
    rows(conn, suiteql)
        .into_iter()
        .map(|mut r| {
            assert_eq!(r.len(), 1, "{suiteql}");
            r.remove(0)
        })
        .collect()
}

/// The single value of a one-row, one-column result.
pub fn value(conn: &Connection, suiteql: &str) -> String {
    let mut c = column(conn, suiteql);
    assert_eq!(c.len(), 1, "{suiteql}: {c:?}");
    c.remove(0)
}
