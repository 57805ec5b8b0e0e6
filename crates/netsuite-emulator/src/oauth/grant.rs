//! The `authorization_code` and `refresh_token` grants of the token endpoint.
//!
//! A code is exchanged once, by the client it was issued to, with the redirect URI and
//! PKCE verifier of step one; the exchange starts a token chain (`oit` = now) and
//! returns an access token and a refresh token. A replayed code revokes the chain it
//! started. Confidential clients refresh with the same refresh token until it expires
//! (7 days after the chain started, by default) and get a new access token each time;
//! public clients get a new one-time refresh token each time, until the chain's
//! maximum rotation time; reusing a used one revokes the chain.

use serde_json::{Value, json};

use super::access_token::{self, Grant, LIFETIME_SECS, TokenKind};
use super::audit::AuditCode;
use super::chain::{self, NewChain};
use super::identifier;
use super::integration::Integration;
use super::login;
use super::pkce;
use super::refusal::{Checked, Rejection};
use super::state::OAuthPlane;
use crate::error::Error;
use netsuite_auth::OAuthErrorCode;

fn invalid_grant(code: AuditCode, detail: impl Into<String>) -> Rejection {
    Rejection::new(OAuthErrorCode::InvalidGrant, code, detail)
}

/// The integration may use the authorization code grant.
pub(crate) fn require_auth_code(integration: &Integration) -> Result<(), Rejection> {
    if integration.auth_code {
        return Ok(());
    }
    Err(Rejection::new(
        OAuthErrorCode::UnauthorizedClient,
        AuditCode::AuthorizationCodeGrantRequired,
        format!(
            "the integration record {:?} does not have the Authorization Code grant enabled",
            integration.name
        ),
    )
    .client(&integration.client_id))
}

/// The user still exists and still has the role.
fn check_user(emu: &OAuthPlane, email: &str, role: i64, client: &str) -> Result<(), Rejection> {
    match login::find(&emu.settings().users, email) {
        Some(u) if u.has_role(role) => Ok(()),
        Some(_) => Err(invalid_grant(
            AuditCode::EntityOrRoleDisabled,
            format!("the user {email} no longer has role {role}; authorize again"),
        )
        .client(client)),
        None => Err(invalid_grant(
            AuditCode::EntityOrRoleDisabled,
            format!("the user {email} no longer exists in the emulator; authorize again"),
        )
        .client(client)),
    }
}

fn grant_for(integration: &Integration, role: i64, entity: i64, scopes: &[String]) -> Grant {
    Grant {
        client_id: integration.client_id.clone(),
        application_id: integration.application_id.clone(),
        certificate_id: None,
        role,
        entity,
        scopes: scopes.to_vec(),
    }
}

/// A signed token and what to record about it.
struct Signed {
    jti: String,
    token: String,
    iat: i64,
    exp: i64,
}

fn sign(
    emu: &OAuthPlane,
    grant: &Grant,
    kind: TokenKind,
    now_ms: i64,
    exp: i64,
    oit: i64,
) -> Result<Signed, Error> {
    let (jti, claims) = access_token::claims(emu.account(), grant, kind, now_ms, exp, oit);
    let token = emu.signer().sign(&claims)?;
    Ok(Signed {
        jti,
        token,
        iat: now_ms.div_euclid(1000),
        exp,
    })
}

