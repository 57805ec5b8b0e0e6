//! The sans-IO core of the NetSuite OAuth 2.0 toolkit.
//!
//! Account ids and the URLs derived from them ([`account`]), compact JWS on
//! aws-lc-rs ([`jws`]), private keys ([`key`]) and certificates ([`cert`]), the
//! client-credentials assertion ([`assertion`]), token requests and responses
//! ([`token`]) with typed error codes ([`error_code`]), id newtypes ([`id`]), and
//! secret newtypes that never print ([`secret`]).
//!
//! Nothing here opens a socket, reads a file or the clock: time comes in as an
//! argument, bytes come in and go out. The only randomness is inside signature
//! generation (PSS salts, ECDSA nonces) and key generation, drawn by aws-lc-rs.
//!
//! ```
//! use netsuite_auth::{account::{AccountId, Endpoints}, assertion::{AssertionParams, ScopeFormat}};
//! use netsuite_auth::{cert, key::PrivateKey};
//! # let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
//! let account = AccountId::parse("1234567_SB1")?;
//! let endpoints = Endpoints::for_account(&account);
//! let generated = cert::generate(cert::KeyType::EcP256, 365, "my integration", now)?;
//! let key = PrivateKey::from_pem(generated.private_key_pem.expose_secret())?;
//! let params = AssertionParams {
//!     client_id: "0123abcd".repeat(8).into(),
//!     certificate_id: "certificate-id-from-netsuite".into(),
//!     scopes: vec!["rest_webservices".into()],
//!     audience: endpoints.token_url().to_string(),
//!     algorithm: key.kind().default_algorithm(),
//!     lifetime_secs: 300,
//!     scope_format: ScopeFormat::Array,
//! };
//! let assertion = params.sign(&key, now.unix_timestamp())?;
//! let request = netsuite_auth::token::client_credentials_request(&endpoints.token_url(), &assertion);
//! assert_eq!(request.uri(), "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token");
//! # Ok::<(), netsuite_auth::Error>(())
//! ```

pub mod account;
mod algorithm;
pub mod assertion;
pub mod authorize;
pub mod cert;
mod error;
pub mod error_code;
pub mod id;
pub mod jws;
pub mod key;
pub mod pkce;
pub mod secret;
pub mod token;

pub use error::Error;
pub use error_code::OAuthErrorCode;
pub use id::{CertificateId, ClientId, RedirectUri};
