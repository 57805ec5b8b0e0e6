//! Token sources for both grants: client credentials (M2M) and the authorization
//! code grant with refresh. Tokens are cached in the store; renewal happens under
//! the profile's cross-process lock, so concurrent processes make one request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::authorize::{AuthorizationResponse, AuthorizeRequest, Prompt};
use netsuite_auth::jws::Algorithm;
use netsuite_auth::key::PrivateKey;
use netsuite_auth::pkce::{Pkce, state_from_random};
use netsuite_auth::secret::{AccessToken, ClientSecret, RefreshToken};
use netsuite_auth::token::{
    ClientAuth, TokenResponse, access_token_claims, authorization_code_request,
    client_credentials_request, parse_revoke_response, parse_token_response, refresh_token_request,
    revoke_request,
};
use netsuite_auth::{CertificateId, ClientId, OAuthErrorCode, RedirectUri};

use crate::Error;
use crate::http::{Response, send};
use crate::store::{StoredToken, TokenStore};

/// A cached token is renewed when it has less than this many seconds left.
pub const RENEW_BEFORE_SECS: i64 = 300;

/// NetSuite's refresh-token lifetime for confidential clients: 7 days.
pub const CONFIDENTIAL_REFRESH_SECS: i64 = 7 * 24 * 3600;

/// The current time in unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What the client-credentials grant needs.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// Where the token endpoint is.
    pub endpoints: Endpoints,
    /// The integration's client id (`iss`).
    pub client_id: ClientId,
    /// The certificate id of the M2M mapping (`kid`).
    pub certificate_id: CertificateId,
    /// The certificate's private key.
    pub private_key: Arc<PrivateKey>,
    /// The signing algorithm.
    pub algorithm: Algorithm,
    /// Scopes to ask for.
    pub scopes: Vec<String>,
    /// How to write the scope claim.
    pub scope_format: ScopeFormat,
    /// Assertion lifetime in seconds.
    pub assertion_lifetime_secs: u32,
}

impl ClientCredentials {
    /// A string that changes whenever anything that decides the token changes.
    pub fn credentials_id(&self) -> String {
        format!(
            "m2m|{}|{}|{}|{}|{}",
            self.endpoints.token_url(),
            self.client_id,
            self.certificate_id,
            self.algorithm,
            self.scopes.join(",")
        )
    }

    /// Signs an assertion and exchanges it for an access token.
    pub async fn request_token(
        &self,
        http: &reqwest::Client,
        now: i64,
    ) -> Result<StoredToken, Error> {
        let token_url = self.endpoints.token_url();
        let params = AssertionParams {
            client_id: self.client_id.clone(),
            certificate_id: self.certificate_id.clone(),
            scopes: self.scopes.clone(),
            audience: token_url.to_string(),
            algorithm: self.algorithm,
            lifetime_secs: self.assertion_lifetime_secs,
            scope_format: self.scope_format,
        };
        let assertion = params.sign(&self.private_key, now)?;
        let token = parse(send(http, client_credentials_request(&token_url, &assertion)).await?)?;
        Ok(StoredToken::access_only(
            token.access_token,
            now + token.expires_in as i64,
            now,
            if token.scope.is_empty() {
                self.scopes.clone()
            } else {
                token.scope
            },
            self.credentials_id(),
        ))
    }
}

fn parse(r: Response) -> Result<TokenResponse, Error> {
    Ok(parse_token_response(
        r.status,
        r.content_type.as_deref(),
        r.www_authenticate.as_deref(),
        &r.body,
    )?)
}

/// What the authorization code grant needs (the secret comes from the store).
#[derive(Clone, Debug)]
pub struct AuthCode {
    /// Authorize, token and revoke endpoints.
    pub endpoints: Endpoints,
    /// The integration's client id.
    pub client_id: ClientId,
    /// A public client (no secret; PKCE is its proof).
    pub public: bool,
    /// The redirect URI, exactly as registered on the integration record.
    pub redirect_uri: RedirectUri,
    /// Scopes to ask for.
    pub scopes: Vec<String>,
}

impl AuthCode {
    /// A string that changes whenever anything that decides the token changes.
    pub fn credentials_id(&self) -> String {
        format!(
            "code|{}|{}|{}|{}",
            self.endpoints.token_url(),
            self.client_id,
            self.redirect_uri,
            self.scopes.join(",")
        )
    }
}

