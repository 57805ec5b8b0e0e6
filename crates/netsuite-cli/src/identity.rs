//! Who a command acts as: a profile of `config.toml`, `NETSUITE_*` environment
//! variables, or both. Each setting comes from its flag, else its environment
//! variable, else the profile (flag > environment > profile). With no profile named
//! and an account plus a client id (or a ready access token) in the environment, no
//! config file is read at all: that is how CI jobs and containers run.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::Result;
use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::assertion::{ScopeFormat, split_scopes, validate_scopes};
use netsuite_auth::key::PrivateKey;
use netsuite_auth::secret::{AccessToken, ClientSecret, RefreshToken};
use netsuite_client::store::{StoredToken, TokenStore};
use netsuite_client::{Client, TokenSource};

use crate::config::{Config, Flow, Profile};
use crate::error::{HintContext, UserError};

/// `--no-cache`: tokens live in memory only.
static NO_CACHE: OnceLock<bool> = OnceLock::new();

/// `--allow-insecure-http`: a cleartext base URL to another host is allowed.
static ALLOW_INSECURE_HTTP: OnceLock<bool> = OnceLock::new();

/// Records `--allow-insecure-http` for this process.
pub fn set_allow_insecure_http(allow: bool) {
    let _ = ALLOW_INSECURE_HTTP.set(allow);
}

/// Refuses a base URL with plain `http://` to a host that is not loopback (client
/// assertions, client secrets, codes, PKCE verifiers and tokens would cross the
/// network in clear), unless `--allow-insecure-http` was given: then it warns, once
/// per run.
pub fn check_cleartext(base_url: Option<&str>) -> Result<()> {
    let Some(url) = base_url.and_then(|b| url::Url::parse(b).ok()) else {
        return Ok(());
    };
    if url.scheme() != "http" || is_loopback_host(&url) {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    if !ALLOW_INSECURE_HTTP.get().copied().unwrap_or(false) {
        return Err(UserError::usage(format!(
            "the base URL {url} is cleartext http to {host}, which is not this machine: assertions, secrets and tokens would cross the network unencrypted"
        ))
        .hint("use https://, or pass --allow-insecure-http if the network is trusted (a test lab)")
        .into());
    }
    static WARNED: OnceLock<()> = OnceLock::new();
    if WARNED.set(()).is_ok() {
        eprintln!(
            "warning: --allow-insecure-http: sending credentials and tokens to {host} over unencrypted http"
        );
    }
    Ok(())
}

/// Whether the URL's host is this machine: `localhost`, or a loopback address.
fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// Records `--no-cache` for this process.
pub fn set_no_cache(no_cache: bool) {
    let _ = NO_CACHE.set(no_cache);
}

/// The `NETSUITE_*` identity variables that are set (empty counts as unset).
#[derive(Default)]
pub struct EnvIdentity {
    account: Option<String>,
    client_id: Option<String>,
    certificate_id: Option<String>,
    private_key: Option<String>,
    private_key_file: Option<PathBuf>,
    scope: Option<String>,
    algorithm: Option<String>,
    base_url: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    access_token: Option<String>,
}

impl std::fmt::Debug for EnvIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvIdentity")
            .field("account", &self.account)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl EnvIdentity {
    /// Reads the variables.
    pub fn read() -> Self {
        Self {
            account: var("NETSUITE_ACCOUNT"),
            client_id: var("NETSUITE_CLIENT_ID"),
            certificate_id: var("NETSUITE_CERTIFICATE_ID"),
            private_key: var("NETSUITE_PRIVATE_KEY"),
            private_key_file: var("NETSUITE_PRIVATE_KEY_FILE").map(PathBuf::from),
            scope: var("NETSUITE_SCOPE"),
            algorithm: var("NETSUITE_ALGORITHM"),
            base_url: var("NETSUITE_BASE_URL"),
            client_secret: var("NETSUITE_CLIENT_SECRET"),
            refresh_token: var("NETSUITE_REFRESH_TOKEN"),
            access_token: var("NETSUITE_ACCESS_TOKEN"),
        }
    }

    /// Enough to act with no profile: an account and a client id, or an access token.
    fn complete(&self) -> bool {
        self.account.is_some() && (self.client_id.is_some() || self.access_token.is_some())
    }

    /// The grant the variables describe when there is no profile.
    fn flow(&self) -> Flow {
        if self.certificate_id.is_some()
            || self.private_key.is_some()
            || self.private_key_file.is_some()
        {
            Flow::ClientCredentials
        } else if self.refresh_token.is_some() || self.client_secret.is_some() {
            Flow::AuthCode
        } else {
            Flow::ClientCredentials
        }
    }
}

/// The identity a command acts as.
pub struct Identity {
    /// The config (empty when the environment alone describes the identity).
    pub config: Config,
    /// The profile's name, or `env`.
    pub name: String,
    /// Whether the environment alone describes the identity (no profile).
    pub from_env: bool,
    /// The settings, with the environment applied over the profile's.
    pub profile: Profile,
    key_pem: Option<String>,
    client_secret: Option<ClientSecret>,
    refresh_token: Option<String>,
    access_token: Option<String>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("from_env", &self.from_env)
            .finish_non_exhaustive()
    }
}

