//! An offline NetSuite on SQLite: NetSuite's OAuth 2.0 server (authorize endpoint with
//! login and consent pages, token endpoint for client credentials, authorization code
//! and refresh token, revoke, JWKS and discovery, the certificate rotation API) with a
//! login audit trail, the REST record API, SuiteQL and RESTlets, NetSuite's AI Connector
//! (an MCP server with the Standard Tools, at `/services/mcp/v1/all`), and admin pages.
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
mod server;
mod store;

#[cfg(feature = "remote-client")]
pub use admin::client::{AdminClient, AdminError};
pub use admin::protocol::{ApiError, ApiIndex, IntegrationDetails, Revoked};
pub use clock::Clock;
pub use data::fault::Faults;
pub use data::governance::{
    DEFAULT_CONCURRENCY_LIMIT, GovernanceStats, MAX_CONCURRENCY_LIMIT, MAX_RETRY_AFTER_SECS, Stats,
};
pub use data::record;
pub use data::seed::{DEFAULT_SCALE as DEFAULT_DEMO_SCALE, MAX_SCALE as MAX_DEMO_SCALE};
pub use emulator::{Config, DEFAULT_CODE_TTL_SECS, DEFAULT_SUITEQL_TIME_LIMIT, Emulator};
pub use error::{ERROR_CONTENT_TYPE, Error, ErrorDetail, INVALID_LOGIN_DETAIL, RestError};
pub use oauth::audit::{AuditCode, AuditEntry};
pub use oauth::chain::{AuthorizedApp, IssuedToken, TokenKind};
pub use oauth::integration::{
    ConsentPolicy, DEFAULT_MAX_ROTATION_HOURS, DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS,
    DEFAULT_REFRESH_TOKEN_HOURS, DEFAULT_SCOPES, Integration, MAX_TOKEN_HOURS, NewIntegration,
};
pub use oauth::login::{DEFAULT_EMAIL, DEFAULT_PASSWORD, LoginRole, LoginUser};
pub use oauth::mapping::{MAX_ACTIVE_CERTIFICATES, Mapping, NewMapping};
pub use server::{Timeouts, app, serve, serve_with};
pub use store::DB_FILE;
