//! How the OAuth plane refuses: the HTTP status of each OAuth 2.0 `error` code
//! ([`netsuite_auth::OAuthErrorCode`]), a refused request with
//! its audit entry, and the JSON error responses NetSuite gives
//! (`{"error":"invalid_grant"}` and friends).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::OAuthErrorCode;
use netsuite_auth::account::AccountId;
use serde::Serialize;

use super::audit::AuditCode;
use crate::error::{Error, RestError};

/// The HTTP status NetSuite answers an OAuth 2.0 `error` with: 401 (with
/// `WWW-Authenticate`) for `invalid_client`, 500 for `server_error`, 400 otherwise.
pub(crate) fn status(error: &OAuthErrorCode) -> StatusCode {
    match error {
        OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// How a check that reads the store ends when the request does not pass: refused
/// (the client is told, the audit trail gets the refusal `R`), or failed (the
/// emulator's own error, a 500). The one outcome type of the OAuth plane's checks:
/// the token and revoke endpoints' (`Stop<Rejection>`), the authorize endpoint's
/// (`Stop<authorize::Refusal>`) and the bearer check's (`Stop<bearer::Refusal>`); the
/// data plane's record writes use it too (`Stop<RestError>`).
/// Parsing a request needs no store and returns the refusal alone.
#[derive(Debug)]
pub(crate) enum Stop<R = Rejection> {
    /// The request is refused.
    Refused(R),
    /// The emulator failed (storage, signing).
    Failed(Error),
}

impl<R> From<Error> for Stop<R> {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

/// A SQLite failure inside a check or a write: the caller that knows the database
/// labels it (see [`crate::store::storage`]).
impl<R> From<rusqlite::Error> for Stop<R> {
    fn from(source: rusqlite::Error) -> Self {
        Stop::Failed(Error::Storage {
            path: String::new(),
            source,
        })
    }
}

/// The data plane's refused write: the REST error the client gets.
impl From<RestError> for Stop<RestError> {
    fn from(r: RestError) -> Self {
        Stop::Refused(r)
    }
}

impl From<Rejection> for Stop<Rejection> {
    fn from(r: Rejection) -> Self {
        Stop::Refused(r)
    }
}

/// The result of a check that reads the store.
pub(crate) type Checked<T, R = Rejection> = Result<T, Stop<R>>;

/// A refused request: what the client is told, and what the audit trail gets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    /// The OAuth 2.0 `error`.
    pub error: OAuthErrorCode,
    /// The audit trail's Detail code.
    pub code: AuditCode,
    /// The client, when the request could be tied to one.
    pub client_id: Option<String>,
    /// The one-line explanation (the `error_description` with `explain_errors`).
    pub detail: String,
}

impl Rejection {
    pub(crate) fn new(error: OAuthErrorCode, code: AuditCode, detail: impl Into<String>) -> Self {
        Self {
            error,
            code,
            client_id: None,
            detail: detail.into(),
        }
    }

    pub(crate) fn client(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.to_owned());
        self
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<&'a str>,
}

/// The JSON error response, with `error_description` only when `explain` is set.
pub(crate) fn error_response(
    error: &OAuthErrorCode,
    description: Option<&str>,
    account: &AccountId,
) -> Response {
    let body = serde_json::to_vec(&ErrorBody {
        error: error.as_str(),
        error_description: description,
    })
    .unwrap_or_default();
    let mut resp = json_response(status(error), body);
    if *error == OAuthErrorCode::InvalidClient
        && let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{}\"", account.as_str()))
    {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// A JSON response that must not be cached (RFC 6749 §5.1).
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