/// Resolves the identity for `requested` (the `--profile` flag or `NETSUITE_PROFILE`).
pub fn resolve(requested: Option<&str>) -> Result<Identity> {
    resolve_with(requested, false)
}

/// [`resolve`] for commands that run on and renew tokens (`proxy`, `exec`): a ready
/// `NETSUITE_ACCESS_TOKEN` (perhaps inherited from an outer `netsuite exec`) is
/// used only when no grant is described.
pub fn resolve_renewable(requested: Option<&str>) -> Result<Identity> {
    resolve_with(requested, true)
}

fn resolve_with(requested: Option<&str>, renewable: bool) -> Result<Identity> {
    let mut env = EnvIdentity::read();
    let env_only = requested.is_none() && env.complete();
    let config = match Config::load() {
        Ok(c) => c,
        // An unreadable config directory does not matter when nothing is read from it.
        Err(_) if env_only => Config::empty(crate::config::config_dir().unwrap_or_default()),
        Err(e) => return Err(e),
    };
    let (name, base) = if env_only {
        ("env".to_owned(), None)
    } else {
        let (n, p) = config.resolve(requested)?;
        (n, Some(p.clone()))
    };
    let from_env = base.is_none();
    if renewable && (!from_env || env.client_id.is_some()) {
        env.access_token = None;
    }
    let mut profile = base.unwrap_or_else(|| Profile {
        flow: env.flow(),
        account: String::new(),
        client_id: String::new(),
        certificate_id: None,
        private_key: None,
        algorithm: None,
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: ScopeFormat::Array,
        public: env.client_secret.is_none(),
        // A refresh needs no redirect; this one is never sent to a browser.
        redirect_uri: Some("https://127.0.0.1/callback".into()),
        base_url: None,
        // NETSUITE_GOVERNOR is read with the --governor flag.
        governor: None,
        certificate: None,
    });
    let set = |field: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            v.clone_into(field);
        }
    };
    set(&mut profile.account, &env.account);
    set(&mut profile.client_id, &env.client_id);
    if env.certificate_id.is_some() {
        profile.certificate_id.clone_from(&env.certificate_id);
    }
    if env.algorithm.is_some() {
        profile.algorithm = env.algorithm.as_deref().map(str::to_ascii_uppercase);
    }
    if env.base_url.is_some() {
        profile.base_url.clone_from(&env.base_url);
    }
    if let Some(s) = &env.scope {
        profile.scopes = split_scopes(s);
        validate_scopes(&profile.scopes).map_err(|e| {
            UserError::usage(format!("NETSUITE_SCOPE: {e}"))
                .hint("scopes are rest_webservices, restlets, suite_analytics (comma-separated), or mcp alone")
        })?;
    }
    if env.private_key.is_none() && env.private_key_file.is_some() {
        profile.private_key.clone_from(&env.private_key_file);
    }
    check_cleartext(profile.base_url.as_deref())?;
    if from_env {
        let account = AccountId::parse(&profile.account)?;
        profile.account = account.to_string();
    }
    crate::error::set_context(HintContext {
        profile: requested.map(str::to_owned),
        auth_code: profile.flow == Flow::AuthCode,
        scopes: profile.scopes.clone(),
        emulator: profile.base_url.clone().filter(|b| is_loopback(Some(b))),
    });
    Ok(Identity {
        config,
        name,
        from_env,
        profile,
        key_pem: env
            .private_key
            .as_deref()
            .map(crate::credentials::repair_pem),
        client_secret: env.client_secret.map(ClientSecret::new),
        refresh_token: env.refresh_token,
        access_token: env.access_token,
    })
}

/// Whether a base URL points at this machine (the emulator, usually).
pub fn is_loopback(base_url: Option<&str>) -> bool {
    base_url
        .and_then(|b| url::Url::parse(b).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| matches!(h.as_str(), "127.0.0.1" | "localhost" | "[::1]"))
}

