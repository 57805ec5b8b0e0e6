//! Collections: paging, the envelope, NetSuite's paging rules, and `q` filters.

use axum::http::StatusCode;

use crate::http::*;

#[tokio::test]
async fn paging_and_envelope() {
    let (f, t) = setup().await;
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), COLLECTION);
    assert!(r.body.starts_with(r#"{"links":["#), "{}", r.body);
    assert_eq!(ids(&r), ["101", "102"]);
    assert_eq!(r.json["count"], 2);
    assert_eq!(r.json["hasMore"], true);
    assert_eq!(r.json["offset"], 0);
    assert_eq!(r.json["totalResults"], 25);
    let base = format!("http://{}{RECORD}/customer", crate::support::HOST);
    assert_eq!(
        links(&r),
        [
            ("next".to_owned(), format!("{base}?limit=2&offset=2")),
            ("last".to_owned(), format!("{base}?limit=2&offset=24")),
            ("self".to_owned(), format!("{base}?limit=2&offset=0")),
        ]
    );
    assert_eq!(
        r.json["items"][0]["links"][0]["href"],
        format!("{base}/101")
    );
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=2&offset=2")).await;
    assert_eq!(ids(&r), ["103", "104"]);
    let rels: Vec<String> = links(&r).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["first", "prev", "next", "last", "self"]);
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=2&offset=24")).await;
    assert_eq!(ids(&r), ["125"]);
    assert_eq!(r.json["hasMore"], false);
    let rels: Vec<String> = links(&r).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["first", "prev", "self"]);
    // Past the end: an empty page.
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=5&offset=100")).await;
    assert_eq!(r.json["count"], 0);
    assert_eq!(r.json["items"], serde_json::json!([]));
    // Default page: everything up to 1000.
    let r = get(&f, &t, &format!("{RECORD}/salesOrder")).await;
    assert_eq!(r.json["offset"], 0);
    let n = r.json["count"].as_u64().unwrap();
    assert_eq!(r.json["totalResults"].as_u64().unwrap(), n);
    assert!(n > 50 && n < 100, "{n}");
    let all = get(&f, &t, &format!("{RECORD}/salesorder")).await;
    let inv = get(&f, &t, &format!("{RECORD}/invoice")).await;
    assert_eq!(
        all.json["count"].as_u64().unwrap() + inv.json["count"].as_u64().unwrap(),
        100
    );
}

