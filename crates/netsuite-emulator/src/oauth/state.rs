//! The OAuth plane's state: its settings, the store, the token-signing key, and the
//! library API over integrations, mappings, authorizations, tokens and the audit trail.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::response::Response;
use netsuite_auth::account::{AccountId, Endpoints};

use super::access_token::{self, Signer};
use super::audit::{self, AuditEntry};
use super::bearer::Bearer;
use super::chain::{self, AuthorizedApp, IssuedToken};
use super::integration::{self, Integration, NewIntegration};
use super::login::LoginUser;
use super::mapping::{self, Mapping, NewMapping};
use super::refusal::{Rejection, error_response};
use crate::clock::Clock;
use crate::error::Error;
use crate::store::{self, Store};

/// Issued tokens between two prunings of expired ones.
const PRUNE_EVERY: u64 = 10_000;

/// What the OAuth plane is configured with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The account it pretends to be.
    pub account: AccountId,
    /// The clock it reads.
    pub clock: Clock,
    /// Add `error_description` to token endpoint errors.
    pub explain_errors: bool,
    /// Scripted consent on the authorize endpoint.
    pub auto_approve: bool,
    /// How long an authorization code can be exchanged, in seconds.
    pub code_ttl_secs: i64,
    /// Who can log in on the authorize page.
    pub users: Vec<LoginUser>,
    /// The role scripted consent picks.
    pub auto_approve_role: Option<i64>,
    /// Where links in replies point.
    pub links: crate::origin::LinkBase,
}

struct Inner {
    settings: Settings,
    store: Store,
    signer: Arc<Signer>,
    netsuite_token_url: url::Url,
    issued: AtomicU64,
}

/// The OAuth plane's state. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub(crate) struct OAuthPlane {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OAuthPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthPlane")
            .field("account", &self.inner.settings.account)
            .field("store", &self.inner.store)
            .finish()
    }
}

