//! The login audit trail: every refused token request and bearer call, with the
//! "Detail" code NetSuite shows at Setup > Users/Roles > User Management > View Login
//! Audit Trail, and a one-line explanation.

use std::fmt;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::truncate;

/// One line of the login audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the trail (increasing).
    pub id: i64,
    /// When it happened, unix seconds.
    pub time: i64,
    /// The integration's client id, when the request could be tied to one.
    pub client_id: Option<String>,
    /// NetSuite's Detail code, e.g. `InvalidSignature` or `ScopeMismatched`.
    pub code: String,
    /// What exactly was wrong, in one line.
    pub detail: String,
}

/// The Detail codes the emulator writes.
///
/// NetSuite documents most of these names for the Login Audit Trail (see
/// [`AuditCode::is_netsuite`]); the others are the emulator's own, for cases NetSuite's
/// documentation does not name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum AuditCode {
    /// The token request itself is malformed (form, grant type, assertion type, JWT syntax).
    InvalidRequest,
    /// The signature does not verify, or its algorithm is refused or does not fit the key.
    InvalidSignature,
    /// The assertion names no known certificate (`kid`) or integration.
    UnknownIntegration,
    /// The integration or mapping cannot be used: revoked, expired, blocked, no M2M.
    InvalidIntegration,
    /// The client could not be authenticated (`iss` is not the mapping's client id).
    ClientAuthenticationFailed,
    /// The token or assertion is not acceptable (`aud`, lifetime, `iat`, unknown token).
    TokenRejected,
    /// The access token or assertion has expired.
    AccessTokenExpired,
    /// The requested or carried scope does not match what is allowed.
    ScopeMismatched,
    /// The scope claim is empty or an invalid combination (`mcp` with others).
    InvalidScope,
    /// The authorize request's `state` is missing, not 22 to 1024 printable ASCII
    /// characters, or already used.
    InvalidState,
    /// The redirect URI is missing or not one of the integration record's.
    InvalidRedirectURI,
    /// The integration record does not have the Authorization Code grant enabled.
    AuthorizationCodeGrantRequired,
    /// The refresh token (or its chain's maximum rotation time) has expired.
    RefreshTokenExpired,
    /// The role or entity cannot be used (not one of the user's roles).
    EntityOrRoleDisabled,
    /// Emulator: the authorization code is unknown, expired, or not this client's.
    InvalidAuthorizationCode,
    /// Emulator: the authorization code was already exchanged; the tokens issued from
    /// it are revoked.
    AuthorizationCodeReplayed,
    /// Emulator: the PKCE `code_verifier` is missing, malformed or does not match.
    InvalidCodeVerifier,
    /// Emulator: a public client's one-time refresh token was used again; its chain is
    /// revoked.
    RefreshTokenReused,
    /// Emulator: the user clicked Deny on the consent page.
    AccessDenied,
    /// Emulator: `prompt=none` without a login session.
    LoginRequired,
    /// Emulator: `prompt=none` when the consent page would have to be shown.
    ConsentRequired,
    /// Emulator: wrong email address or password on the login page.
    InvalidCredentials,
}

impl AuditCode {
    /// Every code, NetSuite's first.
    pub const ALL: [AuditCode; 22] = [
        AuditCode::InvalidSignature,
        AuditCode::UnknownIntegration,
        AuditCode::InvalidIntegration,
        AuditCode::ClientAuthenticationFailed,
        AuditCode::TokenRejected,
        AuditCode::AccessTokenExpired,
        AuditCode::ScopeMismatched,
        AuditCode::InvalidScope,
        AuditCode::InvalidState,
        AuditCode::InvalidRedirectURI,
        AuditCode::AuthorizationCodeGrantRequired,
        AuditCode::RefreshTokenExpired,
        AuditCode::EntityOrRoleDisabled,
        AuditCode::InvalidRequest,
        AuditCode::InvalidAuthorizationCode,
        AuditCode::AuthorizationCodeReplayed,
        AuditCode::InvalidCodeVerifier,
        AuditCode::RefreshTokenReused,
        AuditCode::AccessDenied,
        AuditCode::LoginRequired,
        AuditCode::ConsentRequired,
        AuditCode::InvalidCredentials,
    ];

