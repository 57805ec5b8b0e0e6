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

mod access_token;
mod admin;
mod async_job;
mod audit;
mod clock;
mod demo;
mod error;
mod fault;
mod governance;
mod html;
mod identifier;
mod integration;
mod login;
mod mapping;
pub mod oauth;
mod origin;
pub mod record;
mod rest;
mod restlet;
mod rotation;
mod store;
mod suiteql;
mod total_results;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use netsuite_auth::account::{
    AUTHORIZE_PATH, AccountId, Endpoints, RESTLET_PATH, REVOKE_PATH, SUITEQL_PATH, TOKEN_PATH,
};
use tokio::sync::Semaphore;

#[cfg(feature = "remote-client")]
pub use admin::client::{AdminClient, AdminError};
pub use admin::protocol::{ApiError, ApiIndex, IntegrationDetails, Revoked};
pub use audit::{AuditCode, AuditEntry};
pub use clock::Clock;
pub use demo::DEFAULT_SCALE as DEFAULT_DEMO_SCALE;
pub use error::{ERROR_CONTENT_TYPE, Error, ErrorDetail, INVALID_LOGIN_DETAIL, RestError};
pub use fault::Faults;
pub use governance::{DEFAULT_CONCURRENCY_LIMIT, GovernanceStats, MAX_CONCURRENCY_LIMIT};
pub use integration::{
    ConsentPolicy, DEFAULT_MAX_ROTATION_HOURS, DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS,
    DEFAULT_REFRESH_TOKEN_HOURS, DEFAULT_SCOPES, Integration, MAX_TOKEN_HOURS, NewIntegration,
};
pub use login::{DEFAULT_EMAIL, DEFAULT_PASSWORD, LoginRole, LoginUser};
pub use mapping::{MAX_ACTIVE_CERTIFICATES, Mapping, NewMapping};
pub use oauth::chain::{AuthorizedApp, IssuedToken, TokenKind};
pub use store::DB_FILE;

/// How to open an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account it pretends to be (realm form, e.g. `1234567_SB1`).
    pub account: AccountId,
    /// Where `emulator.sqlite3` lives; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Add `error_description` to token endpoint errors, naming the cause. NetSuite
    /// sends none; off by default.
    pub explain_errors: bool,
    /// The clock (system by default; fixed in tests).
    pub clock: Clock,
    /// Scripted consent: the authorize endpoint takes the first of [`Config::users`] as
    /// logged in and clicking Allow, and redirects with a code at once (`prompt=none`
    /// still answers `consent_required` where NetSuite would need to ask). Off by default.
    pub auto_approve: bool,
    /// How long an authorization code can be exchanged, in seconds (default 600).
    pub code_ttl_secs: i64,
    /// Who can log in on the authorize page (default: [`LoginUser::default_admin`],
    /// `admin@example.com` / `emulator`).
    pub users: Vec<LoginUser>,
    /// Load the deterministic demo data (subsidiaries, employees, customers, contacts,
    /// items, sales orders and invoices) on open. On by default.
    pub demo: bool,
    /// Demo transactions to have (sales orders and invoices numbered from 301; order
    /// 304 is always there). Growing it on a later open adds the missing ones.
    pub demo_scale: u64,
    /// The account concurrency limit shared by REST, SuiteQL and RESTlets (default 5).
    pub concurrency_limit: u32,
    /// `Retry-After` seconds on 429s (none by default; NetSuite's is unconfirmed).
    pub retry_after_secs: Option<u64>,
    /// Fault injection on the data plane (none by default).
    pub faults: Faults,
}

impl Config {
    /// In memory, no error descriptions, the system clock.
    pub fn new(account: AccountId) -> Self {
        Self {
            account,
            data_dir: None,
            explain_errors: false,
            clock: Clock::system(),
            auto_approve: false,
            code_ttl_secs: DEFAULT_CODE_TTL_SECS,
            users: vec![LoginUser::default_admin()],
            demo: true,
            demo_scale: DEFAULT_DEMO_SCALE,
            concurrency_limit: DEFAULT_CONCURRENCY_LIMIT,
            retry_after_secs: None,
            faults: Faults::none(),
        }
    }
}

