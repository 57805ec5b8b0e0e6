//! The emulator as a whole: its configuration, and [`Emulator`], which opens the
//! store and the planes over it and gives the library API. Each plane keeps its own
//! state; the router's handlers take theirs from an `Emulator` through axum's
//! `FromRef`.

use std::path::{Path, PathBuf};

use axum::extract::FromRef;
use netsuite_auth::account::AccountId;

use crate::clock::Clock;
use crate::data::fault::Faults;
use crate::data::governance::{
    DEFAULT_CONCURRENCY_LIMIT, GovernanceStats, MAX_CONCURRENCY_LIMIT, Stats,
};
use crate::data::seed::DEFAULT_SCALE as DEFAULT_DEMO_SCALE;
use crate::data::state::{self as data_state, DataPlane};
use crate::error::Error;
use crate::oauth::audit::AuditEntry;
use crate::oauth::chain::{AuthorizedApp, IssuedToken};
use crate::oauth::integration::{Integration, NewIntegration};
use crate::oauth::login::LoginUser;
use crate::oauth::mapping::{Mapping, NewMapping};
use crate::oauth::state::{self as oauth_state, OAuthPlane};
use crate::store::Store;

/// How long a SuiteQL statement may run by default: 60 s.
pub const DEFAULT_SUITEQL_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

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
    /// The NetSuite data model: tables, record types and code tables
    /// ([`netsuite_suiteql::Model::netsuite`] by default; an extended one in tests).
    pub model: &'static netsuite_suiteql::Model,
    /// How long one SuiteQL statement may run (REST endpoint and admin console)
    /// before it is stopped with a `USER_ERROR`; a statement whose client went
    /// away is stopped at once. Default [`DEFAULT_SUITEQL_TIME_LIMIT`].
    pub suiteql_time_limit: std::time::Duration,
    /// The base URL of links in replies (record hrefs, `Location`, paging links, the
    /// discovery document, the admin pages), e.g. `http://127.0.0.1:8787`: set, a
    /// request's `Host` cannot choose them. `None` (the default, and in-process use):
    /// each request's own origin. `emulator serve` sets it to the URL it listens on.
    pub public_url: Option<String>,
    /// With [`Config::auto_approve`]: the role scripted consent picks (it must be one of
    /// the first user's roles); `None` keeps the user's default (or remembered) role.
    pub auto_approve_role: Option<i64>,
    /// The AI Connector (`/services/mcp/v1/all`) accepts M2M (client credentials)
    /// tokens with scope `mcp`. NetSuite documents only the authorization code grant:
    /// refused by default.
    pub mcp_allow_m2m: bool,
    /// Serve RFC 9728 protected-resource metadata at
    /// `/.well-known/oauth-protected-resource` (unconfirmed for NetSuite: off by default).
    pub mcp_resource_metadata: bool,
    /// Send `WWW-Authenticate: Bearer ...` with the AI Connector's 401s (unconfirmed
    /// for NetSuite: off by default).
    pub mcp_www_authenticate: bool,
    /// Give each `initialize` an `Mcp-Session-Id` and keep sessions (replies then
    /// come as SSE streams). Off by default: every request stands alone, as the
    /// bridges that skip `initialize` expect (unconfirmed for NetSuite).
    pub mcp_sessions: bool,
    /// Answer requests with SSE streams (`text/event-stream`) instead of plain JSON
    /// (unconfirmed for NetSuite: JSON by default).
    pub mcp_sse: bool,
    /// AI Connector tool results carry `structuredContent` besides the JSON text
    /// (unconfirmed for NetSuite, whose bridges read the text: off by default).
    pub mcp_structured_content: bool,
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
            model: netsuite_suiteql::Model::netsuite(),
            suiteql_time_limit: DEFAULT_SUITEQL_TIME_LIMIT,
            public_url: None,
            auto_approve_role: None,
            mcp_allow_m2m: false,
            mcp_resource_metadata: false,
            mcp_www_authenticate: false,
            mcp_sessions: false,
            mcp_sse: false,
            mcp_structured_content: false,
        }
    }
}