impl OAuthPlane {
    /// Opens the plane on a migrated store: makes the token-signing key on a fresh
    /// database and forgets expired tokens, flows and old audit entries.
    pub(crate) fn open(store: Store, settings: Settings) -> Result<Self, Error> {
        let now = settings.clock.now();
        store.write(|tx| {
            let st = |e| store::storage(store.label(), e);
            access_token::ensure_key(tx, &settings.account, now)?;
            access_token::prune(tx, now).map_err(st)?;
            audit::prune(tx).map_err(st)?;
            Ok(())
        })?;
        let signer = Arc::new(Signer::load(&store)?);
        let netsuite_token_url = Endpoints::for_account(&settings.account).token_url();
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                store,
                signer,
                netsuite_token_url,
                issued: AtomicU64::new(0),
            }),
        })
    }

    /// The bearer check the data plane and the rotation API use.
    pub(crate) fn bearer(&self) -> Bearer {
        let s = &self.inner.settings;
        Bearer::new(
            self.inner.store.clone(),
            Arc::clone(&self.inner.signer),
            s.account.clone(),
            s.clock.clone(),
            s.explain_errors,
        )
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn account(&self) -> &AccountId {
        &self.inner.settings.account
    }

    /// The base URL of links in the reply to this request.
    pub(crate) fn link_base(
        &self,
        uri: &axum::http::Uri,
        headers: &axum::http::HeaderMap,
    ) -> String {
        self.inner
            .settings
            .links
            .for_request(uri, headers, self.account())
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.settings.clock
    }

    pub(crate) fn explain_errors(&self) -> bool {
        self.inner.settings.explain_errors
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    pub(crate) fn netsuite_token_url(&self) -> &url::Url {
        &self.inner.netsuite_token_url
    }

    /// The key id (`kid` header) of the access tokens this emulator issues.
    pub(crate) fn signing_key_id(&self) -> &str {
        self.inner.signer.kid()
    }

    /// Runs blocking work (SQLite, signatures) on tokio's blocking pool.
    pub(crate) async fn run_blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&OAuthPlane) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.inner.store.run_blocking(self, f).await
    }

    /// Counts an issued token; every [`PRUNE_EVERY`] tokens, forgets tokens that expired
    /// more than a day ago, so that a long-running server's table stays small.
    pub(crate) fn count_issued(&self, now: i64) {
        let n = self.inner.issued.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(PRUNE_EVERY)
            && let Err(e) = self.inner.store.with(|c| access_token::prune(c, now))
        {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
        }
    }

    /// Creates an integration record; the result holds the client secret.
    pub(crate) fn create_integration(&self, new: NewIntegration) -> Result<Integration, Error> {
        let integration = integration::prepare(&new)?;
        let now = self.clock().now();
        let label = self.store().label().to_owned();
        self.store().write(|tx| {
            integration::insert(tx, &integration, now).map_err(|e| store::storage(&label, e))
        })?;
        Ok(integration)
    }

    /// Every integration record, oldest first, without secrets.
    pub(crate) fn list_integrations(&self) -> Result<Vec<Integration>, Error> {
        self.store().with(|c| integration::list(c))
    }

    /// One integration record, without its secret.
    pub(crate) fn integration(&self, client_id: &str) -> Result<Option<Integration>, Error> {
        self.store().with(|c| integration::get(c, client_id))
    }

    /// Blocks an integration or enables it again.
    pub(crate) fn set_integration_blocked(
        &self,
        client_id: &str,
        blocked: bool,
    ) -> Result<(), Error> {
        let found = self
            .store()
            .with(|c| integration::set_enabled(c, client_id, !blocked))?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownClientId {
                client_id: client_id.to_owned(),
            })
        }
    }

    /// Maps a certificate to an integration, refusing what NetSuite refuses.
    pub(crate) fn create_mapping(&self, new: NewMapping) -> Result<Mapping, Error> {
        let now = self.clock().now();
        self.store().write(|tx| mapping::create(tx, &new, now))
    }

    /// Every mapping, oldest first.
    pub(crate) fn list_mappings(&self) -> Result<Vec<Mapping>, Error> {
        self.store().with(|c| mapping::list(c))
    }

    /// Revokes a certificate mapping (all integrations' when `client_id` is `None`)
    /// and the access tokens issued with it; returns the revoked mappings.
    pub(crate) fn revoke_mapping(
        &self,
        certificate_id: &str,
        client_id: Option<&str>,
    ) -> Result<Vec<Mapping>, Error> {
        let label = self.store().label().to_owned();
        let revoked = self.store().write(|tx| {
            mapping::revoke(tx, certificate_id, client_id).map_err(|e| store::storage(&label, e))
        })?;
        if revoked.is_empty() {
            return Err(Error::UnknownCertificate {
                certificate_id: certificate_id.to_owned(),
            });
        }
        Ok(revoked)
    }

    /// The login audit trail, oldest first.
    pub(crate) fn audit(&self) -> Result<Vec<AuditEntry>, Error> {
        self.store().with(|c| audit::list(c))
    }

    /// Audit entries after `after_id` (0: from the start), oldest first, at most `limit`.
    pub(crate) fn audit_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.store().with(|c| audit::list_after(c, after_id, limit))
    }

    /// The authorized applications, newest first.
    pub(crate) fn authorized_apps(&self) -> Result<Vec<AuthorizedApp>, Error> {
        let now = self.clock().now();
        self.store().with(|c| chain::list_authorizations(c, now))
    }

    /// Revokes an authorized application and every token issued under it.
    pub(crate) fn revoke_authorized_app(&self, id: i64) -> Result<(), Error> {
        let label = self.store().label().to_owned();
        let found = self.store().write(|tx| {
            chain::revoke_authorization(tx, id).map_err(|e| store::storage(&label, e))
        })?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownAuthorization { id })
        }
    }

    /// Tokens issued and not yet expired (all on record with `all`), newest first.
    pub(crate) fn tokens(&self, all: bool, limit: usize) -> Result<Vec<IssuedToken>, Error> {
        let now = self.clock().now();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.store()
            .with(|c| chain::list_tokens(c, now, all, limit))
    }

    /// Revokes a token by `jti`: a refresh token with its whole chain, an access token
    /// alone.
    pub(crate) fn revoke_token(&self, jti: &str) -> Result<(), Error> {
        let label = self.store().label().to_owned();
        let found = self
            .store()
            .write(|tx| chain::revoke_jti(tx, jti).map_err(|e| store::storage(&label, e)))?;
        if found {
            Ok(())
        } else {
            Err(Error::UnknownToken {
                jti: jti.to_owned(),
            })
        }
    }

    /// Writes `r` to the audit trail and answers with its JSON error.
    pub(crate) fn refuse(&self, now: i64, r: Rejection) -> Response {
        self.log(now, &r);
        let description = self.explain_errors().then_some(r.detail.as_str());
        error_response(&r.error, description, self.account())
    }

    /// Writes `r` to the audit trail (a failure to write is logged, not answered).
    pub(crate) fn log(&self, now: i64, r: &Rejection) {
        let logged = self
            .store()
            .with(|c| audit::insert(c, now, r.client_id.as_deref(), r.code, &r.detail));
        if let Err(e) = logged {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
        }
    }
}