/// Authorization codes live 10 minutes unless configured otherwise.
pub const DEFAULT_CODE_TTL_SECS: i64 = 600;

/// Blocking work (SQLite, signatures) allowed at once; also bounds the connection pool.
const BLOCKING_PERMITS: usize = store::MAX_IDLE;

/// Issued tokens between two prunings of expired ones.
const PRUNE_EVERY: u64 = 10_000;

struct Inner {
    config: Config,
    store: store::Store,
    signer: access_token::Signer,
    netsuite_token_url: url::Url,
    permits: Arc<Semaphore>,
    issued: AtomicU64,
    governor: governance::Governor,
    counts: rest::Counts,
}

/// A running emulator's state. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("account", &self.inner.config.account)
            .field("store", &self.inner.store.label())
            .field("explain_errors", &self.inner.config.explain_errors)
            .field("clock", &self.inner.config.clock)
            .finish()
    }
}

impl Emulator {
    /// Opens the emulator: creates `DIR` (mode 0700) and `DIR/emulator.sqlite3` (0600,
    /// WAL) when missing, and on first open the token-signing key and the demo records.
    pub fn open(config: Config) -> Result<Emulator, Error> {
        if !(1..=MAX_CONCURRENCY_LIMIT).contains(&config.concurrency_limit) {
            return Err(Error::InvalidSettings {
                reason: format!(
                    "the concurrency limit must be between 1 and {MAX_CONCURRENCY_LIMIT}, not {}",
                    config.concurrency_limit
                ),
            });
        }
        config
            .faults
            .validate()
            .map_err(|reason| Error::InvalidSettings { reason })?;
        let store = store::Store::open(config.data_dir.as_deref())?;
        let now = config.clock.now();
        store.write(|tx| {
            let st = |e| store::storage(store.label(), e);
            store::Store::stamp_version(tx).map_err(st)?;
            oauth::schema::migrate(tx).map_err(st)?;
            access_token::ensure_key(tx, &config.account, now)?;
            demo::open(tx, config.demo, config.demo_scale).map_err(st)?;
            access_token::prune(tx, now).map_err(st)?;
            audit::prune(tx).map_err(st)?;
            Ok(())
        })?;
        let signer = access_token::Signer::load(&store)?;
        let netsuite_token_url = Endpoints::for_account(&config.account).token_url();
        Ok(Emulator {
            inner: Arc::new(Inner {
                store,
                signer,
                netsuite_token_url,
                permits: Arc::new(Semaphore::new(BLOCKING_PERMITS)),
                issued: AtomicU64::new(0),
                governor: governance::Governor::new(
                    config.concurrency_limit,
                    config.retry_after_secs,
                    config.faults.clone(),
                ),
                counts: rest::Counts::default(),
                config,
            }),
        })
    }

    /// The account this emulator is.
    pub fn account(&self) -> &AccountId {
        &self.inner.config.account
    }

    /// The clock it reads.
    pub fn clock(&self) -> &Clock {
        &self.inner.config.clock
    }

    /// Whether token endpoint errors carry `error_description`.
    pub fn explain_errors(&self) -> bool {
        self.inner.config.explain_errors
    }

    /// The database file, or `None` in memory.
    pub fn database_path(&self) -> Option<&Path> {
        self.inner.store.path()
    }

    /// The key id (`kid` header) of the access tokens this emulator issues.
    pub fn signing_key_id(&self) -> &str {
        self.inner.signer.kid()
    }

    /// Creates an integration record; the result holds the client secret, which is
    /// never shown again.
    pub fn create_integration(&self, new: NewIntegration) -> Result<Integration, Error> {
        let integration = integration::prepare(&new)?;
        let now = self.clock().now();
        let label = self.inner.store.label().to_owned();
        self.inner.store.write(|tx| {
            integration::insert(tx, &integration, now).map_err(|e| store::storage(&label, e))
        })?;
        Ok(integration)
    }

