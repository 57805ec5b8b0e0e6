//! The admin API and pages, the loopback guard, and the 2026.1 certificate rotation API.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use netsuite_auth::cert::KeyType;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::authcode::*;
use crate::support::*;

async fn call(app: &axum::Router, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:8787");
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    send(app, req.body(body).unwrap()).await
}

#[tokio::test]
async fn admin_api_round_trip() {
    let a = Auth::new();
    let (access, refresh) = a.tokens().await;
    let app = &a.app;
    let r = call(app, Method::GET, "/admin/api", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["account"], ACCOUNT);

    // Integrations: list, create, show, block, enable.
    let r = call(app, Method::GET, "/admin/api/integrations", None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    assert!(r.json[0].get("client_secret").unwrap().is_null());
    let r = call(
        app,
        Method::POST,
        "/admin/api/integrations",
        Some(json!({"name": "From the API", "m2m": true, "consent_policy": "never"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json["client_secret"].as_str().unwrap().len(), 64);
    assert_eq!(r.json["consent_policy"], "never");
    let m2m_id = r.json["client_id"].as_str().unwrap().to_owned();
    let r = call(
        app,
        Method::POST,
        "/admin/api/integrations",
        Some(json!({"name": "", "m2m": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid");
    let r = call(
        app,
        Method::POST,
        "/admin/api/integrations",
        Some(json!({"nom": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        app,
        Method::GET,
        &format!("/admin/api/integrations/{}", a.client_id()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["authorized_apps"].as_array().unwrap().len(), 1);
    let r = call(app, Method::GET, "/admin/api/integrations/nope", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        app,
        Method::POST,
        &format!("/admin/api/integrations/{}/block", a.client_id()),
        None,
    )
    .await;
    assert_eq!(r.json["blocked"], true);
    assert_eq!(a.record(&access).await.status, StatusCode::UNAUTHORIZED);
    call(
        app,
        Method::POST,
        &format!("/admin/api/integrations/{}/enable", a.client_id()),
        None,
    )
    .await;
    assert_eq!(a.record(&access).await.status, StatusCode::OK);

    // Mappings: create, list, revoke.
    let cred = credential(KeyType::EcP256);
    let r = call(
        app,
        Method::POST,
        "/admin/api/mappings",
        Some(json!({"client_id": m2m_id, "certificate_pem": cred.cert_pem})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cert_id = r.json["certificate_id"].as_str().unwrap().to_owned();
    let r = call(
        app,
        Method::POST,
        "/admin/api/mappings",
        Some(json!({"client_id": m2m_id, "certificate_pem": cred.cert_pem})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = call(
        app,
        Method::POST,
        &format!("/admin/api/mappings/{cert_id}/revoke"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json[0]["revoked"], true);
    let r = call(
        app,
        Method::POST,
        "/admin/api/mappings/unknown/revoke",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Tokens and authorized apps.
    let r = call(app, Method::GET, "/admin/api/tokens", None).await;
    let kinds: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"access") && kinds.contains(&"refresh"),
        "{kinds:?}"
    );
    let access_jti = jwt_claims(&access)["jti"].as_str().unwrap().to_owned();
    let r = call(
        app,
        Method::POST,
        &format!("/admin/api/tokens/{access_jti}/revoke"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(a.record(&access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.refresh(&refresh).await.status,
        StatusCode::OK,
        "only the access token"
    );
    let r = call(app, Method::GET, "/admin/api/authorizations", None).await;
    let id = r.json[0]["id"].as_i64().unwrap();
    assert_eq!(r.json[0]["active_chains"], 1);
    let r = call(
        app,
        Method::POST,
        &format!("/admin/api/authorizations/{id}/revoke"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(a.refresh(&refresh).await.status, StatusCode::BAD_REQUEST);
    let r = call(
        app,
        Method::POST,
        "/admin/api/authorizations/999/revoke",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        app,
        Method::POST,
        "/admin/api/authorizations/x/revoke",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The audit trail, paged.
    let r = call(app, Method::GET, "/admin/api/audit", None).await;
    let entries = r.json.as_array().unwrap().clone();
    assert!(entries.len() >= 2);
    let first = entries[0]["id"].as_i64().unwrap();
    let r = call(
        app,
        Method::GET,
        &format!("/admin/api/audit?after={first}&limit=1"),
        None,
    )
    .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    assert_eq!(r.json[0]["id"], entries[1]["id"]);
}

#[tokio::test]
async fn admin_pages_render_and_forms_post_back() {
    let a = Auth::new();
    let (_, refresh) = a.tokens().await;
    let _ = a.refresh("garbage").await;
    for path in [
        "/admin/",
        "/admin/integrations",
        &format!("/admin/integrations/{}", a.client_id()),
        "/admin/mappings",
        "/admin/authorizations",
        "/admin/tokens",
        "/admin/tokens?all=1",
        "/admin/audit",
        "/admin/audit?code=TokenRejected",
    ] {
        let r = call(&a.app, Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.content_type().starts_with("text/html"), "{path}");
        assert!(r.body.contains("Login audit trail"), "{path}");
        assert!(!r.body.contains("<script"), "{path}");
    }
    let r = call(&a.app, Method::GET, "/admin", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = call(&a.app, Method::GET, "/admin/audit", None).await;
    assert!(r.body.contains("TokenRejected"));
    let r = call(&a.app, Method::GET, "/admin/integrations/unknown", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Create an integration with the form: the secret is shown once.
    let req = Request::builder()
        .method("POST")
        .uri("/admin/integrations")
        .header(header::HOST, "localhost:8787")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=Form+app&auth_code=1&redirect_uris=https%3A%2F%2Fform.example%2Fcb&scope_restlets=1&consent_policy=first-time"))
        .unwrap();
    let r = send(&a.app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Client secret"));
    let created = a.emu.list_integrations().unwrap().pop().unwrap();
    assert_eq!(created.name, "Form app");
    assert_eq!(created.scopes, vec!["restlets"]);
    assert_eq!(
        created.consent_policy,
        netsuite_emulator::ConsentPolicy::FirstTime
    );
    // A refused form shows the reason.
    let req = Request::builder()
        .method("POST")
        .uri("/admin/integrations")
        .header(header::HOST, "localhost:8787")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=No+grant"))
        .unwrap();
    let r = send(&a.app, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("no grant is enabled"), "{}", r.body);

    // Revoke the refresh token from the tokens page: 303 back, chain revoked.
    let jti = jwt_claims(&refresh)["jti"].as_str().unwrap().to_owned();
    let req = Request::builder()
        .method("POST")
        .uri(format!("/admin/tokens/{jti}/revoke"))
        .header(header::HOST, "localhost:8787")
        .header(header::ORIGIN, "http://localhost:8787")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("back=%2Fadmin%2Ftokens%3Fall%3D1"))
        .unwrap();
    let r = send(&a.app, req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/admin/tokens?all=1");
    assert_eq!(a.refresh(&refresh).await.status, StatusCode::BAD_REQUEST);
    // An open redirect through `back` is not possible.
    let req = Request::builder()
        .method("POST")
        .uri(format!("/admin/integrations/{}/block", a.client_id()))
        .header(header::HOST, "localhost:8787")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("back=https%3A%2F%2Fevil.example%2F"))
        .unwrap();
    let r = send(&a.app, req).await;
    assert_eq!(r.headers[header::LOCATION], "/admin/integrations");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let a = Auth::new();
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri(format!("/admin/integrations/{}/block", a.client_id()))
            .header(header::HOST, "127.0.0.1:8787")
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let r = send(&a.app, req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
    }
    assert!(!a.emu.integration(a.client_id()).unwrap().unwrap().blocked);
}

/// Sends raw HTTP/1.1 over TCP; returns the status.
async fn raw_status(addr: std::net::SocketAddr, request: &str) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_checks_the_host_over_a_real_socket() {
    let emu =
        netsuite_emulator::Emulator::open(config(&netsuite_emulator::Clock::system())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(netsuite_emulator::serve(emu, listener, async {
        let _ = stopped.await;
    }));
    let ok = raw_status(
        addr,
        &format!("GET /admin/api HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(ok, 200);
    let ok = raw_status(
        addr,
        &format!(
            "GET /admin/ HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        ),
    )
    .await;
    assert_eq!(ok, 200);
    // DNS rebinding: a foreign name pointing at 127.0.0.1.
    let no = raw_status(
        addr,
        "GET /admin/api/integrations HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(no, 403);
    // Names that merely start with a loopback address are DNS names (rebinding).
    for host in [
        "127.0.0.1.evil.example",
        "127.0.0.1.evil.example:8787",
        "127.1.2.3",
    ] {
        let no = raw_status(
            addr,
            &format!("POST /admin/api/integrations HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{{\"name\":\"x\"}}"),
        )
        .await;
        assert_eq!(no, 403, "{host}");
        let no = raw_status(
            addr,
            &format!(
                "GET /admin/api/integrations HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        assert_eq!(no, 403, "{host}");
    }
    // Cross-site GETs are refused too: the SuiteQL console runs a query on GET.
    for (name, value) in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
    ] {
        let no = raw_status(
            addr,
            &format!("GET /admin/suiteql?q=SELECT%20id%20FROM%20customer HTTP/1.1\r\nHost: {addr}\r\n{name}: {value}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(no, 403, "{name}");
    }
    let same = raw_status(
        addr,
        &format!("GET /admin/api HTTP/1.1\r\nHost: {addr}\r\nSec-Fetch-Site: same-origin\r\nOrigin: http://{addr}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(same, 200);
    // The NetSuite paths do not care about the host name.
    let other = raw_status(
        addr,
        "GET /services/rest/auth/oauth2/v1/keys HTTP/1.1\r\nHost: 1234567.suitetalk.api.netsuite.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(other, 200);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

// ---- the certificate rotation API ----

const CERTS: &str = "/services/rest/auth/oauth2/v1/clients";

async fn rotation(
    f: &Fixture,
    method: Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    send(&f.app, req.body(body).unwrap()).await
}

#[tokio::test]
async fn certificate_rotation_api() {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;
    let base = format!("{CERTS}/{}/certificates", f.client_id());
    // List: the fixture's one certificate.
    let r = rotation(&f, Method::GET, &format!("{base}?c="), &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["count"], 1);
    assert_eq!(r.json["items"][0]["certificateId"], f.kid());
    assert_eq!(r.json["items"][0]["status"], "ACTIVE");
    // Add four more: five active is the limit.
    let mut added = Vec::new();
    for _ in 0..4 {
        let c = credential(KeyType::EcP256);
        let r = rotation(
            &f,
            Method::POST,
            &base,
            &token,
            Some(json!({"fileContent": c.cert_pem, "role": 3, "entity": -5})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json["status"], "ACTIVE");
        assert!(r.headers.get(header::LOCATION).is_some());
        added.push(r.json["certificateId"].as_str().unwrap().to_owned());
    }
    let sixth = credential(KeyType::EcP256);
    let r = rotation(
        &f,
        Method::POST,
        &base,
        &token,
        Some(json!({"fileContent": sixth.cert_pem, "role": 3, "entity": -5})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    assert!(r.body.contains("5 active certificates"), "{}", r.body);
    // Revoke one, then the sixth fits.
    let r = rotation(
        &f,
        Method::POST,
        &format!("{base}/{}/revoke", added[0]),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["status"], "REVOKED");
    let r = rotation(
        &f,
        Method::POST,
        &base,
        &token,
        Some(json!({"fileContent": sixth.cert_pem, "role": "3", "entity": "-5"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Revoking the certificate in use ends its tokens.
    let r = rotation(
        &f,
        Method::POST,
        &format!("{base}/{}/revoke", f.kid()),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = f
        .get("/services/rest/record/v1/salesorder/304", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn certificate_rotation_refusals() {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;
    let base = format!("{CERTS}/{}/certificates", f.client_id());
    // No or bad bearer: NetSuite's 401 and an audit entry.
    let r = rotation(&f, Method::GET, &base, "nope", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, INVALID_LOGIN_BODY);
    // A token without rest_webservices.
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["restlets"]));
    let restlets_only = f.token_for(&claims).await;
    let r = rotation(&f, Method::GET, &base, &restlets_only, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(f.last_audit().code, "ScopeMismatched");
    // Unknown client, unknown certificate, bad bodies, a refused certificate.
    let r = rotation(
        &f,
        Method::GET,
        &format!("{CERTS}/{}/certificates", "0".repeat(64)),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = rotation(
        &f,
        Method::POST,
        &format!("{base}/nope/revoke"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for body in [
        json!([]),
        json!({"role": 3, "entity": -5}),
        json!({"fileContent": "not a pem", "role": 3, "entity": -5}),
        json!({"fileContent": credential(KeyType::EcP256).cert_pem}),
    ] {
        let r = rotation(&f, Method::POST, &base, &token, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(
            r.json["o:errorDetails"][0]["o:errorCode"],
            "INVALID_REQUEST"
        );
    }
    let req = Request::builder()
        .method("POST")
        .uri(&base)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from("{not json"))
        .unwrap();
    assert_eq!(send(&f.app, req).await.status, StatusCode::BAD_REQUEST);
    // RSA 2048 is refused, as NetSuite does.
    let weak = rcgen_rsa2048();
    let r = rotation(
        &f,
        Method::POST,
        &base,
        &token,
        Some(json!({"fileContent": weak, "role": 3, "entity": -5})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

fn rcgen_rsa2048() -> String {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.not_before = now_dt() - time::Duration::days(1);
    params.not_after = now_dt() + time::Duration::days(365);
    params.self_signed(&key).unwrap().pem()
}
