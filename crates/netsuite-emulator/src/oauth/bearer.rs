//! The resource-server half of the OAuth plane: checking `Authorization: Bearer` on
//! the data plane's calls and the certificate rotation API. A refused token gets an
//! audit entry naming the cause; the caller only sees NetSuite's `INVALID_LOGIN`.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::AccountId;
use netsuite_auth::jws;
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::access_token::{ALGORITHM, ISSUER, Signer, is_refresh_jti};
use super::audit::{self, AuditCode};
use super::refusal::{Checked, Stop};
use crate::clock::Clock;
use crate::error::{RestError, truncate};
use crate::store::Store;

/// What a bearer check needs: the store (issued `jti`s, integration states, the
/// audit trail), the signing key, the account. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Bearer {
    store: Store,
    signer: Arc<Signer>,
    account: AccountId,
    clock: Clock,
    explain_errors: bool,
}

impl Bearer {
    pub(crate) fn new(
        store: Store,
        signer: Arc<Signer>,
        account: AccountId,
        clock: Clock,
        explain_errors: bool,
    ) -> Self {
        Self {
            store,
            signer,
            account,
            clock,
            explain_errors,
        }
    }

    /// Checks the bearer token for `scope`, leaving the refusal to the caller.
    pub(crate) fn check(
        &self,
        headers: &HeaderMap,
        scope: &str,
        now: i64,
    ) -> Result<Principal, Stop<Refusal>> {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        authenticate(
            &self.store,
            &self.signer,
            &self.account,
            authorization.as_deref(),
            scope,
            now,
        )
    }

    /// Checks the bearer token for `scope`; on failure writes the audit entry and
    /// returns NetSuite's 401 `INVALID_LOGIN`.
    #[allow(clippy::result_large_err)] // the error is the ready response
    pub(crate) fn authorize(
        &self,
        headers: &HeaderMap,
        scope: &str,
    ) -> Result<Principal, Response> {
        let now = self.clock.now();
        self.check(headers, scope, now)
            .map_err(|refusal| self.unauthorized(refusal, now))
    }

    /// Writes a refusal to the audit trail (a failure to write is logged, not answered).
    pub(crate) fn audit(&self, r: &Refusal, now: i64) {
        if let Err(e) = self
            .store
            .with(|c| audit::insert(c, now, r.client_id.as_deref(), r.code, &r.detail))
        {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
        }
    }

    /// A 401 `INVALID_LOGIN`, after writing the reason to the audit trail.
    pub(crate) fn unauthorized(&self, refusal: Stop<Refusal>, now: i64) -> Response {
        match refusal {
            Stop::Refused(r) => {
                self.audit(&r, now);
                let mut error = RestError::invalid_login();
                if self.explain_errors
                    && let Some(d) = error.details.first_mut()
                {
                    // --explain-errors: name the cause that NetSuite keeps in the audit trail.
                    d.detail = format!(
                        "{} Emulator: {}: {}.",
                        d.detail,
                        r.code,
                        truncate(&r.detail, 500)
                    );
                }
                error.into_response()
            }
            Stop::Failed(e) => e.into_response(),
        }
    }
}

/// The caller of a resource request, from a valid access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub client_id: String,
    pub role: i64,
    pub entity: i64,
    pub scopes: Vec<String>,
    /// Issued by the client credentials (M2M) grant, not the authorization code grant.
    pub m2m: bool,
}

/// Why a bearer token was refused: an audit entry. The caller only ever sees
/// NetSuite's `INVALID_LOGIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: AuditCode,
    pub client_id: Option<String>,
    pub detail: String,
}

fn refuse(code: AuditCode, client_id: Option<&str>, detail: impl Into<String>) -> Refusal {
    Refusal {
        code,
        client_id: client_id.map(str::to_owned),
        detail: detail.into(),
    }
}

/// What a verified bearer token says.
#[derive(Debug)]
struct Claims {
    /// The client of `aud`, for the audit trail.
    client_id: Option<String>,
    jti: String,
    scopes: Vec<String>,
    role: i64,
    entity: i64,
}

/// Checks an `Authorization` header value: an ES256 token signed by this emulator,
/// issued by `https://system.netsuite.com` for this account, not expired, carrying
/// `required_scope`, with a `jti` this database issued and an integration still enabled.
///
/// The signature and claims are checked first; a connection is taken only for the
/// `jti` lookup.
fn authenticate(
    store: &Store,
    signer: &Signer,
    account: &AccountId,
    authorization: Option<&str>,
    required_scope: &str,
    now: i64,
) -> Checked<Principal, Refusal> {
    let token = bearer_token(authorization).map_err(Stop::Refused)?;
    let claims = verify(signer, account, token, required_scope, now).map_err(Stop::Refused)?;
    issued(store, claims)
}

/// The token of an `Authorization: Bearer` header.
fn bearer_token(authorization: Option<&str>) -> Result<&str, Refusal> {
    let Some(value) = authorization else {
        return Err(refuse(
            AuditCode::TokenRejected,
            None,
            "the request has no Authorization header",
        ));
    };
    let value = value.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => {
            let scheme = value.split(' ').next().unwrap_or_default();
            return Err(refuse(
                AuditCode::TokenRejected,
                None,
                format!(
                    "the Authorization header uses the {:?} scheme, not Bearer",
                    truncate(scheme, 40)
                ),
            ));
        }
    };
    Ok(token)
}