/// `grant_type=authorization_code`.
pub(crate) fn authorization_code(
    emu: &OAuthPlane,
    integration: &Integration,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
    now_ms: i64,
) -> Checked<Value> {
    let now = now_ms.div_euclid(1000);
    let client = integration.client_id.as_str();
    require_auth_code(integration)?;
    let Some(row) = emu.store().with(|c| chain::find_code(c, code))? else {
        return Err(invalid_grant(
            AuditCode::InvalidAuthorizationCode,
            "the authorization code is unknown (never issued, or pruned); restart at the authorize step",
        )
        .client(client)
        .into());
    };
    if row.client_id != client {
        return Err(invalid_grant(
            AuditCode::InvalidAuthorizationCode,
            format!(
                "the authorization code was issued to another client ({})",
                row.client_id
            ),
        )
        .client(client)
        .into());
    }
    if row.used {
        let revoked = match &row.chain_id {
            Some(chain_id) => emu.store().write(|tx| {
                chain::revoke_chain(tx, chain_id, "its authorization code was replayed")
                    .map_err(|e| crate::store::storage(emu.store().label(), e))
            })?,
            None => false,
        };
        let what = if revoked {
            "; the tokens issued from it are now revoked"
        } else {
            ""
        };
        return Err(invalid_grant(
            AuditCode::AuthorizationCodeReplayed,
            format!("the authorization code was already exchanged{what}"),
        )
        .client(client)
        .into());
    }
    check_code(
        &row,
        redirect_uri,
        verifier,
        now,
        emu.settings().code_ttl_secs,
    )
    .map_err(|r| r.client(client))?;
    check_user(emu, &row.user_email, row.role, client)?;
    let grant = grant_for(integration, row.role, row.entity, &row.scopes);
    let chain_id = identifier::uuid();
    let refresh_exp = now + integration.refresh_token_secs();
    let chain_expires = if integration.public {
        now + integration.max_rotation_secs()
    } else {
        refresh_exp
    };
    let refresh_exp = refresh_exp.min(chain_expires);
    let access = sign(
        emu,
        &grant,
        TokenKind::AuthorizationAccess,
        now_ms,
        now + LIFETIME_SECS,
        now,
    )?;
    let refresh = sign(emu, &grant, TokenKind::Refresh, now_ms, refresh_exp, now)?;
    let issued = Issued {
        grant: &grant,
        access: &access,
        refresh: Some(&refresh),
    };
    let first = store_code_exchange(emu, &row, &chain_id, chain_expires, &issued, now)?;
    if !first {
        return Err(invalid_grant(
            AuditCode::AuthorizationCodeReplayed,
            "the authorization code was exchanged by a concurrent request",
        )
        .client(client)
        .into());
    }
    emu.count_issued(now);
    Ok(json!({
        "access_token": access.token,
        "refresh_token": refresh.token,
        "expires_in": LIFETIME_SECS,
        "token_type": "bearer",
    }))
}

