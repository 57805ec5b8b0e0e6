//! An offline NetSuite: the OAuth 2.0 token endpoint (client credentials with a JWT
//! client assertion) and the REST record API, on SQLite.
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
mod audit;
mod clock;
mod demo;
mod error;
mod identifier;
mod integration;
mod mapping;
pub mod oauth;
mod origin;
pub mod record;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use netsuite_auth::account::{AccountId, Endpoints, RECORD_PATH, TOKEN_PATH};
use tokio::sync::Semaphore;

pub use audit::{AuditCode, AuditEntry};
pub use clock::Clock;
pub use error::{ERROR_CONTENT_TYPE, Error, ErrorDetail, INVALID_LOGIN_DETAIL, RestError};
pub use integration::{DEFAULT_SCOPES, Integration, NewIntegration};
pub use mapping::{MAX_ACTIVE_CERTIFICATES, Mapping, NewMapping};
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
}

impl Config {
    /// In memory, no error descriptions, the system clock.
    pub fn new(account: AccountId) -> Self {
        Self {
            account,
            data_dir: None,
            explain_errors: false,
            clock: Clock::system(),
        }
    }
}

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
        let store = store::Store::open(config.data_dir.as_deref())?;
        let now = config.clock.now();
        store.write(|tx| {
            let st = |e| store::storage(store.label(), e);
            store::Store::stamp_version(tx).map_err(st)?;
            access_token::ensure_key(tx, &config.account, now)?;
            if store::Store::meta(tx, "seeded").map_err(st)?.is_none() {
                demo::seed(tx).map_err(st)?;
                store::Store::set_meta_once(tx, "seeded", "1").map_err(st)?;
            }
            access_token::prune(tx, now).map_err(st)?;
            audit::prune(tx).map_err(st)?;
            Ok(())
        })?;
        let signer = access_token::Signer::load(&store)?;
        let netsuite_token_url = Endpoints::for_account(&config.account).token_url();
        Ok(Emulator {
            inner: Arc::new(Inner {
                config,
                store,
                signer,
                netsuite_token_url,
                permits: Arc::new(Semaphore::new(BLOCKING_PERMITS)),
                issued: AtomicU64::new(0),
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
            integration::insert(tx, &integration, new.allow_http_loopback, now)
                .map_err(|e| store::storage(&label, e))
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
/// * `POST /services/rest/auth/oauth2/v1/token`: client credentials with a JWT assertion;
/// * `GET /services/rest/record/v1/{type}/{id}`: one record, with a bearer token.
///
/// Other paths answer 404 with a NetSuite error body.
pub fn app(emulator: Emulator) -> Router {
    Router::new()
        .route(TOKEN_PATH, post(oauth::token::handle))
        .route(
            &format!("{RECORD_PATH}/{{record_type}}/{{id}}"),
            get(record::get),
        )
        .fallback(not_found)
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
    axum::serve(listener, app(emulator))
        .with_graceful_shutdown(shutdown)
        .await
}
