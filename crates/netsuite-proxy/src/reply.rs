//! The proxy's own answers: NetSuite's REST error shape (`type`, `title`, `status`,
//! `o:errorDetails`), so that a client's NetSuite error handling reads them too,
//! with a `hint` saying what to do.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

/// Codes of the errors the proxy answers itself (`o:errorCode`).
pub mod code {
    /// A path outside NetSuite's API prefixes.
    pub const NOT_AN_API_PATH: &str = "PROXY_NOT_AN_API_PATH";
    /// An absolute-URI (forward proxy) request.
    pub const NOT_A_FORWARD_PROXY: &str = "PROXY_NOT_A_FORWARD_PROXY";
    /// CONNECT, TRACE, or a write to `/_proxy/...`.
    pub const METHOD_NOT_ALLOWED: &str = "PROXY_METHOD_NOT_ALLOWED";
    /// The request's headers are over the limit.
    pub const HEADERS_TOO_LARGE: &str = "PROXY_HEADERS_TOO_LARGE";
    /// `X-NetSuite-Proxy-Key` missing or wrong.
    pub const KEY_REQUIRED: &str = "PROXY_KEY_REQUIRED";
    /// The profile's login has ended (refresh refused, assertion refused, no login).
    pub const LOGIN_ENDED: &str = "PROXY_LOGIN_ENDED";
    /// NetSuite (or the token endpoint) could not be reached.
    pub const UPSTREAM_UNREACHABLE: &str = "PROXY_UPSTREAM_UNREACHABLE";
    /// The connection broke after a request that is not safe to repeat was sent.
    pub const OUTCOME_UNKNOWN: &str = "PROXY_OUTCOME_UNKNOWN";
    /// The token store could not be read or written.
    pub const TOKEN_STORE: &str = "PROXY_TOKEN_STORE";
    /// The shared governor gave no slot (none came free in time, or Redis is away and
    /// the fallback is `fail`); the request was not sent.
    pub const GOVERNOR: &str = "PROXY_GOVERNOR";
}

/// A JSON error answer.
pub(crate) fn error(status: StatusCode, code: &str, detail: &str, hint: &str) -> Response {
    let body = json!({
        "type": format!("https://www.rfc-editor.org/rfc/rfc9110.html#status.{}", status.as_u16()),
        "title": status.canonical_reason().unwrap_or(""),
        "status": status.as_u16(),
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
        "hint": hint,
        "source": "netsuite proxy",
    });
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A JSON answer of the proxy's own endpoints.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
