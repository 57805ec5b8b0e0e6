//! Load over loopback: the emulator served on 127.0.0.1 (file database in WAL mode, a
//! two-worker tokio runtime), driven by a small HTTP/1.1 load generator on its own
//! thread with keep-alive connections. Prints requests per second and latency
//! percentiles as a Markdown table.
//!
//! `cargo bench -p netsuite-emulator --bench loopback` (`-- --secs 5 --connections 16`)
//!
//! * `client_credentials ES256` / `PS256 (RSA 3072)`: the token endpoint with a client
//!   assertion (one assertion, signed once, reused: the emulator verifies it every time);
//! * `authorize (scripted consent)`: `GET /app/login/oauth2/authorize.nl` with
//!   `--auto-approve`, PKCE S256 — validation, consent record, code;
//! * `authorization_code exchange`: `POST …/token` with Basic auth, a fresh code and its
//!   PKCE verifier each time (codes minted by the authorize run);
//! * `refresh_token (confidential)`: a new access token from a refresh token.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use netsuite_auth::account::AccountId;
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::key::PrivateKey;
use netsuite_emulator::oauth::pkce;
use netsuite_emulator::{Clock, Config, Emulator, NewIntegration, NewMapping};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const VERIFIER: &str = "bench-verifier-0123456789-0123456789-0123456789";
const REDIRECT: &str = "https://bench.example/callback";

struct Options {
    secs: f64,
    connections: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    Options {
        secs: get("--secs").unwrap_or(5.0),
        connections: get("--connections").map_or(16, |c| c as usize),
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends `request`, returns (status, Location header, body).
    async fn send(&mut self, request: &[u8]) -> (u16, Option<String>, Vec<u8>) {
        self.stream.write_all(request).await.expect("write");
        self.buf.clear();
        let head_end = loop {
            let mut chunk = [0u8; 8192];
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let mut length = 0usize;
        let mut location = None;
        for line in head.lines() {
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().expect("content-length");
                } else if k.eq_ignore_ascii_case("location") {
                    location = Some(v.trim().to_owned());
                }
            }
        }
        while self.buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            let n = self.stream.read(&mut chunk).await.expect("read body");
            assert!(n > 0, "connection closed in the body");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        (status, location, body)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn post(addr: SocketAddr, path: &str, basic: Option<&str>, body: &str) -> Vec<u8> {
    let auth = basic
        .map(|b| format!("Authorization: Basic {b}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn get(addr: SocketAddr, path_and_query: &str) -> Vec<u8> {
    format!("GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes()
}

struct Outcome {
    latencies: Vec<Duration>,
    elapsed: Duration,
    locations: Vec<String>,
}

/// Runs `requests` (one per call, cycling) on `connections` connections for `secs`
/// seconds, or until `limit` requests are done; every answer must have `status`.
async fn drive(
    addr: SocketAddr,
    opts: &Options,
    status: u16,
    limit: Option<usize>,
    make: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static,
) -> Outcome {
    let make = std::sync::Arc::new(make);
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(opts.secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..opts.connections {
        let make = make.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut lat = Vec::new();
            let mut locations = Vec::new();
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if limit.is_some_and(|l| i >= l) {
                    break;
                }
                let req = make(i);
                let t = Instant::now();
                let (s, loc, body) = conn.send(&req).await;
                lat.push(t.elapsed());
                assert_eq!(s, status, "{}", String::from_utf8_lossy(&body));
                if let Some(l) = loc {
                    locations.push(l);
                }
            }
            (lat, locations)
        }));
    }
    let mut latencies = Vec::new();
    let mut locations = Vec::new();
    for t in tasks {
        let (l, loc) = t.await.expect("load task");
        latencies.extend(l);
        locations.extend(loc);
    }
    Outcome {
        latencies,
        elapsed: start.elapsed(),
        locations,
    }
}

fn row(name: &str, o: &mut Outcome) -> String {
    o.latencies.sort();
    let n = o.latencies.len();
    let pct = |p: f64| {
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        o.latencies[i].as_secs_f64() * 1000.0
    };
    format!(
        "| {name} | {n} | {:.0} | {:.2} | {:.2} | {:.2} |",
        n as f64 / o.elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    )
}

fn main() {
    let opts = options();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it once, briefly.
    let quick = std::env::args().any(|a| a == "--test" || a == "--list") || cfg!(debug_assertions);
    let opts = if quick {
        Options {
            secs: 0.3,
            connections: 2,
        }
    } else {
        opts
    };
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let mut config = Config::new(AccountId::parse("1234567").expect("account"));
    config.data_dir = Some(dir.path().to_owned());
    config.clock = Clock::system();
    config.auto_approve = true;
    let emu = Emulator::open(config).expect("emulator");
    let addr = server_rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(netsuite_emulator::serve(
            emu.clone(),
            listener,
            std::future::pending(),
        ));
        addr
    });