/// A login in progress: the URL to open and what the redirect must match.
#[derive(Debug)]
pub struct PendingLogin {
    /// The authorize URL for the browser.
    pub url: url::Url,
    /// The state sent (checked in constant time on the way back).
    pub state: String,
    /// The PKCE verifier and challenge.
    pub pkce: Pkce,
    /// The redirect URI sent.
    pub redirect_uri: RedirectUri,
}

/// The grant a token source uses.
#[derive(Clone, Debug)]
pub enum Grant {
    /// Client credentials (M2M).
    ClientCredentials(ClientCredentials),
    /// Authorization code with refresh.
    AuthCode(AuthCode),
    /// A ready access token used as it is (`NETSUITE_ACCESS_TOKEN`), never renewed.
    Static(StaticToken),
}

/// A ready access token obtained elsewhere: used as it is until it expires or is
/// refused; nothing can renew it.
#[derive(Clone, Debug)]
pub struct StaticToken {
    /// Where the API is.
    pub endpoints: Endpoints,
    /// Where the token came from, for messages (`NETSUITE_ACCESS_TOKEN`).
    pub origin: String,
}

impl From<ClientCredentials> for Grant {
    fn from(c: ClientCredentials) -> Self {
        Grant::ClientCredentials(c)
    }
}

impl From<AuthCode> for Grant {
    fn from(c: AuthCode) -> Self {
        Grant::AuthCode(c)
    }
}

impl Grant {
    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        match self {
            Grant::ClientCredentials(c) => &c.endpoints,
            Grant::AuthCode(c) => &c.endpoints,
            Grant::Static(c) => &c.endpoints,
        }
    }

    /// See [`ClientCredentials::credentials_id`].
    pub fn credentials_id(&self) -> String {
        match self {
            Grant::ClientCredentials(c) => c.credentials_id(),
            Grant::AuthCode(c) => c.credentials_id(),
            Grant::Static(c) => format!("static|{}|{}", c.endpoints.token_url(), c.origin),
        }
    }
}

/// Where a token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read from the token store, still valid.
    Cache,
    /// Freshly obtained from the token endpoint (new token or refresh).
    Fresh,
}

/// Holds the credentials of one profile and its cached token.
#[derive(Debug)]
pub struct TokenSource {
    grant: Grant,
    store: Option<(TokenStore, String)>,
    current: tokio::sync::Mutex<Option<StoredToken>>,
    client_secret: Option<ClientSecret>,
    seed: Option<StoredToken>,
    loaded: AtomicBool,
}

/// Refresh exchanges in flight (request sent, token not yet stored).
static RENEWALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many refresh exchanges are between sending the refresh token and storing
/// the one NetSuite answered with. A program about to exit (after Ctrl-C, say) waits
/// for zero: NetSuite may already have rotated the refresh token, and the new one
/// exists nowhere else.
pub fn renewals_in_flight() -> usize {
    RENEWALS.load(Ordering::SeqCst)
}

/// Counts one exchange in [`renewals_in_flight`] while it lives.
struct RenewalGuard;

impl RenewalGuard {
    fn new() -> Self {
        RENEWALS.fetch_add(1, Ordering::SeqCst);
        RenewalGuard
    }
}

impl Drop for RenewalGuard {
    fn drop(&mut self) {
        RENEWALS.fetch_sub(1, Ordering::SeqCst);
    }
}

fn random32() -> Result<[u8; 32], Error> {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::Login {
            reason: "no randomness available".into(),
        })?;
    Ok(b)
}

impl TokenSource {
    /// A source for `grant`, caching in `store` under `profile` when given.
    pub fn new(grant: impl Into<Grant>, store: Option<(TokenStore, String)>) -> Self {
        Self {
            grant: grant.into(),
            store,
            current: tokio::sync::Mutex::new(None),
            client_secret: None,
            seed: None,
            loaded: AtomicBool::new(false),
        }
    }

