//! What the authorization code flow leaves in the database: authorized applications
//! (a user's consent for an integration, a role and scopes), authorization codes, and
//! token chains (the refresh tokens and access tokens issued from one code).
//!
//! Revoking a chain revokes its refresh tokens and every access token issued in it;
//! revoking an authorized application revokes all its chains.

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::identifier;
use super::integration::{json_list, parse_list};

/// An authorized application: a user allowed an integration to act as a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedApp {
    /// Its id (for revoking).
    pub id: i64,
    /// The integration's client id.
    pub client_id: String,
    /// The integration's name, when it still exists.
    pub integration_name: Option<String>,
    /// Who allowed it.
    pub user_email: String,
    /// The role tokens act as.
    pub role: i64,
    /// The entity tokens act as.
    pub entity: i64,
    /// The scopes allowed.
    pub scopes: Vec<String>,
    /// When it was first allowed, unix seconds.
    pub created: i64,
    /// When a code was last issued for it, unix seconds.
    pub last_used: i64,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Token chains (one per code exchanged) still usable.
    pub active_chains: i64,
}

/// Which token an [`IssuedToken`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// An access token.
    Access,
    /// A refresh token (authorization code flow).
    Refresh,
}

impl TokenKind {
    /// `access` or `refresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An access or refresh token the emulator issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The token's `jti`.
    pub jti: String,
    /// `access` or `refresh`.
    pub kind: TokenKind,
    /// The integration's client id.
    pub client_id: String,
    /// The chain (authorization code flow), `None` for client credentials tokens.
    pub chain_id: Option<String>,
    /// The M2M certificate id, for client credentials tokens.
    pub certificate_id: Option<String>,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds.
    pub exp: i64,
    /// Revoked.
    pub revoked: bool,
    /// A public client's refresh token that was already exchanged.
    pub used: bool,
}

/// The active authorized application of `client_id` for `email`, newest first.
pub(crate) struct ActiveAuthorization {
    pub role: i64,
    pub scopes: Vec<String>,
}

pub(crate) fn find_authorization(
    conn: &Connection,
    client_id: &str,
    email: &str,
) -> rusqlite::Result<Option<ActiveAuthorization>> {
    conn.prepare_cached(
        "SELECT role, scopes FROM oauth_authorization \
         WHERE client_id = ?1 AND user_email = ?2 AND revoked = 0 ORDER BY last_used DESC, id DESC LIMIT 1",
    )?
    .query_row([client_id, email], |r| {
        Ok(ActiveAuthorization {
            role: r.get(0)?,
            scopes: parse_list(&r.get::<_, String>(1)?),
        })
    })
    .optional()
}

/// Records that `email` allowed `client_id` as `role` for `scopes` (adding to an
/// existing authorization for the same role); returns its id.
pub(crate) fn allow(
    conn: &Connection,
    client_id: &str,
    email: &str,
    role: i64,
    entity: i64,
    scopes: &[String],
    now: i64,
) -> rusqlite::Result<i64> {
    let existing: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, scopes FROM oauth_authorization \
             WHERE client_id = ?1 AND user_email = ?2 AND role = ?3 AND revoked = 0",
        )?
        .query_row(rusqlite::params![client_id, email, role], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((id, stored)) = existing {
        let mut all = parse_list(&stored);
        for s in scopes {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        conn.prepare_cached(
            "UPDATE oauth_authorization SET scopes = ?2, last_used = ?3, entity = ?4 WHERE id = ?1",
        )?
        .execute(rusqlite::params![id, json_list(&all), now, entity])?;
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO oauth_authorization (client_id, user_email, role, entity, scopes, created, last_used) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(rusqlite::params![
        client_id,
        email,
        role,
        entity,
        json_list(scopes),
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Marks an authorization as used now.
pub(crate) fn touch_authorization(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE oauth_authorization SET last_used = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![id, now])?;
    Ok(())
}

/// Revokes an authorized application and all its chains; whether it existed.
pub(crate) fn revoke_authorization(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE oauth_authorization SET revoked = 1 WHERE id = ?1",
        [id],
    )?;
    if n == 0 {
        return Ok(false);
    }
    let chains: Vec<String> = conn
        .prepare("SELECT id FROM token_chain WHERE authorization_id = ?1 AND revoked = 0")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for c in chains {
        revoke_chain(conn, &c, "the authorized application was revoked")?;
    }
    Ok(true)
}

/// Every authorized application, newest first.
pub(crate) fn list_authorizations(
    conn: &Connection,
    now: i64,
) -> rusqlite::Result<Vec<AuthorizedApp>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.client_id, i.name, a.user_email, a.role, a.entity, a.scopes, a.created, \
         a.last_used, a.revoked, \
         (SELECT COUNT(*) FROM token_chain c WHERE c.authorization_id = a.id AND c.revoked = 0 AND c.expires > ?1) \
         FROM oauth_authorization a LEFT JOIN integration i ON i.client_id = a.client_id \
         ORDER BY a.id DESC",
    )?;
    let rows = stmt.query_map([now], |r| {
        Ok(AuthorizedApp {
            id: r.get(0)?,
            client_id: r.get(1)?,
            integration_name: r.get(2)?,
            user_email: r.get(3)?,
            role: r.get(4)?,
            entity: r.get(5)?,
            scopes: parse_list(&r.get::<_, String>(6)?),
            created: r.get(7)?,
            last_used: r.get(8)?,
            revoked: r.get(9)?,
            active_chains: r.get(10)?,
        })
    })?;
    rows.collect()
}

/// An authorization code to store.
#[derive(Debug, Clone)]
pub(crate) struct NewCode<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub challenge: Option<&'a str>,
    pub role: i64,
    pub entity: i64,
    pub user_email: &'a str,
    pub authorization_id: i64,
    pub state: &'a str,
}

