//! The token endpoint: happy paths and every refusal, with NetSuite's exact errors and
//! an audit entry each.

use aws_lc_rs::hmac;
use axum::http::{StatusCode, header};
use netsuite_auth::cert::KeyType;
use netsuite_auth::jws::{self, Algorithm};
use serde_json::{Value, json};

use crate::support::*;

fn assert_success(r: &Reply) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(r.json["token_type"], "bearer");
    assert_eq!(r.json["expires_in"], json!(3600));
    assert!(r.json["expires_in"].is_number());
    assert!(r.json["access_token"].is_string());
}

#[tokio::test]
async fn es256_assertion_gets_a_netsuite_shaped_token() {
    let f = Fixture::new(KeyType::EcP256);
    assert_eq!(f.mapping.key, "EC P-256");
    assert_eq!(f.mapping.algorithm, "ES256");
    let r = f.exchange(&f.assertion()).await;
    assert_success(&r);
    let token = r.json["access_token"].as_str().unwrap();
    let header = jwt_header(token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], f.emu.signing_key_id());
    assert!(f.emu.signing_key_id().starts_with("c.1234567_SB1."));
    let c = jwt_claims(token);
    assert_eq!(c["sub"], "3;-5");
    assert_eq!(
        c["aud"],
        json!([
            format!("{};1234567_SB1", f.integration.application_id),
            f.client_id()
        ])
    );
    assert_eq!(c["scope"], json!(["restlets", "rest_webservices"]));
    assert_eq!(c["iss"], "https://system.netsuite.com");
    assert_eq!(c["iat"], json!(NOW));
    assert_eq!(c["oit"], json!(NOW));
    assert_eq!(c["exp"], json!(NOW + 3600));
    let jti = c["jti"].as_str().unwrap();
    let prefix = "1234567_SB1.a-c.";
    assert!(jti.starts_with(prefix), "{jti}");
    let rest = &jti[prefix.len()..];
    let (uuid, times) = rest.split_once('_').unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(times, format!("{0}.{0}", NOW * 1000));
    assert!(f.emu.audit().unwrap().is_empty());
}

#[tokio::test]
async fn ps256_assertion_with_comma_string_scope() {
    let f = Fixture::new(KeyType::Rsa3072);
    assert_eq!(f.mapping.key, "RSA 3072");
    assert_eq!(f.cred.alg, Algorithm::PS256);
    let mut claims = f.claims();
    claims.insert("scope".into(), json!("rest_webservices,restlets"));
    let r = f.exchange(&f.sign(&claims)).await;
    assert_success(&r);
    let c = jwt_claims(r.json["access_token"].as_str().unwrap());
    assert_eq!(c["scope"], json!(["rest_webservices", "restlets"]));
    // PS384 and PS512 with the same RSA certificate.
    for alg in [Algorithm::PS384, Algorithm::PS512] {
        let t = jws::sign(&f.cred.key, alg, Some(f.kid()), &f.claims()).unwrap();
        assert_success(&f.exchange(&t).await);
    }
}

#[tokio::test]
async fn postman_jsrsasign_float_times_and_exact_hour() {
    let f = Fixture::new(KeyType::Rsa3072);
    let mut claims = f.claims();
    // As the Postman seed sends them: milliseconds as a fraction, exp = iat + 3600.
    let iat = NOW as f64 - 0.047;
    claims.insert("iat".into(), json!(iat));
    claims.insert("exp".into(), json!(iat + 3600.0));
    claims.insert("scope".into(), json!("rest_webservices restlets"));
    let r = f.exchange(&f.sign(&claims)).await;
    assert_success(&r);
    let mut claims = f.claims();
    claims.insert("iat".into(), json!(1799999999.953));
    claims.insert("exp".into(), json!(1800003599.953));
    assert_success(&f.exchange(&f.sign(&claims)).await);
    // The script reads the clock twice: exp can land a millisecond past iat + 3600.
    let mut claims = f.claims();
    claims.insert("iat".into(), json!(1799999999.953));
    claims.insert("exp".into(), json!(1800003599.954));
    assert_success(&f.exchange(&f.sign(&claims)).await);
}

