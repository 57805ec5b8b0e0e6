//! A reverse proxy in front of one NetSuite account that lets any HTTP client use
//! a profile's login: the client sends requests without credentials to
//! `http://127.0.0.1:8181/services/rest/…`, `/app/site/hosting/restlet.nl?…` or
//! `/services/mcp/v1/…`, and the proxy forwards each to the account's host with the
//! profile's bearer token.
//!
//! It is built on `netsuite-client`'s public API, so it behaves like the library:
//! - the token comes from the profile's [`netsuite_client::TokenSource`], renewed
//!   before expiry under the profile's cross-process lock (one renewal for every
//!   process of the profile); a 401 renews it once and retries once;
//! - every attempt waits for a slot of the account's
//!   [`netsuite_client::Governor`] (shared with every client of the account in the
//!   process), held until the response body has been sent;
//! - governance refusals (429 `CONCURRENCY_LIMIT_EXCEEDED`, RESTlet 400
//!   `SSS_REQUEST_LIMIT_EXCEEDED`) are retried with the client's
//!   [`netsuite_client::RetryPolicy`] for every method; 5xx answers and broken
//!   connections only for GET, HEAD, OPTIONS, PUT and DELETE.
//!
//! Bodies stream both ways (`body.rs`): a 1,000-row SuiteQL page is never held
//! whole. The client's `Authorization` is dropped. Only NetSuite's API prefixes
//! are forwarded: absolute-URI requests, CONNECT and other paths get a JSON 404 or
//! 405 in NetSuite's error shape. `/_proxy/health` and `/_proxy/metrics`
//! (Prometheus text) answer locally.
//!
//! [`Proxy::router`] is an axum [`Router`] (a tower service) usable in-process;
//! [`Proxy::serve`] serves it on a listener and drains in-flight requests on
//! shutdown.
//!
//! ```no_run
//! # async fn run(client: netsuite_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use netsuite_proxy::{Options, Proxy};
//! let proxy = Proxy::new(client, Options::new("prod"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8181").await?;
//! proxy
//!     .serve(listener, async { let _ = tokio::signal::ctrl_c().await; }, std::time::Duration::from_secs(30))
//!     .await?;
//! # Ok(()) }
//! ```

pub mod access_log;
mod body;
mod error;
mod key;
pub mod metrics;
pub mod reply;
mod route;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use netsuite_client::{Client, Origin};
use serde_json::json;

pub use access_log::AccessLog;
pub use error::Error;
pub use key::{ClientKey, KEY_HEADER};
pub use metrics::{Metrics, Snapshot};
pub use route::{HEALTH_PATH, METRICS_PATH};

use body::{Replay, Tracked};
use reply::code;
use route::{Refusal, Target, Upstream};

/// The header carrying the request id, to the client and upstream.
pub const REQUEST_ID: &str = "x-request-id";

/// How the proxy behaves.
#[derive(Debug)]
#[non_exhaustive]
pub struct Options {
    /// The profile's name, for health and for the hints of login errors.
    pub profile: String,
    /// When set, every request must carry it in `X-NetSuite-Proxy-Key`.
    pub client_key: Option<ClientKey>,
    /// Where to write one JSON line per request.
    pub access_log: Option<AccessLog>,
    /// Largest total size of a request's header names and values (431 above it).
    pub max_header_bytes: usize,
    /// Request bodies up to this size are kept so that they can be sent again
    /// after a governance refusal or a 401; a larger body is sent once.
    pub replay_limit: usize,
    /// Whether the profile uses the authorization code grant (for the hint of a
    /// dead login: `auth login` rather than a certificate check).
    pub interactive_login: bool,
}

impl Options {
    /// Defaults: no key, no access log, 32 KiB of headers, 8 MiB replay limit.
    pub fn new(profile: &str) -> Self {
        Self {
            profile: profile.to_owned(),
            client_key: None,
            access_log: None,
            max_header_bytes: 32 * 1024,
            replay_limit: 8 * 1024 * 1024,
            interactive_login: false,
        }
    }

    /// With a client key.
    pub fn client_key(mut self, key: ClientKey) -> Self {
        self.client_key = Some(key);
        self
    }

    /// With an access log.
    pub fn access_log(mut self, log: AccessLog) -> Self {
        self.access_log = Some(log);
        self
    }

    /// With another header limit.
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// With another replay limit.
    pub fn replay_limit(mut self, n: usize) -> Self {
        self.replay_limit = n;
        self
    }

