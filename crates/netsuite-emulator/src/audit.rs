//! The login audit trail: every refused token request and bearer call, with the
//! "Detail" code NetSuite shows at Setup > Users/Roles > User Management > View Login
//! Audit Trail, and a one-line explanation.

use std::fmt;

use rusqlite::Connection;
use serde::Serialize;

/// One line of the login audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
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
/// NetSuite documents these names for the Login Audit Trail; `InvalidRequest` is the
/// emulator's own, for requests too malformed to reach authentication.
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
}

impl AuditCode {
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
        }
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
    let mut stmt =
        conn.prepare_cached("SELECT time, client_id, code, detail FROM login_audit ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(AuditEntry {
            time: r.get(0)?,
            client_id: r.get(1)?,
            code: r.get(2)?,
            detail: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
