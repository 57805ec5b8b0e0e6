//! Sending `http::Request`s built by the sans-IO core through reqwest, and reading
//! NetSuite's JSON and error bodies.

use std::time::Duration;

use netsuite_auth::token::body_snippet;
use serde_json::Value;

use crate::error::{ApiError, Error};

/// A response reduced to what the parsers need.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `WWW-Authenticate`.
    pub www_authenticate: Option<String>,
    /// `Location`.
    pub location: Option<String>,
    /// Every header.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// A reqwest client with the settings this crate relies on: no redirects (a token
/// must not follow one), connect and overall timeouts, and a user agent.
pub fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("netsuite-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Connect {
            url: String::new(),
            source: e,
        })
}

fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Query parameters whose values are secrets: shown as `[redacted]` in traces.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "refresh_token",
    "access_token",
    "token",
    "state",
];

/// `url` for a trace: secret query values replaced by `[redacted]`.
pub fn redact_url(url: &url::Url) -> String {
    if url.query().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if SECRET_PARAMS.contains(&k.as_ref()) {
                "[redacted]".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    shown.query_pairs_mut().clear().extend_pairs(pairs);
    shown.to_string()
}

/// What a reqwest error stands for: a request that cannot be formed from the input
/// (an id or record type that makes no valid URL: [`Error::InvalidRequest`], never
/// retried), a TLS certificate that is not trusted ([`Error::Certificate`], never
/// retried), or a network failure ([`Error::Connect`]).
pub fn transport_error(url: &str, e: reqwest::Error) -> Error {
    if e.is_builder() {
        let shown: String = url.chars().take(120).collect();
        let more = if shown.len() < url.len() {
            format!("... ({} characters)", url.chars().count())
        } else {
            String::new()
        };
        return Error::InvalidRequest {
            reason: format!(
                "no valid request can be made for {shown}{more}: {}",
                e.without_url()
            ),
        };
    }
    if is_certificate_error(&e) {
        return Error::Certificate {
            url: url.to_owned(),
            source: e,
        };
    }
    Error::Connect {
        url: url.to_owned(),
        source: e,
    }
}

/// Whether the TLS handshake failed on the server's certificate (not trusted, expired,
/// for another name), as opposed to the network.
fn is_certificate_error(e: &reqwest::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("unknownissuer") {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Sends `request` and reads the whole response.
pub async fn send(
    http: &reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<Response, Error> {
    let url = request.uri().to_string();
    let req = reqwest::Request::try_from(request).map_err(|e| transport_error(&url, e))?;
    execute(http, req).await
}

/// Executes a reqwest request and reads the whole response.
pub async fn execute(http: &reqwest::Client, req: reqwest::Request) -> Result<Response, Error> {
    let url = req.url().to_string();
    let method = req.method().clone();
    let shown = redact_url(req.url());
    let started = std::time::Instant::now();
    tracing::debug!(%method, url = %shown, "request");
    let resp = http.execute(req).await.map_err(|e| {
        tracing::debug!(%method, url = %shown, error = %e, "request failed");
        transport_error(&url, e)
    })?;
    let status = resp.status().as_u16();
    tracing::debug!(
        %method,
        url = %shown,
        status,
        ms = started.elapsed().as_millis() as u64,
        "response"
    );
    let content_type = header(&resp, reqwest::header::CONTENT_TYPE);
    let www_authenticate = header(&resp, reqwest::header::WWW_AUTHENTICATE);
    let location = header(&resp, reqwest::header::LOCATION);
    let headers = resp.headers().clone();
    let body = read_body(resp, &url, status).await?;
    Ok(Response {
        status,
        content_type,
        www_authenticate,
        location,
        headers,
        body,
    })
}

/// The largest response body read (64 MiB): a SuiteQL page of 1000 wide rows is a few
/// MiB; a hostile or broken server cannot make the client read more.
pub const MAX_BODY: usize = 64 << 20;

/// The longest `Retry-After` honoured (120 s): a longer one is waited as 120 s.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Reads the body, stopping at [`MAX_BODY`] with [`Error::UnexpectedResponse`].
async fn read_body(mut resp: reqwest::Response, url: &str, status: u16) -> Result<Vec<u8>, Error> {
    let too_large = |body: &[u8]| Error::UnexpectedResponse {
        url: url.to_owned(),
        status,
        reason: format!(
            "the body is larger than {} MiB, the most this client reads",
            MAX_BODY >> 20
        ),
        snippet: body_snippet(&body[..body.len().min(512)]),
    };
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large(&[]));
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| Error::Connect {
        url: url.to_owned(),
        source: e,
    })? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large(&body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// NetSuite's error in a JSON body: the REST shape (`title`, `o:errorDetails`), or a
/// RESTlet's SuiteScript shape (`{"error": {"code", "message"}}`), kept as an
/// [`ApiError`] either way.
pub fn api_error(status: u16, v: Value) -> Option<ApiError> {
    if let Some(e) = v.get("error").and_then(Value::as_object)
        && let Some(code) = e.get("code").and_then(Value::as_str)
    {
        let message = match e.get("message") {
            Some(Value::String(m)) => m.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        return Some(ApiError {
            status,
            title: String::new(),
            type_uri: String::new(),
            details: vec![crate::error::ErrorDetail {
                detail: message,
                error_code: code.to_owned(),
                error_path: None,
                error_query_param: None,
                error_url: None,
                error_header: None,
            }],
        });
    }
    match serde_json::from_value::<ApiError>(v) {
        Ok(mut e) if !e.details.is_empty() || !e.title.is_empty() => {
            e.status = status;
            Some(e)
        }
        _ => None,
    }
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` in seconds (the delay form; an HTTP date is ignored), at most
    /// [`MAX_RETRY_AFTER`].
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self.header("retry-after")?.trim();
        v.parse::<u64>()
            .ok()
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER))
    }

    /// The error this response stands for, when it is not 2xx: NetSuite's error as
    /// data, or [`Error::UnexpectedResponse`].
    pub fn error(&self, url: &str) -> Option<Error> {
        if self.is_success() {
            return None;
        }
        let parsed = serde_json::from_slice::<Value>(&self.body).ok();
        if let Some(error) = parsed.and_then(|v| api_error(self.status, v)) {
            return Some(Error::Api {
                url: url.to_owned(),
                error,
            });
        }
        let html = self.looks_like_html();
        Some(Error::UnexpectedResponse {
            url: url.to_owned(),
            status: self.status,
            reason: if html {
                "an HTML page came back where JSON was expected".into()
            } else if self.body.is_empty() {
                "an error status with an empty body".into()
            } else {
                "an error status without NetSuite's error body".into()
            },
            snippet: body_snippet(&self.body),
        })
    }

    fn looks_like_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.contains("html"))
            || body_snippet(&self.body).trim_start().starts_with('<')
    }

    /// The body of a 2xx response, or the error.
    pub fn into_success(self, url: &str) -> Result<Self, Error> {
        match self.error(url) {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }

    /// The last path segment of `Location` (the id of a created or updated record).
    pub fn location_id(&self) -> Option<String> {
        let loc = self.location.as_deref()?;
        let path = loc.split(['?', '#']).next().unwrap_or(loc);
        let last = path.trim_end_matches('/').rsplit('/').next()?;
        let decoded = percent_decode(last);
        (!decoded.is_empty()).then_some(decoded)
    }
    /// The body as JSON on 2xx; NetSuite's error shape as [`Error::Api`]; anything
    /// else (an HTML page, a non-JSON body) as [`Error::UnexpectedResponse`].
    pub fn json(self, url: &str) -> Result<Value, Error> {
        let parsed: Result<Value, _> = serde_json::from_slice(&self.body);
        let unexpected = |reason: &str| Error::UnexpectedResponse {
            url: url.to_owned(),
            status: self.status,
            reason: reason.to_owned(),
            snippet: body_snippet(&self.body),
        };
        match parsed {
            Ok(v) if (200..300).contains(&self.status) => Ok(v),
            Ok(v) => match api_error(self.status, v) {
                Some(error) => Err(Error::Api {
                    url: url.to_owned(),
                    error,
                }),
                None => Err(unexpected("an error status without NetSuite's error body")),
            },
            Err(_) => {
                let html = self
                    .content_type
                    .as_deref()
                    .is_some_and(|c| c.contains("html"))
                    || body_snippet(&self.body).trim_start().starts_with('<');
                if html {
                    Err(unexpected("an HTML page came back where JSON was expected"))
                } else if self.body.is_empty() {
                    Err(unexpected("the body is empty"))
                } else {
                    Err(unexpected("the body is not JSON"))
                }
            }
        }
    }
}

/// Decodes `%XX` escapes (a path segment: `+` stays `+`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn traced_urls_hide_secret_query_values() {
        let u = url::Url::parse("https://h/cb?code=abc123&state=s3&limit=5").unwrap();
        let shown = super::redact_url(&u);
        assert!(
            !shown.contains("abc123") && !shown.contains("s3"),
            "{shown}"
        );
        assert!(
            shown.contains("limit=5") && shown.contains("code=%5Bredacted%5D"),
            "{shown}"
        );
    }

    use super::*;

    fn resp(status: u16, location: Option<&str>, body: &str) -> Response {
        Response {
            status,
            content_type: Some("application/json".into()),
            www_authenticate: None,
            location: location.map(str::to_owned),
            headers: reqwest::header::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn retry_after_is_capped() {
        let mut r = resp(429, None, "");
        r.headers
            .insert("retry-after", "18446744073709551615".parse().unwrap());
        assert_eq!(r.retry_after(), Some(MAX_RETRY_AFTER));
        // No overflow when the jitter is added.
        let d = crate::RetryPolicy::default().delay(1, r.retry_after(), u64::MAX);
        assert!(d <= MAX_RETRY_AFTER + Duration::from_secs(1), "{d:?}");
        r.headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(r.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn location_ids() {
        let r = resp(
            204,
            Some("https://h/services/rest/record/v1/customer/647"),
            "",
        );
        assert_eq!(r.location_id().as_deref(), Some("647"));
        let r = resp(
            204,
            Some("/services/rest/record/v1/customer/eid%3AA%2BB/"),
            "",
        );
        assert_eq!(r.location_id().as_deref(), Some("eid:A+B"));
        assert_eq!(resp(204, None, "").location_id(), None);
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn restlet_errors_are_api_errors() {
        let r = resp(
            400,
            None,
            r#"{"error":{"code":"SSS_REQUEST_LIMIT_EXCEEDED","message":"later"}}"#,
        );
        let e = r.error("u").unwrap();
        assert!(e.is_rate_limited());
        assert!(e.is_retryable());
        assert_eq!(
            e.api_error().unwrap().code(),
            Some("SSS_REQUEST_LIMIT_EXCEEDED")
        );
    }

    #[test]
    fn rest_errors_keep_details() {
        let r = resp(
            400,
            None,
            r#"{"type":"t","title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Invalid search query.","o:errorCode":"INVALID_PARAMETER","o:errorQueryParam":"q"}]}"#,
        );
        let e = r.error("u").unwrap();
        assert_eq!(e.query_param(), Some("q"));
        assert!(!e.is_retryable());
        let mut html = resp(503, None, "<html><body>down</body></html>");
        html.content_type = Some("text/html".into());
        let e = html.error("u").unwrap();
        assert!(e.is_retryable());
        assert!(e.to_string().contains("HTML"), "{e}");
    }
}