    /// A source that only ever hands out `token` (from `origin`, e.g.
    /// `NETSUITE_ACCESS_TOKEN`): its `exp` claim, when it is a JWT, is its expiry.
    pub fn fixed(endpoints: Endpoints, token: AccessToken, origin: &str) -> Self {
        let now = unix_now();
        let expires_at = access_token_claims(token.expose_secret())
            .and_then(|c| c.get("exp").and_then(serde_json::Value::as_f64))
            .map_or(253_402_300_799, |e| e as i64);
        let scope = access_token_claims(token.expose_secret())
            .and_then(|c| c.get("scope").cloned())
            .and_then(|s| serde_json::from_value::<Vec<String>>(s).ok())
            .unwrap_or_default();
        let grant = Grant::Static(StaticToken {
            endpoints,
            origin: origin.to_owned(),
        });
        let t = StoredToken::access_only(token, expires_at, now, scope, grant.credentials_id());
        Self::new(grant, None).with_seed(t)
    }

    /// Uses `secret` as the client secret instead of the one in the store
    /// (`NETSUITE_CLIENT_SECRET`).
    pub fn with_client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Starts from `token` when the store holds none for these credentials (a
    /// refresh token obtained elsewhere, `NETSUITE_REFRESH_TOKEN`).
    pub fn with_seed(mut self, token: StoredToken) -> Self {
        self.current = tokio::sync::Mutex::new(Some(token.clone()));
        self.seed = Some(token);
        self
    }

    /// The grant.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        self.grant.endpoints()
    }

    fn profile_name(&self) -> &str {
        self.store.as_ref().map_or("-", |(_, p)| p.as_str())
    }

    /// The store and profile name, if any.
    pub fn store(&self) -> Option<(&TokenStore, &str)> {
        self.store.as_ref().map(|(s, p)| (s, p.as_str()))
    }

    fn usable(&self, t: &StoredToken, now: i64) -> bool {
        let left = match self.grant {
            Grant::Static(_) => 0,
            _ => RENEW_BEFORE_SECS,
        };
        t.dead.is_none()
            && t.credentials_id == self.grant.credentials_id()
            && t.remaining(now) > left
    }

    /// The stored token of these credentials, else the seed.
    fn latest(&self) -> Result<Option<StoredToken>, Error> {
        let id = self.grant.credentials_id();
        let stored = match &self.store {
            Some((store, profile)) => store.load(profile)?,
            None => None,
        };
        Ok(stored
            .filter(|t| t.credentials_id == id)
            .or_else(|| self.seed.clone()))
    }

    /// The stored token as it is (valid or not), for status displays.
    pub async fn stored(&self) -> Result<Option<StoredToken>, Error> {
        match &self.store {
            Some((store, profile)) => Ok(store.load(profile)?.or_else(|| self.seed.clone())),
            None => Ok(self.current.lock().await.clone()),
        }
    }

    /// The stored token when it is still good for more than five minutes, without
    /// any network call (and without building an HTTP client).
    pub async fn cached(&self) -> Result<Option<StoredToken>, Error> {
        let mut current = self.current.lock().await;
        if self.store.is_some() && !self.loaded.swap(true, Ordering::AcqRel) {
            *current = self.latest()?;
        }
        if let Some(t) = current.as_ref().filter(|t| self.usable(t, unix_now())) {
            tracing::debug!(
                profile = self.profile_name(),
                expires_at = t.expires_at,
                "token cache hit"
            );
        }
        Ok(current
            .as_ref()
            .filter(|t| self.usable(t, unix_now()))
            .cloned())
    }