    /// Marks the profile as an authorization code login.
    pub fn interactive_login(mut self, yes: bool) -> Self {
        self.interactive_login = yes;
        self
    }
}

/// A reqwest client suited to proxying: no redirects (a token must not follow
/// one), no overall timeout (a long export streams for minutes; NetSuite stops a
/// request after 15), a read timeout, idle upstream connections kept for reuse.
pub fn http_client() -> Result<reqwest::Client, netsuite_client::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(16 * 60))
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .user_agent(concat!("netsuite-proxy/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| netsuite_client::Error::Connect {
            url: String::new(),
            source: e,
        })
}

/// The proxy: cheap to clone, every clone shares the client, counters and log.
#[derive(Clone, Debug)]
pub struct Proxy {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    options: Options,
    upstream: Upstream,
    metrics: Metrics,
    id_prefix: u64,
    id_next: AtomicU64,
}

/// How [`Proxy::serve`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drained {
    /// Every in-flight request finished.
    Clean,
    /// The drain time ran out; this many requests were cut off.
    TimedOut(i64),
}

impl Proxy {
    /// A proxy in front of `client`'s account (its endpoints, token source,
    /// governor and retry policy). Build the client over [`http_client`] so that
    /// long responses are not cut by an overall timeout.
    pub fn new(client: Client, options: Options) -> Self {
        let upstream = Upstream::new(client.endpoints());
        Self {
            inner: Arc::new(Inner {
                client,
                options,
                upstream,
                metrics: Metrics::default(),
                id_prefix: random_u64() & 0xffff_ffff,
                id_next: AtomicU64::new(1),
            }),
        }
    }

    /// The client (token source, governor, endpoints).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Gets a token now (from the store, or a renewal), so that the first request
    /// does not wait for it and a dead login shows at start. Returns when the token
    /// expires (unix seconds).
    pub async fn warm_up(&self) -> Result<i64, netsuite_client::Error> {
        let c = &self.inner.client;
        let (t, origin) = c.token_source().token(c.http(), false).await?;
        if origin == Origin::Fresh {
            self.inner.metrics.renewed();
        }
        Ok(t.expires_at)
    }

    /// The proxy as an axum router: every request goes through [`Proxy`]'s handler.
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&self.inner))
    }

    /// Serves on `listener` until `shutdown` completes; then stops accepting, lets
    /// requests in flight finish for up to `drain`, and returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        drain: Duration,
    ) -> Result<Drained, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = tx.send(());
        });
        let deadline = async move {
            if rx.await.is_ok() {
                tokio::time::sleep(drain).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            r = server.into_future() => { r?; Ok(Drained::Clean) }
            () = deadline => Ok(Drained::TimedOut(self.inner.metrics.snapshot().in_flight)),
        }
    }
}

/// 64 random bits (request ids and jitter).
fn random_u64() -> u64 {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 8];
    if aws_lc_rs::rand::SystemRandom::new().fill(&mut b).is_err() {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

/// What one request did, written to the log and the counters when it ends.
struct Exchange {
    inner: Arc<Inner>,
    method: Method,
    path: String,
    request_id: String,
    arrived: time::OffsetDateTime,
    started: Instant,
    status: u16,
    upstream: Option<Duration>,
    queue: Duration,
    retries: u32,
}

impl Exchange {
    fn finish(&mut self, complete: bool) {
        let m = &self.inner.metrics;
        m.answered(self.status);
        m.leave();
        if let Some(log) = &self.inner.options.access_log {
            let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
            log.write(&access_log::Entry {
                time: self
                    .arrived
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                request_id: &self.request_id,
                method: self.method.as_str(),
                path: &self.path,
                status: self.status,
                upstream_ms: self.upstream.map(ms),
                queue_ms: ms(self.queue),
                retries: self.retries,
                total_ms: ms(self.started.elapsed()),
                complete,
            });
        }
    }
}

/// Finishes an exchange that ends with a local answer.
struct Done(Option<Exchange>);

impl Done {
    fn end(&mut self, complete: bool) {
        if let Some(mut x) = self.0.take() {
            x.finish(complete);
        }
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        self.end(false);
    }
}

fn request_id(inner: &Inner, headers: &HeaderMap) -> String {
    if let Some(v) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    {
        return v.to_owned();
    }
    let n = inner.id_next.fetch_add(1, Ordering::Relaxed);
    format!("nsp-{:08x}-{n:010}", inner.id_prefix)
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

/// Headers never passed on: hop-by-hop ones, the client's credentials, `Host`.
fn dropped(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "authorization"
            | "proxy-authorization"
            | "x-netsuite-proxy-key"
            | "host"
            | "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "cookie"
            | "expect"
    )
}

fn dropped_from_response(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "set-cookie"
    )
}

