//! The proxy in-process, in front of the emulator (and, where the emulator cannot
//! show it, a small upstream that records what it saw), on 127.0.0.1.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use http_body::Frame;
use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::ScopeFormat;
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::PrivateKey;
use netsuite_auth::secret::AccessToken;
use netsuite_client::store::{StoredToken, TokenStore};
use netsuite_client::{Client, ClientCredentials, Governor, RetryPolicy, TokenSource};
use netsuite_proxy::{AccessLog, ClientKey, Drained, Options, Proxy};
use netsuite_test::{M2m, TestEmulator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
    }
}

fn credentials(base_url: &str, m2m: &M2m) -> ClientCredentials {
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&m2m.private_key).unwrap()).unwrap();
    ClientCredentials {
        endpoints: Endpoints::with_base_url(base_url).unwrap(),
        client_id: m2m.client_id.clone().into(),
        certificate_id: m2m.certificate_id.clone().into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    }
}

fn client_over(source: TokenSource, ceiling: u32) -> Client {
    Client::with_http(netsuite_proxy::http_client().unwrap(), source)
        .with_governor(Governor::new(ceiling))
        .with_retry(fast_retries())
}

/// A proxy served on 127.0.0.1:0; stops (and drains) when `stop` fires.
struct Running {
    proxy: Proxy,
    addr: SocketAddr,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<Drained, netsuite_proxy::Error>>,
}

async fn serve(proxy: Proxy, drain: Duration) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(proxy.clone().serve(
        listener,
        async move {
            let _ = rx.await;
        },
        drain,
    ));
    Running {
        proxy,
        addr,
        url: format!("http://{addr}"),
        stop: Some(tx),
        task,
    }
}