/// The scripted consent's role must be one of the first user's roles, and needs
/// scripted consent.
fn check_auto_approve_role(config: &Config) -> Result<(), Error> {
    let Some(role) = config.auto_approve_role else {
        return Ok(());
    };
    if !config.auto_approve {
        return Err(Error::InvalidSettings {
            reason: format!("the auto-approve role {role} is set without auto-approve"),
        });
    }
    match config.users.first() {
        Some(user) if user.has_role(role) => Ok(()),
        Some(user) => Err(Error::InvalidSettings {
            reason: format!(
                "the auto-approve role {role} is not one of {}'s roles ({})",
                user.email,
                user.roles
                    .iter()
                    .map(|r| format!("{} {}", r.id, r.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
        None => Err(Error::InvalidSettings {
            reason: format!("the auto-approve role {role} is set, but there are no users"),
        }),
    }
}

/// Authorization codes live 10 minutes unless configured otherwise.
pub const DEFAULT_CODE_TTL_SECS: i64 = 600;

/// A running emulator's state: the OAuth plane and the data plane over one store.
/// Cheap to clone (`Arc`s inside).
#[derive(Clone)]
pub struct Emulator {
    oauth: OAuthPlane,
    data: DataPlane,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("account", self.account())
            .field("store", &self.oauth.store().label())
            .field("explain_errors", &self.explain_errors())
            .field("clock", self.clock())
            .finish()
    }
}

impl FromRef<Emulator> for OAuthPlane {
    fn from_ref(emulator: &Emulator) -> Self {
        emulator.oauth.clone()
    }
}

impl FromRef<Emulator> for DataPlane {
    fn from_ref(emulator: &Emulator) -> Self {
        emulator.data.clone()
    }
}

impl Emulator {
    /// Opens the emulator: creates `DIR` (mode 0700) and `DIR/emulator.sqlite3` (0600,
    /// WAL) when missing, brings its schema up to date, and on first open makes the
    /// token-signing key and the demo records.
    pub fn open(config: Config) -> Result<Emulator, Error> {
        if !(1..=MAX_CONCURRENCY_LIMIT).contains(&config.concurrency_limit) {
            return Err(Error::InvalidSettings {
                reason: format!(
                    "the concurrency limit must be between 1 and {MAX_CONCURRENCY_LIMIT}, not {}",
                    config.concurrency_limit
                ),
            });
        }
        if config.demo_scale > crate::data::seed::MAX_SCALE {
            return Err(Error::InvalidSettings {
                reason: format!(
                    "the demo scale must be at most {} transactions, not {}",
                    crate::data::seed::MAX_SCALE,
                    config.demo_scale
                ),
            });
        }
        crate::data::governance::check_retry_after(config.retry_after_secs)?;
        check_auto_approve_role(&config)?;
        config
            .faults
            .validate()
            .map_err(|reason| Error::InvalidSettings { reason })?;
        let links = crate::origin::LinkBase::new(config.public_url.as_deref())
            .map_err(|reason| Error::InvalidSettings { reason })?;
        let store = Store::open(config.data_dir.as_deref(), config.model)?;
        let oauth = OAuthPlane::open(
            store.clone(),
            oauth_state::Settings {
                account: config.account.clone(),
                clock: config.clock.clone(),
                explain_errors: config.explain_errors,
                auto_approve: config.auto_approve,
                code_ttl_secs: config.code_ttl_secs,
                users: config.users,
                auto_approve_role: config.auto_approve_role,
                links: links.clone(),
            },
        )?;
        let data = DataPlane::open(
            store,
            oauth.bearer(),
            data_state::Settings {
                account: config.account,
                clock: config.clock,
                demo: config.demo,
                demo_scale: config.demo_scale,
                concurrency_limit: config.concurrency_limit,
                retry_after_secs: config.retry_after_secs,
                faults: config.faults,
                model: config.model,
                suiteql_time_limit: config.suiteql_time_limit,
                links,
                mcp: crate::data::mcp::front::Settings {
                    allow_m2m: config.mcp_allow_m2m,
                    resource_metadata: config.mcp_resource_metadata,
                    www_authenticate: config.mcp_www_authenticate,
                    sessions: config.mcp_sessions,
                    sse: config.mcp_sse,
                    structured_content: config.mcp_structured_content,
                },
            },
        )?;
        Ok(Emulator { oauth, data })
    }

    pub(crate) fn data_plane(&self) -> &DataPlane {
        &self.data
    }

    /// The account this emulator is.
    pub fn account(&self) -> &AccountId {
        self.oauth.account()
    }

    /// The clock it reads.
    pub fn clock(&self) -> &Clock {
        self.oauth.clock()
    }

    /// Whether token endpoint errors carry `error_description`.
    pub fn explain_errors(&self) -> bool {
        self.oauth.explain_errors()
    }

    /// The database file, or `None` in memory.
    pub fn database_path(&self) -> Option<&Path> {
        self.oauth.store().path()
    }

    /// The key id (`kid` header) of the access tokens this emulator issues.
    pub fn signing_key_id(&self) -> &str {
        self.oauth.signing_key_id()
    }

    /// Creates an integration record; the result holds the client secret, which is
    /// never shown again.
    pub fn create_integration(&self, new: NewIntegration) -> Result<Integration, Error> {
        self.oauth.create_integration(new)
    }

    /// One integration record (without its secret) with its certificate mappings and
    /// authorized applications.
    pub fn integration_details(
        &self,
        client_id: &str,
    ) -> Result<crate::admin::protocol::IntegrationDetails, Error> {
        self.oauth.integration_details(client_id)
    }

    /// Every integration record, oldest first, without secrets.
    pub fn list_integrations(&self) -> Result<Vec<Integration>, Error> {
        self.oauth.list_integrations()
    }

    /// Maps a certificate to an integration with the M2M grant, a role and an entity,
    /// refusing what NetSuite refuses: an unknown client id, an integration without
    /// M2M, a key other than RSA 3072/4096 or EC P-256/384/521, a validity over two
    /// years, an expired certificate, input that is not a certificate, a sixth active
    /// certificate, or the same certificate twice.
    pub fn create_mapping(&self, new: NewMapping) -> Result<Mapping, Error> {
        self.oauth.create_mapping(new)
    }

    /// Every mapping, oldest first.
    pub fn list_mappings(&self) -> Result<Vec<Mapping>, Error> {
        self.oauth.list_mappings()
    }

    /// The login audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, Error> {
        self.oauth.audit()
    }

    /// Audit entries after `after_id` (0: from the start), oldest first, at most `limit`.
    pub fn audit_after(&self, after_id: i64, limit: usize) -> Result<Vec<AuditEntry>, Error> {
        self.oauth.audit_after(after_id, limit)
    }

    /// One integration record, without its secret.
    pub fn integration(&self, client_id: &str) -> Result<Option<Integration>, Error> {
        self.oauth.integration(client_id)
    }

    /// Blocks an integration (its tokens stop working and it gets no new ones) or, with
    /// `blocked = false`, enables it again.
    pub fn set_integration_blocked(&self, client_id: &str, blocked: bool) -> Result<(), Error> {
        self.oauth.set_integration_blocked(client_id, blocked)
    }

    /// Revokes a certificate mapping (all integrations' mappings of that certificate
    /// id when `client_id` is `None`) and the access tokens issued with it; returns
    /// the revoked mappings.
    pub fn revoke_mapping(
        &self,
        certificate_id: &str,
        client_id: Option<&str>,
    ) -> Result<Vec<Mapping>, Error> {
        self.oauth.revoke_mapping(certificate_id, client_id)
    }

    /// The authorized applications (consents given on the authorize page), newest first.
    pub fn authorized_apps(&self) -> Result<Vec<AuthorizedApp>, Error> {
        self.oauth.authorized_apps()
    }

    /// Revokes an authorized application: every refresh and access token issued under
    /// it stops working, and the user is asked for consent again.
    pub fn revoke_authorized_app(&self, id: i64) -> Result<(), Error> {
        self.oauth.revoke_authorized_app(id)
    }

    /// Tokens issued and not yet expired (all on record with `all`), newest first, at
    /// most `limit`.
    pub fn tokens(&self, all: bool, limit: usize) -> Result<Vec<IssuedToken>, Error> {
        self.oauth.tokens(all, limit)
    }

    /// Revokes a token by `jti`: a refresh token with its whole chain, an access token
    /// alone.
    pub fn revoke_token(&self, jti: &str) -> Result<(), Error> {
        self.oauth.revoke_token(jti)
    }

    /// The fault injection settings in force.
    pub fn faults(&self) -> Faults {
        self.data.faults()
    }

    /// Replaces the fault injection settings; the sequence of decisions restarts, so
    /// a seed gives the same faults from here on.
    pub fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        self.data.set_faults(faults)
    }

    /// The account concurrency limit.
    pub fn concurrency_limit(&self) -> u32 {
        self.data.concurrency_limit()
    }

    /// Changes the account concurrency limit (1 to [`MAX_CONCURRENCY_LIMIT`]); requests
    /// in flight keep their slots.
    pub fn set_concurrency_limit(&self, limit: u32) -> Result<(), Error> {
        self.data.set_concurrency_limit(limit)
    }

    /// Sends `Retry-After: secs` with 429s (NetSuite's behaviour is unconfirmed; none
    /// by default); at most [`crate::MAX_RETRY_AFTER_SECS`].
    pub fn set_retry_after(&self, secs: Option<u64>) -> Result<(), Error> {
        self.data.set_retry_after(secs)
    }

    /// SuiteQL statements running now (a statement whose client went away, or that
    /// ran past [`Config::suiteql_time_limit`], stops within milliseconds).
    pub fn suiteql_running(&self) -> usize {
        self.data
            .running_statements()
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Governance counters and settings.
    pub fn governance(&self) -> GovernanceStats {
        self.data.governance()
    }

    /// Zeroes the counters (the peak restarts from the requests in flight now).
    pub fn reset_governance_counters(&self) {
        self.data.reset_governance_counters();
    }

    /// What the data plane saw since the start or the last reset: requests, in flight
    /// now and at peak, 429s and RESTlet limit errors answered (`GET /admin/api/stats`).
    pub fn stats(&self) -> Stats {
        self.data.stats()
    }
}
