//! An offline NetSuite on SQLite: NetSuite's OAuth 2.0 server (authorize endpoint with
//! login and consent pages, token endpoint for client credentials, authorization code
//! and refresh token, revoke, JWKS and discovery, the certificate rotation API) with a
//! login audit trail, the REST record API, SuiteQL and RESTlets, and admin pages.
//!
//! [`Emulator::open`] opens (or creates) the state; [`app`] is the axum router, so
//! tests need no socket; [`serve`] runs it on a listener. Integration records and
//! certificate mappings are created through the library API, possibly from another
//! process on the same data directory while a server runs: every request reads the
//! database.
//!
//! ```
//! use netsuite_auth::account::AccountId;
//! use netsuite_emulator::{Config, Emulator, NewIntegration};
//!
//! let emulator = Emulator::open(Config::new(AccountId::parse("1234567_SB1")?))?;
//! let integration = emulator.create_integration(NewIntegration {
//!     name: "CLI".into(),
//!     m2m: true,
//!     ..Default::default()
//! })?;
//! assert_eq!(integration.client_id.len(), 64);
//! let router = netsuite_emulator::app(emulator);
//! # let _ = router;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod admin;
mod clock;
mod data;
mod emulator;
mod error;
mod html;
pub mod oauth;
mod origin;
mod store;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[cfg(feature = "remote-client")]
pub use admin::client::{AdminClient, AdminError};
pub use admin::protocol::{ApiError, ApiIndex, IntegrationDetails, Revoked};
pub use clock::Clock;
pub use data::fault::Faults;
pub use data::governance::{
    DEFAULT_CONCURRENCY_LIMIT, GovernanceStats, MAX_CONCURRENCY_LIMIT, Stats,
};
pub use data::record;
pub use data::seed::DEFAULT_SCALE as DEFAULT_DEMO_SCALE;
pub use emulator::{Config, DEFAULT_CODE_TTL_SECS, Emulator};
pub use error::{ERROR_CONTENT_TYPE, Error, ErrorDetail, INVALID_LOGIN_DETAIL, RestError};
pub use oauth::audit::{AuditCode, AuditEntry};
pub use oauth::chain::{AuthorizedApp, IssuedToken, TokenKind};
pub use oauth::integration::{
    ConsentPolicy, DEFAULT_MAX_ROTATION_HOURS, DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS,
    DEFAULT_REFRESH_TOKEN_HOURS, DEFAULT_SCOPES, Integration, MAX_TOKEN_HOURS, NewIntegration,
};
pub use oauth::login::{DEFAULT_EMAIL, DEFAULT_PASSWORD, LoginRole, LoginUser};
pub use oauth::mapping::{MAX_ACTIVE_CERTIFICATES, Mapping, NewMapping};
pub use store::DB_FILE;

/// The emulator's HTTP routes, one set per plane:
///
/// * the OAuth plane ([`oauth`]): authorize with its login and consent pages, token,
///   revoke, JWKS and discovery, the certificate rotation API;
/// * the data plane ([`record`] and the rest): the REST record API, SuiteQL, RESTlets,
///   async jobs and governance limits, behind the governance and fault gate;
/// * the admin plane: `/admin/` pages and `/admin/api/` JSON, answered only to
///   loopback clients.
///
/// Other paths answer 404 with a NetSuite error body.
pub fn app(emulator: Emulator) -> Router {
    let governor = std::sync::Arc::clone(emulator.data_plane().governor());
    Router::new()
        .merge(oauth::routes())
        .merge(data::routes())
        .merge(admin::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            governor,
            data::governance::gate,
        ))
        .layer(axum::middleware::from_fn(admin::guard))
        .with_state(emulator)
}

async fn not_found(uri: Uri) -> Response {
    RestError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        format!(
            "The requested resource '{}' does not exist in the emulator.",
            error::truncate(uri.path(), 200)
        ),
    )
    .into_response()
}

/// Serves [`app`] on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn serve(
    emulator: Emulator,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(emulator).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