    /// Every integration record, oldest first, without secrets.
    pub fn list_integrations(&self) -> Result<Vec<Integration>, Error> {
        self.inner.store.with(|c| integration::list(c))
    }

    /// Maps a certificate to an integration with the M2M grant, a role and an entity,
    /// refusing what NetSuite refuses: an unknown client id, an integration without
    /// M2M, a key other than RSA 3072/4096 or EC P-256/384/521, a validity over two
    /// years, an expired certificate, input that is not a certificate, a sixth active
    /// certificate, or the same certificate twice.
    pub fn create_mapping(&self, new: NewMapping) -> Result<Mapping, Error> {
        let now = self.clock().now();
        self.inner.store.write(|tx| mapping::create(tx, &new, now))
    }

    /// Every mapping, oldest first.
    pub fn list_mappings(&self) -> Result<Vec<Mapping>, Error> {
        self.inner.store.with(|c| mapping::list(c))
    }

    /// The login audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, Error> {
        self.inner.store.with(|c| audit::list(c))
    }

    /// Audit entries after `after_id` (0: from the start), oldest first, at most `limit`.
    pub fn audit_after(&self, after_id: i64, limit: usize) -> Result<Vec<AuditEntry>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.inner
            .store
            .with(|c| audit::list_after(c, after_id, limit))
    }

    /// One integration record, without its secret.
    pub fn integration(&self, client_id: &str) -> Result<Option<Integration>, Error> {
        self.inner.store.with(|c| integration::get(c, client_id))
    }

    /// Blocks an integration (its tokens stop working and it gets no new ones) or, with
    /// `blocked = false`, enables it again.
    pub fn set_integration_blocked(&self, client_id: &str, blocked: bool) -> Result<(), Error> {
        let found = self
            .inner
            .store
            .with(|c| integration::set_enabled(c, client_id, !blocked))?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownClientId {
                client_id: client_id.to_owned(),
            })
        }
    }

    /// Revokes a certificate mapping (all integrations' mappings of that certificate
    /// id when `client_id` is `None`) and the access tokens issued with it; returns
    /// the revoked mappings.
    pub fn revoke_mapping(
        &self,
        certificate_id: &str,
        client_id: Option<&str>,
    ) -> Result<Vec<Mapping>, Error> {
        let label = self.inner.store.label().to_owned();
        let revoked = self.inner.store.write(|tx| {
            mapping::revoke(tx, certificate_id, client_id).map_err(|e| store::storage(&label, e))
        })?;
        if revoked.is_empty() {
            return Err(Error::UnknownCertificate {
                certificate_id: certificate_id.to_owned(),
            });
        }
        Ok(revoked)
    }

    /// The authorized applications (consents given on the authorize page), newest first.
    pub fn authorized_apps(&self) -> Result<Vec<AuthorizedApp>, Error> {
        let now = self.clock().now();
        self.inner
            .store
            .with(|c| oauth::chain::list_authorizations(c, now))
    }

    /// Revokes an authorized application: every refresh and access token issued under
    /// it stops working, and the user is asked for consent again.
    pub fn revoke_authorized_app(&self, id: i64) -> Result<(), Error> {
        let label = self.inner.store.label().to_owned();
        let found = self.inner.store.write(|tx| {
            oauth::chain::revoke_authorization(tx, id).map_err(|e| store::storage(&label, e))
        })?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownAuthorization { id })
        }
    }

    /// Tokens issued and not yet expired (all on record with `all`), newest first, at
    /// most `limit`.
    pub fn tokens(&self, all: bool, limit: usize) -> Result<Vec<IssuedToken>, Error> {
        let now = self.clock().now();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.inner
            .store
            .with(|c| oauth::chain::list_tokens(c, now, all, limit))
    }

    /// Revokes a token by `jti`: a refresh token with its whole chain, an access token
    /// alone.
    pub fn revoke_token(&self, jti: &str) -> Result<(), Error> {
        let label = self.inner.store.label().to_owned();
        let found = self
            .inner
            .store
            .write(|tx| oauth::chain::revoke_jti(tx, jti).map_err(|e| store::storage(&label, e)))?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownToken {
                jti: jti.to_owned(),
            })
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn store(&self) -> &store::Store {
        &self.inner.store
    }

    pub(crate) fn signer(&self) -> &access_token::Signer {
        &self.inner.signer
    }

    /// Counts an issued token; every [`PRUNE_EVERY`] tokens, forgets tokens that expired
    /// more than a day ago, so that a long-running server's table stays small.
    pub(crate) fn count_issued(&self, now: i64) {
        let n = self.inner.issued.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(PRUNE_EVERY)
            && let Err(e) = self.inner.store.with(|c| access_token::prune(c, now))
        {
            eprintln!("netsuite-emulator: {}", error::chain(&e));
        }
    }

    pub(crate) fn netsuite_token_url(&self) -> &url::Url {
        &self.inner.netsuite_token_url
    }

    /// Runs blocking work (SQLite, signatures) on tokio's blocking pool, a bounded
    /// number at a time; never holds a lock across an await.
    pub(crate) async fn run_blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&Emulator) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal {
                reason: "the request limiter was closed".into(),
            })?;
        let emu = self.clone();
        tokio::task::spawn_blocking(move || {
            let out = f(&emu);
            drop(permit);
            out
        })
        .await
        .map_err(|e| Error::Internal {
            reason: format!("a request handler stopped: {e}"),
        })?
    }
}