    // Client credentials: one integration, an ES256 and a PS256 certificate.
    let m2m = emu
        .create_integration(NewIntegration {
            name: "bench m2m".into(),
            m2m: true,
            ..Default::default()
        })
        .expect("integration");
    let now = time::OffsetDateTime::now_utc();
    let mut assertions = Vec::new();
    for (name, kt) in [
        ("client_credentials ES256", KeyType::EcP256),
        ("client_credentials PS256 (RSA 3072)", KeyType::Rsa3072),
    ] {
        let g = cert::generate(kt, 30, "bench", now).expect("certificate");
        let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).expect("key");
        let m = emu
            .create_mapping(NewMapping::new(&m2m.client_id, g.certificate_pem))
            .expect("mapping");
        let a = AssertionParams {
            client_id: m2m.client_id.as_str().into(),
            certificate_id: m.certificate_id.into(),
            scopes: vec!["rest_webservices".into()],
            audience: format!("http://{addr}/services/rest/auth/oauth2/v1/token"),
            algorithm: g.algorithm,
            lifetime_secs: 3000,
            scope_format: ScopeFormat::Array,
        }
        .sign(&key, now.unix_timestamp())
        .expect("assertion");
        let body = serde_urlencoded::to_string([
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", a.expose_secret()),
        ])
        .expect("form");
        assertions.push((name, body));
    }
    // Authorization code: a confidential client.
    let app = emu
        .create_integration(NewIntegration {
            name: "bench auth code".into(),
            auth_code: true,
            redirect_uris: vec![REDIRECT.into()],
            ..Default::default()
        })
        .expect("integration");
    let basic = STANDARD.encode(format!(
        "{}:{}",
        app.client_id,
        app.client_secret.as_deref().expect("secret")
    ));
    let challenge = pkce::s256(VERIFIER);

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut rows = Vec::new();
    client_rt.block_on(async {
        for (name, body) in &assertions {
            let body = body.clone();
            let mut o = drive(addr, &opts, 200, None, move |_| {
                post(addr, "/services/rest/auth/oauth2/v1/token", None, &body)
            })
            .await;
            rows.push(row(name, &mut o));
        }
        let client_id = app.client_id.clone();
        let ch = challenge.clone();
        let mut o = drive(addr, &opts, 302, None, move |i| {
            get(
                addr,
                &format!(
                    "/app/login/oauth2/authorize.nl?response_type=code&client_id={client_id}\
                     &redirect_uri=https%3A%2F%2Fbench.example%2Fcallback&scope=rest_webservices\
                     &state=bench-state-{i:016}&code_challenge={ch}&code_challenge_method=S256"
                ),
            )
        })
        .await;
        rows.push(row("authorize (scripted consent, PKCE)", &mut o));
        let codes: Vec<String> = o
            .locations
            .iter()
            .filter_map(|l| {
                l.split(['?', '&'])
                    .find_map(|p| p.strip_prefix("code="))
                    .map(str::to_owned)
            })
            .collect();
        let n = codes.len();
        let codes = std::sync::Arc::new(codes);
        let b = basic.clone();
        let cs = codes.clone();
        let mut o = drive(addr, &opts, 200, Some(n), move |i| {
            let body = format!(
                "grant_type=authorization_code&code={}&redirect_uri=https%3A%2F%2Fbench.example%2Fcallback&code_verifier={VERIFIER}",
                cs[i]
            );
            post(addr, "/services/rest/auth/oauth2/v1/token", Some(&b), &body)
        })
        .await;
        rows.push(row("authorization_code exchange (Basic, PKCE)", &mut o));
        // One refresh token, used over and over (a confidential client may).
        let mut conn = Conn::open(addr).await;
        let fresh = {
            let (_, loc, _) = conn
                .send(&get(
                    addr,
                    &format!(
                        "/app/login/oauth2/authorize.nl?response_type=code&client_id={}\
                         &redirect_uri=https%3A%2F%2Fbench.example%2Fcallback&scope=rest_webservices\
                         &state=bench-refresh-state-0001&code_challenge={challenge}&code_challenge_method=S256",
                        app.client_id
                    ),
                ))
                .await;
            let loc = loc.expect("location");
            let code = loc
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("code="))
                .expect("code")
                .to_owned();
            let body = format!(
                "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fbench.example%2Fcallback&code_verifier={VERIFIER}"
            );
            let (_, _, out) = conn
                .send(&post(addr, "/services/rest/auth/oauth2/v1/token", Some(&basic), &body))
                .await;
            let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
            v["refresh_token"].as_str().expect("refresh").to_owned()
        };
        let b = basic.clone();
        let mut o = drive(addr, &opts, 200, None, move |_| {
            post(
                addr,
                "/services/rest/auth/oauth2/v1/token",
                Some(&b),
                &format!("grant_type=refresh_token&refresh_token={fresh}"),
            )
        })
        .await;
        rows.push(row("refresh_token (confidential)", &mut o));
    });
    println!(
        "\n{} connections, {:.0} s per row, server: 2 tokio workers, file database (WAL)\n",
        opts.connections, opts.secs
    );
    println!("| request | requests | requests/s | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    drop(server_rt);
}
