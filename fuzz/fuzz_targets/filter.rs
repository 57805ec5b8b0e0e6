//! Fuzzes `netsuite_suiteql::filter::compile`, the REST record API's `q`
//! filter: it must never panic, and whatever it compiles must be a condition
//! SQLite prepares and runs with its parameters bound.
//!
//! Run on stable (no sanitizer):
//! `cargo fuzz run filter -s none fuzz/corpus/filter fuzz/seeds/filter -- -runs=1000000`

#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use netsuite_suiteql::filter::{Column, FieldType, Param, compile};
use rusqlite::Connection;
use rusqlite::types::Value;

thread_local! {
    static DB: RefCell<Connection> = RefCell::new(database());
}

fn database() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    conn.execute_batch(
        r#"
        CREATE TABLE r (name TEXT, total REAL, inactive TEXT, day TEXT, status TEXT, entity INTEGER, body TEXT);
        INSERT INTO r VALUES
            ('Acme', 10.5, 'F', '2024-01-15', 'B', 1, '{"x": 1}'),
            ('it''s "q"', -3, 'T', '2024-02-29T08:00:00Z', 'A', NULL, NULL),
            (NULL, NULL, 'F', NULL, NULL, 2, '{"x": "a"}');
        "#,
    )
    .expect("rows");
    conn
}

fn column(name: &str) -> Option<Column> {
    let (sql, ty) = match name.to_ascii_lowercase().as_str() {
        "name" => ("name", FieldType::Text),
        "total" => ("total", FieldType::Number),
        "isinactive" => ("inactive", FieldType::Bool),
        "trandate" => ("day", FieldType::Date),
        "status" => ("status", FieldType::Select),
        "entity" => ("entity", FieldType::Ref),
        "x" => ("json_extract(body, '$.x')", FieldType::Any),
        _ => return None,
    };
    Some(Column {
        sql: sql.to_owned(),
        ty,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(condition) = compile(q, &column) else {
        return;
    };
    let params: Vec<Value> = condition
        .params
        .iter()
        .map(|p| match p {
            Param::Integer(i) => Value::Integer(*i),
            Param::Real(f) => Value::Real(*f),
            Param::Text(s) => Value::Text(s.clone()),
            _ => Value::Null,
        })
        .collect();
    DB.with(|db| {
        let db = db.borrow();
        let sql = format!("SELECT COUNT(*) FROM r WHERE {}", condition.sql);
        let mut stmt = match db.prepare(&sql) {
            Ok(s) => s,
            Err(e) => panic!("SQLite refused the filter {q:?}\n=> {sql}\n=> {e}"),
        };
        if let Err(e) = stmt.query_row(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0)) {
            panic!("SQLite failed running the filter {q:?}\n=> {sql}\n=> {e}");
        }
    });
});