impl Identity {
    /// The private key: `NETSUITE_PRIVATE_KEY`'s PEM, or the file.
    pub fn private_key(&self) -> Result<PrivateKey> {
        if let Some(pem) = &self.key_pem {
            return PrivateKey::from_pem(pem).map_err(|e| {
                UserError::usage(format!("NETSUITE_PRIVATE_KEY: {e}"))
                    .hint("put the whole PEM in the variable (-----BEGIN PRIVATE KEY----- ...); literal \\n are repaired")
                    .into()
            });
        }
        let path = self.profile.private_key.as_ref().ok_or_else(|| {
            UserError::usage(format!("{} has no private key", self.describe()))
                .hint("set NETSUITE_PRIVATE_KEY (the PEM) or NETSUITE_PRIVATE_KEY_FILE, or re-add the profile with --private-key PATH --force")
        })?;
        crate::credentials::load_private_key(path)
    }

    /// Whether the key comes from `NETSUITE_PRIVATE_KEY` (no file).
    pub fn has_key_pem(&self) -> bool {
        self.key_pem.is_some()
    }

    /// `profile "NAME"`, or `the environment`.
    pub fn describe(&self) -> String {
        if self.from_env {
            "the environment (NETSUITE_*)".into()
        } else {
            format!("profile {:?}", self.name)
        }
    }

    /// The name the token store files this identity under: a refresh token from the
    /// environment gets its own entry, so that it wins over an older stored one.
    fn store_name(&self) -> String {
        match &self.refresh_token {
            Some(r) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                r.hash(&mut h);
                format!("{}-env-{:016x}", self.name, h.finish())
            }
            None => self.name.clone(),
        }
    }

    /// The token source: the ready token, or the grant with its store (or memory).
    pub fn token_source(&self) -> Result<TokenSource> {
        let p = &self.profile;
        let account = AccountId::parse(&p.account)?;
        let endpoints = Endpoints::resolve(&account, p.base_url.as_deref())?;
        if let Some(t) = &self.access_token {
            return Ok(TokenSource::fixed(
                endpoints,
                AccessToken::new(t.clone()),
                "NETSUITE_ACCESS_TOKEN",
            ));
        }
        let grant = match p.flow {
            Flow::ClientCredentials => {
                let key = self.private_key()?;
                crate::credentials::m2m_grant(&self.name, p, endpoints, key)?
            }
            Flow::AuthCode => crate::credentials::auth_code_grant(&self.name, p, endpoints)?,
        };
        let store = token_store(&self.config)?;
        let in_config = store
            .as_ref()
            .is_some_and(|s| s.dir() == self.config.tokens_dir());
        let mut source = TokenSource::new(grant, store.map(|s| (s, self.store_name())));
        let secret = match &self.client_secret {
            Some(s) => Some(s.clone()),
            // The profile's secret, kept under its name in the config directory (which
            // may be read-only, or not where this identity's tokens go).
            None if p.flow == Flow::AuthCode
                && !p.public
                && !self.from_env
                && (!in_config || self.refresh_token.is_some()) =>
            {
                TokenStore::new(self.config.tokens_dir())
                    .client_secret(&self.name)
                    .ok()
                    .flatten()
            }
            None => None,
        };
        if let Some(s) = secret {
            source = source.with_client_secret(s);
        }
        if let Some(r) = &self.refresh_token {
            let seed = StoredToken {
                refresh_token: Some(RefreshToken::new(r.clone())),
                ..StoredToken::access_only(
                    AccessToken::new(String::new()),
                    0,
                    0,
                    p.scopes.clone(),
                    source.grant().credentials_id(),
                )
            };
            source = source.with_seed(seed);
        }
        Ok(source)
    }

    /// A client over [`Identity::token_source`], with the shared governor when the
    /// flags, the environment or the profile name one.
    pub fn client(&self) -> Result<Client> {
        crate::governor::apply(Client::new(self.token_source()?)?, &self.profile)
    }
}

/// Where tokens are cached: `<config dir>/tokens` when it can be written, else
/// `$XDG_CACHE_HOME/netsuite/tokens` when that can, else nowhere (memory);
/// `--no-cache` forces memory.
pub fn token_store(config: &Config) -> Result<Option<TokenStore>> {
    if NO_CACHE.get().copied().unwrap_or(false) {
        tracing::debug!("--no-cache: tokens stay in memory");
        return Ok(None);
    }
    let cache = var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("netsuite").join("tokens"));
    for dir in std::iter::once(config.tokens_dir()).chain(cache) {
        if writable(&dir) {
            tracing::debug!(dir = %dir.display(), "token store");
            return crate::credentials::open_store_at(dir).map(Some);
        }
        tracing::debug!(dir = %dir.display(), "cannot write here; not keeping tokens in it");
    }
    tracing::debug!("no writable directory for tokens: they stay in memory");
    Ok(None)
}

fn writable(dir: &std::path::Path) -> bool {
    netsuite_client::store::create_private_dir(dir).is_ok() && tempfile::tempfile_in(dir).is_ok()
}