#[tokio::test]
async fn audience_forms_accepted() {
    let f = Fixture::new(KeyType::EcP256);
    for aud in [
        json!(NETSUITE_TOKEN_URL),
        json!([
            "https://example.com/other",
            "https://1234567-SB1.SuiteTalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        ]),
        json!(format!("http://{HOST}/services/rest/auth/oauth2/v1/token")),
        json!("HTTP://EMULATOR.TEST:8080/services/rest/auth/oauth2/v1/token"),
    ] {
        let mut claims = f.claims();
        claims.insert("aud".into(), aud.clone());
        let r = f.exchange(&f.sign(&claims)).await;
        assert_success(&r);
    }
}

/// Sends `assertion`, expects `status` with exactly `{"error": error}`, and an audit
/// entry with `code` (and the client id when `with_client`).
async fn refused(
    f: &Fixture,
    assertion: &str,
    status: StatusCode,
    error: &str,
    code: &str,
    with_client: bool,
) {
    let r = f.exchange(assertion).await;
    assert_refused(f, &r, status, error, code, with_client);
}

fn assert_refused(
    f: &Fixture,
    r: &Reply,
    status: StatusCode,
    error: &str,
    code: &str,
    with_client: bool,
) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body, format!(r#"{{"error":"{error}"}}"#));
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let a = f.last_audit();
    assert_eq!(a.code, code, "{a:?}");
    assert_eq!(a.time, NOW);
    assert!(!a.detail.is_empty());
    if with_client {
        assert_eq!(a.client_id.as_deref(), Some(f.client_id()), "{a:?}");
    }
}

#[tokio::test]
async fn refuses_alg_none_hs256_and_rs256() {
    let f = Fixture::new(KeyType::EcP256);
    let none = raw_jwt(
        &json!({"alg": "none", "typ": "JWT", "kid": f.kid()}),
        &f.claims(),
        b"",
    );
    refused(
        &f,
        &none,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidSignature",
        false,
    )
    .await;

    // HS256 keyed with the certificate PEM: the classic key-confusion attack.
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": f.kid()});
    let unsigned = raw_jwt(&header, &f.claims(), b"");
    let signing_input = unsigned.trim_end_matches('.');
    let key = hmac::Key::new(hmac::HMAC_SHA256, f.cred.cert_pem.as_bytes());
    let tag = hmac::sign(&key, signing_input.as_bytes());
    let hs = raw_jwt(&header, &f.claims(), tag.as_ref());
    refused(
        &f,
        &hs,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidSignature",
        false,
    )
    .await;

    // A lowercase alg name is not an alg name.
    let lower = jws::sign_raw(
        &f.cred.key,
        Algorithm::ES256,
        json!({"alg": "es256", "typ": "JWT", "kid": f.kid()})
            .to_string()
            .as_bytes(),
        Value::Object(f.claims()).to_string().as_bytes(),
    )
    .unwrap();
    refused(
        &f,
        &lower,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidSignature",
        false,
    )
    .await;

    // RS256 with a registered RSA certificate.
    let rsa = Fixture::new(KeyType::Rsa3072);
    let rs = jws::sign(
        &rsa.cred.key,
        Algorithm::RS256,
        Some(rsa.kid()),
        &rsa.claims(),
    )
    .unwrap();
    refused(
        &rsa,
        &rs,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidSignature",
        false,
    )
    .await;
    assert!(rsa.last_audit().detail.contains("RS256"));
}

/// Strict where RFC 7515/7519 and NetSuite's header rule are: every one of these is
/// signed with the mapped key, so only the header or the claims' syntax refuses it.
#[tokio::test]
async fn refuses_missing_typ_crit_and_duplicate_claims() {
    let f = Fixture::new(KeyType::EcP256);
    let signed = |header: Value, payload: String| {
        jws::sign_raw(
            &f.cred.key,
            Algorithm::ES256,
            header.to_string().as_bytes(),
            payload.as_bytes(),
        )
        .unwrap()
    };
    let claims = Value::Object(f.claims()).to_string();
    let iss_twice = format!(r#"{{"iss":"someone-else",{}"#, &claims[1..]);
    let cases = [
        (
            signed(json!({"alg": "ES256", "kid": f.kid()}), claims.clone()),
            "has no typ",
        ),
        (
            signed(
                json!({"alg": "ES256", "typ": "JOSE", "kid": f.kid()}),
                claims.clone(),
            ),
            "has typ \"JOSE\"",
        ),
        (
            signed(
                json!({"alg": "ES256", "typ": "JWT", "kid": f.kid(), "crit": ["exp"], "exp": 1}),
                claims.clone(),
            ),
            "critical extensions",
        ),
        (
            signed(
                json!({"alg": "ES256", "typ": "JWT", "kid": f.kid()}),
                iss_twice,
            ),
            "the payload has the member \"iss\" twice",
        ),
    ];
    for (assertion, cause) in cases {
        refused(
            &f,
            &assertion,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "InvalidRequest",
            false,
        )
        .await;
        let detail = f.last_audit().detail;
        assert!(detail.contains(cause), "{cause}: {detail}");
    }
    // The same claims with a lowercase typ are accepted (media types ignore case).
    let ok = signed(
        json!({"alg": "ES256", "typ": "jwt", "kid": f.kid()}),
        claims,
    );
    assert_success(&f.exchange(&ok).await);
}

#[tokio::test]
async fn refuses_alg_that_does_not_fit_the_certificate() {
    let f = Fixture::new(KeyType::EcP256);
    // A P-384 key signing ES384 under the P-256 certificate's kid.
    let other = credential(KeyType::EcP384);
    let t = jws::sign(&other.key, Algorithm::ES384, Some(f.kid()), &f.claims()).unwrap();
    refused(
        &f,
        &t,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "InvalidSignature",
        true,
    )
    .await;
    assert!(f.last_audit().detail.contains("EC P-256"));
    // PS256 under an EC certificate.
    let rsa = credential(KeyType::Rsa3072);
    let t = jws::sign(&rsa.key, Algorithm::PS256, Some(f.kid()), &f.claims()).unwrap();
    refused(
        &f,
        &t,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "InvalidSignature",
        true,
    )
    .await;
}

#[tokio::test]
async fn refuses_bad_signature_and_unknown_kid() {
    let f = Fixture::new(KeyType::EcP256);
    // Signed by another P-256 key under the right kid.
    let other = credential(KeyType::EcP256);
    let t = jws::sign(&other.key, Algorithm::ES256, Some(f.kid()), &f.claims()).unwrap();
    refused(
        &f,
        &t,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "InvalidSignature",
        true,
    )
    .await;
    // Tampered payload.
    let good = f.assertion();
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["restlets"]));
    parts[1] = raw_jwt(&json!({}), &claims, b"")
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    refused(
        &f,
        &parts.join("."),
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "InvalidSignature",
        true,
    )
    .await;
    // Unknown kid.
    let t = jws::sign(
        &f.cred.key,
        Algorithm::ES256,
        Some("NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA"),
        &f.claims(),
    )
    .unwrap();
    refused(
        &f,
        &t,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "UnknownIntegration",
        false,
    )
    .await;
    assert_eq!(f.last_audit().client_id, None);
    // No kid at all.
    let t = jws::sign(&f.cred.key, Algorithm::ES256, None, &f.claims()).unwrap();
    refused(
        &f,
        &t,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "UnknownIntegration",
        false,
    )
    .await;
}

#[tokio::test]
async fn refuses_wrong_claims() {
    let f = Fixture::new(KeyType::EcP256);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("iss", json!("0".repeat(64)), "ClientAuthenticationFailed"),
        ("iss", json!(5), "ClientAuthenticationFailed"),
        (
            "aud",
            json!("https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"),
            "TokenRejected",
        ),
        (
            "aud",
            json!([format!("{NETSUITE_TOKEN_URL}/")]),
            "TokenRejected",
        ),
        ("exp", json!(NOW - 1), "AccessTokenExpired"),
        ("exp", json!(NOW + 3601), "TokenRejected"),
        ("iat", json!(NOW + 300), "TokenRejected"),
        ("exp", json!("soon"), "TokenRejected"),
    ];
    for (claim, value, code) in cases {
        let mut claims = f.claims();
        claims.insert(claim.into(), value.clone());
        if claim == "exp" && value == json!(NOW + 3601) {
            claims.insert("iat".into(), json!(NOW));
        }
        if claim == "iat" {
            claims.insert("exp".into(), json!(NOW + 600));
        }
        refused(
            &f,
            &f.sign(&claims),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            code,
            true,
        )
        .await;
    }
    // exp - iat = 3601 exactly, both in range of the clock.
    let mut claims = f.claims();
    claims.insert("iat".into(), json!(NOW - 1));
    claims.insert("exp".into(), json!(NOW + 3600));
    refused(
        &f,
        &f.sign(&claims),
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "TokenRejected",
        true,
    )
    .await;
    assert!(f.last_audit().detail.contains("3601"));
    // Missing aud, missing iat.
    for missing in ["aud", "iat"] {
        let mut claims = f.claims();
        claims.remove(missing);
        refused(
            &f,
            &f.sign(&claims),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "TokenRejected",
            true,
        )
        .await;
    }
}