/// The checks of an authorization code that need no store: expiry, the redirect URI
/// of step one, and PKCE.
fn check_code(
    row: &chain::CodeRow,
    redirect_uri: &str,
    verifier: Option<&str>,
    now: i64,
    ttl: i64,
) -> Result<(), Rejection> {
    if row.expires <= now {
        return Err(invalid_grant(
            AuditCode::InvalidAuthorizationCode,
            format!(
                "the authorization code expired {} s ago; codes are valid for {} s",
                now - row.expires,
                ttl
            ),
        ));
    }
    if row.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            AuditCode::InvalidRedirectURI,
            format!(
                "the redirect_uri {:?} is not the one of step one ({:?})",
                crate::error::truncate(redirect_uri, 200),
                row.redirect_uri
            ),
        ));
    }
    match (&row.challenge, verifier) {
        (Some(_), None) => {
            return Err(invalid_grant(
                AuditCode::InvalidCodeVerifier,
                "the code was issued with a PKCE code_challenge; send its code_verifier",
            ));
        }
        (Some(challenge), Some(v)) => {
            if !pkce::matches(v, challenge) {
                return Err(invalid_grant(
                    AuditCode::InvalidCodeVerifier,
                    "the code_verifier does not match the code_challenge of step one (BASE64URL(SHA256(verifier)) differs)",
                ));
            }
        }
        (None, Some(_)) => {
            return Err(invalid_grant(
                AuditCode::InvalidCodeVerifier,
                "a code_verifier was sent, but step one had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    Ok(())
}

/// Tokens signed for one grant, to record.
struct Issued<'a> {
    grant: &'a Grant,
    access: &'a Signed,
    refresh: Option<&'a Signed>,
}

/// Consumes the code and records its chain and tokens; `false` when a concurrent
/// request consumed the code first.
fn store_code_exchange(
    emu: &OAuthPlane,
    row: &chain::CodeRow,
    chain_id: &str,
    chain_expires: i64,
    issued: &Issued<'_>,
    now: i64,
) -> Result<bool, Error> {
    let client = row.client_id.as_str();
    let (grant, access) = (issued.grant, issued.access);
    let label = emu.store().label().to_owned();
    emu.store().write(|tx| {
        let st = |e| crate::store::storage(&label, e);
        if !chain::consume_code(tx, &row.hash, chain_id).map_err(st)? {
            return Ok(false);
        }
        chain::insert_chain(
            tx,
            &NewChain {
                id: chain_id,
                client_id: client,
                authorization_id: row.authorization_id,
                user_email: &row.user_email,
                role: row.role,
                entity: row.entity,
                scopes: &row.scopes,
                oit: now,
                expires: chain_expires,
            },
        )
        .map_err(st)?;
        access_token::record(
            tx,
            &access.jti,
            grant,
            Some(chain_id),
            access.iat,
            access.exp,
        )
        .map_err(st)?;
        if let Some(refresh) = issued.refresh {
            chain::insert_refresh(tx, &refresh.jti, chain_id, client, refresh.iat, refresh.exp)
                .map_err(st)?;
        }
        Ok(true)
    })
}

/// `grant_type=refresh_token`.
pub(crate) fn refresh_token(
    emu: &OAuthPlane,
    integration: &Integration,
    token: &str,
    now_ms: i64,
) -> Checked<Value> {
    let now = now_ms.div_euclid(1000);
    let client = integration.client_id.as_str();
    require_auth_code(integration)?;
    let claims = emu.signer().verify(token).map_err(|why| {
        let code = if why.contains("signature") || why.contains("kid") {
            AuditCode::InvalidSignature
        } else {
            AuditCode::TokenRejected
        };
        invalid_grant(code, format!("the refresh token is refused: {why}")).client(client)
    })?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !access_token::is_refresh_jti(jti) {
        return Err(invalid_grant(
            AuditCode::TokenRejected,
            "the token sent as refresh_token is an access token",
        )
        .client(client)
        .into());
    }
    let Some(row) = emu.store().with(|c| chain::find_refresh(c, jti))? else {
        return Err(invalid_grant(
            AuditCode::TokenRejected,
            "the refresh token is unknown to this account (not issued here, or pruned)",
        )
        .client(client)
        .into());
    };
    check_refresh(&row, client, now).map_err(|r| r.client(client))?;
    if integration.public && row.used {
        let label = emu.store().label().to_owned();
        emu.store().write(|tx| {
            chain::revoke_chain(
                tx,
                &row.chain_id,
                "a used refresh token was presented again",
            )
            .map_err(|e| crate::store::storage(&label, e))
        })?;
        return Err(invalid_grant(
            AuditCode::RefreshTokenReused,
            "the public client's refresh token was already used (they are one-time); the whole chain is now revoked",
        )
        .client(client)
        .into());
    }
    check_scopes_still_enabled(&row.scopes, integration).map_err(|r| r.client(client))?;
    check_user(emu, &row.user_email, row.role, client)?;
    let grant = grant_for(integration, row.role, row.entity, &row.scopes);
    let access = sign(
        emu,
        &grant,
        TokenKind::AuthorizationAccess,
        now_ms,
        now + LIFETIME_SECS,
        row.oit,
    )?;
    let rotated = if integration.public {
        let limit = row.oit + integration.max_rotation_secs();
        if limit <= now {
            return Err(invalid_grant(
                AuditCode::RefreshTokenExpired,
                format!(
                    "the chain reached its maximum time for token rotation ({} h since {}); authorize again",
                    integration.max_rotation_hours, row.oit
                ),
            )
            .client(client)
            .into());
        }
        let exp = (now + integration.refresh_token_secs()).min(limit);
        Some(sign(emu, &grant, TokenKind::Refresh, now_ms, exp, row.oit)?)
    } else {
        None
    };
    let issued = Issued {
        grant: &grant,
        access: &access,
        refresh: rotated.as_ref(),
    };
    let ok = store_refresh(emu, &row, jti, &issued, now)?;
    if !ok {
        let label = emu.store().label().to_owned();
        emu.store().write(|tx| {
            chain::revoke_chain(
                tx,
                &row.chain_id,
                "a used refresh token was presented again",
            )
            .map_err(|e| crate::store::storage(&label, e))
        })?;
        return Err(invalid_grant(
            AuditCode::RefreshTokenReused,
            "the refresh token was used by a concurrent request; the chain is now revoked",
        )
        .client(client)
        .into());
    }
    emu.count_issued(now);
    let mut body = json!({
        "access_token": access.token,
        "expires_in": LIFETIME_SECS,
        "token_type": "bearer",
    });
    if let Some(r) = rotated {
        body["refresh_token"] = Value::String(r.token);
    }
    Ok(body)
}

/// The checks of a refresh token's row that need no store: its client, revocation
/// and expiry.
fn check_refresh(row: &chain::RefreshRow, client: &str, now: i64) -> Result<(), Rejection> {
    if row.client_id != client {
        return Err(invalid_grant(
            AuditCode::TokenRejected,
            format!(
                "the refresh token was issued to another client ({})",
                row.client_id
            ),
        ));
    }
    if row.revoked || row.chain_revoked {
        let why = row
            .chain_revoked_reason
            .as_deref()
            .unwrap_or("it was revoked");
        return Err(invalid_grant(
            AuditCode::TokenRejected,
            format!("the refresh token was revoked ({why}); authorize again"),
        ));
    }
    if row.exp <= now {
        return Err(invalid_grant(
            AuditCode::RefreshTokenExpired,
            format!(
                "the refresh token expired {} s ago; authorize again",
                now - row.exp
            ),
        ));
    }
    Ok(())
}

/// Refusal when a scope of the chain is no longer enabled on the integration.
fn check_scopes_still_enabled(
    scopes: &[String],
    integration: &Integration,
) -> Result<(), Rejection> {
    let missing: Vec<&str> = scopes
        .iter()
        .filter(|s| !integration.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(invalid_grant(
            AuditCode::ScopeMismatched,
            format!(
                "the scope {} is no longer enabled on the integration record",
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Uses the refresh token (when it rotates) and records the new tokens; `false` when
/// a concurrent request used it first.
fn store_refresh(
    emu: &OAuthPlane,
    row: &chain::RefreshRow,
    jti: &str,
    issued: &Issued<'_>,
    now: i64,
) -> Result<bool, Error> {
    let client = row.client_id.as_str();
    let (grant, access) = (issued.grant, issued.access);
    let label = emu.store().label().to_owned();
    emu.store().write(|tx| {
        let st = |e| crate::store::storage(&label, e);
        if let Some(r) = issued.refresh {
            if !chain::use_refresh(tx, jti).map_err(st)? {
                return Ok(false);
            }
            chain::insert_refresh(tx, &r.jti, &row.chain_id, client, r.iat, r.exp).map_err(st)?;
        }
        access_token::record(
            tx,
            &access.jti,
            grant,
            Some(&row.chain_id),
            access.iat,
            access.exp,
        )
        .map_err(st)?;
        if let Some(id) = row.authorization_id {
            chain::touch_authorization(tx, id, now).map_err(st)?;
        }
        Ok(true)
    })
}
