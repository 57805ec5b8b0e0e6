//! SQLite storage: every table and index of the emulator (the base schema, the
//! authorization server's tables and the columns added to older databases, the
//! record tables shared with SuiteQL, the async job table), a small connection pool,
//! and the bound on blocking work.
//!
//! Every request reads the database, never a cache: the CLI adds integrations and
//! mappings from another process on the same data directory while a server runs.
//! File databases use WAL with `synchronous=NORMAL` and a busy timeout, and keep up
//! to [`MAX_IDLE`] connections open; an in-memory database has one connection.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use netsuite_suiteql::Model;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use tokio::sync::Semaphore;

use crate::error::Error;

/// The database file inside the data directory.
pub const DB_FILE: &str = "emulator.sqlite3";

/// Connections kept open for reuse.
pub(crate) const MAX_IDLE: usize = 16;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS integration (
    client_id           TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    secret_sha256       TEXT,
    m2m                 INTEGER NOT NULL,
    auth_code           INTEGER NOT NULL,
    public              INTEGER NOT NULL,
    redirect_uris       TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    allow_http_loopback INTEGER NOT NULL,
    application_id      TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'enabled',
    created             INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mapping (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id  TEXT NOT NULL,
    client_id       TEXT NOT NULL REFERENCES integration(client_id),
    role            INTEGER NOT NULL,
    entity          INTEGER NOT NULL,
    certificate_pem TEXT NOT NULL,
    key_kind        TEXT NOT NULL,
    key_name        TEXT NOT NULL,
    algorithm       TEXT NOT NULL,
    public_key      BLOB NOT NULL,
    not_before      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    revoked         INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL,
    UNIQUE (client_id, certificate_id)
);
CREATE INDEX IF NOT EXISTS mapping_certificate ON mapping(certificate_id);
CREATE TABLE IF NOT EXISTS access_token (
    jti            TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    certificate_id TEXT,
    scopes         TEXT NOT NULL,
    iat            INTEGER NOT NULL,
    exp            INTEGER NOT NULL,
    revoked        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS login_audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time      INTEGER NOT NULL,
    client_id TEXT,
    code      TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record (
    type        TEXT NOT NULL,
    id          INTEGER NOT NULL,
    external_id TEXT,
    body        TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS record_external_id ON record(type, external_id)
    WHERE external_id IS NOT NULL;
"#;

const OAUTH_TABLES: &str = r#"
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

/// Columns added to the base schema (older databases lack them)'s tables: (table, column, definition).
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

/// The async job table.
const ASYNC_JOB_TABLE: &str = r#"
CREATE TABLE IF NOT EXISTS async_job (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT UNIQUE,
    client_id       TEXT,
    created         INTEGER NOT NULL,
    started         INTEGER,
    finished        INTEGER,
    progress        TEXT NOT NULL,
    status          INTEGER,
    location        TEXT,
    content_type    TEXT,
    body            BLOB
);
"#;

/// Indexes beyond those of the model's generated DDL (`Model::schema_sql`): a narrow covering index
/// on transaction ids, which lets SQLite count a keyset range (`id > :last`) without
/// reading whole rows.
const EXTRA_INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS transaction_id ON "transaction"(id);
"#;

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

/// Brings a database to the current schema: the base tables, the authorization
/// server's tables (adding the columns older databases lack), the record tables
/// shared with SuiteQL and their extra indexes, and the async job table. Idempotent;
/// runs inside the opening transaction.
pub(crate) fn migrate(conn: &Connection, model: &Model) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(OAUTH_TABLES)?;
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
    conn.execute_batch(model.schema_sql())?;
    conn.execute_batch(EXTRA_INDEXES)?;
    conn.execute_batch(ASYNC_JOB_TABLE)?;
    Store::stamp_version(conn)
}

enum Backend {
    Memory(Mutex<Connection>),
    File {
        path: PathBuf,
        idle: Mutex<Vec<Connection>>,
    },
}

/// The database: a pool of connections to one SQLite file, or one in-memory
/// connection, and the permits of blocking work. Cheap to clone (an `Arc` inside):
/// every plane holds the same store.
#[derive(Clone)]
pub(crate) struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    label: String,
    /// Writers of this process take turns here rather than in SQLite's busy handler,
    /// whose sleeps (1, 2, 5, 10 … 100 ms) would make tail latencies under load.
    writer: Mutex<()>,
    /// Blocking work (SQLite, signatures) allowed at once; also bounds the pool.
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.inner.label)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Store {
    /// Opens (creating when missing) `dir/emulator.sqlite3`, or an in-memory database.
    pub(crate) fn open(dir: Option<&Path>, model: &Model) -> Result<Self, Error> {
        match dir {
            None => {
                let conn = Connection::open_in_memory().map_err(|e| storage(":memory:", e))?;
                configure(&conn).map_err(|e| storage(":memory:", e))?;
                migrate(&conn, model).map_err(|e| storage(":memory:", e))?;
                Ok(Self::new(
                    Backend::Memory(Mutex::new(conn)),
                    ":memory:".into(),
                ))
            }
            Some(dir) => {
                check_private(dir, "data directory", 0o700)?;
                create_private_dir(dir)?;
                let path = dir.join(DB_FILE);
                for (file, what) in [
                    (&path, "database file"),
                    (&sidecar(&path, "-wal"), "write-ahead log"),
                    (&sidecar(&path, "-shm"), "shared-memory file"),
                ] {
                    check_private(file, what, 0o600)?;
                }
                create_private_file(&path)?;
                let label = path.display().to_string();
                let conn = open_file(&path).map_err(|e| opening(&path, e))?;
                check_ours(&conn, &path)?;
                // WAL is a property of the file: set once, every later connection uses it.
                let mode: String = conn
                    .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                    .map_err(|e| storage(&label, e))?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(Error::Corrupt {
                        path: label,
                        reason: format!("SQLite refused WAL mode (journal_mode is {mode})"),
                    });
                }
                with_immediate(&conn, |c| migrate(c, model)).map_err(|e| storage(&label, e))?;
                let backend = Backend::File {
                    path,
                    idle: Mutex::new(vec![conn]),
                };
                Ok(Self::new(backend, label))
            }
        }
    }

    fn new(backend: Backend, label: String) -> Self {
        Self {
            inner: Arc::new(Inner {
                backend,
                label,
                writer: Mutex::new(()),
                permits: Arc::new(Semaphore::new(MAX_IDLE)),
            }),
        }
    }

    /// The database file's path, or `:memory:`.
    pub(crate) fn label(&self) -> &str {
        &self.inner.label
    }

    /// Runs blocking work (SQLite, signatures) with `state` on tokio's blocking pool,
    /// a bounded number at a time; never holds a lock across an await.
    pub(crate) async fn run_blocking<S, T, F>(&self, state: &S, f: F) -> Result<T, Error>
    where
        S: Clone + Send + 'static,
        F: FnOnce(&S) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal {
                reason: "the request limiter was closed".into(),
            })?;
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            let out = f(&state);
            drop(permit);
            out
        })
        .await
        .map_err(|e| Error::Internal {
            reason: format!("a request handler stopped: {e}"),
        })?
    }

    /// The database file, for a file-backed store.
    pub(crate) fn path(&self) -> Option<&Path> {
        match &self.inner.backend {
            Backend::Memory(_) => None,
            Backend::File { path, .. } => Some(path),
        }
    }

    /// Runs `f` on a connection; SQLite errors become [`Error::Storage`].
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        self.try_with(|c| f(c).map_err(|e| storage(self.label(), e)))
    }

    /// Runs `f` on a connection, for closures that produce the crate's errors.
    pub(crate) fn try_with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match &self.inner.backend {
            Backend::Memory(conn) => f(&mut lock(conn)),
            Backend::File { path, idle } => {
                let pooled = lock(idle).pop();
                let mut conn = match pooled {
                    Some(c) => c,
                    None => open_file(path).map_err(|e| storage(self.label(), e))?,
                };
                let out = f(&mut conn);
                if !conn.is_autocommit() {
                    // A transaction left open by an error path: do not reuse it.
                    return out;
                }
                let mut idle = lock(idle);
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                out
            }
        }
    }

    /// Runs `f` inside a `BEGIN IMMEDIATE` transaction (one writer at a time, across
    /// processes), committing when it returns `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _turn = lock(&self.inner.writer);
        self.try_with(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| storage(self.label(), e))?;
            let out = f(&tx)?;
            tx.commit().map_err(|e| storage(self.label(), e))?;
            Ok(out)
        })
    }

    /// A value from the `meta` table.
    pub(crate) fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
        conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    /// Sets a value in the `meta` table unless it is already set.
    pub(crate) fn set_meta_once(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    /// Records the schema version on a fresh database.
    pub(crate) fn stamp_version(conn: &Connection) -> rusqlite::Result<()> {
        Self::set_meta_once(conn, "schema_version", &SCHEMA_VERSION.to_string())
    }
}

