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
use crate::clock::Clock;
use crate::error::{Error, RestError, truncate};
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
    ) -> Result<Principal, BearerError> {
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
    pub(crate) fn unauthorized(&self, refusal: BearerError, now: i64) -> Response {
        match refusal {
            BearerError::Refused(r) => {
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
            BearerError::Storage(e) => e.into_response(),
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
}

/// Why a bearer token was refused: an audit entry. The caller only ever sees
/// NetSuite's `INVALID_LOGIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: AuditCode,
    pub client_id: Option<String>,
    pub detail: String,
}

/// Either a refusal to audit, or a storage failure.
#[derive(Debug)]
pub(crate) enum BearerError {
    Refused(Refusal),
    Storage(Error),
}

fn refuse(code: AuditCode, client_id: Option<&str>, detail: impl Into<String>) -> BearerError {
    BearerError::Refused(Refusal {
        code,
        client_id: client_id.map(str::to_owned),
        detail: detail.into(),
    })
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
) -> Result<Principal, BearerError> {
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
    let scopes: Vec<String> = match claims.get("scope") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => netsuite_auth::assertion::split_scopes(s),
        _ => Vec::new(),
    };
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

    let row: Option<(bool, String, Option<String>)> = store
        .with(|conn| {
            conn.prepare_cached(
                "SELECT t.revoked, t.client_id, i.state FROM access_token t \
                 LEFT JOIN integration i ON i.client_id = t.client_id WHERE t.jti = ?1",
            )?
            .query_row([jti], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
        })
        .map_err(BearerError::Storage)?;
    let Some((revoked, stored_client, state)) = row else {
        return Err(refuse(
            AuditCode::TokenRejected,
            client_id,
            "the access token's jti is unknown to this account (not issued here, or pruned)",
        ));
    };
    if revoked {
        return Err(refuse(
            AuditCode::TokenRejected,
            Some(&stored_client),
            "the access token was revoked",
        ));
    }
    match state.as_deref() {
        Some("enabled") => {}
        Some(other) => {
            return Err(refuse(
                AuditCode::InvalidIntegration,
                Some(&stored_client),
                format!("the integration record is {other}"),
            ));
        }
        None => {
            return Err(refuse(
                AuditCode::InvalidIntegration,
                Some(&stored_client),
                "the integration record no longer exists",
            ));
        }
    }
    let (role, entity) = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|s| s.split_once(';'))
        .and_then(|(r, e)| Some((r.parse().ok()?, e.parse().ok()?)))
        .unwrap_or((3, -5));
    Ok(Principal {
        client_id: stored_client,
        role,
        entity,
        scopes,
    })
}