/// The emulator's HTTP routes:
///
/// * `GET|POST /app/login/oauth2/authorize.nl`: step one of the authorization code
///   grant, with the login and consent pages ([`oauth`]);
/// * `POST /services/rest/auth/oauth2/v1/token`: client credentials with a JWT
///   assertion, authorization code, refresh token;
/// * `POST /services/rest/auth/oauth2/v1/revoke`: revokes a refresh token's chain;
/// * `GET /services/rest/auth/oauth2/v1/keys` and `GET /.well-known/openid-configuration`;
/// * `GET|POST /services/rest/auth/oauth2/v1/clients/{client_id}/certificates[/{id}/revoke]`:
///   the 2026.1 certificate rotation API;
/// * `/admin/` pages and `/admin/api/` JSON, answered only to loopback clients;
/// * the REST record API, SuiteQL, RESTlets, async jobs and governance ([`record`]).
///
/// Other paths answer 404 with a NetSuite error body.
pub fn app(emulator: Emulator) -> Router {
    Router::new()
        .route(TOKEN_PATH, post(oauth::token::handle))
        .route(REVOKE_PATH, post(oauth::revoke::handle))
        .route(
            AUTHORIZE_PATH,
            get(oauth::authorize::get).post(oauth::authorize::post),
        )
        .route(oauth::discovery::KEYS_PATH, get(oauth::discovery::keys))
        .route(
            oauth::discovery::DISCOVERY_PATH,
            get(oauth::discovery::openid_configuration),
        )
        .route(
            rotation::CERTIFICATES_PATH,
            get(rotation::list).post(rotation::add),
        )
        .route(rotation::REVOKE_CERTIFICATE_PATH, post(rotation::revoke))
        .merge(admin::routes())
        .merge(record::routes())
        .merge(async_job::routes())
        .route(SUITEQL_PATH, axum::routing::any(suiteql::handle))
        .route(RESTLET_PATH, axum::routing::any(restlet::handle))
        .route(
            "/services/rest/system/v1/governanceLimits",
            get(governance::limits),
        )
        .route(
            "/admin/api/faults",
            get(governance::get_faults).put(governance::put_faults),
        )
        .route(
            "/admin/api/governance",
            get(governance::get_governance).put(governance::put_governance),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            emulator.clone(),
            governance::gate,
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
            audit::truncate(uri.path(), 200)
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
