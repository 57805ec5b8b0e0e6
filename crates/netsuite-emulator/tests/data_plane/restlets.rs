//! RESTlets: the echo and record-reader deployments, methods, content types, scopes.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::*;

fn restlet(script: &str, deploy: &str, extra: &str) -> String {
    format!("{RESTLET}?script={script}&deploy={deploy}{extra}")
}

#[tokio::test]
async fn echo_with_every_method_and_both_content_types() {
    let (f, t) = setup().await;
    let r = get(&f, &t, &restlet("1", "1", "&a=1&b=two%20words")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), "application/json; charset=utf-8");
    assert_eq!(
        r.json,
        json!({"method": "GET", "script": "1", "deploy": "1", "params": {"a": "1", "b": "two words"}, "body": null})
    );
    for method in ["POST", "PUT", "DELETE"] {
        let body = (method != "DELETE").then_some(r#"{"x":[1,2]}"#);
        let r = call(&f, method, &restlet("1", "1", ""), Some(&t), &[], body).await;
        assert_eq!(r.status, StatusCode::OK, "{method}: {}", r.body);
        assert_eq!(r.json["method"], method);
        if body.is_some() {
            assert_eq!(r.json["body"], json!({"x": [1, 2]}));
        }
    }
    let r = call(
        &f,
        "POST",
        &restlet("1", "1", ""),
        Some(&t),
        &[("content-type", "text/plain")],
        Some("hello"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "text/plain; charset=utf-8");
    let echoed: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(echoed["body"], "hello");
    // Unsupported content type, bad JSON, unknown scripts, missing methods.
    let r = call(
        &f,
        "POST",
        &restlet("1", "1", ""),
        Some(&t),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some("a=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json["error"]["code"], "INVALID_CONTENT_TYPE");
    let r = call(
        &f,
        "POST",
        &restlet("1", "1", ""),
        Some(&t),
        &[],
        Some("{nope"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["code"], "SYNTAX_ERROR");
    for (s, d) in [("9", "1"), ("1", "2"), ("", ""), ("x", "y")] {
        let r = get(&f, &t, &restlet(s, d, "")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{s}/{d}");
        assert_eq!(
            r.json,
            json!({"error": {"code": "SSS_INVALID_SCRIPTLET_ID", "message": "That Suitelet is invalid, disabled, or no longer exists."}})
        );
    }
    let r = get(&f, &t, RESTLET).await;
    assert_eq!(r.json["error"]["code"], "SSS_INVALID_SCRIPTLET_ID");
    let r = call(
        &f,
        "PATCH",
        &restlet("1", "1", ""),
        Some(&t),
        &[],
        Some("{}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_record_reader() {
    let (f, t) = setup().await;
    let r = get(&f, &t, &restlet("2", "1", "&recordtype=salesorder&id=304")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["recordType"], "salesorder");
    assert_eq!(r.json["id"], "304");
    assert_eq!(r.json["fields"]["tranId"], "SO304");
    assert_eq!(
        r.json["fields"]["entity"]["refName"],
        "Umbrella Corporation"
    );
    let r = call(
        &f,
        "POST",
        &restlet("2", "1", ""),
        Some(&t),
        &[],
        Some(r#"{"recordtype":"customer","id":104}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["fields"]["companyName"], "Umbrella Corporation");
    let r = get(&f, &t, &restlet("2", "1", "&recordtype=customer&id=999")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json,
        json!({"error": {"code": "RCRD_DSNT_EXIST", "message": "That record does not exist."}})
    );
    let r = get(&f, &t, &restlet("2", "1", "&recordtype=customer")).await;
    assert_eq!(r.json["error"]["code"], "SSS_MISSING_REQD_ARGUMENT");
    let r = get(&f, &t, &restlet("2", "1", "&recordtype=nope&id=1")).await;
    assert_eq!(r.json["error"]["code"], "SSS_INVALID_RECORD_TYPE");
    // No DELETE (nor PUT) entry point.
    for method in ["DELETE", "PUT"] {
        let r = call(
            &f,
            method,
            &restlet("2", "1", "&recordtype=customer&id=104"),
            Some(&t),
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(r.json["error"]["code"], "SSS_INVALID_HTTP_METHOD");
    }
}

#[tokio::test]
async fn restlets_need_the_restlets_scope() {
    let (f, _) = setup().await;
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["rest_webservices"]));
    let rest_only = f.token_for(&claims).await;
    let body401 =
        json!({"error": {"code": "INVALID_LOGIN_ATTEMPT", "message": "Invalid login attempt."}});
    for token in [None, Some(rest_only.as_str()), Some("garbage")] {
        let r = call(&f, "GET", &restlet("1", "1", ""), token, &[], None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json, body401);
    }
    assert_eq!(f.last_audit().code, "TokenRejected");
    let r = call(
        &f,
        "GET",
        &restlet("1", "1", ""),
        Some(&rest_only),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(f.last_audit().code, "ScopeMismatched");
    // A token with restlets only works here, and a stray cookie breaks it.
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["restlets"]));
    let restlets_only = f.token_for(&claims).await;
    assert_eq!(
        call(
            &f,
            "GET",
            &restlet("1", "1", ""),
            Some(&restlets_only),
            &[],
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = call(
        &f,
        "GET",
        &restlet("1", "1", ""),
        Some(&restlets_only),
        &[("cookie", "JSESSIONID=abc")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(f.last_audit().detail.contains("cookies"));
}
