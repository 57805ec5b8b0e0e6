//! SuiteQL over REST: the envelope, paging, values, joins, the 100,000-row ceiling,
//! consistency with the record API, and every kind of bad request as a 400.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::*;
use crate::support::*;

async fn suiteql(f: &Fixture, t: &str, query: &str, q: &str) -> Reply {
    let body = json!({ "q": q }).to_string();
    call(
        f,
        "POST",
        &format!("{SUITEQL}{query}"),
        Some(t),
        &[("prefer", "transient")],
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn rows_values_and_envelope() {
    let (f, t) = setup().await;
    let r = suiteql(
        &f,
        &t,
        "",
        "SELECT t.id, t.tranid, t.entity, BUILTIN.DF(t.entity) AS customer, t.foreigntotal, t.memo, t.otherrefnum, t.status FROM transaction t WHERE t.id = 304",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), COLLECTION);
    assert_eq!(r.json["count"], 1);
    assert_eq!(r.json["hasMore"], false);
    assert_eq!(r.json["offset"], 0);
    assert_eq!(r.json["totalResults"], 1);
    assert_eq!(
        r.json["links"],
        json!([{"rel": "self", "href": format!("http://{HOST}{SUITEQL}?limit=1000&offset=0")}])
    );
    let row = &r.json["items"][0];
    assert_eq!(row["links"], json!([]));
    assert_eq!(row["id"], "304");
    assert_eq!(row["tranid"], "SO304");
    assert_eq!(row["entity"], "104");
    assert_eq!(row["customer"], "Umbrella Corporation");
    assert_eq!(row["status"], "B");
    assert_eq!(row["memo"], "Rush order: ship by Friday");
    // Numbers are strings too; NULL columns are left out.
    let so = get(&f, &t, &format!("{RECORD}/salesorder/304")).await.json;
    let total: f64 = row["foreigntotal"].as_str().unwrap().parse().unwrap();
    assert!((total - so["total"].as_f64().unwrap()).abs() < 1e-9);
    assert!(row.get("otherrefnum").is_none(), "{row}");
    // Lines of the same order, joined the Oracle way.
    let r = suiteql(
        &f,
        &t,
        "",
        "SELECT tl.id AS line, i.itemid, tl.quantity FROM transactionline tl, item i WHERE tl.item = i.id(+) AND tl.transaction = 304 AND tl.mainline = 'F' ORDER BY tl.id",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["count"], 3);
    assert_eq!(
        r.json["items"][0],
        json!({"links": [], "line": "1", "itemid": "BOLT-M8", "quantity": "3"})
    );
}

#[tokio::test]
async fn paging_keyset_and_the_ceiling() {
    let (f, t) = setup().await;
    let r = suiteql(
        &f,
        &t,
        "?limit=10",
        "SELECT id, companyname FROM customer ORDER BY id",
    )
    .await;
    assert_eq!(r.json["count"], 10);
    assert_eq!(r.json["hasMore"], true);
    assert_eq!(r.json["totalResults"], 25);
    let rels: Vec<String> = links(&r).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["next", "last", "self"]);
    assert_eq!(
        links(&r)[1].1,
        format!("http://{HOST}{SUITEQL}?limit=10&offset=20")
    );
    let r = suiteql(
        &f,
        &t,
        "?limit=10&offset=20",
        "SELECT id, companyname FROM customer ORDER BY id",
    )
    .await;
    assert_eq!(r.json["count"], 5);
    assert_eq!(r.json["hasMore"], false);
    assert_eq!(r.json["items"][4]["id"], "125");
    // Keyset: every transaction exactly once.
    let mut last = 0i64;
    let mut seen = 0;
    loop {
        let r = suiteql(
            &f,
            &t,
            "?limit=7",
            &format!("SELECT id FROM transaction WHERE id > {last} ORDER BY id"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.json["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for i in items {
            let id: i64 = i["id"].as_str().unwrap().parse().unwrap();
            assert!(id > last);
            last = id;
            seen += 1;
        }
        if r.json["hasMore"] == false {
            break;
        }
    }
    assert_eq!(seen, 100);
    // 25^4 = 390,625 rows: totalResults says so, paging stops at 100,000.
    let big = "SELECT a.id FROM customer a, customer b, customer c, customer d";
    let r = suiteql(&f, &t, "?limit=1000&offset=98000", big).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["totalResults"], 390_625);
    assert_eq!(r.json["hasMore"], true);
    let r = suiteql(&f, &t, "?limit=1000&offset=99000", big).await;
    assert_eq!(r.json["count"], 1000);
    assert_eq!(r.json["hasMore"], false);
    let rels: Vec<String> = links(&r).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["first", "prev", "self"]);
    for (query, param) in [
        ("?limit=1000&offset=100000", "offset"),
        ("?limit=10&offset=5", "offset"),
        ("?limit=1001", "limit"),
        ("?limit=0", "limit"),
    ] {
        let r = suiteql(&f, &t, query, big).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(detail(&r)["o:errorCode"], "INVALID_PARAMETER");
        assert_eq!(detail(&r)["o:errorQueryParam"], param);
    }
}

