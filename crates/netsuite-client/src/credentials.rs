//! Token sources: client credentials (M2M) with a cached token.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::jws::Algorithm;
use netsuite_auth::key::PrivateKey;
use netsuite_auth::token::{client_credentials_request, parse_token_response};

use crate::Error;
use crate::http::send;
use crate::store::{StoredToken, TokenStore};

/// A cached token is renewed when it has less than this many seconds left.
pub const RENEW_BEFORE_SECS: i64 = 300;

/// The current time in unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What the client-credentials grant needs.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// Where the token endpoint is.
    pub endpoints: Endpoints,
    /// The integration's client id (`iss`).
    pub client_id: String,
    /// The certificate id of the M2M mapping (`kid`).
    pub certificate_id: String,
    /// The certificate's private key.
    pub private_key: Arc<PrivateKey>,
    /// The signing algorithm.
    pub algorithm: Algorithm,
    /// Scopes to ask for.
    pub scopes: Vec<String>,
    /// How to write the scope claim.
    pub scope_format: ScopeFormat,
    /// Assertion lifetime in seconds.
    pub assertion_lifetime_secs: u32,
}

impl ClientCredentials {
    /// A string that changes whenever anything that decides the token changes.
    pub fn credentials_id(&self) -> String {
        format!(
            "m2m|{}|{}|{}|{}|{}",
            self.endpoints.token_url(),
            self.client_id,
            self.certificate_id,
            self.algorithm,
            self.scopes.join(",")
        )
    }

    /// Signs an assertion and exchanges it for an access token.
    pub async fn request_token(
        &self,
        http: &reqwest::Client,
        now: i64,
    ) -> Result<StoredToken, Error> {
        let token_url = self.endpoints.token_url();
        let params = AssertionParams {
            client_id: self.client_id.clone(),
            certificate_id: self.certificate_id.clone(),
            scopes: self.scopes.clone(),
            audience: token_url.to_string(),
            algorithm: self.algorithm,
            lifetime_secs: self.assertion_lifetime_secs,
            scope_format: self.scope_format,
        };
        let assertion = params.sign(&self.private_key, now)?;
        let request = client_credentials_request(&token_url, &assertion);
        let response = send(http, request).await?;
        let token = parse_token_response(
            response.status,
            response.content_type.as_deref(),
            response.www_authenticate.as_deref(),
            &response.body,
        )?;
        Ok(StoredToken {
            access_token: token.access_token,
            expires_at: now + token.expires_in as i64,
            obtained_at: now,
            scope: if token.scope.is_empty() {
                self.scopes.clone()
            } else {
                token.scope
            },
            credentials_id: self.credentials_id(),
        })
    }
}

/// Where a token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read from the token store, still valid.
    Cache,
    /// Freshly obtained from the token endpoint.
    Fresh,
}

/// Holds the credentials of one profile and its cached token.
#[derive(Debug)]
pub struct TokenSource {
    credentials: ClientCredentials,
    store: Option<(TokenStore, String)>,
    current: tokio::sync::Mutex<Option<StoredToken>>,
}

impl TokenSource {
    /// A source for `credentials`, caching in `store` under `profile` when given.
    pub fn new(credentials: ClientCredentials, store: Option<(TokenStore, String)>) -> Self {
        Self {
            credentials,
            store,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &ClientCredentials {
        &self.credentials
    }

    /// The stored token when it is still good for more than five minutes, without
    /// any network call (and without building an HTTP client).
    pub async fn cached(&self) -> Result<Option<StoredToken>, Error> {
        let mut current = self.current.lock().await;
        if current.is_none()
            && let Some((store, profile)) = &self.store
        {
            *current = store.load(profile)?;
        }
        Ok(current
            .as_ref()
            .filter(|t| {
                t.credentials_id == self.credentials.credentials_id()
                    && t.remaining(unix_now()) > RENEW_BEFORE_SECS
            })
            .cloned())
    }

    /// A valid token: the cached one when it has more than five minutes left and
    /// `fresh` is false, otherwise a new one (which is then stored).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        fresh: bool,
    ) -> Result<(StoredToken, Origin), Error> {
        if !fresh && let Some(t) = self.cached().await? {
            return Ok((t, Origin::Cache));
        }
        let mut current = self.current.lock().await;
        let now = unix_now();
        let t = self.credentials.request_token(http, now).await?;
        if let Some((store, profile)) = &self.store {
            store.save(profile, &t)?;
        }
        *current = Some(t.clone());
        Ok((t, Origin::Fresh))
    }
}
