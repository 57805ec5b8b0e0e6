//! `GET /services/rest/record/v1/{type}/{id}` with a bearer token, and every bearer
//! failure as NetSuite's byte-exact 401.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Clock, Emulator};
use serde_json::json;

use crate::support::*;

const SO_304: &str = "/services/rest/record/v1/salesorder/304";

#[tokio::test]
async fn sales_order_304_with_an_es256_token() {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;
    let r = f.get(SO_304, Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.content_type(),
        "application/vnd.oracle.resource+json; type=singular"
    );
    let so = &r.json;
    assert_eq!(
        so["links"],
        json!([{"rel": "self", "href": format!("http://{HOST}/services/rest/record/v1/salesorder/304")}])
    );
    assert!(r.body.starts_with(r#"{"links":[{"rel":"self","href":"#));
    assert_eq!(so["id"], "304");
    assert_eq!(so["tranId"], "SO304");
    assert_eq!(so["tranDate"], "2025-01-13");
    assert_eq!(
        so["status"],
        json!({"id": "B", "refName": "Pending Fulfillment"})
    );
    assert_eq!(so["entity"]["id"], "104");
    assert_eq!(so["entity"]["refName"], "Umbrella Corporation");
    assert_eq!(
        so["entity"]["links"][0]["href"],
        format!("http://{HOST}/services/rest/record/v1/customer/104")
    );
    assert_eq!(so["currency"]["refName"], "USA");
    assert!(so["subtotal"].as_f64().unwrap() > 0.0);
    assert_eq!(so["total"], so["subtotal"]);
    assert_eq!(so["memo"], "Rush order: ship by Friday");
    assert_eq!(
        so["item"],
        json!({"links": [{"rel": "self", "href": format!("http://{HOST}/services/rest/record/v1/salesorder/304/item")}]})
    );
    // The customer it references is there too, and types are case-insensitive.
    let c = f
        .get("/services/rest/record/v1/Customer/104", Some(&token))
        .await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.json["companyName"], "Umbrella Corporation");
    for path in [
        "/services/rest/record/v1/salesOrder/304",
        "/services/rest/record/v1/SALESORDER/304",
        "/services/rest/record/v1/salesorder/eid:WEB-304",
    ] {
        let r = f.get(path, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.json["id"], "304");
        assert_eq!(r.json["links"][0]["href"], format!("http://{HOST}{SO_304}"));
    }
    for id in 301..=310 {
        let r = f
            .get(
                &format!("/services/rest/record/v1/salesorder/{id}"),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert!(f.emu.audit().unwrap().is_empty());
}

#[tokio::test]
async fn sales_order_with_a_ps256_token_and_forwarded_https() {
    let f = Fixture::new(KeyType::Rsa3072);
    let token = f.token().await;
    let req = Request::builder()
        .uri(SO_304)
        .header(header::HOST, "proxy.example")
        .header("x-forwarded-proto", "https")
        .header(header::AUTHORIZATION, format!("bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = send(&f.app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json["links"][0]["href"],
        "https://proxy.example/services/rest/record/v1/salesorder/304"
    );
}

#[tokio::test]
async fn record_errors() {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;
    let r = f
        .get("/services/rest/record/v1/salesorder/999", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    assert_eq!(
        r.body,
        r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5","title":"Not Found","status":404,"o:errorDetails":[{"detail":"The record instance does not exist. Provide a valid record instance ID.","o:errorCode":"NONEXISTENT_ID"}]}"#
    );
    let r = f
        .get("/services/rest/record/v1/salesorder/abc", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    assert_eq!(
        r.json["type"],
        "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"
    );
    assert_eq!(r.json["title"], "Bad Request");
    assert_eq!(r.json["status"], 400);
    let d = &r.json["o:errorDetails"][0];
    assert_eq!(
        d["detail"],
        "Invalid record instance identifier 'abc'. Provide a valid record instance ID."
    );
    assert_eq!(d["o:errorCode"], "INVALID_ID");
    let r = f
        .get("/services/rest/record/v1/salesorder/000", Some(&token))
        .await;
    assert_eq!(r.json["o:errorDetails"][0]["o:errorCode"], "INVALID_ID");
    let r = f.get("/services/rest/record/v1/file/1", Some(&token)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json["o:errorDetails"][0],
        json!({"detail": "Record type 'file' does not exist.", "o:errorCode": "NONEXISTENT_ID"})
    );
    let r = f
        .get("/services/rest/record/v1/salesorder/%FF%FE", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(f.emu.audit().unwrap().is_empty());
}

/// Expects NetSuite's 401 and an audit entry with `code`.
fn assert_invalid_login(f: &Fixture, r: &Reply, code: &str) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.body, INVALID_LOGIN_BODY);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    let a = f.last_audit();
    assert_eq!(a.code, code, "{a:?}");
}

#[tokio::test]
async fn bearer_failures() {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;

    let r = f.get(SO_304, None).await;
    assert_invalid_login(&f, &r, "TokenRejected");
    assert_eq!(f.last_audit().client_id, None);

    let r = f.get(SO_304, Some("garbage")).await;
    assert_invalid_login(&f, &r, "TokenRejected");

    let req = Request::builder()
        .uri(SO_304)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .body(Body::empty())
        .unwrap();
    assert_invalid_login(&f, &send(&f.app, req).await, "TokenRejected");

    // Forged: the payload changed, the signature kept.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = jwt_claims(&token);
    claims.insert("sub".into(), json!("3;1"));
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims).to_string());
    let r = f.get(SO_304, Some(&parts.join("."))).await;
    assert_invalid_login(&f, &r, "InvalidSignature");

    // A token from another emulator (another signing key).
    let other = Fixture::new(KeyType::EcP256);
    let foreign = other.token().await;
    let r = f.get(SO_304, Some(&foreign)).await;
    assert_invalid_login(&f, &r, "InvalidSignature");

    // A client assertion is not an access token.
    let r = f.get(SO_304, Some(&f.assertion())).await;
    assert_invalid_login(&f, &r, "InvalidSignature");

    // Only restlets: no REST web services.
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["restlets"]));
    let restlets_only = f.token_for(&claims).await;
    let r = f.get(SO_304, Some(&restlets_only)).await;
    assert_invalid_login(&f, &r, "ScopeMismatched");
    assert_eq!(f.last_audit().client_id.as_deref(), Some(f.client_id()));

    // Still good, then expired an hour later.
    assert_eq!(f.get(SO_304, Some(&token)).await.status, StatusCode::OK);
    f.clock.advance(3601);
    let r = f.get(SO_304, Some(&token)).await;
    assert_invalid_login(&f, &r, "AccessTokenExpired");
    assert_eq!(f.last_audit().client_id.as_deref(), Some(f.client_id()));
    assert_eq!(f.last_audit().time, NOW + 3601);
    // Auth comes before the record lookup.
    let r = f
        .get("/services/rest/record/v1/file/abc", Some(&token))
        .await;
    assert_invalid_login(&f, &r, "AccessTokenExpired");
}

#[tokio::test]
async fn a_token_whose_jti_is_unknown_is_rejected() {
    // Same signing key (same database), but the issued-token row is gone.
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(NOW);
    let mut c = config(&clock);
    c.data_dir = Some(dir.path().to_owned());
    let f = Fixture::on(Emulator::open(c).unwrap(), clock, KeyType::EcP256);
    let token = f.token().await;
    let db = rusqlite::Connection::open(dir.path().join("emulator.sqlite3")).unwrap();
    db.execute("DELETE FROM access_token", []).unwrap();
    let r = f.get(SO_304, Some(&token)).await;
    assert_invalid_login(&f, &r, "TokenRejected");
}

/// With a public URL configured, links follow it, not the request's Host.
#[tokio::test]
async fn links_use_the_configured_public_url() {
    let f = Fixture::with_config(KeyType::EcP256, |c| {
        c.public_url = Some("https://emulator.example:8443/".into());
    });
    let token = f.token().await;
    let r = f
        .get("/services/rest/record/v1/salesOrder/304", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("\"https://emulator.example:8443/services/rest/record/v1/salesorder/304\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains(HOST), "{}", r.body);
    let mut c = config(&Clock::fixed(NOW));
    c.public_url = Some("http://emulator.example/path".into());
    let e = netsuite_emulator::Emulator::open(c).unwrap_err();
    assert!(e.to_string().contains("without a path"), "{e}");
}
