//! Malformed input at every OAuth endpoint: never a 500, never a panic; the token and
//! revoke endpoints answer with NetSuite's errors and write an audit entry each.

use aws_lc_rs::hmac;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsuite_auth::account::{AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH};
use serde_json::json;

use crate::authcode::*;
use crate::support::*;

async fn raw(
    a: &Auth,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: Vec<u8>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = tower::ServiceExt::oneshot(a.app.clone(), req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        headers,
        body,
        json,
    }
}

/// Request headers and a body.
type Case = (Vec<(&'static str, Vec<u8>)>, Vec<u8>);

/// Bodies and headers that are wrong in every way we could think of.
fn garbage() -> Vec<Case> {
    let form = b"application/x-www-form-urlencoded".to_vec();
    let mut out: Vec<Case> = vec![
        (vec![], b"grant_type=authorization_code".to_vec()),
        (vec![("content-type", b"application/json".to_vec())], b"{\"grant_type\":\"x\"}".to_vec()),
        (vec![("content-type", form.clone())], vec![0xff, 0xfe, 0x00, 0x80]),
        (vec![("content-type", form.clone())], b"%%%%=%%&&&==".to_vec()),
        (vec![("content-type", form.clone())], vec![b'a'; 70 * 1024]),
        (vec![("content-type", form.clone())], b"grant_type=authorization_code&grant_type=refresh_token".to_vec()),
        (vec![("content-type", form.clone())], b"grant_type=authorization_code&code=\x00&redirect_uri=\x01".to_vec()),
        (vec![("content-type", form.clone()), ("authorization", b"Basic \xff\xfe".to_vec())], b"grant_type=refresh_token&refresh_token=a".to_vec()),
        (vec![("content-type", form.clone()), ("authorization", b"Basic Og==".to_vec())], b"grant_type=refresh_token&refresh_token=a".to_vec()),
        (vec![("content-type", form.clone()), ("authorization", vec![b'x'; 8000])], b"token=a".to_vec()),
        (vec![("content-type", form.clone())], format!("grant_type=refresh_token&refresh_token={}&client_id=x", "a.".repeat(40_000)).into_bytes()),
        (vec![("content-type", form.clone())], b"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e30.e30.e30".to_vec()),
        (vec![("content-type", b"multipart/form-data; boundary=x".to_vec())], b"--x\r\n\r\n--x--".to_vec()),
        (vec![("content-length", b"99999999".to_vec()), ("content-type", form.clone())], b"a=b".to_vec()),
    ];
    out.push((vec![("content-type", form)], Vec::new()));
    out
}

#[tokio::test]
async fn token_and_revoke_never_fail_with_500() {
    let a = Auth::new();
    for path in [TOKEN_PATH, REVOKE_PATH] {
        for (headers, body) in garbage() {
            let before = a.emu.audit().unwrap().len();
            let h: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_slice())).collect();
            let r = raw(&a, "POST", path, &h, body.clone()).await;
            assert!(
                r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNAUTHORIZED,
                "{path} {headers:?}: {} {}",
                r.status,
                r.body
            );
            assert!(r.json["error"].is_string(), "{path}: {}", r.body);
            assert_eq!(
                a.emu.audit().unwrap().len(),
                before + 1,
                "{path} {headers:?}: no audit entry"
            );
        }
    }
    // Other methods on the token endpoint.
    let r = raw(&a, "GET", TOKEN_PATH, &[], Vec::new()).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn forged_refresh_tokens() {
    let a = Auth::new();
    let (_, refresh) = a.tokens().await;
    let claims = jwt_claims(&refresh);
    let kid = jwt_header(&refresh)["kid"].as_str().unwrap().to_owned();
    // HS256 keyed with the published public key (the JWKS), the classic confusion.
    let keys = crate::authcode::get(&a.app, "/services/rest/auth/oauth2/v1/keys").await;
    let jwk = keys.json["keys"][0].to_string();
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let unsigned = raw_jwt(&header, &claims, b"");
    let input = unsigned.trim_end_matches('.');
    for secret in [
        jwk.as_bytes(),
        keys.json["keys"][0]["x"].as_str().unwrap().as_bytes(),
    ] {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        let r = a.refresh(&forged).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json["error"], "invalid_grant");
        assert_eq!(a.last_audit().code, "InvalidSignature");
        // And as a bearer token.
        assert_eq!(a.record(&forged).await.status, StatusCode::UNAUTHORIZED);
    }
    // alg none, empty signature, lower-case alg, claims changed after signing.
    for token in [
        raw_jwt(&json!({"alg": "none", "kid": kid}), &claims, b""),
        raw_jwt(&json!({"alg": "es256", "kid": kid}), &claims, b"xx"),
        {
            let mut c = claims.clone();
            c.insert("sub".into(), json!("3;-5"));
            c.insert("exp".into(), json!(NOW + 10 * 365 * 86_400));
            let parts: Vec<&str> = refresh.split('.').collect();
            format!(
                "{}.{}.{}",
                parts[0],
                URL_SAFE_NO_PAD.encode(serde_json::Value::Object(c).to_string()),
                parts[2]
            )
        },
    ] {
        let r = a.refresh(&token).await;
        assert_eq!(r.json["error"], "invalid_grant", "{token}");
    }
    // The genuine one still works.
    assert_eq!(a.refresh(&refresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn authorize_and_pages_never_fail_with_500() {
    let a = Auth::new();
    let long = "x".repeat(9000);
    let queries = [
        String::new(),
        "%".into(),
        "client_id=%ZZ".into(),
        format!("client_id={long}"),
        format!("client_id={}&redirect_uri={long}", a.client_id()),
        format!("client_id={}&redirect_uri=%00", a.client_id()),
        format!(
            "client_id={}&redirect_uri={}&state={long}&scope={long}&prompt={long}",
            a.client_id(),
            urlencode(REDIRECT)
        ),
        format!(
            "client_id={}&redirect_uri={}&response_type=code&state={}&scope=restlets&code_challenge=%FF&code_challenge_method=S256",
            a.client_id(),
            urlencode(REDIRECT),
            STATE
        ),
    ];
    for q in queries {
        let r = raw(&a, "GET", &format!("{AUTHORIZE_PATH}?{q}"), &[], Vec::new()).await;
        assert!(r.status.as_u16() < 500, "{q}: {}", r.status);
        assert!(
            r.status == StatusCode::FOUND || r.status == StatusCode::BAD_REQUEST,
            "{q}"
        );
    }
    for (headers, body) in garbage() {
        let h: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        let r = raw(&a, "POST", AUTHORIZE_PATH, &h, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{headers:?}");
    }
    // Admin API and rotation API with junk.
    for (method, path, body) in [
        ("POST", "/admin/api/integrations", &b"\xff"[..]),
        ("POST", "/admin/api/integrations", b"{\"name\": 5}"),
        (
            "POST",
            "/admin/api/mappings",
            b"{\"client_id\":\"x\",\"certificate_pem\":\"y\"}",
        ),
        ("POST", "/admin/api/tokens/%ZZ/revoke", b""),
        ("GET", "/admin/api/audit?after=x&limit=-1", b""),
        ("GET", "/admin/api/tokens?limit=99999999999999999999", b""),
        ("POST", "/admin/integrations", b"\xff\xfe"),
        (
            "POST",
            "/services/rest/auth/oauth2/v1/clients/x/certificates",
            b"{}",
        ),
        (
            "GET",
            "/services/rest/auth/oauth2/v1/clients/%00/certificates",
            b"",
        ),
    ] {
        let r = raw(
            &a,
            method,
            path,
            &[("content-type", b"application/json")],
            body.to_vec(),
        )
        .await;
        assert!(
            r.status.as_u16() < 500,
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
