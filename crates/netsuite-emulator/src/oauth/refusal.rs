//! How the OAuth plane refuses: the OAuth 2.0 `error` codes, a refused request with
//! its audit entry, and the JSON error responses NetSuite gives
//! (`{"error":"invalid_grant"}` and friends).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::AccountId;
use serde::Serialize;

use super::audit::{self, AuditCode};
use super::state::OAuthPlane;

/// The OAuth 2.0 `error` values the token endpoint answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// 400: malformed request.
    InvalidRequest,
    /// 401 with `WWW-Authenticate: Basic realm="<ACCOUNT>"`: client authentication failed.
    InvalidClient,
    /// 400: the grant (assertion, code, refresh token) is not acceptable.
    InvalidGrant,
    /// 400: the client may not use this grant.
    UnauthorizedClient,
    /// 400: the grant type is not supported.
    UnsupportedGrantType,
    /// 400: the scope is not acceptable.
    InvalidScope,
    /// 500: the server failed.
    ServerError,
    /// Authorize redirect: the response type is not `code`.
    UnsupportedResponseType,
    /// Authorize redirect: the user clicked Deny.
    AccessDenied,
    /// Authorize redirect: `prompt=none` without a login session.
    LoginRequired,
    /// Authorize redirect: `prompt=none` when consent would have to be asked.
    ConsentRequired,
}

impl OAuthErrorCode {
    /// The `error` value.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::ServerError => "server_error",
            OAuthErrorCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthErrorCode::AccessDenied => "access_denied",
            OAuthErrorCode::LoginRequired => "login_required",
            OAuthErrorCode::ConsentRequired => "consent_required",
        }
    }

    /// The HTTP status NetSuite uses with it.
    pub fn status(self) -> StatusCode {
        match self {
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

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
    error: OAuthErrorCode,
    description: Option<&str>,
    account: &AccountId,
) -> Response {
    let body = serde_json::to_vec(&ErrorBody {
        error: error.as_str(),
        error_description: description,
    })
    .unwrap_or_default();
    let mut resp = json_response(error.status(), body);
    if error == OAuthErrorCode::InvalidClient
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

/// Writes `r` to the audit trail and answers with its JSON error.
pub(crate) fn refuse(emu: &OAuthPlane, now: i64, r: Rejection) -> Response {
    log(emu, now, &r);
    let description = emu.explain_errors().then_some(r.detail.as_str());
    error_response(r.error, description, emu.account())
}

/// Writes `r` to the audit trail (a failure to write is logged, not answered).
pub(crate) fn log(emu: &OAuthPlane, now: i64, r: &Rejection) {
    let logged = emu
        .store()
        .with(|c| audit::insert(c, now, r.client_id.as_deref(), r.code, &r.detail));
    if let Err(e) = logged {
        eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
    }
}
