//! Malformed requests of every kind on the data plane: never a 5xx, never a panic.
//! Inputs come from a fixed-seed generator, so a failure reproduces.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::http::*;
use crate::support::*;

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn assert_not_5xx(r: &Reply, what: &str) {
    assert!(
        r.status.as_u16() < 500,
        "{what} -> {}: {}",
        r.status,
        r.body
    );
}

const Q_TOKENS: &[&str] = &[
    "id",
    "companyName",
    "email",
    "tranDate",
    "entity",
    "status",
    "total",
    "isInactive",
    "nope",
    "EQUAL",
    "ANY_OF",
    "CONTAIN",
    "START_WITH",
    "BETWEEN",
    "EMPTY",
    "IS",
    "AFTER",
    "ON_NOT",
    "GREATER",
    "AND",
    "OR",
    "(",
    ")",
    "[",
    "]",
    ",",
    "\"x\"",
    "\"",
    "'",
    "1",
    "-5",
    "1.5e400",
    "true",
    "1/2/2025",
    "2025-13-45",
    "\\",
    "%",
    "_",
    "\u{0}",
    "日本",
    "9999999999999999999999",
];

#[tokio::test]
async fn random_q_filters() {
    let (f, t) = setup().await;
    let mut rng = Rng(1);
    for n in 0..1500 {
        let len = 1 + rng.below(9);
        let q: Vec<&str> = (0..len).map(|_| *rng.pick(Q_TOKENS)).collect();
        let q = q.join(" ");
        let record_type = if n % 3 == 0 {
            "salesorder"
        } else if n % 3 == 1 {
            "customer"
        } else {
            "vendor"
        };
        let r = get(
            &f,
            &t,
            &format!("{RECORD}/{record_type}?limit=5&q={}", enc(&q)),
        )
        .await;
        assert_not_5xx(&r, &q);
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "{q}: {}",
            r.status
        );
    }
}

const SQL_TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "transaction",
    "customer",
    "transactionline",
    "t",
    "c",
    "id",
    "tranid",
    "*",
    ",",
    "(",
    ")",
    "=",
    ">",
    "AND",
    "OR",
    "ORDER",
    "BY",
    "GROUP",
    "ROWNUM",
    "<=",
    "10",
    "'x'",
    "'",
    "NVL(",
    "BUILTIN.DF(",
    "TO_DATE(",
    "(+)",
    "JOIN",
    "ON",
    "UNION",
    "DELETE",
    ";",
    "--",
    "/*",
    "NULL",
    "CASE",
    "WHEN",
    "THEN",
    "END",
    "1e999",
    "9223372036854775808",
    "\u{0}",
];