async fn handle(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    inner.metrics.enter();
    let rid = request_id(&inner, req.headers());
    let mut x = Exchange {
        inner: Arc::clone(&inner),
        method: req.method().clone(),
        path: req.uri().path().chars().take(512).collect(),
        request_id: rid.clone(),
        arrived: time::OffsetDateTime::now_utc(),
        started: Instant::now(),
        status: 0,
        upstream: None,
        queue: Duration::ZERO,
        retries: 0,
    };
    let mut resp = answer(&inner, req, &rid, &mut x).await;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    x.status = resp.status().as_u16();
    // A streamed body finishes the exchange when it ends; a local answer now.
    if resp.extensions().get::<Streamed>().is_none() {
        x.finish(true);
    } else {
        let (parts, body) = resp.into_parts();
        let body = Body::new(Forwarded {
            inner: body,
            done: Done(Some(x)),
        });
        return Response::from_parts(parts, body);
    }
    resp
}

/// Marks a response whose body streams from upstream.
#[derive(Clone, Copy)]
struct Streamed;

/// Carries the exchange along a streamed body so that it is logged at its end.
struct Forwarded {
    inner: Body,
    done: Done,
}

impl http_body::Body for Forwarded {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            std::task::Poll::Ready(None) => self.done.end(true),
            std::task::Poll::Ready(Some(Err(_))) => self.done.end(false),
            // The server stops polling a body that says it has ended.
            std::task::Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => {
                self.done.end(true)
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

async fn answer(inner: &Arc<Inner>, req: Request, rid: &str, x: &mut Exchange) -> Response {
    if let Some(key) = &inner.options.client_key {
        let ok = req
            .headers()
            .get(KEY_HEADER)
            .is_some_and(|v| key.matches(v.as_bytes()));
        if !ok {
            return reply::error(
                StatusCode::UNAUTHORIZED,
                code::KEY_REQUIRED,
                "this proxy needs its client key in the X-NetSuite-Proxy-Key header",
                "send X-NetSuite-Proxy-Key with the contents of the proxy's --client-key-file",
            );
        }
    }
    if header_bytes(req.headers()) > inner.options.max_header_bytes {
        return reply::error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code::HEADERS_TOO_LARGE,
            &format!(
                "the request's headers are larger than {} bytes",
                inner.options.max_header_bytes
            ),
            "send fewer or shorter headers",
        );
    }
    let target = match inner.upstream.route(req.method(), req.uri()) {
        Ok(t) => t,
        Err(refusal) => return refused(&refusal),
    };
    match target {
        Target::Health => health(inner).await,
        Target::Metrics => {
            let text = inner.metrics.render(&inner.client.governor().stats());
            let mut r = Response::new(Body::from(text));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        Target::Upstream(url) => forward(inner, req, url, rid, x).await,
    }
}

fn refused(refusal: &Refusal) -> Response {
    const HINT: &str = "send NetSuite API paths to this proxy: /services/rest/..., /app/site/hosting/restlet.nl?script=..&deploy=.., /services/mcp/v1/...";
    match refusal {
        Refusal::AbsoluteUri => reply::error(
            StatusCode::NOT_FOUND,
            code::NOT_A_FORWARD_PROXY,
            "this is a NetSuite reverse proxy, not an open proxy: absolute-URI requests are refused",
            HINT,
        ),
        Refusal::Method(m) => reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            &format!("{m} is not forwarded"),
            HINT,
        ),
        Refusal::ProxyMethod => reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            "the proxy's own endpoints answer GET and HEAD only",
            "GET /_proxy/health or /_proxy/metrics",
        ),
        Refusal::NotApi => reply::error(
            StatusCode::NOT_FOUND,
            code::NOT_AN_API_PATH,
            "the path is not one of NetSuite's API paths",
            HINT,
        ),
        Refusal::OAuth => reply::error(
            StatusCode::NOT_FOUND,
            code::NOT_AN_API_PATH,
            "NetSuite's OAuth endpoints are not forwarded: the proxy holds the login itself",
            "call the API without credentials; the proxy adds the profile's token",
        ),
    }
}

