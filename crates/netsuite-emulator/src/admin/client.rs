//! A typed client of a running emulator's admin API (feature `remote-client`): the
//! same operations and the same types as the library API on [`crate::Emulator`], over
//! HTTP.
//!
//! ```no_run
//! # async fn run() -> Result<(), netsuite_emulator::AdminError> {
//! let admin = netsuite_emulator::AdminClient::new("http://127.0.0.1:8787")?;
//! for integration in admin.integrations().await? {
//!     println!("{} {}", integration.client_id, integration.name);
//! }
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::protocol::{ApiIndex, IntegrationDetails, Revoked};
use crate::oauth::audit::AuditEntry;
use crate::oauth::chain::{AuthorizedApp, IssuedToken};
use crate::oauth::integration::{Integration, NewIntegration};
use crate::oauth::mapping::{Mapping, NewMapping};

/// How long one admin API call may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Audit entries fetched per page by [`AdminClient::audit`].
const AUDIT_PAGE: usize = 5000;

/// What can go wrong talking to the admin API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The base URL does not parse.
    #[error("{url} is not a URL: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The base URL is not `http` or `https`.
    #[error("{url} is not http(s)")]
    NotHttp {
        /// The URL given.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// No answer: nothing listens there, or the connection failed.
    #[error("cannot reach the emulator at {base}")]
    Unreachable {
        /// The emulator's base URL.
        base: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer's body could not be read.
    #[error("reading the admin API's answer")]
    Reading(#[source] reqwest::Error),
    /// The emulator answered with an error status.
    #[error("the emulator refused: {message} (HTTP {status})")]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// The `error` of an [`crate::ApiError`] answer (`not_found`, `forbidden`, …);
        /// `None` when the answer was not one (not an emulator?).
        kind: Option<String>,
        /// The `message` of the answer, or the answer itself.
        message: String,
    },
    /// A successful answer that is not the expected JSON.
    #[error("the admin API's answer to {path} is not what this client expects")]
    Decode {
        /// The path called.
        path: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// A client of the admin API of the emulator at a base URL (`http://127.0.0.1:8787`).
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: String,
    http: reqwest::Client,
}

/// A path segment, percent-encoded (spaces as `%20`).
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl AdminClient {
    /// A client of the emulator at `base_url`; checks the URL, connects on first use.
    pub fn new(base_url: &str) -> Result<Self, AdminError> {
        let parsed = url::Url::parse(base_url).map_err(|e| AdminError::InvalidUrl {
            url: base_url.to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(AdminError::NotHttp {
                url: base_url.to_owned(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(AdminError::Client)?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, AdminError> {
        self.send(self.http.get(format!("{}{path}", self.base)), path)
            .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, AdminError> {
        let req = self.http.post(format!("{}{path}", self.base));
        let req = match body {
            Some(b) => req.json(b),
            None => req,
        };
        self.send(req, path).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<T, AdminError> {
        let resp = req.send().await.map_err(|source| AdminError::Unreachable {
            base: self.base.clone(),
            source,
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(AdminError::Reading)?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|source| AdminError::Decode {
                path: path.to_owned(),
                source,
            });
        }
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let message = value["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        Err(AdminError::Refused {
            status,
            kind: value["error"].as_str().map(str::to_owned),
            message,
        })
    }

    /// `GET /admin/api/stats`: what the data plane saw since its start or the last reset.
    pub async fn stats(&self) -> Result<crate::Stats, AdminError> {
        self.get("/admin/api/stats").await
    }

    /// `POST /admin/api/stats/reset`: zeroes the counters and answers the stats after it.
    pub async fn reset_stats(&self) -> Result<crate::Stats, AdminError> {
        self.post("/admin/api/stats/reset", None::<&()>).await
    }

    /// `GET /admin/api`: the account, the version and the endpoints.
    pub async fn index(&self) -> Result<ApiIndex, AdminError> {
        self.get("/admin/api").await
    }

    /// Every integration record, oldest first, without secrets.
    pub async fn integrations(&self) -> Result<Vec<Integration>, AdminError> {
        self.get("/admin/api/integrations").await
    }

    /// Creates an integration record; the answer holds the client secret (shown once).
    pub async fn create_integration(
        &self,
        new: &NewIntegration,
    ) -> Result<Integration, AdminError> {
        self.post("/admin/api/integrations", Some(new)).await
    }

    /// One integration record with its mappings and authorized applications.
    pub async fn integration_details(
        &self,
        client_id: &str,
    ) -> Result<IntegrationDetails, AdminError> {
        self.get(&format!("/admin/api/integrations/{}", segment(client_id)))
            .await
    }

    /// Blocks an integration or, with `blocked = false`, enables it again; the record
    /// afterwards.
    pub async fn set_integration_blocked(
        &self,
        client_id: &str,
        blocked: bool,
    ) -> Result<Option<Integration>, AdminError> {
        let verb = if blocked { "block" } else { "enable" };
        let path = format!("/admin/api/integrations/{}/{verb}", segment(client_id));
        self.post(&path, None::<&()>).await
    }

    /// Every mapping, oldest first.
    pub async fn mappings(&self) -> Result<Vec<Mapping>, AdminError> {
        self.get("/admin/api/mappings").await
    }

    /// Maps a certificate to an integration.
    pub async fn create_mapping(&self, new: &NewMapping) -> Result<Mapping, AdminError> {
        self.post("/admin/api/mappings", Some(new)).await
    }

    /// Revokes a certificate's mappings (only `client_id`'s with `Some`); the revoked
    /// mappings.
    pub async fn revoke_mapping(
        &self,
        certificate_id: &str,
        client_id: Option<&str>,
    ) -> Result<Vec<Mapping>, AdminError> {
        let mut path = format!("/admin/api/mappings/{}/revoke", segment(certificate_id));
        if let Some(c) = client_id {
            path.push_str(&format!("?client_id={}", segment(c)));
        }
        self.post(&path, None::<&()>).await
    }

    /// The authorized applications, newest first.
    pub async fn authorized_apps(&self) -> Result<Vec<AuthorizedApp>, AdminError> {
        self.get("/admin/api/authorizations").await
    }

    /// Revokes an authorized application and its tokens.
    pub async fn revoke_authorized_app(&self, id: i64) -> Result<(), AdminError> {
        let _: Revoked<i64> = self
            .post(
                &format!("/admin/api/authorizations/{id}/revoke"),
                None::<&()>,
            )
            .await?;
        Ok(())
    }

    /// Tokens not yet expired (all on record with `all`), newest first, at most `limit`.
    pub async fn tokens(&self, all: bool, limit: usize) -> Result<Vec<IssuedToken>, AdminError> {
        self.get(&format!("/admin/api/tokens?all={all}&limit={limit}"))
            .await
    }

    /// Revokes a token by `jti` (a refresh token with its chain).
    pub async fn revoke_token(&self, jti: &str) -> Result<(), AdminError> {
        let _: Revoked<String> = self
            .post(
                &format!("/admin/api/tokens/{}/revoke", segment(jti)),
                None::<&()>,
            )
            .await?;
        Ok(())
    }

    /// Audit entries after `after_id` (0: from the start), oldest first, at most `limit`
    /// (the emulator caps it at 10,000).
    pub async fn audit_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, AdminError> {
        self.get(&format!("/admin/api/audit?after={after_id}&limit={limit}"))
            .await
    }

    /// The whole login audit trail, oldest first, read page by page.
    pub async fn audit(&self) -> Result<Vec<AuditEntry>, AdminError> {
        let mut all = Vec::new();
        let mut after = 0_i64;
        loop {
            let page = self.audit_after(after, AUDIT_PAGE).await?;
            let Some(next) = page.last().map(|e| e.id) else {
                break;
            };
            let n = page.len();
            all.extend(page);
            if n < AUDIT_PAGE {
                break;
            }
            after = next;
        }
        Ok(all)
    }
}