#[tokio::test]
async fn suiteql_and_the_record_api_share_the_data() {
    let (f, t) = setup().await;
    let count = "SELECT COUNT(*) AS n FROM customer";
    let r = suiteql(&f, &t, "", count).await;
    assert_eq!(r.json["items"][0]["n"], "25");
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/customer"),
        r#"{"companyName":"Seen By SuiteQL","email":"s@q.example"}"#,
    )
    .await;
    let id = new_id(&r);
    let r = suiteql(
        &f,
        &t,
        "",
        &format!("SELECT companyname, email, isinactive FROM customer WHERE id = {id}"),
    )
    .await;
    assert_eq!(
        r.json["items"][0],
        json!({"links": [], "companyname": "Seen By SuiteQL", "email": "s@q.example", "isinactive": "F"})
    );
    let r = suiteql(&f, &t, "", count).await;
    assert_eq!(r.json["items"][0]["n"], "26");
    let r = suiteql(&f, &t, "?limit=5", "SELECT id FROM customer").await;
    assert_eq!(r.json["totalResults"], 26);
    // A sales order created through REST has its lines in transactionline.
    let body =
        json!({"entity": {"id": id}, "item": {"items": [{"item": {"id": "201"}, "quantity": 2}]}});
    let r = post(&f, &t, &format!("{RECORD}/salesorder"), &body.to_string()).await;
    let so = new_id(&r);
    let r = suiteql(&f, &t, "", &format!("SELECT t.tranid, t.foreigntotal, t.type, BUILTIN.DF(t.entity) AS c, tl.foreignamount FROM transaction t JOIN transactionline tl ON tl.transaction = t.id WHERE t.id = {so} AND tl.mainline = 'F'")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json["items"][0],
        json!({"links": [], "tranid": format!("SO{so}"), "foreigntotal": "25", "type": "SalesOrd", "c": "Seen By SuiteQL", "foreignamount": "25"})
    );
}

#[tokio::test]
async fn bad_queries_are_400s() {
    let (f, t) = setup().await;
    let prefix =
        "Invalid search query. Detailed unprocessed description follows. Search error occurred: ";
    for (q, needle) in [
        ("DELETE FROM customer", "only SELECT"),
        ("UPDATE customer SET email = 'x'", "only SELECT"),
        ("DROP TABLE customer", "only SELECT"),
        ("SELECT id FROM nowhere", "nowhere"),
        ("SELECT nope FROM customer", "nope"),
        ("SELECT id FROM", "syntax"),
        ("SELECT id FROM customer; DELETE FROM customer", ""),
        ("WITH x AS (SELECT 1 FROM customer) SELECT * FROM x", ""),
        ("SELECT id FROM customer WHERE id = '", ""),
        ("PRAGMA table_info(customer)", ""),
        ("ATTACH DATABASE 'x' AS y", ""),
        ("SELECT ))) FROM (((", ""),
    ] {
        let r = suiteql(&f, &t, "", q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
        assert_eq!(detail(&r)["o:errorCode"], "USER_ERROR", "{q}");
        let d = detail(&r)["detail"].as_str().unwrap();
        assert!(d.starts_with(prefix), "{d}");
        assert!(d.contains(needle), "{q}: {d}");
    }
    for body in [
        "",
        "{",
        "[]",
        r#"{"q": 1}"#,
        r#"{"q": ""}"#,
        r#"{"query": "SELECT 1"}"#,
    ] {
        let r = call(&f, "POST", SUITEQL, Some(&t), &[], Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(detail(&r)["o:errorCode"], "INVALID_REQUEST");
    }
    let long =
        json!({"q": format!("SELECT id FROM customer WHERE {}", "id = 1 OR ".repeat(20_000))})
            .to_string();
    let r = call(&f, "POST", SUITEQL, Some(&t), &[], Some(&long)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(&f, "GET", SUITEQL, Some(&t), &[], None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = call(
        &f,
        "POST",
        SUITEQL,
        None,
        &[],
        Some(r#"{"q":"SELECT id FROM customer"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A four-way cross join of the transactions (about 10^9 rows at the demo scale).
const RUNAWAY: &str =
    "SELECT COUNT(*) AS n FROM transaction a, transaction b, transaction c, transaction d";

/// A statement that runs past the time limit is stopped with a USER_ERROR naming the
/// limit, and the account is free for the next request at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_past_the_time_limit_is_stopped() {
    let f = Fixture::with_config(netsuite_auth::cert::KeyType::EcP256, |c| {
        c.suiteql_time_limit = std::time::Duration::from_millis(500);
    });
    let t = f.token().await;
    let started = std::time::Instant::now();
    let r = suiteql(&f, &t, "", RUNAWAY).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("USER_ERROR"), "{}", r.body);
    assert!(r.body.contains("SuiteQL time limit of 0.5 s"), "{}", r.body);
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert_eq!(f.emu.suiteql_running(), 0);
    let r = suiteql(&f, &t, "", "SELECT id FROM customer ORDER BY id").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Over a real socket: a client that goes away stops its statement (SQLite's
/// interrupt), long before the time limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_whose_client_left_is_stopped() {
    use tokio::io::AsyncWriteExt;
    let f = Fixture::new(netsuite_auth::cert::KeyType::EcP256);
    let t = f.token().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(netsuite_emulator::serve(
        f.emu.clone(),
        listener,
        std::future::pending(),
    ));
    let body = json!({ "q": RUNAWAY }).to_string();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "POST {SUITEQL} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\nPrefer: transient\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while f.emu.suiteql_running() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the statement never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(s);
    let left = std::time::Instant::now();
    while f.emu.suiteql_running() > 0 {
        assert!(
            left.elapsed() < std::time::Duration::from_secs(5),
            "the statement kept running after its client left"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.abort();
}