/// Maps a SQLite error to [`Error::Storage`] for the database at `label`.
pub(crate) fn storage(label: &str, source: rusqlite::Error) -> Error {
    Error::Storage {
        path: label.to_owned(),
        source,
    }
}

/// The file behind `conn`, or `:memory:`, for error messages.
pub(crate) fn label_of(conn: &Connection) -> String {
    match conn.path() {
        Some(p) if !p.is_empty() => p.to_owned(),
        _ => ":memory:".to_owned(),
    }
}

fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
    // Reads through a memory map rather than read(2) into each connection's own page
    // cache: a SuiteQL page deep into a million transactions costs a third as much.
    conn.execute_batch("PRAGMA mmap_size=4294967296;")?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(())
}

fn with_immediate(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// `emulator.sqlite3-wal` and `-shm` beside the database.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Refuses a data directory or database file that others can change — writable by
/// group or others, or owned by another user — since what it holds decides which
/// clients and tokens the emulator accepts. A missing path is fine (it is created
/// private).
#[cfg(unix)]
fn check_private(path: &Path, what: &str, mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    let unusable = |reason: String, fix: String| Error::UnusableData {
        path: path.to_owned(),
        reason,
        fix,
    };
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(unusable(
            format!(
                "the {what} belongs to user id {}, not to you (user id {me})",
                meta.uid()
            ),
            format!(
                "use a --data-dir of your own, or take it over: chown {me} {}",
                path.display()
            ),
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unusable(
            format!(
                "the {what} is writable by group or others (mode {:03o})",
                meta.mode() & 0o777
            ),
            format!("chmod {mode:o} {}", path.display()),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _what: &str, _mode: u32) -> Result<(), Error> {
    Ok(())
}

/// Refuses a database the emulator did not write (another program's SQLite file, or
/// a file that is not SQLite at all) and one written by a newer emulator, before
/// anything changes it.
const ELSEWHERE: &str = "give the emulator a --data-dir of its own (an empty or new directory); it does not write into databases it did not create";

/// An error opening the database file: a file that is not SQLite is named as such.
fn opening(path: &Path, e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            Error::UnusableData {
                path: path.to_owned(),
                reason: format!("{DB_FILE} is not an SQLite database"),
                fix: ELSEWHERE.to_owned(),
            }
        }
        e => storage(&path.display().to_string(), e),
    }
}

fn check_ours(conn: &Connection, path: &Path) -> Result<(), Error> {
    let unusable = |reason: String, fix: &str| Error::UnusableData {
        path: path.to_owned(),
        reason,
        fix: fix.to_owned(),
    };
    let tables: rusqlite::Result<Vec<String>> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect());
    let tables = tables.map_err(|e| opening(path, e))?;
    if tables.is_empty() {
        return Ok(());
    }
    if !tables.iter().any(|t| t == "meta") {
        let mut names = tables
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if tables.len() > 5 {
            names.push_str(", …");
        }
        return Err(unusable(
            format!(
                "{DB_FILE} is another program's SQLite database (tables {names}), not the emulator's"
            ),
            ELSEWHERE,
        ));
    }
    let version =
        Store::meta(conn, "schema_version").map_err(|e| storage(&path.display().to_string(), e))?;
    if let Some(version) = version {
        match version.parse::<i64>() {
            Ok(v) if v <= SCHEMA_VERSION => {}
            Ok(v) => {
                return Err(unusable(
                    format!(
                        "its schema version is {v}, written by a newer netsuite; this one knows versions up to {SCHEMA_VERSION}"
                    ),
                    "use the netsuite that wrote it (or a newer one), or another --data-dir",
                ));
            }
            Err(_) => {
                return Err(Error::Corrupt {
                    path: path.display().to_string(),
                    reason: format!("the schema version {version:?} is not a number"),
                });
            }
        }
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    let fail = |source| Error::DataDir {
        path: dir.to_owned(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(fail)
}

fn create_private_file(path: &Path) -> Result<(), Error> {
    if path.exists() {
        return Ok(());
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| Error::DataDir {
            path: path.to_owned(),
            source,
        })
}