async fn emulator_proxy(
    configure: impl FnOnce(&mut netsuite_emulator::Config),
    options: Options,
) -> (TestEmulator, M2m, Running) {
    let emu = TestEmulator::start_with(configure).await;
    let m2m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let source = TokenSource::new(credentials(&emu.base_url, &m2m), None);
    let proxy = Proxy::new(client_over(source, 5), options);
    let running = serve(proxy, Duration::from_secs(5)).await;
    (emu, m2m, running)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Sends raw bytes and reads the whole answer (the request asks to close).
async fn raw(addr: SocketAddr, request: &[u8]) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn error_code(v: &Value) -> &str {
    v["o:errorDetails"][0]["o:errorCode"].as_str().unwrap_or("")
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn forwards_with_the_profile_token_and_drops_the_clients() {
    let (emu, _m2m, p) = emulator_proxy(|c| c.demo_scale = 1500, Options::new("test")).await;
    let h = http();
    let direct = p
        .proxy
        .client()
        .get_json(
            Endpoints::with_base_url(&emu.base_url)
                .unwrap()
                .record_url("salesorder", "304"),
        )
        .await
        .unwrap();
    let r = h
        .get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .header("Authorization", "Bearer not-a-netsuite-token")
        .header("X-Request-Id", "my-request-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "my-request-1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, direct);
    // Without an id, one is made up.
    let r = h
        .get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("nsp-")
    );
    // A 1,000-row SuiteQL page, with its body sent through.
    let r = h
        .post(format!(
            "{}/services/rest/query/v1/suiteql?limit=1000&offset=0",
            p.url
        ))
        .header("Prefer", "transient")
        .json(&json!({"q": "SELECT id, tranid FROM transaction ORDER BY id"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1000);
    assert_eq!(page["count"], 1000);
    // A RESTlet, on the RESTlets route.
    let r = h
        .get(format!(
            "{}/app/site/hosting/restlet.nl?script=1&deploy=1",
            p.url
        ))
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // NetSuite's own errors come through as they are.
    let r = h
        .get(format!(
            "{}/services/rest/record/v1/salesorder/999999",
            p.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "NONEXISTENT_ID");
    // One token for all of it (the direct call above fetched it).
    assert_eq!(p.proxy.metrics().snapshot().renewals, 0);
    assert_eq!(emu.emulator.tokens(false, 100).unwrap().len(), 1);
}

#[tokio::test]
async fn refuses_what_is_not_netsuite_api() {
    let (emu, _m2m, p) = emulator_proxy(|_| {}, Options::new("test")).await;
    let (s, v) = raw(
        p.addr,
        b"GET http://example.com/services/rest/record/v1/salesorder/304 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((s, error_code(&v)), (404, "PROXY_NOT_A_FORWARD_PROXY"));
    assert!(v["hint"].as_str().unwrap().contains("/services/rest/"));
    let (s, v) = raw(
        p.addr,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((s, error_code(&v)), (405, "PROXY_METHOD_NOT_ALLOWED"));
    for path in [
        "/admin/api/tokens",
        "/services/rest/../../admin/api/tokens",
        "/services/rest/%2e%2e/%2e%2e/admin/api/tokens",
        "/",
    ] {
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (s, v) = raw(p.addr, req.as_bytes()).await;
        assert_eq!(
            (s, error_code(&v)),
            (404, "PROXY_NOT_AN_API_PATH"),
            "{path}"
        );
    }
    let (s, v) = raw(
        p.addr,
        b"POST /services/rest/auth/oauth2/v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((s, error_code(&v)), (404, "PROXY_NOT_AN_API_PATH"));
    let (s, v) = raw(
        p.addr,
        b"TRACE /services/rest/record/v1/salesorder/304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((s, error_code(&v)), (405, "PROXY_METHOD_NOT_ALLOWED"));
    // Oversized headers.
    let big = "a".repeat(40 * 1024);
    let req = format!(
        "GET /services/rest/record/v1/salesorder/304 HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"
    );
    let (s, v) = raw(p.addr, req.as_bytes()).await;
    assert_eq!((s, error_code(&v)), (431, "PROXY_HEADERS_TOO_LARGE"));
    // None of it reached the emulator (no token was even needed).
    assert_eq!(emu.emulator.governance().admitted, 0);
    assert_eq!(emu.emulator.tokens(false, 10).unwrap().len(), 0);
}

#[tokio::test]
async fn governance_refusals_are_absorbed_for_every_method() {
    let (emu, _m2m, p) = emulator_proxy(
        |c| {
            c.faults.share_429 = 0.3;
            c.faults.seed = 7;
        },
        Options::new("test"),
    )
    .await;
    let h = http();
    let gets = (0..20).map(|_| {
        h.get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
            .send()
    });
    let posts = (0..10).map(|_| {
        h.post(format!("{}/services/rest/query/v1/suiteql?limit=5", p.url))
            .header("Prefer", "transient")
            .json(&json!({"q": "SELECT id FROM customer ORDER BY id"}))
            .send()
    });
    let restlets = (0..10).map(|_| {
        h.get(format!(
            "{}/app/site/hosting/restlet.nl?script=1&deploy=1",
            p.url
        ))
        .header("Content-Type", "application/json")
        .send()
    });
    let (gets, posts, restlets) = tokio::join!(
        futures_util::future::join_all(gets),
        futures_util::future::join_all(posts),
        futures_util::future::join_all(restlets)
    );
    for r in gets.into_iter().chain(posts).chain(restlets) {
        let r = r.unwrap();
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    let g = emu.emulator.governance();
    assert!(g.injected_429 > 0, "{g:?}");
    let m = p.proxy.metrics().snapshot();
    assert_eq!(m.throttled, g.injected_429);
    assert_eq!(m.by_status, vec![(200, 40)]);
}

#[tokio::test]
async fn a_client_sees_a_429_only_when_the_retries_ran_out() {
    let (emu, _m2m, p) = emulator_proxy(
        |c| {
            c.faults.share_429 = 1.0;
        },
        Options::new("test"),
    )
    .await;
    let r = http()
        .post(format!("{}/services/rest/record/v1/customer", p.url))
        .json(&json!({"companyName": "Refused"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "CONCURRENCY_LIMIT_EXCEEDED");
    assert_eq!(emu.emulator.governance().injected_429, 10, "every attempt");
    let r = http()
        .get(format!(
            "{}/app/site/hosting/restlet.nl?script=1&deploy=1",
            p.url
        ))
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("SSS_REQUEST_LIMIT_EXCEEDED")
    );
    assert_eq!(emu.emulator.governance().injected_429, 20);
    assert_eq!(p.proxy.metrics().snapshot().throttled, 20);
}

#[tokio::test]
async fn server_errors_are_retried_only_when_safe() {
    let (emu, _m2m, p) = emulator_proxy(
        |c| {
            c.faults.share_5xx = 1.0;
        },
        Options::new("test"),
    )
    .await;
    let h = http();
    let r = h
        .get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    assert_eq!(emu.emulator.governance().injected_5xx, 10, "every attempt");
    let r = h
        .post(format!("{}/services/rest/record/v1/customer", p.url))
        .json(&json!({"companyName": "Once Only"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    assert_eq!(
        emu.emulator.governance().injected_5xx,
        11,
        "a create is sent once"
    );
}

#[tokio::test]
async fn a_401_renews_once_and_retries_once() {
    let (emu, _m2m, p) = emulator_proxy(|_| {}, Options::new("test")).await;
    let h = http();
    let get = || {
        h.get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    let tokens = emu.emulator.tokens(false, 10).unwrap();
    assert_eq!(tokens.len(), 1);
    emu.emulator.revoke_token(&tokens[0].jti).unwrap();
    let r = get().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(emu.emulator.tokens(true, 10).unwrap().len(), 2);
    let m = p.proxy.metrics().snapshot();
    assert_eq!((m.renewals, m.retries), (2, 1));
}

#[tokio::test]
async fn a_dead_login_is_a_401_naming_the_cause() {
    let (emu, m2m, p) = emulator_proxy(|_| {}, Options::new("ci")).await;
    emu.emulator
        .set_integration_blocked(&m2m.client_id, true)
        .unwrap();
    let r = http()
        .get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "PROXY_LOGIN_ENDED");
    let detail = v["o:errorDetails"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("profile ci"), "{detail}");
    assert!(
        detail.contains("invalid"),
        "names NetSuite's answer: {detail}"
    );
    assert!(
        v["hint"]
            .as_str()
            .unwrap()
            .contains("netsuite doctor --profile ci"),
        "{v}"
    );
    let r = http()
        .get(format!("{}/_proxy/health", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "PROXY_LOGIN_ENDED");
    // An authorization code profile is told to log in again.
    let source = TokenSource::new(
        netsuite_client::AuthCode {
            endpoints: Endpoints::with_base_url(&emu.base_url).unwrap(),
            client_id: "x".into(),
            public: true,
            redirect_uri: netsuite_auth::RedirectUri::parse("https://127.0.0.1/cb").unwrap(),
            scopes: vec!["rest_webservices".into()],
        },
        None,
    );
    let q = serve(
        Proxy::new(
            client_over(source, 5),
            Options::new("me").interactive_login(true),
        ),
        Duration::ZERO,
    )
    .await;
    let r = http()
        .get(format!("{}/services/rest/record/v1/salesorder/304", q.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["hint"]
            .as_str()
            .unwrap()
            .contains("netsuite auth login --profile me"),
        "{v}"
    );
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    let (emu, _m2m, p) = emulator_proxy(|_| {}, Options::new("test")).await;
    p.proxy.warm_up().await.unwrap();
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let r = http()
        .get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "PROXY_UPSTREAM_UNREACHABLE");
    assert!(
        v["o:errorDetails"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("after 10 attempt(s)")
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn the_client_key_guards_everything_and_the_log_keeps_no_secrets() {
    let captured = Captured::default();
    let options = Options::new("test")
        .client_key(ClientKey::new("correct-horse-battery-staple").unwrap())
        .access_log(AccessLog::new(Box::new(captured.clone())));
    let (_emu, _m2m, p) = emulator_proxy(|_| {}, options).await;
    let h = http();
    let url = format!("{}/services/rest/record/v1/salesorder/304?fields=id", p.url);
    let r = h.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "PROXY_KEY_REQUIRED");
    let r = h
        .get(&url)
        .header("X-NetSuite-Proxy-Key", "correct-horse-battery-stapl")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = h
        .get(format!("{}/_proxy/health", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "health needs the key too");
    let r = h
        .get(&url)
        .header("X-NetSuite-Proxy-Key", "correct-horse-battery-staple")
        .header("X-Secret-Header", "header-value-never-logged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    let token = p
        .proxy
        .client()
        .token_source()
        .cached()
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let last = &lines[3];
    assert_eq!(last["method"], "GET");
    assert_eq!(last["path"], "/services/rest/record/v1/salesorder/304");
    assert_eq!(last["status"], 200);
    assert_eq!(last["retries"], 0);
    assert_eq!(last["complete"], true);
    assert!(last["upstream_ms"].as_f64().unwrap() > 0.0);
    assert!(last["queue_ms"].as_f64().is_some());
    assert!(last["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[0]["status"], 401);
    for secret in [
        token.access_token.expose_secret(),
        "correct-horse",
        "header-value-never-logged",
        "fields=id",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let (_emu, _m2m, p) = emulator_proxy(|_| {}, Options::new("prod")).await;
    let h = http();
    let v: Value = h
        .get(format!("{}/_proxy/health", p.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["profile"], "prod");
    assert!(
        v["account"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(v["token_valid_until"].as_str().unwrap().ends_with('Z'));
    h.get(format!("{}/services/rest/record/v1/salesorder/304", p.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let r = h
        .get(format!("{}/_proxy/metrics", p.url))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains("netsuite_proxy_requests_total{status=\"200\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("netsuite_proxy_queue_wait_seconds_count 1\n"),
        "{text}"
    );
    assert!(
        text.contains("netsuite_proxy_token_renewals_total 1\n"),
        "{text}"
    );
    assert!(
        text.contains("netsuite_proxy_in_flight 1\n"),
        "only this request: {text}"
    );
}

#[tokio::test]
async fn shutdown_drains_requests_in_flight() {
    let (_emu, _m2m, mut p) = emulator_proxy(
        |c| {
            c.faults.latency_ms = 400;
        },
        Options::new("test"),
    )
    .await;
    p.proxy.warm_up().await.unwrap();
    let url = format!("{}/services/rest/record/v1/salesorder/304", p.url);
    let slow = tokio::spawn(async move { http().get(url).send().await.unwrap().status() });
    tokio::time::sleep(Duration::from_millis(150)).await;
    p.stop.take().unwrap().send(()).unwrap();
    assert_eq!(slow.await.unwrap(), 200);
    let drained = tokio::time::timeout(Duration::from_secs(5), p.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(drained, Drained::Clean);
    assert!(
        tokio::net::TcpStream::connect(p.addr).await.is_err(),
        "no longer accepting"
    );
}

/// What the recording upstream saw and controls.
#[derive(Default)]
struct Upstream {
    /// Chunks of `/services/rest/stream`'s answer, fed by the test.
    chunks: Mutex<Option<tokio::sync::mpsc::Receiver<Bytes>>>,
    /// Set when that answer's body is dropped (the connection went away).
    dropped: tokio::sync::Notify,
    /// The first chunk of `/services/rest/echo`'s request body.
    first: Mutex<Option<tokio::sync::oneshot::Sender<Bytes>>>,
}

struct DropSignal(Arc<Upstream>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.dropped.notify_one();
    }
}

struct ChannelBody(
    tokio::sync::mpsc::Receiver<Bytes>,
    #[allow(dead_code)] DropSignal,
);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

struct ClientBody(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ClientBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

async fn recording_upstream() -> (Arc<Upstream>, String) {
    use axum::extract::{Request, State};
    use axum::routing::{any, get, post};
    let state = Arc::new(Upstream::default());
    async fn echo(req: Request) -> axum::Json<Value> {
        let h = req.headers();
        let s = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        axum::Json(json!({
            "path": req.uri().path(),
            "query": req.uri().query(),
            "authorization": s("authorization"),
            "request_id": s("x-request-id"),
            "custom": s("x-custom"),
            "proxy_key": s("x-netsuite-proxy-key"),
        }))
    }
    async fn stream(State(u): State<Arc<Upstream>>) -> Body {
        let rx = u.chunks.lock().unwrap().take().unwrap();
        Body::new(ChannelBody(rx, DropSignal(Arc::clone(&u))))
    }
    async fn first_chunk(State(u): State<Arc<Upstream>>, req: Request) -> String {
        use http_body::Body as _;
        let mut body = Box::pin(req.into_body());
        let mut total = 0usize;
        let mut first = true;
        while let Some(f) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            if let Ok(d) = f.unwrap().into_data() {
                total += d.len();
                if first {
                    first = false;
                    if let Some(tx) = u.first.lock().unwrap().take() {
                        let _ = tx.send(d);
                    }
                }
            }
        }
        total.to_string()
    }
    let app = axum::Router::new()
        .route("/services/rest/stream", get(stream))
        .route("/services/rest/echo", post(first_chunk))
        .route("/services/mcp/v1/all", any(echo))
        .route("/app/site/hosting/restlet.nl", any(echo))
        .route("/services/rest/record/v1/customer/7", any(echo))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (state, base)
}

/// A proxy in front of the recording upstream, with a stored token "stored-token".
async fn recording_proxy(base: &str) -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let generated =
        netsuite_auth::cert::generate(KeyType::EcP256, 30, "t", time::OffsetDateTime::now_utc())
            .unwrap();
    let key = PrivateKey::from_pem(generated.private_key_pem.expose_secret()).unwrap();
    let cc = ClientCredentials {
        endpoints: Endpoints::with_base_url(base).unwrap(),
        client_id: "c".into(),
        certificate_id: "k".into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: vec!["rest_webservices".into()],
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    };
    let store = TokenStore::with_mode(
        dir.path().join("tokens"),
        netsuite_client::keyring_key::KeyringMode::Off,
    );
    let now = netsuite_client::unix_now();
    store
        .save(
            "t",
            &StoredToken::access_only(
                AccessToken::new("stored-token"),
                now + 3600,
                now,
                vec!["rest_webservices".into()],
                cc.credentials_id(),
            ),
        )
        .unwrap();
    let source = TokenSource::new(cc, Some((store, "t".into())));
    let proxy = Proxy::new(client_over(source, 2), Options::new("t"));
    (serve(proxy, Duration::ZERO).await, dir)
}

#[tokio::test]
async fn routes_mcp_and_restlets_with_the_token_and_the_request_id() {
    let (_u, base) = recording_upstream().await;
    let (p, _dir) = recording_proxy(&base).await;
    let h = http();
    let v: Value = h
        .post(format!("{}/services/mcp/v1/all", p.url))
        .header("Authorization", "Bearer client-supplied")
        .header("X-NetSuite-Proxy-Key", "not-forwarded")
        .header("X-Custom", "kept")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["path"], "/services/mcp/v1/all");
    assert_eq!(v["authorization"], "Bearer stored-token");
    assert_eq!(v["custom"], "kept");
    assert_eq!(v["proxy_key"], Value::Null);
    assert!(v["request_id"].as_str().unwrap().starts_with("nsp-"));
    let v: Value = h
        .get(format!(
            "{}/app/site/hosting/restlet.nl?script=customscript_x&deploy=2&a=b%20c",
            p.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["path"], "/app/site/hosting/restlet.nl");
    assert_eq!(v["query"], "script=customscript_x&deploy=2&a=b%20c");
    assert_eq!(v["authorization"], "Bearer stored-token");
}

#[tokio::test]
async fn bodies_stream_both_ways_and_a_client_that_leaves_cancels_upstream() {
    let (u, base) = recording_upstream().await;
    let (p, _dir) = recording_proxy(&base).await;
    let h = http();

    // Response: the first chunk reaches the client before the second exists.
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    *u.chunks.lock().unwrap() = Some(rx);
    tx.send(Bytes::from(vec![b'a'; 4096])).await.unwrap();
    let mut r = h
        .get(format!("{}/services/rest/stream", p.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), r.chunk())
        .await
        .expect("the first chunk arrives while the upstream body is still open")
        .unwrap()
        .unwrap();
    assert_eq!(first[0], b'a');
    assert_eq!(p.proxy.client().governor().stats().in_flight, 1);
    // The client goes away mid-stream: the upstream request is cancelled and the
    // governance slot comes back.
    drop(r);
    drop(h);
    for i in 0..50 {
        let _ = tx.try_send(Bytes::from_static(b"more"));
        if tokio::time::timeout(Duration::from_millis(100), u.dropped.notified())
            .await
            .is_ok()
        {
            break;
        }
        assert!(i < 49, "the upstream body was never dropped");
    }
    for _ in 0..50 {
        if p.proxy.client().governor().stats().in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(p.proxy.client().governor().stats().in_flight, 0);
    assert_eq!(p.proxy.metrics().snapshot().in_flight, 0);

    // Request: the upstream reads the first chunk before the client has sent the second.
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    *u.first.lock().unwrap() = Some(first_tx);
    let (btx, brx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let url = format!("{}/services/rest/echo", p.url);
    let sending = tokio::spawn(async move {
        http()
            .post(url)
            .header("Content-Type", "application/octet-stream")
            .body(reqwest::Body::wrap(ClientBody(brx)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    btx.send(Bytes::from_static(b"part1")).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), first_rx)
        .await
        .expect("the upstream saw the first chunk before the body ended")
        .unwrap();
    assert_eq!(&got[..], b"part1");
    btx.send(Bytes::from_static(b"part2")).await.unwrap();
    drop(btx);
    assert_eq!(sending.await.unwrap(), "10");
}

#[tokio::test]
async fn locations_point_back_at_the_proxy() {
    let (_emu, _m2m, p) = emulator_proxy(|_| {}, Options::new("test")).await;
    let r = http()
        .post(format!("{}/services/rest/record/v1/customer", p.url))
        .json(&json!({"companyName": "Via Proxy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.starts_with(&format!("{}/services/rest/record/v1/customer/", p.url)),
        "{loc}"
    );
    let r = http().get(&loc).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["companyName"], "Via Proxy");
}