#[tokio::test]
async fn random_suiteql() {
    let (f, t) = setup().await;
    let mut rng = Rng(2);
    for _ in 0..1500 {
        let len = 2 + rng.below(14);
        let mut words: Vec<&str> = vec!["SELECT"];
        words.extend((0..len).map(|_| *rng.pick(SQL_TOKENS)));
        let q = words.join(" ");
        let body = json!({ "q": q }).to_string();
        let r = call(
            &f,
            "POST",
            &format!("{SUITEQL}?limit=10"),
            Some(&t),
            &[],
            Some(&body),
        )
        .await;
        assert_not_5xx(&r, &q);
    }
    // Deep nesting and long inputs.
    for q in [
        format!(
            "SELECT {}1{} FROM customer",
            "(".repeat(5000),
            ")".repeat(5000)
        ),
        format!(
            "SELECT id FROM customer WHERE {}",
            vec!["id = 1"; 3000].join(" OR ")
        ),
        format!("SELECT {} FROM customer", vec!["id"; 5000].join(", ")),
        "SELECT id FROM customer WHERE id = 'unterminated".to_owned(),
    ] {
        let body = json!({ "q": q }).to_string();
        let r = call(&f, "POST", SUITEQL, Some(&t), &[], Some(&body)).await;
        assert_not_5xx(&r, &q[..q.len().min(60)]);
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(f64::from_bits(rng.next() & 0x7fef_ffff_ffff_ffff)),
        4 => json!(*rng.pick(&["", "x", "104", "2025-01-13", "B", "T", "\u{0}", "日本"])),
        5 => json!({"id": *rng.pick(&["104", "1", "-5", "abc", "", "99999999999999999999"])}),
        6 => Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(4) {
                let k = *rng.pick(&[
                    "id",
                    "items",
                    "item",
                    "quantity",
                    "line",
                    "externalId",
                    "refName",
                    "x",
                ]);
                m.insert(k.to_owned(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

#[tokio::test]
async fn random_record_bodies() {
    let (f, t) = setup().await;
    let mut rng = Rng(3);
    let fields = [
        "companyName",
        "email",
        "subsidiary",
        "isInactive",
        "entity",
        "item",
        "tranDate",
        "status",
        "quantity",
        "memo",
        "externalId",
        "firstName",
        "lastName",
        "isPerson",
        "creditLimit",
        "links",
        "id",
        "acctType",
        "parent",
        "basePrice",
    ];
    for n in 0..600 {
        let mut body = serde_json::Map::new();
        for _ in 0..rng.below(6) {
            body.insert((*rng.pick(&fields)).to_owned(), random_value(&mut rng, 0));
        }
        let body = Value::Object(body).to_string();
        let record_type = *rng.pick(&[
            "customer",
            "salesorder",
            "invoice",
            "contact",
            "employee",
            "account",
            "subsidiary",
            "inventoryitem",
            "vendor",
        ]);
        let (method, path) = match n % 4 {
            0 => ("POST", format!("{RECORD}/{record_type}")),
            1 => (
                "PATCH",
                format!(
                    "{RECORD}/{record_type}/{}",
                    *rng.pick(&["101", "304", "1", "11", "201", "999"])
                ),
            ),
            2 => (
                "PUT",
                format!("{RECORD}/{record_type}/eid:R{}", rng.below(20)),
            ),
            _ => ("PATCH", format!("{RECORD}/{record_type}/304?replace=item")),
        };
        let r = call(&f, method, &path, Some(&t), &[], Some(&body)).await;
        assert_not_5xx(&r, &format!("{method} {path} {body}"));
    }
    // The demo order is intact or validly changed: it still reads.
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/304"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn odd_paths_parameters_and_methods() {
    let (f, t) = setup().await;
    let long = "x".repeat(10_000);
    for path in [
        format!("{RECORD}/"),
        format!("{RECORD}/customer/"),
        format!("{RECORD}/customer/%00"),
        format!("{RECORD}/customer/eid:%00"),
        format!("{RECORD}/customer/eid:{long}"),
        format!("{RECORD}/{long}/1"),
        format!("{RECORD}/customer/1/2/3/4/5"),
        format!("{RECORD}/customer/-0"),
        format!("{RECORD}/customer/9223372036854775807"),
        format!("{RECORD}/customer/-9223372036854775808"),
        format!("{RECORD}/salesorder/304/item/99999999999999999999"),
        format!("{RECORD}/salesorder/304/item/-1"),
        format!("{RECORD}/customer?limit=18446744073709551615"),
        format!("{RECORD}/customer?offset=18446744073709551615"),
        format!("{RECORD}/customer?limit=&offset="),
        format!("{RECORD}/customer?fields=&expandSubResources=maybe"),
        format!("{RECORD}/customer?q=%FF%FE"),
        format!("{RECORD}/customer/101?fields={long}"),
        "/services/rest/async/v1/job/-1/task/-1/result".to_owned(),
        "/services/rest/async/v1/job/99999999999999999999".to_owned(),
        format!("{RESTLET}?script=%00&deploy={long}"),
        "/services/rest/record/v2/customer".to_owned(),
        "/services/rest/system/v1/nope".to_owned(),
    ] {
        for method in ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            let body = (method != "GET" && method != "HEAD").then_some("{}");
            let r = call(&f, method, &path, Some(&t), &[], body).await;
            assert_not_5xx(&r, &format!("{method} {}", &path[..path.len().min(120)]));
        }
    }
    // Bodies that are not JSON, not UTF-8, or of the wrong media type.
    for (ct, body) in [
        ("application/json", "\u{0}\u{1}"),
        ("text/plain", "hello"),
        ("application/xml", "<a/>"),
        ("multipart/form-data; boundary=x", "--x--"),
        ("application/json", "{\"companyName\": \"\\ud800\"}"),
    ] {
        for path in [
            format!("{RECORD}/customer"),
            SUITEQL.to_owned(),
            format!("{RESTLET}?script=1&deploy=1"),
        ] {
            let r = call(
                &f,
                "POST",
                &path,
                Some(&t),
                &[("content-type", ct)],
                Some(body),
            )
            .await;
            assert_not_5xx(&r, &format!("POST {path} {ct}"));
        }
    }
}