/// Stores a code valid for `ttl` seconds; returns it (64 hex characters; only its
/// SHA-256 is kept).
pub(crate) fn insert_code(
    conn: &Connection,
    new: &NewCode<'_>,
    now: i64,
    ttl: i64,
) -> rusqlite::Result<String> {
    let code = identifier::client_credential();
    conn.prepare_cached(
        "INSERT INTO auth_code (code_sha256, client_id, redirect_uri, scopes, challenge, role, \
         entity, user_email, authorization_id, created, expires, state_sha256) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(rusqlite::params![
        identifier::sha256_hex(&code),
        new.client_id,
        new.redirect_uri,
        json_list(new.scopes),
        new.challenge,
        new.role,
        new.entity,
        new.user_email,
        new.authorization_id,
        now,
        now + ttl,
        identifier::sha256_hex(new.state),
    ])?;
    Ok(code)
}

/// Whether a code was already issued to `client_id` for this `state`.
pub(crate) fn state_used(
    conn: &Connection,
    client_id: &str,
    state: &str,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM auth_code WHERE client_id = ?1 AND state_sha256 = ?2 LIMIT 1",
        )?
        .query_row([client_id, &identifier::sha256_hex(state)], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A stored code.
#[derive(Debug, Clone)]
pub(crate) struct CodeRow {
    pub hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub challenge: Option<String>,
    pub role: i64,
    pub entity: i64,
    pub user_email: String,
    pub authorization_id: Option<i64>,
    pub expires: i64,
    pub used: bool,
    pub chain_id: Option<String>,
}

pub(crate) fn find_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<CodeRow>> {
    let hash = identifier::sha256_hex(code);
    conn.prepare_cached(
        "SELECT client_id, redirect_uri, scopes, challenge, role, entity, user_email, \
         authorization_id, expires, used, chain_id FROM auth_code WHERE code_sha256 = ?1",
    )?
    .query_row([&hash], |r| {
        Ok(CodeRow {
            hash: hash.clone(),
            client_id: r.get(0)?,
            redirect_uri: r.get(1)?,
            scopes: parse_list(&r.get::<_, String>(2)?),
            challenge: r.get(3)?,
            role: r.get(4)?,
            entity: r.get(5)?,
            user_email: r.get(6)?,
            authorization_id: r.get(7)?,
            expires: r.get(8)?,
            used: r.get(9)?,
            chain_id: r.get(10)?,
        })
    })
    .optional()
}

/// Marks a code used by `chain_id`; false when it was used already (a race).
pub(crate) fn consume_code(
    conn: &Connection,
    hash: &str,
    chain_id: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE auth_code SET used = 1, chain_id = ?2 WHERE code_sha256 = ?1 AND used = 0",
        )?
        .execute([hash, chain_id])?;
    Ok(n == 1)
}

/// A chain to store.
#[derive(Debug, Clone)]
pub(crate) struct NewChain<'a> {
    pub id: &'a str,
    pub client_id: &'a str,
    pub authorization_id: Option<i64>,
    pub user_email: &'a str,
    pub role: i64,
    pub entity: i64,
    pub scopes: &'a [String],
    pub oit: i64,
    pub expires: i64,
}

pub(crate) fn insert_chain(conn: &Connection, c: &NewChain<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO token_chain (id, client_id, authorization_id, user_email, role, entity, \
         scopes, oit, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        c.id,
        c.client_id,
        c.authorization_id,
        c.user_email,
        c.role,
        c.entity,
        json_list(c.scopes),
        c.oit,
        c.expires,
    ])?;
    Ok(())
}

/// Revokes a chain: its refresh tokens and its access tokens. Whether it was live.
pub(crate) fn revoke_chain(
    conn: &Connection,
    chain_id: &str,
    reason: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE token_chain SET revoked = 1, revoked_reason = ?2 WHERE id = ?1 AND revoked = 0",
        )?
        .execute([chain_id, reason])?;
    conn.prepare_cached("UPDATE refresh_token SET revoked = 1 WHERE chain_id = ?1")?
        .execute([chain_id])?;
    conn.prepare_cached("UPDATE access_token SET revoked = 1 WHERE chain_id = ?1")?
        .execute([chain_id])?;
    Ok(n > 0)
}