    /// The code as NetSuite writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditCode::InvalidRequest => "InvalidRequest",
            AuditCode::InvalidSignature => "InvalidSignature",
            AuditCode::UnknownIntegration => "UnknownIntegration",
            AuditCode::InvalidIntegration => "InvalidIntegration",
            AuditCode::ClientAuthenticationFailed => "ClientAuthenticationFailed",
            AuditCode::TokenRejected => "TokenRejected",
            AuditCode::AccessTokenExpired => "AccessTokenExpired",
            AuditCode::ScopeMismatched => "ScopeMismatched",
            AuditCode::InvalidScope => "InvalidScope",
            AuditCode::InvalidState => "InvalidState",
            AuditCode::InvalidRedirectURI => "InvalidRedirectURI",
            AuditCode::AuthorizationCodeGrantRequired => "AuthorizationCodeGrantRequired",
            AuditCode::RefreshTokenExpired => "RefreshTokenExpired",
            AuditCode::EntityOrRoleDisabled => "EntityOrRoleDisabled",
            AuditCode::InvalidAuthorizationCode => "InvalidAuthorizationCode",
            AuditCode::AuthorizationCodeReplayed => "AuthorizationCodeReplayed",
            AuditCode::InvalidCodeVerifier => "InvalidCodeVerifier",
            AuditCode::RefreshTokenReused => "RefreshTokenReused",
            AuditCode::AccessDenied => "AccessDenied",
            AuditCode::LoginRequired => "LoginRequired",
            AuditCode::ConsentRequired => "ConsentRequired",
            AuditCode::InvalidCredentials => "InvalidCredentials",
        }
    }

    /// Whether NetSuite's documentation names this code (the others are the emulator's).
    pub fn is_netsuite(self) -> bool {
        matches!(
            self,
            AuditCode::InvalidSignature
                | AuditCode::UnknownIntegration
                | AuditCode::InvalidIntegration
                | AuditCode::ClientAuthenticationFailed
                | AuditCode::TokenRejected
                | AuditCode::AccessTokenExpired
                | AuditCode::ScopeMismatched
                | AuditCode::InvalidScope
                | AuditCode::InvalidState
                | AuditCode::InvalidRedirectURI
                | AuditCode::AuthorizationCodeGrantRequired
                | AuditCode::RefreshTokenExpired
                | AuditCode::EntityOrRoleDisabled
        )
    }
}

impl fmt::Display for AuditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest explanation kept; longer ones are cut (they may quote request data).
const MAX_DETAIL: usize = 1000;

/// Appends an entry.
pub(crate) fn insert(
    conn: &Connection,
    time: i64,
    client_id: Option<&str>,
    code: AuditCode,
    detail: &str,
) -> rusqlite::Result<()> {
    let detail = truncate(detail, MAX_DETAIL);
    conn.prepare_cached(
        "INSERT INTO login_audit (time, client_id, code, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![time, client_id, code.as_str(), detail])?;
    Ok(())
}

/// Entries kept: older ones are dropped when the emulator opens.
pub const MAX_ENTRIES: i64 = 100_000;

/// Drops all but the newest [`MAX_ENTRIES`] entries.
pub(crate) fn prune(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM login_audit WHERE id <= (SELECT MAX(id) FROM login_audit) - ?1",
        [MAX_ENTRIES],
    )
}

/// Every entry, oldest first.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<AuditEntry>> {
    list_after(conn, 0, i64::MAX)
}

/// Entries with an id above `after`, oldest first, at most `limit`.
pub(crate) fn list_after(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, time, client_id, code, detail FROM login_audit WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map([after, limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            time: r.get(1)?,
            client_id: r.get(2)?,
            code: r.get(3)?,
            detail: r.get(4)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_once() {
        let names: std::collections::HashSet<&str> =
            AuditCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), AuditCode::ALL.len());
        assert_eq!(
            AuditCode::ALL.iter().filter(|c| c.is_netsuite()).count(),
            13
        );
        assert!(!AuditCode::InvalidRequest.is_netsuite());
        assert_eq!(truncate("héllo", 2), "h");
    }
}
