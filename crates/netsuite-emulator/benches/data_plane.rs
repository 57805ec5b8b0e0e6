//! Load generator for the data plane over loopback: the emulator serves on
//! 127.0.0.1:0 from a file database with `SCALE` demo transactions (default
//! 1,000,000), and HTTP/1.1 keep-alive connections written by hand (no client
//! library in the way) measure:
//!
//! * `record-get`: `GET /record/v1/salesorder/304`, `CONNECTIONS` at once;
//! * `suiteql-keyset`: SuiteQL pages of 1000 rows by keyset
//!   (`WHERE id > :last ORDER BY id`), `CONNECTIONS` partitions of the id range at
//!   once, until every transaction is read;
//! * `suiteql-keyset-1`: the same with one connection;
//! * `suiteql-offset-1`: the first 100,000 rows by `offset` pages, one connection.
//!
//! Requests per second, rows per second and latency percentiles go to stdout.
//!
//! ```text
//! cargo bench -p netsuite-emulator --bench data_plane
//! SCALE=100000 SECONDS=5 CONNECTIONS=8 cargo bench -p netsuite-emulator --bench data_plane
//! DATA_DIR=/tmp/ns-bench cargo bench -p netsuite-emulator --bench data_plane  # seed once, reuse
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use netsuite_auth::account::{AccountId, SUITEQL_PATH, TOKEN_PATH};
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::key::PrivateKey;
use netsuite_emulator::{Config, Emulator, NewIntegration, NewMapping};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            buf: Vec::with_capacity(1 << 20),
        }
    }

    /// Sends a request; returns the status and the body.
    async fn request(&mut self, head: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut req = Vec::with_capacity(head.len() + body.len() + 64);
        req.extend_from_slice(head.as_bytes());
        req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        req.extend_from_slice(body);
        self.stream.write_all(&req).await.expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 64 * 1024];
        let (head_end, status, length) = loop {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..pos]).expect("utf-8 head");
                let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                break (pos + 4, status, length);
            }
        };
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        (status, self.buf[head_end..head_end + length].to_vec())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

struct Stats {
    name: &'static str,
    latencies: Vec<Duration>,
    elapsed: Duration,
    rows: u64,
}

impl Stats {
    fn print(&mut self) {
        self.latencies.sort();
        let n = self.latencies.len();
        let pct = |p: f64| self.latencies[((n as f64 * p).ceil() as usize).clamp(1, n) - 1];
        let secs = self.elapsed.as_secs_f64();
        print!(
            "{:<18} {:>8} requests in {:>6.2} s = {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
            self.name,
            n,
            secs,
            n as f64 / secs,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            pct(1.0).as_secs_f64() * 1e3,
        );
        if self.rows > 0 {
            print!("   {:>9.0} rows/s", self.rows as f64 / secs);
        }
        println!();
    }
}

