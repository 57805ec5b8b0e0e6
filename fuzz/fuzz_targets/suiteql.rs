//! Fuzzes `netsuite_suiteql::translate`: it must never panic (or overflow the
//! stack), and whatever it translates must be SQL that SQLite prepares and
//! runs against the SuiteQL schema.
//!
//! Run on stable (no sanitizer):
//! `cargo fuzz run suiteql -s none fuzz/corpus/suiteql fuzz/seeds -- -dict=fuzz/suiteql.dict -runs=1000000`

#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use netsuite_suiteql::{Options, schema_sql, translate_with};
use rusqlite::Connection;

thread_local! {
    static DB: RefCell<Connection> = RefCell::new(database());
}

fn database() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    conn.execute_batch(schema_sql()).expect("schema");
    conn.execute_batch(
        r#"
        INSERT INTO currency (id, name, symbol) VALUES (1, 'US Dollar', 'USD');
        INSERT INTO subsidiary (id, name, currency) VALUES (1, 'Parent', 1);
        INSERT INTO customer (id, entityid, companyname, subsidiary, datecreated) VALUES
            (1, 'CUST1', 'Acme', 1, '2024-01-01T00:00:00Z'), (2, 'Jane "J" Doe', NULL, 1, NULL);
        INSERT INTO item (id, itemid, itemtype, baseprice) VALUES (1, 'W', 'InvtPart', 1.5);
        INSERT INTO "transaction" (id, tranid, trandate, type, recordtype, entity, status, foreigntotal, memo, createddate) VALUES
            (1, 'SO1', '2024-01-15', 'SalesOrd', 'salesorder', 1, 'B', 10.5, 'a\b"c', '2024-01-15T08:00:00Z'),
            (2, 'INV1', '2024-02-29', 'CustInvc', 'invoice', NULL, 'A', -3, '12/31/2024', NULL);
        INSERT INTO transactionline ("transaction", id, mainline, item, quantity, rate) VALUES (1, 0, 'T', NULL, NULL, NULL), (1, 1, 'F', 1, 2, 5.25);
        "#,
    )
    .expect("rows");
    conn
}

/// Runtime errors SQLite may raise on values Oracle would also reject or
/// handle with larger numbers; the SQL itself is fine.
fn acceptable_runtime_error(message: &str) -> bool {
    message.contains("integer overflow")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = Options::default().with_now("2024-03-10T12:00:00Z");
    let Ok(t) = translate_with(text, &options) else {
        return;
    };
    DB.with(|db| {
        let db = db.borrow();
        let mut stmt = match db.prepare(&t.sql) {
            Ok(s) => s,
            Err(e) => panic!("SQLite refused the translation of {text:?}\n=> {}\n=> {e}", t.sql),
        };
        assert_eq!(stmt.column_count(), t.columns.len(), "{text:?}");
        let mut rows = stmt.query([]).expect("query");
        let mut n = 0;
        loop {
            match rows.next() {
                Ok(Some(_)) if n < 1000 => n += 1,
                Ok(_) => break,
                Err(e) if acceptable_runtime_error(&e.to_string()) => break,
                Err(e) => panic!("SQLite failed running the translation of {text:?}\n=> {}\n=> {e}", t.sql),
            }
        }
    });
});
