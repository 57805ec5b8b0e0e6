//! The OAuth plane: NetSuite's authorization server (the authorize endpoint with its
//! login and consent pages, the token endpoint for client credentials, authorization
//! code and refresh token, the revoke endpoint, the JWKS and OpenID discovery
//! documents, the certificate rotation API), the integration records, certificate
//! mappings, login users and audit trail it reads, and the resource-server half: the
//! bearer check the data plane calls.
//!
//! It imports no other plane. Its state is `state::OAuthPlane`, which handlers take
//! through axum's `FromRef`.

pub(crate) mod access_token;
pub(crate) mod audit;
pub(crate) mod authorize;
pub(crate) mod bearer;
pub(crate) mod chain;
pub(crate) mod client_auth;
pub(crate) mod discovery;
pub(crate) mod grant;
pub(crate) mod identifier;
pub(crate) mod integration;
pub(crate) mod login;
pub(crate) mod mapping;
pub(crate) mod pages;
pub mod pkce;
pub(crate) mod refusal;
pub mod request;
pub(crate) mod revoke;
pub(crate) mod rotation;
pub(crate) mod state;
pub(crate) mod token;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use netsuite_auth::account::{AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH};

pub use refusal::Rejection;
use state::OAuthPlane;

/// The OAuth plane's routes:
///
/// * `GET|POST /app/login/oauth2/authorize.nl`: step one of the authorization code
///   grant, with the login and consent pages;
/// * `POST /services/rest/auth/oauth2/v1/token`: client credentials with a JWT
///   assertion, authorization code, refresh token;
/// * `POST /services/rest/auth/oauth2/v1/revoke`: revokes a refresh token's chain;
/// * `GET /services/rest/auth/oauth2/v1/keys` and `GET /.well-known/openid-configuration`;
/// * `GET|POST /services/rest/auth/oauth2/v1/clients/{client_id}/certificates[/{id}/revoke]`:
///   the 2026.1 certificate rotation API.
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    OAuthPlane: FromRef<S>,
{
    Router::new()
        .route(TOKEN_PATH, post(token::handle))
        .route(REVOKE_PATH, post(revoke::handle))
        .route(AUTHORIZE_PATH, get(authorize::get).post(authorize::post))
        .route(discovery::KEYS_PATH, get(discovery::keys))
        .route(
            discovery::DISCOVERY_PATH,
            get(discovery::openid_configuration),
        )
        .route(
            rotation::CERTIFICATES_PATH,
            get(rotation::list).post(rotation::add),
        )
        .route(rotation::REVOKE_CERTIFICATE_PATH, post(rotation::revoke))
}
