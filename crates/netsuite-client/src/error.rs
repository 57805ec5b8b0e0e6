//! The error type of `netsuite-client`, with NetSuite's REST errors kept as data.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One entry of NetSuite's `o:errorDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Human-readable detail.
    pub detail: String,
    /// NetSuite's error code (`INVALID_LOGIN`, `NONEXISTENT_ID`, ...).
    #[serde(rename = "o:errorCode", default)]
    pub error_code: String,
    /// JSON path into the request body, when the error is about a field.
    #[serde(
        rename = "o:errorPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_path: Option<String>,
    /// The query parameter at fault (`q`, `limit`, ...).
    #[serde(
        rename = "o:errorQueryParam",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_query_param: Option<String>,
    /// The URL part at fault.
    #[serde(
        rename = "o:errorUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_url: Option<String>,
    /// The header at fault.
    #[serde(
        rename = "o:errorHeader",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_header: Option<String>,
}

/// A REST error response in NetSuite's shape (`type`, `title`, `status`, `o:errorDetails`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `title`, e.g. `Not Found`.
    #[serde(default)]
    pub title: String,
    /// `type`, a URI naming the HTTP status.
    #[serde(rename = "type", default)]
    pub type_uri: String,
    /// The details, usually one.
    #[serde(rename = "o:errorDetails", default)]
    pub details: Vec<ErrorDetail>,
}

impl ApiError {
    /// The first detail's error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.details.first().map(|d| d.error_code.as_str())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if !self.title.is_empty() {
            write!(f, " {}", self.title)?;
        }
        for d in &self.details {
            write!(f, ": {} {}", d.error_code, d.detail)?;
            if let Some(q) = &d.error_query_param {
                write!(f, " (query parameter {q})")?;
            }
            if let Some(p) = &d.error_path {
                write!(f, " (at {p})")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong talking to NetSuite.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building the assertion or parsing a token response failed.
    #[error(transparent)]
    Auth(#[from] netsuite_auth::Error),
    /// The server could not be reached, or the connection failed.
    #[error("could not reach {url}")]
    Connect {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server's TLS certificate was refused (not signed by a trusted authority,
    /// expired, or for another name): a certificate problem, not the network. Not
    /// retried.
    #[error("the TLS certificate of {url} is not trusted")]
    Certificate {
        /// The URL.
        url: String,
        /// The cause (the verifier's reason).
        #[source]
        source: reqwest::Error,
    },
    /// NetSuite answered with an error in its REST shape.
    #[error("NetSuite refused the request to {url}: {error}")]
    Api {
        /// The URL.
        url: String,
        /// The error, as data.
        error: ApiError,
    },
    /// The answer was not what the API promises (HTML, not JSON, ...).
    #[error("unexpected response from {url} (HTTP {status}): {reason}: {snippet:?}")]
    UnexpectedResponse {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// What was wrong.
        reason: String,
        /// The start of the body.
        snippet: String,
    },
    /// The profile has no login (or its tokens were deleted).
    #[error("not logged in: there is no refresh token for this profile")]
    NotLoggedIn,
    /// The refresh chain has ended: a new login is needed.
    #[error("the login has ended: {reason}")]
    LoginExpired {
        /// Why.
        reason: String,
    },
    /// The login could not be completed.
    #[error("login failed: {reason}")]
    Login {
        /// Why.
        reason: String,
    },
    /// The token store could not be read or written.
    #[error("token store {path}: {reason}")]
    TokenStore {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A request that is not safe to repeat (a create `POST`, a `PATCH`) failed in a
    /// way that leaves its outcome unknown: the connection broke after it was sent, it
    /// timed out, or the server answered 5xx. It was not retried, so it happened once
    /// or not at all. Check before repeating it, or use an operation that is safe to
    /// repeat: an upsert (`PUT .../eid:X`) or a create with an idempotency key
    /// (`Prefer: respond-async` + `X-NetSuite-Idempotency-Key`).
    #[error(
        "the outcome of {method} {url} is unknown ({reason}); it was not repeated, so it happened once or not at all"
    )]
    Ambiguous {
        /// The method.
        method: String,
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
        /// The transport error, if that was the cause.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The request is not one NetSuite accepts, caught before sending it (a page size
    /// over 1000, an offset that is not a multiple of the limit, a bad key column).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// Why.
        reason: String,
    },
    /// Writing the output of an export failed (a closed pipe surfaces here as
    /// `BrokenPipe` in the source).
    #[error("cannot write {target}")]
    Output {
        /// The file, or `stdout`.
        target: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another export (this process or another) is writing this output file.
    #[error("another export is writing {path}")]
    OutputBusy {
        /// The output file.
        path: PathBuf,
    },
    /// A shared governor found no free concurrency slot of the account within its
    /// wait (`--governor-wait-secs`). The request was not sent.
    #[error(
        "no concurrency slot of account {account} came free within {waited_secs} s ({held} of {slots} held by the workers sharing {url})"
    )]
    GovernorTimeout {
        /// The account.
        account: String,
        /// How long the request waited.
        waited_secs: u64,
        /// Leases held account-wide at the last look.
        held: u32,
        /// Slots of the account's window at the last look.
        slots: u32,
        /// The Redis URL (without its password).
        url: String,
    },
    /// A shared governor cannot reach Redis and its fallback is `fail`. The request
    /// was not sent.
    #[error("the shared governor at {url} cannot be reached: {reason}")]
    GovernorUnavailable {
        /// The Redis URL (without its password).
        url: String,
        /// Why.
        reason: String,
    },
    /// An export's checkpoint cannot be used to resume.
    #[error("cannot resume from {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// NetSuite's REST error, when that is what this is.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// A 401 (`INVALID_LOGIN`) from the REST API, or `invalid_client` from the token endpoint.
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.status == 401,
            Error::Auth(netsuite_auth::Error::OAuth(o)) => o.status == 401,
            _ => false,
        }
    }

    /// A 404 `NONEXISTENT_ID`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { error, .. } if error.status == 404)
    }

    /// NetSuite's concurrency governance refused the request: REST 429
    /// `CONCURRENCY_LIMIT_EXCEEDED`, or a RESTlet's 400 `SSS_REQUEST_LIMIT_EXCEEDED`.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::Api { error, .. } if error.is_rate_limited())
    }

    /// Whether trying again later may succeed: governance refusals, 5xx answers
    /// (NetSuite's or a gateway's HTML page), and transport failures. Whether it is
    /// *safe* to try again depends on the request: see [`Error::Ambiguous`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.is_rate_limited() || error.status >= 500,
            Error::UnexpectedResponse { status, .. } => *status >= 500 || *status == 429,
            Error::Connect { .. } | Error::Ambiguous { .. } => true,
            _ => false,
        }
    }

    /// The first `o:errorQueryParam` of NetSuite's error, if any (`q`, `limit`, ...).
    pub fn query_param(&self) -> Option<&str> {
        self.api_error()?
            .details
            .iter()
            .find_map(|d| d.error_query_param.as_deref())
    }
}

impl ApiError {
    /// See [`Error::is_rate_limited`].
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429
            || self.details.iter().any(|d| {
                d.error_code == "CONCURRENCY_LIMIT_EXCEEDED"
                    || d.error_code == "SSS_REQUEST_LIMIT_EXCEEDED"
            })
    }
}
