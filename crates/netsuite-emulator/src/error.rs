//! The emulator's error type, and NetSuite's REST error body.

use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything the emulator's library API can refuse or fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No integration record has this client id.
    #[error("unknown client id {client_id:?}: no integration record has it")]
    UnknownClientId {
        /// The client id that was given.
        client_id: String,
    },
    /// The certificate cannot be mapped: NetSuite would refuse it.
    #[error("certificate refused: {reason}")]
    CertificateRefused {
        /// NetSuite's reason: key type or size, validity, expiry, not a certificate.
        reason: String,
    },
    /// The integration record does not have the Client Credentials (M2M) grant.
    #[error(
        "integration {name:?} ({client_id}) is an integration without M2M: the Client Credentials (Machine to Machine) grant is not enabled on it"
    )]
    IntegrationWithoutM2m {
        /// The integration's name.
        name: String,
        /// Its client id.
        client_id: String,
    },
    /// The integration already has NetSuite's maximum of active certificates.
    #[error(
        "integration {client_id} already has {max} active certificates, NetSuite's maximum; revoke one first"
    )]
    TooManyCertificates {
        /// The integration's client id.
        client_id: String,
        /// The maximum (5).
        max: usize,
    },
    /// The same certificate is already mapped for this integration.
    #[error("certificate {certificate_id} is already mapped to client id {client_id}")]
    DuplicateCertificate {
        /// The certificate id.
        certificate_id: String,
        /// The integration's client id.
        client_id: String,
    },
    /// No certificate mapping has this certificate id.
    #[error("unknown certificate id {certificate_id:?}: no mapping has it")]
    UnknownCertificate {
        /// The certificate id that was given.
        certificate_id: String,
    },
    /// No authorized application has this id.
    #[error("unknown authorized application {id}")]
    UnknownAuthorization {
        /// The id that was given.
        id: i64,
    },
    /// No token on record has this `jti`.
    #[error("unknown token {jti:?}: no access or refresh token on record has this jti")]
    UnknownToken {
        /// The `jti` that was given.
        jti: String,
    },
    /// The integration record cannot be created as described.
    #[error("invalid integration: {reason}")]
    InvalidIntegration {
        /// Why.
        reason: String,
    },
    /// The SQLite database failed.
    #[error("storage error in {path}")]
    Storage {
        /// The database file (`:memory:` for an in-memory emulator).
        path: String,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The data directory or database file could not be created.
    #[error("cannot prepare the data directory {}", path.display())]
    DataDir {
        /// The path involved.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The data directory or its database cannot be trusted or used as it is: others
    /// can change it, or it is another program's or a newer emulator's database.
    #[error("the emulator data at {} cannot be used: {reason}", path.display())]
    UnusableData {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
        /// The command or step that fixes it.
        fix: String,
    },
    /// The emulator's own token-signing key could not be made or loaded.
    #[error("the emulator's token-signing key is unusable")]
    SigningKey {
        /// The cause.
        #[source]
        source: netsuite_auth::Error,
    },
    /// Stored data does not have the shape the emulator wrote.
    #[error("corrupt data in {path}: {reason}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Governance or fault settings out of range.
    #[error("invalid settings: {reason}")]
    InvalidSettings {
        /// What is wrong.
        reason: String,
    },
    /// A request handler stopped unexpectedly (a bug in the emulator).
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

impl Error {
    /// What fixes it, for errors a user can fix (printed as a `hint:`).
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::UnusableData { fix, .. } => Some(fix),
            Self::InvalidSettings { .. } => Some(
                "correct the setting named above (`netsuite emulator serve --help` lists the ranges)",
            ),
            _ => None,
        }
    }
}

/// `o:errorDetails[]` of a NetSuite REST error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    /// Human-readable detail.
    pub detail: String,
    /// NetSuite's error code (`INVALID_LOGIN`, `NONEXISTENT_ID`, ...).
    #[serde(rename = "o:errorCode")]
    pub error_code: String,
    /// The JSON path into the request body the error is about (`item.items[0].item`).
    #[serde(rename = "o:errorPath", skip_serializing_if = "Option::is_none")]
    pub error_path: Option<String>,
    /// The URL part the error is about, when NetSuite names one.
    #[serde(rename = "o:errorUrl", skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    /// The request header the error is about.
    #[serde(rename = "o:errorHeader", skip_serializing_if = "Option::is_none")]
    pub error_header: Option<String>,
    /// The query parameter the error is about (`q`, `limit`, `offset`).
    #[serde(rename = "o:errorQueryParam", skip_serializing_if = "Option::is_none")]
    pub error_query_param: Option<String>,
}

