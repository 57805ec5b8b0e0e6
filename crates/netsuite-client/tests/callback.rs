//! The loopback callback listener: https with the generated self-signed certificate
//! (tested with a client that trusts it), plain http, wrong paths and states
//! ignored, error redirects reported, the timeout, a port in use.

use std::time::Duration;

use netsuite_client::callback::CallbackServer;
use url::Url;

const STATE: &str = "S1Vy5GQ0x2Zmh0c2lkZWZpbmVkc3RhdGU";

fn tls() -> (String, String) {
    let g =
        netsuite_auth::cert::generate_localhost_tls(time::OffsetDateTime::now_utc(), 30).unwrap();
    (
        g.certificate_pem,
        g.private_key_pem.expose_secret().to_owned(),
    )
}

fn trusting_client(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_listener_accepts_one_valid_callback() {
    let (cert, key) = tls();
    let redirect = Url::parse("https://127.0.0.1:1/callback").unwrap();
    let server = CallbackServer::bind(&redirect, Some(0), Some((&cert, &key)))
        .await
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let waiting = tokio::spawn(async move { server.wait(STATE, Duration::from_secs(20)).await });
    let http = trusting_client(&cert);
    for host in ["localhost", "127.0.0.1"] {
        let base = format!("https://{host}:{port}");
        let r = http
            .get(format!("{base}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = http
            .get(format!(
                "{base}/callback?code=x&state=another_login_state_value"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "a foreign state is answered and ignored");
    }
    // A client that does not trust the certificate cannot connect.
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(format!(
                "https://localhost:{port}/callback?code=x&state={STATE}"
            ))
            .send()
            .await
            .is_err()
    );
    let r = http
        .get(format!(
            "https://localhost:{port}/callback?state={STATE}&code=the-code&role=3&entity=-5&company=1234567"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You may close this tab"));
    let got = waiting.await.unwrap().unwrap();
    assert_eq!(got.code, "the-code");
    assert_eq!(got.role.as_deref(), Some("3"));
    assert_eq!(got.entity.as_deref(), Some("-5"));
    assert_eq!(got.company.as_deref(), Some("1234567"));
}

#[tokio::test]
async fn http_listener_reports_error_redirects() {
    let redirect = Url::parse("http://127.0.0.1:1/cb").unwrap();
    let server = CallbackServer::bind(&redirect, Some(0), None)
        .await
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let waiting = tokio::spawn(async move { server.wait(STATE, Duration::from_secs(20)).await });
    let http = reqwest::Client::new();
    // An error with someone else's state is ignored (it could be forged).
    let r = http
        .get(format!(
            "http://127.0.0.1:{port}/cb?error=access_denied&state=forged_state_value_123456"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    http.get(format!(
        "http://127.0.0.1:{port}/cb?error=access_denied&state={STATE}"
    ))
    .send()
    .await
    .unwrap();
    match waiting.await.unwrap() {
        Err(netsuite_client::Error::Auth(netsuite_auth::Error::AuthorizationDenied {
            error,
            ..
        })) => assert_eq!(error, netsuite_auth::OAuthErrorCode::AccessDenied),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn timeout_and_port_in_use() {
    let redirect = Url::parse("http://127.0.0.1:1/cb").unwrap();
    let server = CallbackServer::bind(&redirect, Some(0), None)
        .await
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let e = CallbackServer::bind(&redirect, Some(port), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot listen on 127.0.0.1"), "{e}");
    let e = server
        .wait(STATE, Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no redirect arrived"), "{e}");
    // Redirect URIs that are not on this machine cannot be listened for.
    let far = Url::parse("https://example.com/callback").unwrap();
    assert!(CallbackServer::bind(&far, None, None).await.is_err());
    let custom = Url::parse("myapp://callback").unwrap();
    assert!(CallbackServer::bind(&custom, None, None).await.is_err());
}