    /// A valid token: the cached one when it has more than five minutes left and
    /// `force` is false; otherwise a renewal (a new client-credentials token, or a
    /// refresh), made under the profile's cross-process lock. A process that waited
    /// for the lock uses the token the holder stored instead of renewing again.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        force: bool,
    ) -> Result<(StoredToken, Origin), Error> {
        if !force && let Some(t) = self.cached().await? {
            return Ok((t, Origin::Cache));
        }
        let mut current = self.current.lock().await;
        let _lock = match &self.store {
            Some((store, profile)) => {
                let (store, profile) = (store.clone(), profile.clone());
                Some(
                    tokio::task::spawn_blocking(move || store.lock(&profile))
                        .await
                        .map_err(|e| Error::Login {
                            reason: format!("the lock task failed: {e}"),
                        })??,
                )
            }
            None => None,
        };
        // Under the lock: another process may have renewed meanwhile.
        let latest = match &self.store {
            Some(_) => self.latest()?,
            None => current.clone(),
        };
        if !force && let Some(t) = latest.as_ref().filter(|t| self.usable(t, unix_now())) {
            *current = Some(t.clone());
            return Ok((t.clone(), Origin::Cache));
        }
        let now = unix_now();
        let renewed = match &self.grant {
            Grant::ClientCredentials(c) => {
                tracing::debug!(
                    profile = self.profile_name(),
                    "requesting a client-credentials token"
                );
                c.request_token(http, now).await
            }
            Grant::AuthCode(c) => {
                tracing::debug!(profile = self.profile_name(), "refreshing the access token");
                self.refresh(http, c, latest.clone(), now).await
            }
            Grant::Static(c) => {
                let t = latest.as_ref().filter(|t| self.usable(t, now));
                return match t {
                    Some(t) => Ok((t.clone(), Origin::Cache)),
                    None => Err(Error::LoginExpired {
                        reason: latest.and_then(|t| t.dead).unwrap_or_else(|| {
                            format!("the access token from {} has expired", c.origin)
                        }),
                    }),
                };
            }
        };
        let t = match renewed {
            Ok(t) => t,
            Err(e) => {
                if let Some(reason) = refusal(&e)
                    && let Some(mut old) = latest
                    && old.dead.is_none()
                {
                    tracing::debug!(profile = self.profile_name(), %reason, "marking the stored token dead");
                    old.dead = Some(reason);
                    if let Some((store, profile)) = &self.store {
                        store.save(profile, &old)?;
                    }
                    *current = Some(old);
                }
                return Err(e);
            }
        };
        // A refresh stored its token itself, as soon as it came.
        if let Some((store, profile)) = &self.store
            && !matches!(self.grant, Grant::AuthCode(_))
        {
            store.save(profile, &t)?;
        }
        tracing::debug!(
            profile = self.profile_name(),
            expires_at = t.expires_at,
            "stored a renewed token"
        );
        *current = Some(t.clone());
        Ok((t, Origin::Fresh))
    }

    /// Marks the token whose access token is `failed` dead (a 401 survived a
    /// renewal): it is never printed or sent again.
    pub async fn mark_dead(&self, failed: &str, reason: &str) -> Result<(), Error> {
        let mut current = self.current.lock().await;
        let _lock = match &self.store {
            Some((store, profile)) => Some(store.lock(profile)?),
            None => None,
        };
        let mut t = match &self.store {
            Some(_) => self.latest()?,
            None => current.clone(),
        };
        if let Some(t) = t
            .as_mut()
            .filter(|t| t.access_token.expose_secret() == failed)
        {
            tracing::debug!(profile = self.profile_name(), %reason, "marking the token dead");
            t.dead = Some(reason.to_owned());
            if let Some((store, profile)) = &self.store {
                store.save(profile, t)?;
            }
            *current = Some(t.clone());
        }
        Ok(())
    }

    fn client_auth(&self, c: &AuthCode) -> Result<ClientAuth, Error> {
        if c.public {
            return Ok(ClientAuth::Public {
                client_id: c.client_id.clone(),
            });
        }
        let secret = match (&self.client_secret, &self.store) {
            (Some(s), _) => Some(s.clone()),
            (None, Some((store, profile))) => store.client_secret(profile)?,
            (None, None) => None,
        };
        let secret = secret.ok_or_else(|| Error::Login {
            reason: "the profile has no client secret in the token store".into(),
        })?;
        Ok(ClientAuth::Confidential {
            client_id: c.client_id.clone(),
            client_secret: secret,
        })
    }

    async fn refresh(
        &self,
        http: &reqwest::Client,
        c: &AuthCode,
        latest: Option<StoredToken>,
        now: i64,
    ) -> Result<StoredToken, Error> {
        let old = latest
            .filter(|t| t.credentials_id == c.credentials_id())
            .ok_or(Error::NotLoggedIn)?;
        if let Some(reason) = &old.dead {
            return Err(Error::LoginExpired {
                reason: reason.clone(),
            });
        }
        let refresh = old.refresh_token.clone().ok_or(Error::NotLoggedIn)?;
        if old.refresh_expires_at.is_some_and(|e| e <= now) {
            return Err(Error::LoginExpired {
                reason: "the refresh token has expired".into(),
            });
        }
        let client = self.client_auth(c)?;
        let req = refresh_token_request(&c.endpoints.token_url(), &refresh, &client);
        // From the request on, the exchange and the store run in a task of their own:
        // when this future is dropped (Ctrl-C, a timeout), a refresh token NetSuite has
        // already rotated is still stored. Only a process killed between the answer
        // and the store's rename (milliseconds) loses it: see `renewals_in_flight`.
        let (http, store) = (http.clone(), self.store.clone());
        let (public, credentials_id) = (c.public, c.credentials_id());
        let guard = RenewalGuard::new();
        let task = tokio::spawn(async move {
            let _guard = guard;
            let token = match parse(send(&http, req).await?) {
                Err(Error::Auth(netsuite_auth::Error::OAuth(o)))
                    if o.error == OAuthErrorCode::InvalidGrant =>
                {
                    return Err(Error::LoginExpired {
                        reason: format!(
                            "NetSuite refused the refresh token ({o}): it expired, was revoked, or was already used"
                        ),
                    });
                }
                other => other?,
            };
            // A rotating (public) client gets a new refresh token: it replaces the old
            // one, which is now spent.
            let (refresh_token, refresh_expires_at) = match token.refresh_token {
                Some(r) => {
                    let exp = refresh_expiry(&r, now, public);
                    (Some(r), Some(exp))
                }
                None => (Some(refresh), old.refresh_expires_at),
            };
            let t = StoredToken {
                access_token: token.access_token,
                expires_at: now + token.expires_in as i64,
                obtained_at: now,
                scope: if token.scope.is_empty() {
                    old.scope
                } else {
                    token.scope
                },
                credentials_id,
                refresh_token,
                refresh_expires_at,
                role: old.role,
                entity: old.entity,
                company: old.company,
                dead: None,
            };
            if let Some((store, profile)) = &store {
                store.save(profile, &t)?;
            }
            Ok(t)
        });
        task.await.map_err(|e| Error::Login {
            reason: format!("the renewal task failed: {e}"),
        })?
    }

    /// Starts a login: a fresh state (43 characters) and PKCE pair, and the
    /// authorize URL.
    pub fn begin_login(&self, prompt: Option<Prompt>) -> Result<PendingLogin, Error> {
        let Grant::AuthCode(c) = &self.grant else {
            return Err(Error::Login {
                reason: "this profile uses client credentials, which needs no login".into(),
            });
        };
        let state = state_from_random(&random32()?);
        let pkce = Pkce::from_random(&random32()?);
        let url = AuthorizeRequest {
            authorize_url: c.endpoints.authorize_url(),
            client_id: &c.client_id,
            redirect_uri: &c.redirect_uri,
            scopes: &c.scopes,
            state: &state,
            pkce: &pkce,
            prompt,
        }
        .url();
        Ok(PendingLogin {
            url,
            state,
            pkce,
            redirect_uri: c.redirect_uri.clone(),
        })
    }

    /// Exchanges the code of a login's redirect and stores the tokens (under the
    /// profile lock) before returning them.
    pub async fn complete_login(
        &self,
        http: &reqwest::Client,
        pending: &PendingLogin,
        response: &AuthorizationResponse,
    ) -> Result<StoredToken, Error> {
        let Grant::AuthCode(c) = &self.grant else {
            return Err(Error::NotLoggedIn);
        };
        let client = self.client_auth(c)?;
        let req = authorization_code_request(
            &c.endpoints.token_url(),
            &response.code,
            &pending.redirect_uri,
            pending.pkce.verifier(),
            &client,
        );
        let now = unix_now();
        let token = parse(send(http, req).await?)?;
        let refresh_expires_at = token
            .refresh_token
            .as_ref()
            .map(|r| refresh_expiry(r, now, c.public));
        let t = StoredToken {
            access_token: token.access_token,
            expires_at: now + token.expires_in as i64,
            obtained_at: now,
            scope: if token.scope.is_empty() {
                c.scopes.clone()
            } else {
                token.scope
            },
            credentials_id: c.credentials_id(),
            refresh_token: token.refresh_token,
            refresh_expires_at,
            role: response.role.clone(),
            entity: response.entity.clone(),
            company: response.company.clone(),
            dead: None,
        };
        let mut current = self.current.lock().await;
        if let Some((store, profile)) = &self.store {
            let _lock = store.lock(profile)?;
            store.save(profile, &t)?;
        }
        *current = Some(t.clone());
        Ok(t)
    }

    /// Revokes the stored refresh token at the revoke endpoint (which also revokes
    /// its access tokens). Returns `Ok(false)` when there was nothing to revoke.
    pub async fn revoke(&self, http: &reqwest::Client) -> Result<bool, Error> {
        let Grant::AuthCode(c) = &self.grant else {
            return Ok(false);
        };
        let Some(t) = self.stored().await? else {
            return Ok(false);
        };
        let Some(refresh) = t.refresh_token else {
            return Ok(false);
        };
        let client = self.client_auth(c)?;
        let r = send(
            http,
            revoke_request(&c.endpoints.revoke_url(), &refresh, &client),
        )
        .await?;
        parse_revoke_response(r.status, r.content_type.as_deref(), &r.body)?;
        Ok(true)
    }

    /// Deletes the stored token (the client secret stays).
    pub async fn forget(&self) -> Result<bool, Error> {
        let mut current = self.current.lock().await;
        *current = None;
        match &self.store {
            Some((store, profile)) => {
                let _lock = store.lock(profile)?;
                store.remove(profile)
            }
            None => Ok(false),
        }
    }
}