/// A NetSuite REST web services error: `{type, title, status, o:errorDetails}`, served
/// as `application/vnd.oracle.resource+json; type=error; charset=UTF-8`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RestError {
    /// The RFC 9110 section URI of the status.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The details.
    #[serde(rename = "o:errorDetails")]
    pub details: Vec<ErrorDetail>,
}

/// The content type of NetSuite REST error bodies.
pub const ERROR_CONTENT_TYPE: &str =
    "application/vnd.oracle.resource+json; type=error; charset=UTF-8";

/// NetSuite's 401 detail; every bearer failure looks the same from outside.
pub const INVALID_LOGIN_DETAIL: &str = "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.";

impl RestError {
    /// An error with one detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        let (section, title) = match status.as_u16() {
            400 => ("15.5.1", "Bad Request"),
            401 => ("15.5.2", "Unauthorized"),
            403 => ("15.5.4", "Forbidden"),
            404 => ("15.5.5", "Not Found"),
            405 => ("15.5.6", "Method Not Allowed"),
            413 => ("15.5.14", "Content Too Large"),
            415 => ("15.5.16", "Unsupported Media Type"),
            429 => ("15.5.20", "Too Many Requests"),
            _ => ("15.6.1", "Internal Server Error"),
        };
        Self {
            kind: format!("https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}"),
            title: title.to_owned(),
            status: status.as_u16(),
            details: vec![ErrorDetail {
                detail: detail.into(),
                error_code: code.to_owned(),
                error_path: None,
                error_url: None,
                error_header: None,
                error_query_param: None,
            }],
        }
    }

    /// NetSuite's 401 `INVALID_LOGIN`.
    pub fn invalid_login() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_LOGIN",
            INVALID_LOGIN_DETAIL,
        )
    }

    /// Sets `o:errorUrl` on the first detail.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        if let Some(d) = self.details.first_mut() {
            d.error_url = Some(url.into());
        }
        self
    }

    /// Sets `o:errorPath` on the first detail.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        if let Some(d) = self.details.first_mut() {
            d.error_path = Some(path.into());
        }
        self
    }

    /// Sets `o:errorHeader` on the first detail.
    pub fn with_header(mut self, header: impl Into<String>) -> Self {
        if let Some(d) = self.details.first_mut() {
            d.error_header = Some(header.into());
        }
        self
    }

    /// Sets `o:errorQueryParam` on the first detail.
    pub fn with_query_param(mut self, param: impl Into<String>) -> Self {
        if let Some(d) = self.details.first_mut() {
            d.error_query_param = Some(param.into());
        }
        self
    }

    /// A 500 for storage failures and bugs; the cause stays in the server's logs.
    pub fn unexpected() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "An unexpected error occurred. Error ID: emulator",
        )
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ERROR_CONTENT_TYPE),
        );
        resp
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        eprintln!("netsuite-emulator: {}", chain(&self));
        RestError::unexpected().into_response()
    }
}

/// The error and its causes on one line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_login_body_is_netsuites() {
        let body = serde_json::to_string(&RestError::invalid_login()).unwrap();
        assert_eq!(
            body,
            r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.","o:errorCode":"INVALID_LOGIN"}]}"#
        );
    }
}

/// The error a late body gives the handler reading it.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs_f64())]
pub(crate) struct BodyTimeout(pub(crate) std::time::Duration);

impl BodyTimeout {
    /// The deadline that passed, when `error` (or one of its sources) is a late body.
    pub(crate) fn find(error: &(dyn std::error::Error + 'static)) -> Option<std::time::Duration> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(BodyTimeout(limit)) = e.downcast_ref::<BodyTimeout>() {
                return Some(*limit);
            }
            next = e.source();
        }
        None
    }
}