#[tokio::test]
async fn paging_rules() {
    let (f, t) = setup().await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=abc", "limit"),
        ("limit=2&offset=3", "offset"),
        ("offset=-1", "offset"),
        ("limit=1000&offset=100000", "offset"),
    ] {
        let r = get(&f, &t, &format!("{RECORD}/customer?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.content_type(), crate::support::ERROR_CONTENT_TYPE);
        assert_eq!(detail(&r)["o:errorCode"], "INVALID_PARAMETER", "{query}");
        assert_eq!(detail(&r)["o:errorQueryParam"], param, "{query}");
    }
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/customer?limit=1000&offset=99000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn query(f: &crate::support::Fixture, t: &str, record_type: &str, q: &str) -> Vec<String> {
    let r = get(f, t, &format!("{RECORD}/{record_type}?q={}", enc(q))).await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    ids(&r)
}

#[tokio::test]
async fn q_filters() {
    let (f, t) = setup().await;
    assert_eq!(
        query(&f, &t, "customer", r#"companyName START_WITH "Umb""#).await,
        ["104"]
    );
    assert_eq!(
        query(&f, &t, "customer", "companyName START_WITH umb").await,
        ["104"]
    );
    assert_eq!(
        query(&f, &t, "customer", r#"companyName IS "initech""#).await,
        ["103"]
    );
    assert_eq!(
        query(&f, &t, "customer", r#"companyName CONTAIN "corp""#).await,
        ["101", "102", "104"]
    );
    assert_eq!(
        query(&f, &t, "customer", r#"email END_WITH "@stark.example""#).await,
        ["105"]
    );
    assert_eq!(
        query(&f, &t, "customer", "id ANY_OF [101, 103]").await,
        ["101", "103"]
    );
    assert_eq!(
        query(&f, &t, "customer", "id ANY_OF 101, 103").await,
        ["101", "103"]
    );
    assert_eq!(
        query(&f, &t, "customer", "id BETWEEN 103 105").await,
        ["103", "104", "105"]
    );
    assert_eq!(
        query(&f, &t, "customer", "id GREATER 123").await,
        ["124", "125"]
    );
    assert_eq!(
        query(&f, &t, "customer", "id GREATER_OR_EQUAL 124").await,
        ["124", "125"]
    );
    assert_eq!(query(&f, &t, "customer", "id LESS 102").await, ["101"]);
    assert_eq!(
        query(&f, &t, "customer", "id LESS_OR_EQUAL 102").await,
        ["101", "102"]
    );
    assert_eq!(query(&f, &t, "customer", "id EQUAL 104").await, ["104"]);
    assert_eq!(
        query(&f, &t, "customer", "id EQUAL_NOT 104 AND id LESS 106").await,
        ["101", "102", "103", "105"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "customer",
            r#"(id EQUAL 101 OR id EQUAL 102) AND companyName CONTAIN "globex""#
        )
        .await,
        ["102"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "customer",
            r#"id EQUAL 101 OR id EQUAL 102 AND companyName CONTAIN "globex""#
        )
        .await,
        ["101", "102"]
    );
    assert_eq!(
        query(&f, &t, "customer", "isInactive IS true").await,
        Vec::<String>::new()
    );
    assert_eq!(
        query(&f, &t, "customer", "isInactive IS false").await.len(),
        25
    );
    assert_eq!(query(&f, &t, "customer", "comments EMPTY").await.len(), 25);
    assert_eq!(query(&f, &t, "customer", "email EMPTY").await.len(), 0);
    assert_eq!(query(&f, &t, "customer", "email EMPTY_NOT").await.len(), 25);
    assert_eq!(
        query(
            &f,
            &t,
            "customer",
            r#"companyName CONTAIN_NOT "corp" AND id LESS 106"#
        )
        .await,
        ["103", "105"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "customer",
            r#"companyName START_WITH_NOT "a" AND id LESS 103"#
        )
        .await,
        ["102"]
    );
    // Dates, references and statuses.
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            r#"tranDate ON "1/13/2025" AND id LESS 311"#
        )
        .await,
        ["304"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            "tranDate ON 2025-01-13 AND id LESS 311"
        )
        .await,
        ["304"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            r#"tranDate AFTER "2025-01-17" AND tranDate BEFORE "2025-01-20" AND id LESS 311"#
        )
        .await,
        ["309", "310"]
    );
    assert_eq!(
        query(&f, &t, "salesorder", r#"tranDate ON_OR_AFTER "1/18/2025" AND tranDate ON_OR_BEFORE "1/19/2025" AND id LESS 311"#).await,
        ["309", "310"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            "tranDate WITHIN 2025-01-13 2025-01-14 AND id LESS 311"
        )
        .await,
        ["304", "305"]
    );
    assert_eq!(
        query(&f, &t, "salesorder", "entity EQUAL 104 AND id LESS 311").await,
        ["304", "309"]
    );
    assert_eq!(
        query(&f, &t, "salesorder", "entity ANY_OF [104] AND id LESS 311").await,
        ["304", "309"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            r#"status ANY_OF "SalesOrd:B" AND id LESS 311"#
        )
        .await,
        ["304", "308"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            r#"memo IS "Rush order: ship by Friday""#
        )
        .await,
        ["304"]
    );
    assert_eq!(
        query(
            &f,
            &t,
            "salesorder",
            r#"lastModifiedDate ON "1/13/2025" AND id LESS 311"#
        )
        .await,
        ["304"]
    );
    assert_eq!(
        query(&f, &t, "salesorder", "total GREATER 100000").await,
        Vec::<String>::new()
    );
    // totalResults follows the filter.
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/customer?limit=1&q={}", enc("id GREATER 120")),
    )
    .await;
    assert_eq!(r.json["totalResults"], 5);
    assert_eq!(r.json["hasMore"], true);
    assert!(
        links(&r)[0].1.contains("q=id+GREATER+120&limit=1&offset=1"),
        "{:?}",
        links(&r)
    );
}

#[tokio::test]
async fn bad_q_is_invalid_parameter() {
    let (f, t) = setup().await;
    for (q, message) in [
        ("department EQUAL 1", "Unknown identifier 'department'."),
        (
            "companyName",
            "Expected an operator after field 'companyName'.",
        ),
        (
            "companyName FOO bar",
            "Unknown operator 'FOO' after field 'companyName'.",
        ),
        (
            "id EQUAL abc",
            "Invalid value 'abc' for field 'id': a number is expected.",
        ),
        ("(id EQUAL 1", "Expected ')' at the end of the query."),
        (
            "id EQUAL 1 AND",
            "Expected a condition at the end of the query.",
        ),
        (
            "id CONTAIN 1",
            "The operator CONTAIN is not valid for field 'id'.",
        ),
    ] {
        let r = get(&f, &t, &format!("{RECORD}/customer?q={}", enc(q))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(
            detail(&r)["detail"],
            format!(
                "Invalid search query. Detailed unprocessed description follows. Search error occurred: {message}"
            ),
            "{q}"
        );
        assert_eq!(detail(&r)["o:errorCode"], "INVALID_PARAMETER");
        assert_eq!(detail(&r)["o:errorQueryParam"], "q");
    }
    // Garbage never makes a 500.
    for q in [
        "\"",
        "((((",
        "]]]",
        "id ANY_OF [",
        "id BETWEEN 1",
        "\u{0}",
        "id EQUAL 1 OR OR",
        "' OR 1=1 --",
    ] {
        let r = get(&f, &t, &format!("{RECORD}/customer?q={}", enc(q))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
    }
}

#[tokio::test]
async fn documents_list_and_filter_too() {
    let (f, t) = setup().await;
    for (name, n) in [("Zeta Supplies", 1), ("Alpha Parts", 2), ("Beta Metals", 3)] {
        let r = post(
            &f,
            &t,
            &format!("{RECORD}/vendor"),
            &format!(r#"{{"companyName":"{name}","rank":{n}}}"#),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let r = get(&f, &t, &format!("{RECORD}/vendor?limit=2")).await;
    assert_eq!(ids(&r), ["1", "2"]);
    assert_eq!(r.json["totalResults"], 3);
    assert_eq!(
        query(&f, &t, "vendor", r#"companyName START_WITH "alpha""#).await,
        ["2"]
    );
    assert_eq!(query(&f, &t, "vendor", "rank GREATER 1").await, ["2", "3"]);
    // An empty collection of a known type.
    let r = get(&f, &t, &format!("{RECORD}/phonecall")).await;
    assert_eq!(r.json["totalResults"], 0);
    assert_eq!(r.json["hasMore"], false);
}
