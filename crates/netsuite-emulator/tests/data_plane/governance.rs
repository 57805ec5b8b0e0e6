//! The account concurrency limit, `governanceLimits`, fault injection (latency, 429s,
//! 5xx, dropped connections, a slow token endpoint), and the admin API that changes
//! them while the emulator runs.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use netsuite_auth::cert::KeyType;
use netsuite_emulator::Faults;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http::*;
use crate::support::*;

/// Sends `n` GETs at once; returns their statuses and bodies.
async fn burst(f: &Fixture, path: &str, token: &str, n: usize) -> Vec<Reply> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let app = f.app.clone();
        let path = path.to_owned();
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let req = axum::http::Request::builder()
                .uri(path)
                .header("host", HOST)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap();
            send(&app, req).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_is_shared_and_latency_holds_slots() {
    let f = Fixture::with_config(KeyType::EcP256, |c| {
        c.concurrency_limit = 3;
        c.faults = Faults {
            latency_ms: 300,
            ..Faults::none()
        };
    });
    let t = f.token().await;
    assert_eq!(f.emu.concurrency_limit(), 3);
    let replies = burst(&f, &format!("{RECORD}/customer/101"), &t, 8).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let limited: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(
        ok,
        3,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(limited.len(), 5);
    assert_eq!(
        limited[0].body,
        r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.20","title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"Concurrent request limit exceeded. Request blocked.","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]}"#
    );
    assert_eq!(limited[0].content_type(), ERROR_CONTENT_TYPE);
    assert!(limited[0].headers.get("retry-after").is_none());
    let g = f.emu.governance();
    assert_eq!((g.peak_in_flight, g.rejected, g.in_flight), (3, 5, 0));
    // RESTlets share the pool and answer in SuiteScript's way.
    let restlet = format!("{RESTLET}?script=1&deploy=1");
    let replies = burst(&f, &restlet, &t, 5).await;
    let limited: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::BAD_REQUEST)
        .collect();
    assert_eq!(
        limited.len(),
        2,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        limited[0].json["error"]["code"],
        "SSS_REQUEST_LIMIT_EXCEEDED"
    );
    // The token endpoint is not governed.
    f.emu.set_retry_after(Some(2)).unwrap();
    // Out-of-range settings are refused and change nothing.
    let e = f.emu.set_retry_after(Some(3601)).unwrap_err().to_string();
    assert!(e.contains("between 0 and 3600 seconds, not 3601"), "{e}");
    assert!(f.emu.set_concurrency_limit(0).is_err());
    let tokens: Vec<_> = (0..5).map(|_| f.token()).collect();
    for tk in tokens {
        tk.await;
    }
    // Retry-After when configured; a higher limit admits more.
    let replies = burst(&f, &format!("{RECORD}/customer/101"), &t, 5).await;
    let limited = replies
        .iter()
        .find(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    assert_eq!(limited.headers["retry-after"], "2");
    f.emu.set_concurrency_limit(10).unwrap();
    let replies = burst(&f, &format!("{RECORD}/customer/101"), &t, 8).await;
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert!(f.emu.set_concurrency_limit(0).is_err());
    // governanceLimits reports the limit.
    f.emu.set_faults(Faults::none()).unwrap();
    let r = get(&f, &t, "/services/rest/system/v1/governanceLimits").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json,
        json!({"accountConcurrencyLimit": 10, "accountUnallocatedConcurrencyLimit": 10, "integrationLimitType": "accountLimit"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_are_deterministic() {
    let (f, t) = setup().await;
    let path = format!("{RECORD}/customer/101");
    f.emu
        .set_faults(Faults {
            share_429: 1.0,
            ..Faults::none()
        })
        .unwrap();
    let r = get(&f, &t, &path).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(detail(&r)["o:errorCode"], "CONCURRENCY_LIMIT_EXCEEDED");
    let r = get(&f, &t, &format!("{RESTLET}?script=1&deploy=1")).await;
    assert_eq!(r.json["error"]["code"], "SSS_REQUEST_LIMIT_EXCEEDED");
    // Not the token endpoint, not the admin API.
    f.token().await;
    f.emu
        .set_faults(Faults {
            share_5xx: 1.0,
            seed: 1,
            ..Faults::none()
        })
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let r = get(&f, &t, &path).await;
        seen.insert(r.status.as_u16());
        if r.status == StatusCode::INTERNAL_SERVER_ERROR {
            assert_eq!(detail(&r)["o:errorCode"], "UNEXPECTED_ERROR");
        } else {
            assert!(
                r.content_type().starts_with("text/html"),
                "{}",
                r.content_type()
            );
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [500, 502, 503]);
    // The same seed gives the same sequence.
    let mixed = Faults {
        share_429: 0.3,
        share_5xx: 0.2,
        seed: 7,
        ..Faults::none()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        f.emu.set_faults(mixed.clone()).unwrap();
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(get(&f, &t, &path).await.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&200) && runs[0].contains(&429));
    let g = f.emu.governance();
    assert!(g.injected_429 > 0 && g.injected_5xx > 0, "{g:?}");
    // Jitter spreads the latency.
    f.emu
        .set_faults(Faults {
            latency_ms: 40,
            latency_jitter_ms: 30,
            ..Faults::none()
        })
        .unwrap();
    let mut times = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        assert_eq!(get(&f, &t, &path).await.status, StatusCode::OK);
        times.push(start.elapsed());
    }
    assert!(
        times.iter().all(|d| *d >= Duration::from_millis(10)),
        "{times:?}"
    );
    assert!(times.iter().max().unwrap() > times.iter().min().unwrap());
    assert!(
        f.emu
            .set_faults(Faults {
                share_429: 0.7,
                share_drop: 0.7,
                ..Faults::none()
            })
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_token_endpoint() {
    let (f, _) = setup().await;
    f.emu
        .set_faults(Faults {
            slow_token_ms: 250,
            ..Faults::none()
        })
        .unwrap();
    let start = Instant::now();
    f.token().await;
    assert!(start.elapsed() >= Duration::from_millis(250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_changes_faults_and_governance() {
    let (f, t) = setup().await;
    let r = call(&f, "GET", "/admin/api/faults", None, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json,
        json!({"latencyMs": 0, "latencyJitterMs": 0, "share429": 0.0, "share5xx": 0.0, "shareDrop": 0.0, "seed": 0, "slowTokenMs": 0})
    );
    let r = call(
        &f,
        "PUT",
        "/admin/api/faults",
        None,
        &[],
        Some(r#"{"share429": 1.0, "seed": 3}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["share429"], 1.0);
    assert_eq!(f.emu.faults().seed, 3);
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/101")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    for bad in [
        r#"{"share429": 2}"#,
        r#"{"nope": 1}"#,
        "not json",
        r#"{"share429": 0.6, "share5xx": 0.6}"#,
    ] {
        let r = call(&f, "PUT", "/admin/api/faults", None, &[], Some(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.json["error"].is_string());
    }
    let r = call(&f, "PUT", "/admin/api/faults", None, &[], Some("{}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/101")).await.status,
        StatusCode::OK
    );
    let r = call(
        &f,
        "PUT",
        "/admin/api/governance",
        None,
        &[],
        Some(r#"{"concurrencyLimit": 7, "retryAfterSecs": 5}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["concurrencyLimit"], 7);
    assert_eq!(r.json["retryAfterSecs"], 5);
    assert_eq!(f.emu.concurrency_limit(), 7);
    let r = call(
        &f,
        "PUT",
        "/admin/api/governance",
        None,
        &[],
        Some(r#"{"retryAfterSecs": null, "resetCounters": true}"#),
    )
    .await;
    assert_eq!(r.json["retryAfterSecs"], serde_json::Value::Null);
    assert_eq!(r.json["admitted"], 0);
    assert_eq!(r.json["concurrencyLimit"], 7);
    let r = call(&f, "GET", "/admin/api/governance", None, &[], None).await;
    assert_eq!(r.json["inFlight"], 0);
    for bad in [
        r#"{"concurrencyLimit": 0}"#,
        r#"{"concurrencyLimit": -1}"#,
        r#"{"x": 1}"#,
    ] {
        let r = call(&f, "PUT", "/admin/api/governance", None, &[], Some(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Over a real socket: a dropped connection gets no HTTP response at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_over_tcp() {
    let emu =
        netsuite_emulator::Emulator::open(config(&netsuite_emulator::Clock::system())).unwrap();
    emu.set_faults(Faults {
        share_drop: 1.0,
        ..Faults::none()
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(netsuite_emulator::serve(
        emu.clone(),
        listener,
        std::future::pending(),
    ));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {RECORD}/customer/101 HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(n.is_ok(), "the connection was not closed");
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("\r\n\r\n"), "a response came back: {text:?}");
    assert_eq!(emu.governance().dropped, 1);
    assert_eq!(emu.governance().in_flight, 0);
    server.abort();
}
