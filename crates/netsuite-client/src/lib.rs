//! Async I/O for NetSuite on reqwest: token sources that hold and renew tokens, the
//! token store, the REST record API, SuiteQL (paged streams and parallel exports past
//! 100,000 rows), RESTlets, and NetSuite's concurrency governance.
//!
//! Every call goes through [`Client::send`]: it waits for a slot of the account's
//! [`governance::Governor`], carries the bearer token, renews the token once and
//! retries once on a 401, retries governance refusals (429
//! `CONCURRENCY_LIMIT_EXCEEDED`, RESTlet 400 `SSS_REQUEST_LIMIT_EXCEEDED`) with
//! exponential backoff and jitter honouring `Retry-After`, and retries 5xx answers
//! and broken connections only when the request is idempotent (GET, PUT, DELETE,
//! SuiteQL). A create `POST` is never repeated after it may have reached NetSuite:
//! such a failure is [`Error::Ambiguous`].
//!
//! ```no_run
//! # async fn run() -> Result<(), netsuite_client::Error> {
//! use std::sync::Arc;
//! use netsuite_auth::{account::{AccountId, Endpoints}, assertion::ScopeFormat, key::PrivateKey};
//! use netsuite_client::{Client, ClientCredentials, TokenSource, record::GetOptions};
//!
//! let account = AccountId::parse("1234567")?;
//! let key = PrivateKey::from_pem(&std::fs::read_to_string("private-key.pem").unwrap())?;
//! let credentials = ClientCredentials {
//!     endpoints: Endpoints::for_account(&account),
//!     client_id: "<client id>".into(),
//!     certificate_id: "<certificate id>".into(),
//!     algorithm: key.kind().default_algorithm(),
//!     private_key: Arc::new(key),
//!     scopes: vec!["rest_webservices".into()],
//!     scope_format: ScopeFormat::Array,
//!     assertion_lifetime_secs: 300,
//! };
//! let client = Client::new(TokenSource::new(credentials, None))?;
//! let order = client.get_record("salesorder", "304", &GetOptions::default()).await?;
//! println!("{}", order["tranId"]);
//! # Ok(()) }
//! ```

pub mod callback;
mod credentials;
mod error;
pub mod export;
pub mod governance;
pub mod http;
pub mod keyring_key;
pub mod notice;
pub mod private_file;
pub mod record;
pub mod restlet;
pub mod store;
pub mod suiteql;

use std::sync::Arc;

use netsuite_auth::account::Endpoints;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

pub use credentials::{
    AuthCode, CONFIDENTIAL_REFRESH_SECS, ClientCredentials, Grant, Origin, PendingLogin,
    RENEW_BEFORE_SECS, StaticToken, TokenSource, renewals_in_flight, unix_now,
};
pub use error::{ApiError, Error, ErrorDetail};
pub use governance::{Governor, RetryPolicy};

/// A NetSuite client for one profile: it owns the credentials, obtains and renews
/// tokens, retries once with a new token when a call answers 401, and shares the
/// account's concurrency [`Governor`] with every other client of the account in the
/// process. Clones share everything.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    source: Arc<TokenSource>,
    governor: Arc<Governor>,
    retry: RetryPolicy,
    renew: Arc<tokio::sync::Mutex<()>>,
}

/// Builds a [`Client`] ([`Client::builder`]).
#[derive(Debug)]
pub struct ClientBuilder {
    source: TokenSource,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    governor: Option<Arc<Governor>>,
}

impl ClientBuilder {
    /// Over an existing reqwest client (default: [`http::http_client`]).
    pub fn http(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// With another retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// With this governor instead of the process's one for the account.
    pub fn governor(mut self, governor: Arc<Governor>) -> Self {
        self.governor = Some(governor);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let http = match self.http {
            Some(h) => h,
            None => http::http_client()?,
        };
        let mut client = Client::with_http(http, self.source).with_retry(self.retry);
        if let Some(g) = self.governor {
            client = client.with_governor(g);
        }
        Ok(client)
    }
}

/// One API call, before the token and governance are applied.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The URL (on the account's SuiteTalk or RESTlet host).
    pub url: Url,
    /// Extra headers (`Authorization` is added).
    pub headers: HeaderMap,
    /// The body and its content type.
    pub body: Option<(Vec<u8>, String)>,
    /// Whether repeating the request is harmless, so that a 5xx or a broken
    /// connection may be retried. Governance refusals are retried either way: NetSuite
    /// blocks such a request before running it.
    pub idempotent: bool,
}

impl ApiRequest {
    /// A request; idempotent for GET, HEAD, OPTIONS, PUT and DELETE.
    pub fn new(method: Method, url: Url) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotent,
        }
    }

    /// With a JSON body (serialized by serde: values are never pasted into JSON by hand).
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidRequest {
            reason: format!("the body cannot be written as JSON: {e}"),
        })?;
        self.body = Some((bytes, "application/json".into()));
        Ok(self)
    }

    /// With a body of `content_type`.
    pub fn body(mut self, bytes: Vec<u8>, content_type: &str) -> Self {
        self.body = Some((bytes, content_type.to_owned()));
        self
    }

    /// With a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Marks the request as safe (or not) to repeat.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