/// Checks a bearer token with no store: an ES256 JWT with this emulator's key and
/// `kid`, not a refresh token, issued by NetSuite for this account, not expired,
/// carrying `required_scope`, with a `jti`.
fn verify(
    signer: &Signer,
    account: &AccountId,
    token: &str,
    required_scope: &str,
    now: i64,
) -> Result<Claims, Refusal> {
    let unverified = jws::decode_unverified(token).map_err(|e| {
        refuse(
            AuditCode::TokenRejected,
            None,
            format!("the bearer token is not a JWT ({e})"),
        )
    })?;
    let kid_matches = unverified.header.kid.as_deref() == Some(signer.kid());
    let verified = unverified
        .verify(signer.verifying_key(), &[ALGORITHM])
        .map_err(|e| {
            refuse(
                AuditCode::InvalidSignature,
                None,
                format!("the bearer token's signature is not this account's ({e})"),
            )
        })?;
    if !kid_matches {
        return Err(refuse(
            AuditCode::InvalidSignature,
            None,
            "the bearer token's kid is not this account's signing key",
        ));
    }
    let claims = verified.claims;
    let aud: Vec<&str> = match claims.get("aud") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let client_id = aud.get(1).copied();
    if claims
        .get("jti")
        .and_then(Value::as_str)
        .is_some_and(is_refresh_jti)
    {
        return Err(refuse(
            AuditCode::TokenRejected,
            client_id,
            "a refresh token was sent as the bearer token; send the access token, and the refresh token only to the token endpoint",
        ));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return Err(refuse(
            AuditCode::TokenRejected,
            client_id,
            format!("the bearer token's iss is not {ISSUER}"),
        ));
    }
    let account_suffix = format!(";{}", account.as_str());
    if !aud.first().is_some_and(|a| a.ends_with(&account_suffix)) {
        return Err(refuse(
            AuditCode::TokenRejected,
            client_id,
            format!("the bearer token was not issued for account {account}"),
        ));
    }
    let exp = claims.get("exp").and_then(Value::as_f64);
    match exp {
        None => {
            return Err(refuse(
                AuditCode::TokenRejected,
                client_id,
                "the bearer token has no numeric exp",
            ));
        }
        Some(exp) if exp <= now as f64 => {
            return Err(refuse(
                AuditCode::AccessTokenExpired,
                client_id,
                format!(
                    "the access token expired {} s ago",
                    (now as f64 - exp).round()
                ),
            ));
        }
        Some(_) => {}
    }
    let scopes = token_scopes(claims.get("scope"));
    if !scopes.iter().any(|s| s == required_scope) {
        return Err(refuse(
            AuditCode::ScopeMismatched,
            client_id,
            format!(
                "the access token's scope [{}] does not include {required_scope}",
                scopes.join(", ")
            ),
        ));
    }
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Err(refuse(
            AuditCode::TokenRejected,
            client_id,
            "the bearer token has no jti",
        ));
    };
    let (role, entity) = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|s| s.split_once(';'))
        .and_then(|(r, e)| Some((r.parse().ok()?, e.parse().ok()?)))
        .unwrap_or((3, -5));
    Ok(Claims {
        client_id: client_id.map(str::to_owned),
        jti: jti.to_owned(),
        scopes,
        role,
        entity,
    })
}

/// The `scope` claim: an array, or a space-separated string.
fn token_scopes(scope: Option<&Value>) -> Vec<String> {
    match scope {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => netsuite_auth::assertion::split_scopes(s),
        _ => Vec::new(),
    }
}

/// Checks that this database issued the token's `jti`, not revoked, to an integration
/// still enabled.
fn issued(store: &Store, claims: Claims) -> Checked<Principal, Refusal> {
    let row: Option<(bool, String, Option<String>, bool)> = store.with(|conn| {
        conn.prepare_cached(
            "SELECT t.revoked, t.client_id, i.state, t.certificate_id IS NOT NULL FROM access_token t \
                 LEFT JOIN integration i ON i.client_id = t.client_id WHERE t.jti = ?1",
        )?
        .query_row([claims.jti.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
    })?;
    let Some((revoked, stored_client, state, m2m)) = row else {
        return Err(Stop::Refused(refuse(
            AuditCode::TokenRejected,
            claims.client_id.as_deref(),
            "the access token's jti is unknown to this account (not issued here, or pruned)",
        )));
    };
    if revoked {
        return Err(Stop::Refused(refuse(
            AuditCode::TokenRejected,
            Some(&stored_client),
            "the access token was revoked",
        )));
    }
    match state.as_deref() {
        Some("enabled") => {}
        Some(other) => {
            return Err(Stop::Refused(refuse(
                AuditCode::InvalidIntegration,
                Some(&stored_client),
                format!("the integration record is {other}"),
            )));
        }
        None => {
            return Err(Stop::Refused(refuse(
                AuditCode::InvalidIntegration,
                Some(&stored_client),
                "the integration record no longer exists",
            )));
        }
    }
    Ok(Principal {
        client_id: stored_client,
        role: claims.role,
        entity: claims.entity,
        scopes: claims.scopes,
        m2m,
    })
}