#[tokio::test]
async fn refuses_scopes() {
    let f = Fixture::new(KeyType::EcP256);
    let cases = [
        (json!(["suite_analytics"]), "ScopeMismatched"),
        (json!("rest_webservices,suite_analytics"), "ScopeMismatched"),
        (json!(["mcp", "restlets"]), "InvalidScope"),
        (json!("mcp,restlets"), "InvalidScope"),
        (json!([]), "InvalidScope"),
        (json!(""), "InvalidScope"),
        (json!({"a": 1}), "InvalidScope"),
        (json!(["restlets", 5]), "InvalidScope"),
    ];
    for (scope, code) in cases {
        let mut claims = f.claims();
        claims.insert("scope".into(), scope);
        refused(
            &f,
            &f.sign(&claims),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            code,
            true,
        )
        .await;
    }
    let mut claims = f.claims();
    claims.remove("scope");
    refused(
        &f,
        &f.sign(&claims),
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        "InvalidScope",
        true,
    )
    .await;
}

#[tokio::test]
async fn refuses_malformed_requests() {
    let f = Fixture::new(KeyType::EcP256);
    let a = f.assertion();
    let bad_forms = [
        form(&[
            ("grant_type", "password"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &a),
        ]),
        form(&[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &a),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &a),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion", &a),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("assertion", &a),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &a),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", "not.a.jwt"),
        ]),
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", "garbage"),
        ]),
        "%%%&&&==".to_owned(),
        String::new(),
    ];
    for body in &bad_forms {
        let r = f.post_token(body).await;
        assert_refused(
            &f,
            &r,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "InvalidRequest",
            false,
        );
    }
    // JSON instead of a form.
    let json_body = json!({
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": a,
    })
    .to_string();
    let r = f.post_token_as("application/json", &json_body).await;
    assert_refused(
        &f,
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidRequest",
        false,
    );
    // A form without a content type.
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(netsuite_auth::account::TOKEN_PATH)
        .header(header::HOST, HOST)
        .body(axum::body::Body::from(bad_forms[0].clone()))
        .unwrap();
    let r = send(&f.app, req).await;
    assert_refused(
        &f,
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidRequest",
        false,
    );
    // Over 64 KiB.
    let big = form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", &"a".repeat(70 * 1024)),
    ]);
    let r = f.post_token(&big).await;
    assert_refused(
        &f,
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "InvalidRequest",
        false,
    );
    // The other grants without their parameters (redirect_uri, refresh_token).
    for g in ["authorization_code", "refresh_token"] {
        let r = f
            .post_token(&form(&[("grant_type", g), ("code", "x")]))
            .await;
        assert_refused(
            &f,
            &r,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "InvalidRequest",
            false,
        );
    }
    // The content type may carry a charset.
    let ok = f
        .post_token_as(
            "application/x-www-form-urlencoded; charset=UTF-8",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &a),
            ]),
        )
        .await;
    assert_success(&ok);
}

#[tokio::test]
async fn explain_errors_adds_a_description() {
    let f = Fixture::with_config(KeyType::EcP256, |c| c.explain_errors = true);
    let mut claims = f.claims();
    claims.insert("aud".into(), json!("https://example.com/token"));
    let r = f.exchange(&f.sign(&claims)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid_grant");
    let d = r.json["error_description"].as_str().unwrap();
    assert!(d.contains("aud"), "{d}");
    assert!(d.contains("is not the token URL"), "{d}");
    assert!(d.contains(NETSUITE_TOKEN_URL), "{d}");
    assert_eq!(r.json.as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn other_methods_and_paths_never_500() {
    let f = Fixture::new(KeyType::EcP256);
    let req = axum::http::Request::builder()
        .method("GET")
        .uri(netsuite_auth::account::TOKEN_PATH)
        .header(header::HOST, HOST)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        send(&f.app, req).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let r = f.get("/nope", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    // Binary garbage in the form.
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(netsuite_auth::account::TOKEN_PATH)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(vec![0xff, 0xfe, 0x00, b'=', 0x80]))
        .unwrap();
    let r = send(&f.app, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid_request");
}