async fn health(inner: &Arc<Inner>) -> Response {
    let c = &inner.client;
    let account = c.endpoints().suitetalk_base().to_string();
    let ceiling = c.governor().ceiling();
    match c.token_source().token(c.http(), false).await {
        Ok((t, origin)) => {
            if origin == Origin::Fresh {
                inner.metrics.renewed();
            }
            let until = time::OffsetDateTime::from_unix_timestamp(t.expires_at)
                .ok()
                .and_then(|d| {
                    d.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                });
            reply::json(
                StatusCode::OK,
                &json!({
                    "status": "ok",
                    "profile": inner.options.profile,
                    "account": account,
                    "token_valid_until": until,
                    "token_expires_at": t.expires_at,
                    "concurrency": ceiling,
                }),
            )
        }
        Err(e) => {
            let (_, code, detail, hint) = token_failure(inner, &e);
            reply::json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({
                    "status": "login_failed",
                    "profile": inner.options.profile,
                    "account": account,
                    "error": {"code": code, "detail": detail, "hint": hint},
                }),
            )
        }
    }
}

/// The status, code, detail and hint for a token that cannot be had.
fn token_failure(
    inner: &Inner,
    e: &netsuite_client::Error,
) -> (StatusCode, &'static str, String, String) {
    use netsuite_client::Error as E;
    let p = &inner.options.profile;
    let login_hint = if inner.options.interactive_login {
        format!(
            "sign in again: `netsuite auth login --profile {p}`; `netsuite doctor --profile {p}` names the cause"
        )
    } else {
        format!(
            "check the integration, the certificate mapping and the clock: `netsuite doctor --profile {p}`, then `netsuite auth token --profile {p} --fresh`"
        )
    };
    let mut detail = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let s = c.to_string();
        if !detail.contains(&s) {
            detail.push_str(": ");
            detail.push_str(&s);
        }
        cause = c.source();
    }
    let detail = format!("profile {p}: {detail}");
    match e {
        E::Connect { .. } => (
            StatusCode::BAD_GATEWAY,
            code::UPSTREAM_UNREACHABLE,
            format!("the token endpoint could not be reached ({detail})"),
            "check the network and the profile's account id or base URL".into(),
        ),
        E::TokenStore { .. } => (
            StatusCode::INTERNAL_SERVER_ERROR,
            code::TOKEN_STORE,
            detail,
            format!(
                "delete the file named and sign in again (`netsuite auth login --profile {p}` or `netsuite auth token --profile {p} --fresh`)"
            ),
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            code::LOGIN_ENDED,
            format!("the login has ended; {detail}"),
            login_hint,
        ),
    }
}

fn login_error(inner: &Inner, e: &netsuite_client::Error) -> Response {
    let (status, code, detail, hint) = token_failure(inner, e);
    reply::error(status, code, &detail, &hint)
}

fn upstream_headers(from: &HeaderMap, rid: &str) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(from.len() + 2);
    for (k, v) in from {
        if !dropped(k) && k.as_str() != REQUEST_ID {
            h.append(k.clone(), v.clone());
        }
    }
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert(REQUEST_ID, v);
    }
    h
}

fn is_refusal(status: u16, body: &[u8]) -> bool {
    if status == 429 {
        return true;
    }
    status == 400
        && serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| netsuite_client::http::api_error(status, v))
            .is_some_and(|e| e.is_rate_limited())
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Builds the client's response from upstream parts.
fn downstream(
    inner: &Inner,
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    host: Option<&str>,
    body: Body,
) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let out = r.headers_mut();
    for (k, v) in headers {
        if dropped_from_response(k) {
            continue;
        }
        if *k == header::LOCATION
            && let (Some(host), Ok(loc)) = (host, v.to_str())
            && let Some(local) = inner.upstream.local_location(loc, host)
            && let Ok(v) = HeaderValue::from_str(&local)
        {
            out.append(k.clone(), v);
            continue;
        }
        out.append(k.clone(), v.clone());
    }
    r
}