/// Why a renewal's failure means the login is dead: NetSuite refused the refresh
/// token or the client assertion (not a network failure, not a 5xx).
fn refusal(e: &Error) -> Option<String> {
    match e {
        Error::LoginExpired { reason } => Some(reason.clone()),
        Error::Auth(netsuite_auth::Error::OAuth(o)) => {
            Some(format!("NetSuite refused the credentials: {o}"))
        }
        _ => None,
    }
}

/// A refresh token's expiry: its `exp` claim when it is a JWT (NetSuite's are),
/// otherwise NetSuite's default (7 days confidential, 48 hours public).
fn refresh_expiry(r: &RefreshToken, now: i64, public: bool) -> i64 {
    access_token_claims(r.expose_secret())
        .and_then(|c| c.get("exp").and_then(serde_json::Value::as_f64))
        .map(|e| e as i64)
        .unwrap_or(
            now + if public {
                48 * 3600
            } else {
                CONFIDENTIAL_REFRESH_SECS
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token endpoint that answers a rotated refresh token after `delay`.
    fn slow_token_endpoint(delay: std::time::Duration) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let body = r#"{"access_token":"a2","refresh_token":"r2","token_type":"Bearer","expires_in":3600}"#;
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rotated_refresh_token_is_stored_even_when_the_caller_gives_up() {
        let base = slow_token_endpoint(std::time::Duration::from_millis(400));
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::with_mode(dir.path(), crate::keyring_key::KeyringMode::Off);
        let grant = AuthCode {
            endpoints: Endpoints::with_base_url(&base).unwrap(),
            client_id: "cid".into(),
            public: true,
            redirect_uri: RedirectUri::parse("http://127.0.0.1/cb").unwrap(),
            scopes: vec!["rest_webservices".into()],
        };
        let seed = StoredToken {
            refresh_token: Some(RefreshToken::new("r1")),
            ..StoredToken::access_only(
                AccessToken::new(String::new()),
                0,
                0,
                vec![],
                grant.credentials_id(),
            )
        };
        store.save("p", &seed).unwrap();
        let source = TokenSource::new(grant, Some((store.clone(), "p".into())));
        let http = crate::http::http_client().unwrap();
        // The caller gives up (a Ctrl-C, a timeout) after the request went out.
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(100),
            source.token(&http, true),
        )
        .await;
        assert!(gave_up.is_err(), "the answer came too soon for this test");
        assert_eq!(renewals_in_flight(), 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while renewals_in_flight() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the renewal never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let stored = store.load("p").unwrap().unwrap();
        assert_eq!(
            stored.refresh_token.unwrap().expose_secret(),
            "r2",
            "the rotated refresh token was stored"
        );
    }
}
