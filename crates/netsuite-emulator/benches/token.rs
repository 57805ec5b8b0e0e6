//! Throughput of the emulator's router in-process (no socket), on a file database in
//! WAL mode, as the CLI runs it.
//!
//! `token/<alg>`: one client-credentials exchange (form parsing, mapping lookup,
//! assertion verification, signing and recording the access token).
//! `token-concurrent/<alg>`: 64 exchanges in flight at once on a two-thread runtime;
//! criterion reports requests per second. `record/get`: `GET salesorder/304` with a
//! bearer token (verification, `jti` lookup, record read and rendering).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsuite_auth::account::{AccountId, TOKEN_PATH};
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::key::PrivateKey;
use netsuite_emulator::{Clock, Config, Emulator, NewIntegration, NewMapping};
use tower::ServiceExt;

const AUD: &str = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";

struct Setup {
    app: Router,
    bodies: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut config = Config::new(AccountId::parse("1234567").unwrap());
    config.data_dir = Some(dir.path().to_owned());
    config.clock = Clock::system();
    let emu = Emulator::open(config).unwrap();
    let integration = emu
        .create_integration(NewIntegration {
            name: "bench".into(),
            m2m: true,
            ..Default::default()
        })
        .unwrap();
    let mut bodies = Vec::new();
    for (name, kt) in [("ES256", KeyType::EcP256), ("PS256", KeyType::Rsa3072)] {
        let g = cert::generate(kt, 30, "bench", now).unwrap();
        let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
        let m = emu
            .create_mapping(NewMapping::new(&integration.client_id, g.certificate_pem))
            .unwrap();
        let assertion = AssertionParams {
            client_id: integration.client_id.as_str().into(),
            certificate_id: m.certificate_id.into(),
            scopes: vec!["rest_webservices".into(), "restlets".into()],
            audience: AUD.into(),
            algorithm: g.algorithm,
            lifetime_secs: 3000,
            scope_format: ScopeFormat::Array,
        }
        .sign(&key, now.unix_timestamp())
        .unwrap();
        let body = serde_urlencoded::to_string([
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.expose_secret()),
        ])
        .unwrap();
        bodies.push((name, body));
    }
    Setup {
        app: netsuite_emulator::app(emu),
        bodies,
        _dir: dir,
    }
}

async fn exchange(app: &Router, body: &str) -> String {
    let req = Request::builder()
        .method("POST")
        .uri(TOKEN_PATH)
        .header(header::HOST, "bench")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = setup();
    let mut g = c.benchmark_group("token");
    for (name, body) in &s.bodies {
        g.bench_function(*name, |b| b.to_async(&rt).iter(|| exchange(&s.app, body)));
    }
    g.finish();

    const IN_FLIGHT: usize = 64;
    let mut g = c.benchmark_group("token-concurrent");
    g.throughput(Throughput::Elements(IN_FLIGHT as u64));
    g.measurement_time(Duration::from_secs(8));
    for (name, body) in &s.bodies {
        g.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async {
                let tasks: Vec<_> = (0..IN_FLIGHT)
                    .map(|_| {
                        let app = s.app.clone();
                        let body = body.clone();
                        tokio::spawn(async move { exchange(&app, &body).await })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        });
    }
    g.finish();

    let token = rt.block_on(exchange(&s.app, &s.bodies[0].1));
    let mut g = c.benchmark_group("record");
    g.bench_function("get", |b| {
        b.to_async(&rt).iter(|| async {
            let req = Request::builder()
                .uri("/services/rest/record/v1/salesorder/304")
                .header(header::HOST, "bench")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let resp = s.app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