pub(crate) fn insert_refresh(
    conn: &Connection,
    jti: &str,
    chain_id: &str,
    client_id: &str,
    iat: i64,
    exp: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO refresh_token (jti, chain_id, client_id, iat, exp) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![jti, chain_id, client_id, iat, exp])?;
    Ok(())
}

/// A stored refresh token with its chain.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRow {
    pub chain_id: String,
    pub client_id: String,
    pub exp: i64,
    pub used: bool,
    pub revoked: bool,
    pub chain_revoked: bool,
    pub chain_revoked_reason: Option<String>,
    pub authorization_id: Option<i64>,
    pub user_email: String,
    pub role: i64,
    pub entity: i64,
    pub scopes: Vec<String>,
    pub oit: i64,
}

pub(crate) fn find_refresh(conn: &Connection, jti: &str) -> rusqlite::Result<Option<RefreshRow>> {
    conn.prepare_cached(
        "SELECT t.chain_id, t.client_id, t.exp, t.used, t.revoked, c.revoked, c.revoked_reason, \
         c.authorization_id, c.user_email, c.role, c.entity, c.scopes, c.oit \
         FROM refresh_token t JOIN token_chain c ON c.id = t.chain_id WHERE t.jti = ?1",
    )?
    .query_row([jti], |r: &Row<'_>| {
        Ok(RefreshRow {
            chain_id: r.get(0)?,
            client_id: r.get(1)?,
            exp: r.get(2)?,
            used: r.get(3)?,
            revoked: r.get(4)?,
            chain_revoked: r.get(5)?,
            chain_revoked_reason: r.get(6)?,
            authorization_id: r.get(7)?,
            user_email: r.get(8)?,
            role: r.get(9)?,
            entity: r.get(10)?,
            scopes: parse_list(&r.get::<_, String>(11)?),
            oit: r.get(12)?,
        })
    })
    .optional()
}

/// Marks a public client's refresh token used; false when it already was (a race).
pub(crate) fn use_refresh(conn: &Connection, jti: &str) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE refresh_token SET used = 1 WHERE jti = ?1 AND used = 0")?
        .execute([jti])?;
    Ok(n == 1)
}

/// The chain of an access token, and its client.
pub(crate) fn access_token_owner(
    conn: &Connection,
    jti: &str,
) -> rusqlite::Result<Option<(String, Option<String>)>> {
    conn.prepare_cached("SELECT client_id, chain_id FROM access_token WHERE jti = ?1")?
        .query_row([jti], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Revokes one access token; whether it existed.
pub(crate) fn revoke_access_token(conn: &Connection, jti: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("UPDATE access_token SET revoked = 1 WHERE jti = ?1", [jti])? > 0)
}

/// Revokes a token by `jti`: a refresh token revokes its chain, an access token only
/// itself. Whether something was found.
pub(crate) fn revoke_jti(conn: &Connection, jti: &str) -> rusqlite::Result<bool> {
    if let Some(row) = find_refresh(conn, jti)? {
        revoke_chain(conn, &row.chain_id, "revoked by an administrator")?;
        return Ok(true);
    }
    revoke_access_token(conn, jti)
}

/// Tokens not yet expired (and, with `all`, expired ones still on record), newest first,
/// at most `limit`.
pub(crate) fn list_tokens(
    conn: &Connection,
    now: i64,
    all: bool,
    limit: i64,
) -> rusqlite::Result<Vec<IssuedToken>> {
    let floor = if all { i64::MIN } else { now };
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT jti, client_id, chain_id, certificate_id, iat, exp, revoked FROM access_token \
         WHERE exp > ?1 ORDER BY iat DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![floor, limit], |r| {
        Ok(IssuedToken {
            jti: r.get(0)?,
            kind: TokenKind::Access,
            client_id: r.get(1)?,
            chain_id: r.get(2)?,
            certificate_id: r.get(3)?,
            iat: r.get(4)?,
            exp: r.get(5)?,
            revoked: r.get(6)?,
            used: false,
        })
    })?;
    for r in rows {
        out.push(r?);
    }
    let mut stmt = conn.prepare(
        "SELECT jti, client_id, chain_id, iat, exp, revoked, used FROM refresh_token \
         WHERE exp > ?1 ORDER BY iat DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![floor, limit], |r| {
        Ok(IssuedToken {
            jti: r.get(0)?,
            kind: TokenKind::Refresh,
            client_id: r.get(1)?,
            chain_id: Some(r.get(2)?),
            certificate_id: None,
            iat: r.get(3)?,
            exp: r.get(4)?,
            revoked: r.get(5)?,
            used: r.get(6)?,
        })
    })?;
    for r in rows {
        out.push(r?);
    }
    out.sort_by(|a, b| b.iat.cmp(&a.iat).then_with(|| a.kind.cmp(&b.kind)));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}