async fn forward(
    inner: &Arc<Inner>,
    req: Request,
    url: url::Url,
    rid: &str,
    x: &mut Exchange,
) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method;
    let idempotent = matches!(
        method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
    );
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers = upstream_headers(&parts.headers, rid);
    let body = Replay::new(body, inner.options.replay_limit);
    let c = &inner.client;
    let policy = c.retry_policy();
    let mut renewed = false;
    let mut failures = 0u32;
    loop {
        let waited = Instant::now();
        inner.metrics.queue_enter();
        let permit = c.governor().acquire().await;
        let w = waited.elapsed();
        inner.metrics.queue_leave(w);
        x.queue += w;
        let permit = match permit {
            Ok(p) => p,
            Err(e) => {
                return reply::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::GOVERNOR,
                    &format!("{e}; the request was not sent"),
                    "send it again later; the proxy's --governor-wait-secs bounds the wait, --governor-fallback local goes on without Redis",
                );
            }
        };
        let access = match c.token_source().token(c.http(), false).await {
            Ok((t, origin)) => {
                if origin == Origin::Fresh {
                    inner.metrics.renewed();
                }
                t.access_token
            }
            Err(e) => return login_error(inner, &e),
        };
        let mut rb = c
            .http()
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .bearer_auth(access.expose_secret());
        if let Some(b) = body.attempt() {
            rb = rb.body(reqwest::Body::wrap(b));
        }
        let sent = Instant::now();
        let result = rb.send().await;
        x.upstream = Some(sent.elapsed());
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                drop(permit);
                // A connection that could not be made carried no request.
                let unsent = e.is_connect();
                if !unsent && !idempotent {
                    return reply::error(
                        StatusCode::BAD_GATEWAY,
                        code::OUTCOME_UNKNOWN,
                        &format!(
                            "the connection to NetSuite broke after the {method} was sent; it was not repeated, so it happened once or not at all"
                        ),
                        "check whether it happened before sending it again",
                    );
                }
                failures += 1;
                if failures >= policy.max_attempts || !body.replayable() {
                    let what = if unsent {
                        "could not connect to"
                    } else {
                        "lost the connection to"
                    };
                    return reply::error(
                        StatusCode::BAD_GATEWAY,
                        code::UPSTREAM_UNREACHABLE,
                        &format!(
                            "the proxy {what} {} after {failures} attempt(s)",
                            url.host_str().unwrap_or("the upstream")
                        ),
                        "check the network and the profile's account id or base URL; for the emulator, is `netsuite emulator serve` running?",
                    );
                }
                x.retries += 1;
                inner.metrics.retried();
                tokio::time::sleep(policy.delay(failures, None, random_u64())).await;
                continue;
            }
        };
        let status = resp.status().as_u16();
        if status == 401 && !renewed && body.replayable() {
            drop(resp);
            drop(permit);
            renewed = true;
            match inner.client.renew_after_401(access.expose_secret()).await {
                Ok(true) => inner.metrics.renewed(),
                Ok(false) => {}
                Err(e) => return login_error(inner, &e),
            }
            x.retries += 1;
            inner.metrics.retried();
            continue;
        }
        if status == 429 || status == 400 {
            // Error bodies are small: read it to tell a refusal from a real 400.
            let resp_headers = resp.headers().clone();
            let bytes = match resp.bytes().await {
                Ok(b) => b,
                Err(_) => axum::body::Bytes::new(),
            };
            if is_refusal(status, &bytes) {
                permit.throttled();
                drop(permit);
                inner.metrics.throttled();
                failures += 1;
                if failures < policy.max_attempts && body.replayable() {
                    x.retries += 1;
                    inner.metrics.retried();
                    let delay = policy.delay(failures, retry_after(&resp_headers), random_u64());
                    tokio::time::sleep(delay).await;
                    continue;
                }
            } else {
                permit.success();
                drop(permit);
            }
            return downstream(
                inner,
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                &resp_headers,
                host.as_deref(),
                Body::from(bytes),
            );
        }
        if status >= 500 && idempotent && body.replayable() {
            failures += 1;
            if failures < policy.max_attempts {
                drop(resp);
                drop(permit);
                x.retries += 1;
                inner.metrics.retried();
                let delay = policy.delay(failures, None, random_u64());
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        if status < 500 {
            permit.success();
        }
        let status = resp.status();
        let resp_headers = resp.headers().clone();
        let tracked = Tracked::new(resp.into(), permit);
        let mut r = downstream(
            inner,
            status,
            &resp_headers,
            host.as_deref(),
            Body::new(tracked),
        );
        r.extensions_mut().insert(Streamed);
        return r;
    }
}