/// What [`Client::send_traced`] saw on the way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Attempts made.
    pub attempts: u32,
    /// Governance refusals retried.
    pub throttled: u32,
    /// An earlier attempt may have reached NetSuite (a broken connection or a 5xx
    /// after sending), so the final answer may be about a repeat.
    pub repeated_after_failure: bool,
}

impl Client {
    /// A client with a default HTTP client.
    pub fn new(source: TokenSource) -> Result<Self, Error> {
        Ok(Self::with_http(http::http_client()?, source))
    }

    /// A client over an existing reqwest client.
    pub fn with_http(http: reqwest::Client, source: TokenSource) -> Self {
        let governor = Governor::for_account(source.endpoints().suitetalk_base().as_str());
        Self {
            http,
            source: Arc::new(source),
            governor,
            retry: RetryPolicy::default(),
            renew: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// A builder: the HTTP client, the retry policy and the governor (in-process by
    /// default; [`Governor::shared`] for one budget per account across processes
    /// and hosts, on Redis).
    ///
    /// ```no_run
    /// # fn run(source: netsuite_client::TokenSource) -> Result<(), netsuite_client::Error> {
    /// use netsuite_client::{Client, Governor, governance::SharedOptions};
    /// let governor = Governor::shared(SharedOptions::new("redis://127.0.0.1:6379/0", "1234567"))?;
    /// let client = Client::builder(source).governor(governor).build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder(source: TokenSource) -> ClientBuilder {
        ClientBuilder {
            source,
            http: None,
            retry: RetryPolicy::default(),
            governor: None,
        }
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same client with its own governor instead of the account's shared one.
    pub fn with_governor(mut self, governor: Arc<Governor>) -> Self {
        self.governor = governor;
        self
    }

    /// Sets the account's concurrency ceiling (`--concurrency`).
    pub fn set_concurrency(&self, ceiling: u32) {
        self.governor.set_ceiling(ceiling);
    }

    /// The endpoints this client talks to.
    pub fn endpoints(&self) -> &Endpoints {
        self.source.endpoints()
    }

    /// The token source.
    pub fn token_source(&self) -> &TokenSource {
        &self.source
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The account's concurrency limiter.
    pub fn governor(&self) -> &Arc<Governor> {
        &self.governor
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// `GET /services/rest/system/v1/governanceLimits` (administrators only).
    pub async fn governance_limits(&self) -> Result<Value, Error> {
        let url = self
            .endpoints()
            .suitetalk_url("/services/rest/system/v1/governanceLimits")?;
        self.get_json(url).await
    }

    /// The concurrency this integration may use, from `governanceLimits`: the
    /// integration's own limit when one is allocated, otherwise the account's
    /// unallocated limit. Sets it as the governor's ceiling unless one was set already
    /// (`--concurrency` wins). Returns the ceiling in force; when the endpoint cannot
    /// be read (not an administrator), the ceiling stays as it is.
    pub async fn discover_concurrency(&self) -> u32 {
        if self.governor.has_ceiling() {
            return self.governor.ceiling();
        }
        if let Ok(v) = self.governance_limits().await {
            let n = |k: &str| v.get(k).and_then(Value::as_u64).filter(|n| *n > 0);
            let limit = if v.get("integrationLimitType").and_then(Value::as_str)
                == Some("integrationSpecific")
            {
                n("integrationConcurrencyLimit")
            } else {
                None
            }
            .or_else(|| n("accountUnallocatedConcurrencyLimit"))
            .or_else(|| n("accountConcurrencyLimit"));
            if let Some(limit) = limit
                && !self.governor.has_ceiling()
            {
                self.governor
                    .set_ceiling(limit.min(u64::from(u32::MAX)) as u32);
            }
        }
        self.governor.ceiling()
    }

    /// GETs `url` with the bearer token and returns the JSON body; one 401 renews the
    /// token and retries once.
    pub async fn get_json(&self, url: Url) -> Result<Value, Error> {
        self.send_json(ApiRequest::new(Method::GET, url)).await
    }

    /// Sends `request` and returns the JSON body of a 2xx answer, or the error.
    pub async fn send_json(&self, request: ApiRequest) -> Result<Value, Error> {
        let url = request.url.to_string();
        self.send(request).await?.json(&url)
    }

    /// Sends `request` and returns the final response, whatever its status.
    pub async fn send(&self, request: ApiRequest) -> Result<http::Response, Error> {
        Ok(self.send_traced(request).await?.0)
    }

    /// [`Client::send`], also telling what happened on the way.
    pub async fn send_traced(&self, request: ApiRequest) -> Result<(http::Response, Trace), Error> {
        let url = request.url.to_string();
        let mut trace = Trace::default();
        let mut renewed = false;
        let mut failures = 0u32;
        loop {
            // A governor failure comes before sending: nothing was sent.
            let permit = self.slot().await?;
            let (token, _) = self.source.token(&self.http, false).await?;
            let access = token.access_token.expose_secret().to_owned();
            let mut req = self
                .http
                .request(request.method.clone(), request.url.clone())
                .bearer_auth(&access)
                .header(reqwest::header::ACCEPT, "application/json");
            for (k, v) in &request.headers {
                req = req.header(k, v);
            }
            if let Some((bytes, content_type)) = &request.body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                    .body(bytes.clone());
            }
            let req = req.build().map_err(|e| http::transport_error(&url, e))?;
            trace.attempts += 1;
            let result = http::execute(&self.http, req).await;
            let resp = match result {
                Ok(resp) => resp,
                Err(Error::Connect { url, source }) => {
                    drop(permit);
                    // A connection that could not be made carried no request.
                    let unsent = source.is_connect();
                    if !unsent && !request.idempotent {
                        return Err(Error::Ambiguous {
                            method: request.method.to_string(),
                            url,
                            reason: if source.is_timeout() {
                                "the request timed out".into()
                            } else {
                                "the connection broke after the request was sent".into()
                            },
                            source: Some(source),
                        });
                    }
                    failures += 1;
                    if !unsent {
                        trace.repeated_after_failure = true;
                    }
                    if failures >= self.retry.max_attempts {
                        return Err(Error::Connect { url, source });
                    }
                    let why = format!("connection failed ({source})");
                    self.back_off(failures, None, &request, &url, why).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if resp.status == 401 && !renewed {
                drop(permit);
                renewed = true;
                tracing::debug!("401: renewing the token and retrying once");
                self.renew_after_401(&access).await?;
                continue;
            }
            if resp.status == 401 {
                self.bury(&resp, &url, &access).await?;
            }
            let refused = (resp.status == 429 || resp.status == 400)
                && resp.error(&url).is_some_and(|e| e.is_rate_limited());
            if refused {
                permit.throttled();
                drop(permit);
                trace.throttled += 1;
                failures += 1;
                if failures >= self.retry.max_attempts {
                    return Ok((resp, trace));
                }
                let why = format!(
                    "refused by the account's concurrency limit (HTTP {})",
                    resp.status
                );
                self.back_off(failures, resp.retry_after(), &request, &url, why)
                    .await;
                continue;
            }
            if resp.status >= 500 && request.idempotent {
                drop(permit);
                failures += 1;
                trace.repeated_after_failure = true;
                if failures >= self.retry.max_attempts {
                    return Ok((resp, trace));
                }
                let why = format!("the server answered HTTP {}", resp.status);
                self.back_off(failures, resp.retry_after(), &request, &url, why)
                    .await;
                continue;
            }
            permit.success();
            return Ok((resp, trace));
        }
    }

    /// Waits before attempt `failures + 1` (the policy's backoff, or `Retry-After`),
    /// tracing why, and saying so through [`notice`] when the wait is long.
    async fn back_off(
        &self,
        failures: u32,
        retry_after: Option<std::time::Duration>,
        request: &ApiRequest,
        url: &str,
        why: String,
    ) {
        let delay = self
            .retry
            .delay(failures, retry_after, governance::random_u64());
        tracing::debug!(
            attempt = failures,
            delay_ms = delay.as_millis() as u64,
            %why,
            "retrying"
        );
        notice::sleep(delay, || {
            format!("retrying {} {url}: {why}", request.method)
        })
        .await;
    }

    /// A slot of the governor, saying in traces how long it took.
    async fn slot(&self) -> Result<governance::Permit, Error> {
        let queued = std::time::Instant::now();
        let permit = self.governor.acquire().await?;
        let waited = queued.elapsed();
        if waited >= std::time::Duration::from_millis(1) {
            tracing::debug!(
                waited_ms = waited.as_millis() as u64,
                "waited for a governance slot"
            );
        }
        Ok(permit)
    }

    /// A 401 survived a renewal: the token `failed` is dead, never sent again.
    async fn bury(&self, resp: &http::Response, url: &str, failed: &str) -> Result<(), Error> {
        let code = resp
            .error(url)
            .map(|e| e.to_string())
            .unwrap_or_else(|| "HTTP 401".into());
        self.source
            .mark_dead(
                failed,
                &format!("NetSuite refused a freshly renewed token ({code})"),
            )
            .await
    }

    /// After a 401 with the access token `failed`: renews the token unless another
    /// task of this client already did (single-flight). Returns whether this call
    /// renewed it.
    pub async fn renew_after_401(&self, failed: &str) -> Result<bool, Error> {
        let _one = self.renew.lock().await;
        if let Some(t) = self.source.cached().await?
            && t.access_token.expose_secret() != failed
        {
            return Ok(false);
        }
        self.source.token(&self.http, true).await?;
        Ok(true)
    }
}
