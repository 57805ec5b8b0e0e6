//! One round trip over a real socket: `serve` on 127.0.0.1:0, plain HTTP/1.1 by hand.

use netsuite_auth::account::TOKEN_PATH;
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Clock, Emulator, NewMapping};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

/// Sends one request with `Connection: close`; returns the status, the head and the body.
async fn http(addr: std::net::SocketAddr, request: String) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_record_over_tcp() {
    let emu = Emulator::open(config(&Clock::system())).unwrap();
    let integration = emu.create_integration(m2m("TCP")).unwrap();
    // The system clock runs here: a certificate valid today, not at NOW.
    let now = time::OffsetDateTime::now_utc();
    let Credential { key, cert_pem, alg } = netsuite_test::credential(KeyType::EcP256, now);
    let mapping = emu
        .create_mapping(NewMapping::new(&integration.client_id, cert_pem))
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(netsuite_emulator::serve(emu.clone(), listener, async {
        let _ = stopped.await;
    }));

    let params = AssertionParams {
        client_id: integration.client_id.as_str().into(),
        certificate_id: mapping.certificate_id.as_str().into(),
        scopes: vec!["rest_webservices".into()],
        audience: format!("http://{addr}{TOKEN_PATH}"),
        algorithm: alg,
        lifetime_secs: 300,
        scope_format: ScopeFormat::CommaString,
    };
    let assertion = params.sign(&key, now.unix_timestamp()).unwrap();
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion.expose_secret()),
    ]);
    let (status, head, body) = http(
        addr,
        format!(
            "POST {TOKEN_PATH} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = json["access_token"].as_str().unwrap();

    let (status, head, body) = http(
        addr,
        format!(
            "GET /services/rest/record/v1/salesOrder/304 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(status, 200, "{head}\n{body}");
    let so: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(so["tranId"], "SO304");
    assert_eq!(
        so["links"][0]["href"],
        format!("http://{addr}/services/rest/record/v1/salesorder/304")
    );

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Reads until the peer closes; `None` when it is still open after `limit`.
async fn read_until_closed(s: &mut TcpStream, limit: std::time::Duration) -> Option<String> {
    let mut buf = Vec::new();
    match tokio::time::timeout(limit, s.read_to_end(&mut buf)).await {
        Ok(_) => Some(String::from_utf8_lossy(&buf).into_owned()),
        Err(_) => None,
    }
}

/// Slowloris heads, idle keep-alive connections and stalled bodies are cut off at
/// their deadlines; stalled bodies give their concurrency slots back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_idle_connections_and_stalled_bodies_are_cut_off() {
    use std::time::{Duration, Instant};
    let f = Fixture::with_config(KeyType::EcP256, |c| c.concurrency_limit = 2);
    let token = f.token().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let timeouts = netsuite_emulator::Timeouts {
        header_read: Duration::from_secs(1),
        body_read: Duration::from_secs(1),
    };
    let server = tokio::spawn(netsuite_emulator::serve_with(
        f.emu.clone(),
        listener,
        std::future::pending(),
        timeouts,
    ));
    let get = format!(
        "GET /services/rest/record/v1/customer/101 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n"
    );

    // A head that never ends.
    let started = Instant::now();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(get.as_bytes()).await.unwrap();
    let cut = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(cut.is_some(), "a slow head kept its connection");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // A keep-alive connection answered, then left idle.
    let started = Instant::now();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(format!("{get}\r\n").as_bytes())
        .await
        .unwrap();
    let text = read_until_closed(&mut idle, Duration::from_secs(10)).await;
    let text = text.expect("an idle keep-alive connection stayed open");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // Two stalled bodies hold both slots (the limit is 2) until their deadline.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!(
                "POST /services/rest/query/v1/suiteql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nPrefer: transient\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"q\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, body) = http(addr, format!("{get}Connection: close\r\n\r\n")).await;
    assert_eq!(status, 429, "{body}");
    for mut s in stalled {
        let text = read_until_closed(&mut s, Duration::from_secs(10)).await;
        let text = text.expect("a stalled body kept its connection");
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("did not arrive within 1 s."), "{text}");
    }
    let (status, _, body) = http(addr, format!("{get}Connection: close\r\n\r\n")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.emu.governance().in_flight, 0);
    server.abort();
}