async fn token(addr: SocketAddr, emu: &Emulator) -> String {
    let now = time::OffsetDateTime::now_utc();
    let integration = emu
        .create_integration(NewIntegration {
            name: "bench".into(),
            m2m: true,
            ..Default::default()
        })
        .unwrap();
    let g = cert::generate(KeyType::EcP256, 30, "bench", now).unwrap();
    let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
    let m = emu
        .create_mapping(NewMapping::new(&integration.client_id, g.certificate_pem))
        .unwrap();
    let assertion = AssertionParams {
        client_id: integration.client_id.as_str().into(),
        certificate_id: m.certificate_id.into(),
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        audience: format!("http://{addr}{TOKEN_PATH}"),
        algorithm: g.algorithm,
        lifetime_secs: 300,
        scope_format: ScopeFormat::Array,
    }
    .sign(&key, now.unix_timestamp())
    .unwrap();
    let form = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.expose_secret()),
    ])
    .unwrap();
    let mut c = Conn::open(addr).await;
    let (status, body) = c
        .request(
            &format!("POST {TOKEN_PATH} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
            form.as_bytes(),
        )
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

async fn record_get(addr: SocketAddr, token: &str, connections: u64, seconds: u64) -> Stats {
    let head = format!(
        "GET /services/rest/record/v1/salesorder/304 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n"
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let head = head.clone();
            tokio::spawn(async move {
                let mut c = Conn::open(addr).await;
                let mut lat = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let (status, body) = c.request(&head, b"").await;
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Stats {
        name: "record-get",
        latencies,
        elapsed: start.elapsed(),
        rows: 0,
    }
}

/// Reads transactions with ids in `(from, to]` by keyset pages of 1000.
async fn keyset(addr: SocketAddr, token: &str, from: i64, to: i64) -> (Vec<Duration>, u64) {
    let mut c = Conn::open(addr).await;
    let head = format!(
        "POST {SUITEQL_PATH}?limit=1000 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nPrefer: transient\r\n"
    );
    let mut last = from;
    let mut lat = Vec::new();
    let mut rows = 0u64;
    loop {
        let q = format!(
            "SELECT id, tranid, trandate, type, entity, status, foreigntotal FROM transaction WHERE id > {last} AND id <= {to} ORDER BY id"
        );
        let body = serde_json::json!({ "q": q }).to_string();
        let t = Instant::now();
        let (status, body) = c.request(&head, body.as_bytes()).await;
        lat.push(t.elapsed());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let items = v["items"].as_array().unwrap();
        rows += items.len() as u64;
        match items.last() {
            Some(i) => last = i["id"].as_str().unwrap().parse().unwrap(),
            None => break,
        }
        if v["hasMore"] != true {
            break;
        }
    }
    (lat, rows)
}

async fn suiteql(
    addr: SocketAddr,
    token: &str,
    scale: u64,
    connections: u64,
    name: &'static str,
) -> Stats {
    let first = netsuite_emulator_first_transaction() - 1;
    let last = first + scale as i64;
    let span = (scale as i64 + connections as i64 - 1) / connections as i64;
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections as i64)
        .map(|p| {
            let token = token.to_owned();
            let from = first + p * span;
            let to = (from + span).min(last);
            tokio::spawn(async move { keyset(addr, &token, from, to).await })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut rows = 0;
    for t in tasks {
        let (l, r) = t.await.unwrap();
        latencies.extend(l);
        rows += r;
    }
    assert_eq!(rows, scale, "every transaction read once");
    Stats {
        name,
        latencies,
        elapsed: start.elapsed(),
        rows,
    }
}

/// Reads the first 100,000 transactions by offset pages of 1000, one at a time.
async fn offset_pages(addr: SocketAddr, token: &str) -> Stats {
    let mut c = Conn::open(addr).await;
    let body = serde_json::json!({
        "q": "SELECT id, tranid, trandate, type, entity, status, foreigntotal FROM transaction ORDER BY id"
    })
    .to_string();
    let mut latencies = Vec::new();
    let mut rows = 0u64;
    let start = Instant::now();
    for page in 0..100 {
        let head = format!(
            "POST {SUITEQL_PATH}?limit=1000&offset={} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nPrefer: transient\r\n",
            page * 1000
        );
        let t = Instant::now();
        let (status, reply) = c.request(&head, body.as_bytes()).await;
        latencies.push(t.elapsed());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        let v: serde_json::Value = serde_json::from_slice(&reply).unwrap();
        rows += v["items"].as_array().unwrap().len() as u64;
    }
    Stats {
        name: "suiteql-offset-1",
        latencies,
        elapsed: start.elapsed(),
        rows,
    }
}

fn netsuite_emulator_first_transaction() -> i64 {
    301
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let scale = env("SCALE", 1_000_000);
    let seconds = env("SECONDS", 10);
    let connections = env("CONNECTIONS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // DATA_DIR keeps the database between runs (seeded once); a temporary one otherwise.
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("DATA_DIR").map_or_else(|| tmp.path().to_owned(), Into::into);
    let mut config = Config::new(AccountId::parse("1234567").unwrap());
    config.data_dir = Some(dir.clone());
    config.demo_scale = scale;
    config.concurrency_limit = 1000;
    let t = Instant::now();
    let emu = Emulator::open(config).unwrap();
    let seeded = t.elapsed();
    let size = std::fs::metadata(dir.join(netsuite_emulator::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "seeded {scale} demo transactions in {:.2} s ({:.0} MB database)",
        seeded.as_secs_f64(),
        size as f64 / 1e6
    );
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(netsuite_emulator::serve(
            emu.clone(),
            listener,
            std::future::pending(),
        ));
        let token = token(addr, &emu).await;
        record_get(addr, &token, connections, 1).await; // warm-up
        record_get(addr, &token, connections, seconds).await.print();
        suiteql(addr, &token, scale, connections, "suiteql-keyset")
            .await
            .print();
        suiteql(addr, &token, scale, 1, "suiteql-keyset-1")
            .await
            .print();
        if scale >= 100_000 {
            offset_pages(addr, &token).await.print();
        }
    });
}
