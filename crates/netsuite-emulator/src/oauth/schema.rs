//! The authorization server's tables, added to a database on open: columns that older
//! databases lack are added with `ALTER TABLE`, so a data directory made by an earlier
//! emulator keeps its integrations, mappings and tokens.

use rusqlite::Connection;

const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS oauth_authorization (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   TEXT NOT NULL,
    user_email  TEXT NOT NULL,
    role        INTEGER NOT NULL,
    entity      INTEGER NOT NULL,
    scopes      TEXT NOT NULL,
    created     INTEGER NOT NULL,
    last_used   INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS oauth_authorization_client
    ON oauth_authorization(client_id, user_email);
CREATE TABLE IF NOT EXISTS authorize_flow (
    id_sha256      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    state          TEXT NOT NULL,
    challenge      TEXT,
    prompt_login   INTEGER NOT NULL,
    prompt_consent INTEGER NOT NULL,
    user_email     TEXT,
    created        INTEGER NOT NULL,
    expires        INTEGER NOT NULL,
    done           INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS login_session (
    id_sha256  TEXT PRIMARY KEY,
    user_email TEXT NOT NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_code (
    code_sha256      TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    redirect_uri     TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    challenge        TEXT,
    role             INTEGER NOT NULL,
    entity           INTEGER NOT NULL,
    user_email       TEXT NOT NULL,
    authorization_id INTEGER,
    created          INTEGER NOT NULL,
    expires          INTEGER NOT NULL,
    used             INTEGER NOT NULL DEFAULT 0,
    chain_id         TEXT,
    state_sha256     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_code_state ON auth_code(client_id, state_sha256);
CREATE TABLE IF NOT EXISTS token_chain (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    authorization_id INTEGER,
    user_email       TEXT NOT NULL,
    role             INTEGER NOT NULL,
    entity           INTEGER NOT NULL,
    scopes           TEXT NOT NULL,
    oit              INTEGER NOT NULL,
    expires          INTEGER NOT NULL,
    revoked          INTEGER NOT NULL DEFAULT 0,
    revoked_reason   TEXT
);
CREATE INDEX IF NOT EXISTS token_chain_client ON token_chain(client_id);
CREATE TABLE IF NOT EXISTS refresh_token (
    jti      TEXT PRIMARY KEY,
    chain_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    iat      INTEGER NOT NULL,
    exp      INTEGER NOT NULL,
    used     INTEGER NOT NULL DEFAULT 0,
    revoked  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_token_chain ON refresh_token(chain_id);
"#;

/// Columns added to the base schema's tables: (table, column, definition).
const COLUMNS: [(&str, &str, &str); 4] = [
    (
        "integration",
        "consent_policy",
        "TEXT NOT NULL DEFAULT 'always'",
    ),
    ("integration", "refresh_token_hours", "INTEGER"),
    ("integration", "max_rotation_hours", "INTEGER"),
    ("access_token", "chain_id", "TEXT"),
];

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Creates the tables and adds missing columns; runs inside the opening transaction.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TABLES)?;
    for (table, column, definition) in COLUMNS {
        if !has_column(conn, table, column)? {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {definition}"
            ))?;
        }
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS access_token_chain ON access_token(chain_id) \
         WHERE chain_id IS NOT NULL",
    )?;
    Ok(())
}

/// Forgets what can no longer be used: flows, sessions and codes a day after they
/// expired, chains (with their tokens' rows) a day after their last refresh token expired.
pub(crate) fn prune(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    let cutoff = now - 86_400;
    conn.execute("DELETE FROM authorize_flow WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM login_session WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM auth_code WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM refresh_token WHERE exp < ?1", [cutoff])?;
    conn.execute("DELETE FROM token_chain WHERE expires < ?1", [cutoff])?;
    Ok(())
}
