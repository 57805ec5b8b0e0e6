//! Async I/O for NetSuite on reqwest: token sources that hold and renew tokens, the
//! token store, and the REST record API.
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
pub mod http;
pub mod keyring_key;
pub mod record;
pub mod store;

use std::sync::Arc;

use netsuite_auth::account::Endpoints;
use serde_json::Value;
use url::Url;

pub use credentials::{
    AuthCode, CONFIDENTIAL_REFRESH_SECS, ClientCredentials, Grant, Origin, PendingLogin,
    RENEW_BEFORE_SECS, TokenSource, unix_now,
};
pub use error::{ApiError, Error, ErrorDetail};

/// A NetSuite client for one profile: it owns the credentials, obtains and renews
/// tokens, and retries once with a new token when a call answers 401.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    source: Arc<TokenSource>,
}

impl Client {
    /// A client with a default HTTP client.
    pub fn new(source: TokenSource) -> Result<Self, Error> {
        Ok(Self::with_http(http::http_client()?, source))
    }

    /// A client over an existing reqwest client.
    pub fn with_http(http: reqwest::Client, source: TokenSource) -> Self {
        Self {
            http,
            source: Arc::new(source),
        }
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

    /// GETs `url` with the bearer token and returns the JSON body; one 401 renews the
    /// token and retries once.
    pub async fn get_json(&self, url: Url) -> Result<Value, Error> {
        let mut fresh = false;
        loop {
            let (token, _) = self.source.token(&self.http, fresh).await?;
            let req = self
                .http
                .get(url.clone())
                .bearer_auth(token.access_token.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json")
                .build()
                .map_err(|e| Error::Connect {
                    url: url.to_string(),
                    source: e,
                })?;
            let resp = http::execute(&self.http, req).await?;
            let result = resp.json(url.as_str());
            match result {
                Err(e) if e.is_unauthorized() && !fresh => {
                    fresh = true;
                }
                other => return other,
            }
        }
    }
}
