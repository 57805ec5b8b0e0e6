//! Exporting every row of a SuiteQL query, past NetSuite's 100,000-row paging
//! ceiling, in parallel within the governance budget, with memory that does not grow
//! with the row count, and resumable.
//!
//! How it pages:
//! 1. The first page (offset 0) is read. If it holds every row, that is the export.
//! 2. When the result fits the 100,000 rows NetSuite pages through by offset and no
//!    key was asked for, the pages (offsets that are multiples of the page size) are
//!    fetched in parallel and written in order: **rows come out in the query's
//!    order** (give it a unique `ORDER BY` so that pages neither overlap nor skip).
//! 3. Otherwise it pages by keyset on a unique column (`id` unless
//!    [`ExportOptions::key`] names another; the query must select it):
//!    `SELECT MIN(k), MAX(k), COUNT(k) FROM (query)` gives the key range, which is
//!    split into partitions of about [`ExportOptions::rows_per_partition`] rows;
//!    partitions are fetched in parallel, each page being
//!    `SELECT * FROM (query) WHERE k > last AND k <= hi ORDER BY k` at offset 0, so
//!    no request ever goes past the ceiling. **Rows come out in ascending key order**:
//!    partitions are written in key order; one being fetched ahead of the one being
//!    written keeps at most its own channel of pages, and at most a window of
//!    partitions (twice the concurrency) is open at once, so memory is bounded by
//!    window x pages per partition x page size whatever the row count. A key that
//!    is not a whole number is paged in one partition, by text comparison.
//!    A key whose values are dates is refused ([`Error::InvalidRequest`]): SuiteQL
//!    answers dates in the user's date format (`1/10/2025`), which does not sort as
//!    text, shows date-times to the minute at best, and dates repeat, so paging by
//!    them would lose or repeat rows; page by `id` and filter dates in the query.
//!    Partitions have equal key widths: with evenly spread keys (internal ids) they
//!    hold about the same rows; with clustered keys some hold more, which costs
//!    parallelism (such a partition is fetched page after page), never rows or
//!    memory.
//!
//! Rows with no value in the key column cannot be paged by it: the export refuses
//! to start when there are any. A key that is not unique loses rows at page
//! boundaries: the summary's `expected_rows` tells (the CLI warns).
//!
//! Resuming ([`Client::export_to_file`] with `resume`): a checkpoint beside the output
//! (`OUT.checkpoint`, JSON) records the query and options, the bytes of output
//! written and the frontier: the last key written (keyset) or the pages written
//! (offset). Because output is written in order, everything up to the frontier is in
//! the file and nothing after it: a resume truncates the file to the checkpointed
//! length and continues after the frontier, so every row is written exactly once.
//! The output is flushed and synced to disk before each checkpoint (about once a
//! second), which is written atomically (a temporary file and a rename). The
//! checkpoint is deleted when the export completes. It carries the SHA-256 of the
//! output up to its length and a seal over its own content: a resume refuses an
//! output that was changed, truncated or swapped, and a checkpoint that was edited.
//! The output is locked while an export writes it (a second one is refused with
//! [`Error::OutputBusy`]), and an export dropped midway (Ctrl-C) saves its checkpoint.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};

use crate::record::{MAX_PAGE_SIZE, OFFSET_CEILING};
use crate::suiteql::{Row, value_text};
use crate::{Client, Error};

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per line, columns in the query's order.
    Ndjson,
    /// RFC 4180 CSV with a header line (the columns of the first page).
    Csv,
    /// One JSON array (cannot be resumed).
    Json,
}

/// How an export paged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportMode {
    /// One page held everything.
    Single,
    /// Offsets, in parallel (up to 100,000 rows).
    Offset,
    /// Keyset on a unique column, partitions in parallel.
    Keyset,
}

/// Progress, reported after each page written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportProgress {
    /// Rows written so far (this run and any resumed one).
    pub rows: u64,
    /// Rows expected in all, when known.
    pub total: Option<u64>,
    /// Bytes of output.
    pub bytes: u64,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&ExportProgress) + Send + Sync>;

/// Options of an export.
#[derive(Clone)]
pub struct ExportOptions {
    /// The output format.
    pub format: ExportFormat,
    /// The keyset column; `None` pages by offset when the result fits 100,000 rows
    /// and by `id` otherwise.
    pub key: Option<String>,
    /// Rows per page (at most 1000).
    pub page_size: u64,
    /// Rows per keyset partition (about).
    pub rows_per_partition: u64,
    /// Called after each page written.
    pub progress: Option<ProgressFn>,
    /// How often the checkpoint of a file export is saved (the output is synced to
    /// disk first); one second by default.
    pub checkpoint_every: Duration,
}

impl std::fmt::Debug for ExportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportOptions")
            .field("format", &self.format)
            .field("key", &self.key)
            .field("page_size", &self.page_size)
            .field("rows_per_partition", &self.rows_per_partition)
            .finish_non_exhaustive()
    }
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            format: ExportFormat::Ndjson,
            key: None,
            page_size: MAX_PAGE_SIZE,
            rows_per_partition: 8 * MAX_PAGE_SIZE,
            progress: None,
            checkpoint_every: Duration::from_secs(1),
        }
    }
}

/// What an export did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportSummary {
    /// How it paged.
    pub mode: ExportMode,
    /// Rows in the output (resumed ones included).
    pub rows: u64,
    /// Bytes in the output.
    pub bytes: u64,
    /// Pages fetched in this run.
    pub pages: u64,
    /// Keyset partitions (1 otherwise).
    pub partitions: u64,
    /// Rows the keyset bounds query counted (with a unique key and unchanged data,
    /// equal to `rows`).
    pub expected_rows: Option<u64>,
    /// Rows that were already in the output when resuming.
    pub resumed_rows: Option<u64>,
}

/// The checkpoint of a file export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    version: u32,
    query: String,
    format: ExportFormat,
    key: Option<String>,
    page_size: u64,
    mode: ExportMode,
    columns: Vec<String>,
    /// Rows expected in all (offset mode: the total; keyset: written + remaining).
    total: Option<u64>,
    bytes: u64,
    rows: u64,
    /// Keyset: the last key written.
    last_key: Option<String>,
    /// Offset: pages written.
    pages_done: u64,
    /// SHA-256 (hex) of the output's first `bytes` bytes: a resume refuses a file
    /// that was changed, truncated mid-line or swapped.
    output_sha256: String,
    /// SHA-256 (hex) of the checkpoint itself with this field empty: a resume refuses
    /// an edited checkpoint (a `last_key` moved forward or back, another query).
    seal: String,
}

/// The version of checkpoints this code writes and reads.
const CHECKPOINT_VERSION: u32 = 2;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Checkpoint {
    /// The seal of this checkpoint's content.
    fn compute_seal(&self) -> String {
        let unsealed = Checkpoint {
            seal: String::new(),
            ..self.clone()
        };
        let bytes = serde_json::to_vec(&unsealed).unwrap_or_default();
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes).as_ref())
    }
}

/// The hash of the first `len` bytes of `file`, as a running context (to go on
/// hashing what a resume appends), or `None` when the file is shorter.
fn prefix_hash(file: &mut File, len: u64) -> std::io::Result<Option<aws_lc_rs::digest::Context>> {
    use std::io::{Read, Seek};
    file.seek(std::io::SeekFrom::Start(0))?;
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut left = len;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(left as usize);
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            return Ok(None);
        }
        ctx.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(Some(ctx))
}

/// Opens (creating it when `create`) and locks the output of a file export: a second
/// export to the same file is refused while this one runs (the lock goes with the
/// process, even one killed).
fn open_locked(path: &Path, create: bool) -> Result<File, Error> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)
        .map_err(|source| Error::Output {
            target: path.display().to_string(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::OutputBusy {
            path: path.to_owned(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Output {
            target: path.display().to_string(),
            source,
        }),
    }
}

/// Where a resumed or fresh export starts.
#[derive(Clone, Debug)]
enum Frontier {
    Start,
    Offset { pages_done: u64 },
    Key { last: Option<String> },
}

/// The checkpoint file of an output file: `OUT.checkpoint`.
pub fn checkpoint_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".checkpoint");
    PathBuf::from(s)
}

fn valid_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a key value is a date as NetSuite shows one in SuiteQL answers: in
/// any of the user's date formats (`1/10/2025`, `10.01.2025`, `10-Jan-2025`,
/// `2025-01-10`, ...), perhaps with a time of day (`3:04 pm`, `T15:04:05Z`).
fn looks_like_date(value: &str) -> bool {
    let v = value.trim();
    let iso_t = v.len() > 10 && v.as_bytes()[10] == b'T';
    let (date, time) = match v.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None if iso_t => (&v[..10], Some(&v[11..])),
        None => (v, None),
    };
    let time_ok = time.is_none_or(|t| {
        let t = t.trim_end_matches(['Z', 'z']);
        let t = t
            .strip_suffix("am")
            .or_else(|| t.strip_suffix("pm"))
            .or_else(|| t.strip_suffix("AM"))
            .or_else(|| t.strip_suffix("PM"))
            .unwrap_or(t)
            .trim_end();
        let parts: Vec<&str> = t.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    });
    let Some(sep) = date.chars().find(|c| matches!(c, '/' | '.' | '-')) else {
        return false;
    };
    let parts: Vec<&str> = date.split(sep).collect();
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let small =
        |p: &str| digits(p, 1..=2) || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_alphabetic()));
    time_ok
        && parts.len() == 3
        && ((digits(parts[0], 4..=4) && small(parts[1]) && small(parts[2]))
            || (small(parts[0]) && small(parts[1]) && digits(parts[2], 4..=4)))
}

/// Refuses a keyset on a column whose bounds are dates.
fn refuse_dates(key: &str, bounds: [&Option<String>; 2]) -> Result<(), Error> {
    match bounds
        .into_iter()
        .flatten()
        .find(|v| v.parse::<i64>().is_err() && looks_like_date(v))
    {
        Some(date) => Err(Error::InvalidRequest {
            reason: format!(
                "the key column {key:?} holds dates ({date:?}): NetSuite shows them in the user's date format, which does not sort as text, and to the minute at best, so several rows share a key and paging by it would lose or repeat rows"
            ),
        }),
        None => Ok(()),
    }
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Turns rows into output bytes.
#[derive(Debug)]
struct Encoder {
    format: ExportFormat,
    columns: Vec<String>,
    known: HashSet<String>,
    key: Option<String>,
}

/// One page, encoded.
#[derive(Debug)]
struct Chunk {
    bytes: Vec<u8>,
    rows: u64,
    last_key: Option<String>,
}

fn csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

impl Encoder {
    fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.format == ExportFormat::Csv {
            for (i, c) in self.columns.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_field(&mut out, c);
            }
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn encode(&self, rows: &[Row]) -> Result<Chunk, Error> {
        let mut out = Vec::with_capacity(rows.len() * 96);
        for row in rows {
            match self.format {
                ExportFormat::Ndjson | ExportFormat::Json => {
                    if self.format == ExportFormat::Json {
                        out.extend_from_slice(b",\n");
                    }
                    serde_json::to_writer(&mut out, row).map_err(|e| Error::InvalidRequest {
                        reason: format!("a row cannot be written as JSON: {e}"),
                    })?;
                    if self.format == ExportFormat::Ndjson {
                        out.push(b'\n');
                    }
                }
                ExportFormat::Csv => {
                    if let Some(extra) = row.columns().find(|c| !self.known.contains(*c)) {
                        return Err(Error::InvalidRequest {
                            reason: format!(
                                "column {extra:?} appeared after the CSV header was written (NetSuite leaves out columns that are NULL, and it was NULL on every row of the first page); wrap it in NVL(...) in the query, or use NDJSON"
                            ),
                        });
                    }
                    for (i, c) in self.columns.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        if let Some(v) = row.get(c) {
                            csv_field(&mut out, &value_text(v));
                        }
                    }
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        let last_key = match (&self.key, rows.last()) {
            (Some(k), Some(r)) => Some(r.text(k).ok_or_else(|| Error::InvalidRequest {
                reason: format!("a row has no value in the key column {k:?}"),
            })?),
            _ => None,
        };
        Ok(Chunk {
            bytes: out,
            rows: rows.len() as u64,
            last_key,
        })
    }
}

fn columns_of(rows: &[Row]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut cols = Vec::new();
    for r in rows {
        for c in r.columns() {
            if seen.insert(c.to_owned()) {
                cols.push(c.to_owned());
            }
        }
    }
    cols
}

/// A unit of work, written in order.
#[derive(Clone, Debug)]
enum Job {
    /// Already fetched (the first page).
    Ready(Vec<Row>),
    /// One page at an offset.
    Offset(u64),
    /// Keys in `(after, hi]`, by keyset.
    Range { after: i64, hi: i64 },
    /// Keys after `after` (text), by keyset, to the end.
    TextFrom { after: Option<String> },
}

enum Msg {
    Chunk(Chunk),
    Done,
    Failed(Error),
}

struct Ctx {
    client: Client,
    query: String,
    key: Option<String>,
    page_size: u64,
    encoder: Encoder,
}

impl Ctx {
    fn keyset_query(&self, key: &str, lower: &str, upper: Option<&str>) -> String {
        let mut q = format!("SELECT * FROM ({}) WHERE {key} > {lower}", self.query);
        if let Some(u) = upper {
            q.push_str(&format!(" AND {key} <= {u}"));
        }
        q.push_str(&format!(" ORDER BY {key}"));
        q
    }

    async fn run(&self, job: Job, tx: &mpsc::Sender<Msg>) -> Result<u64, Error> {
        let mut pages = 0;
        let send = |m: Msg| async move { tx.send(m).await.is_ok() };
        match job {
            Job::Ready(rows) => {
                send(Msg::Chunk(self.encoder.encode(&rows)?)).await;
            }
            Job::Offset(offset) => {
                let page = self
                    .client
                    .suiteql_page(&self.query, self.page_size, offset)
                    .await?;
                pages += 1;
                send(Msg::Chunk(self.encoder.encode(&page.items)?)).await;
            }
            Job::Range { mut after, hi } => {
                let key = self.key.as_deref().unwrap_or("id");
                while after < hi {
                    let q = self.keyset_query(key, &after.to_string(), Some(&hi.to_string()));
                    let page = self.client.suiteql_page(&q, self.page_size, 0).await?;
                    pages += 1;
                    if page.items.is_empty() {
                        break;
                    }
                    let chunk = self.encoder.encode(&page.items)?;
                    let last = chunk.last_key.as_deref().unwrap_or_default();
                    let next: i64 = last.trim().parse().map_err(|_| Error::InvalidRequest {
                        reason: format!("the key column {key:?} has a value that is not a whole number ({last:?})"),
                    })?;
                    if next <= after {
                        return Err(Error::InvalidRequest {
                            reason: format!(
                                "the rows did not come in ascending order of {key:?}; is it the column NetSuite sorts by?"
                            ),
                        });
                    }
                    after = next;
                    let more = page.has_more;
                    if !send(Msg::Chunk(chunk)).await || !more {
                        break;
                    }
                }
            }
            Job::TextFrom { mut after } => {
                let key = self.key.as_deref().unwrap_or("id");
                loop {
                    let q = match &after {
                        Some(a) => self.keyset_query(key, &sql_text(a), None),
                        None => format!(
                            "SELECT * FROM ({}) WHERE {key} IS NOT NULL ORDER BY {key}",
                            self.query
                        ),
                    };
                    let page = self.client.suiteql_page(&q, self.page_size, 0).await?;
                    pages += 1;
                    if page.items.is_empty() {
                        break;
                    }
                    let chunk = self.encoder.encode(&page.items)?;
                    if chunk.last_key == after {
                        return Err(Error::InvalidRequest {
                            reason: format!("paging by {key:?} made no progress; is it unique?"),
                        });
                    }
                    after = chunk.last_key.clone();
                    let more = page.has_more;
                    if !send(Msg::Chunk(chunk)).await || !more {
                        break;
                    }
                }
            }
        }
        send(Msg::Done).await;
        Ok(pages)
    }
}

/// Where output goes.
enum Out<'a> {
    File {
        file: BufWriter<File>,
        path: PathBuf,
        checkpoint: PathBuf,
        state: Box<Checkpoint>,
        saved: Instant,
        /// SHA-256 of everything written to the file so far.
        hash: Box<aws_lc_rs::digest::Context>,
    },
    Writer(&'a mut (dyn Write + Send)),
}

struct Sink<'a> {
    out: Out<'a>,
    format: ExportFormat,
    bytes: u64,
    rows: u64,
    total: Option<u64>,
    progress: Option<ProgressFn>,
    every: Duration,
    /// The export completed: no checkpoint is saved when the sink is dropped.
    done: bool,
}

impl Drop for Sink<'_> {
    /// An export dropped midway (Ctrl-C, SIGTERM, a cancelled task) saves its
    /// checkpoint: everything written in order so far, so `--resume` goes on from there.
    fn drop(&mut self) {
        if !self.done {
            let _ = self.maybe_checkpoint(true);
        }
    }
}

impl Sink<'_> {
    fn target(&self) -> String {
        match &self.out {
            Out::File { path, .. } => path.display().to_string(),
            Out::Writer(_) => "the output".into(),
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let target = self.target();
        let r = match &mut self.out {
            Out::File { file, hash, .. } => {
                hash.update(bytes);
                file.write_all(bytes)
            }
            Out::Writer(w) => w.write_all(bytes),
        };
        r.map_err(|source| Error::Output { target, source })?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn chunk(&mut self, chunk: &Chunk, frontier: &Frontier) -> Result<(), Error> {
        if chunk.rows > 0 {
            if self.format == ExportFormat::Json && self.rows == 0 {
                self.raw(b"[\n")?;
                self.raw(&chunk.bytes[2..])?;
            } else {
                self.raw(&chunk.bytes)?;
            }
        }
        self.rows += chunk.rows;
        if let Out::File { state, .. } = &mut self.out {
            state.bytes = self.bytes;
            state.rows = self.rows;
            match frontier {
                Frontier::Offset { pages_done } => state.pages_done = *pages_done,
                Frontier::Key { last } => {
                    if chunk.last_key.is_some() {
                        state.last_key = chunk.last_key.clone();
                    } else if state.last_key.is_none() {
                        state.last_key = last.clone();
                    }
                }
                Frontier::Start => {}
            }
        }
        self.maybe_checkpoint(false)?;
        if let Some(p) = &self.progress {
            p(&ExportProgress {
                rows: self.rows,
                total: self.total,
                bytes: self.bytes,
            });
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        let target = self.target();
        let r = match &mut self.out {
            Out::File { file, .. } => file.flush(),
            Out::Writer(w) => w.flush(),
        };
        r.map_err(|source| Error::Output { target, source })
    }

    fn maybe_checkpoint(&mut self, force: bool) -> Result<(), Error> {
        let due =
            matches!(&self.out, Out::File { saved, .. } if force || saved.elapsed() >= self.every);
        if !due {
            return Ok(());
        }
        self.flush()?;
        if let Out::File {
            file,
            path,
            checkpoint,
            state,
            saved,
            hash,
        } = &mut self.out
        {
            file.get_ref().sync_data().map_err(|source| Error::Output {
                target: path.display().to_string(),
                source,
            })?;
            state.output_sha256 = hex(hash.as_ref().clone().finish().as_ref());
            state.seal = state.compute_seal();
            write_checkpoint(checkpoint, state)?;
            *saved = Instant::now();
        }
        Ok(())
    }
}

fn write_checkpoint(path: &Path, state: &Checkpoint) -> Result<(), Error> {
    let err = |reason: String| Error::Checkpoint {
        path: path.to_owned(),
        reason,
    };
    let tmp = {
        let mut s = path.as_os_str().to_owned();
        s.push(".tmp");
        PathBuf::from(s)
    };
    let body = serde_json::to_vec_pretty(state).map_err(|e| err(e.to_string()))?;
    std::fs::write(&tmp, body).map_err(|e| err(format!("cannot write it: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| err(format!("cannot write it: {e}")))?;
    Ok(())
}

/// The plan: mode, jobs, columns, expected totals.
struct Plan {
    mode: ExportMode,
    jobs: Vec<(Job, Frontier)>,
    columns: Vec<String>,
    key: Option<String>,
    total: Option<u64>,
    expected: Option<u64>,
    partitions: u64,
}

impl Client {
    /// Exports every row of `query` to `out` (no checkpoint; see the module
    /// documentation for paging and row order).
    pub async fn export(
        &self,
        query: &str,
        options: &ExportOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<ExportSummary, Error> {
        let plan = self.plan(query, options, None).await?;
        let sink = Sink {
            out: Out::Writer(out),
            format: options.format,
            bytes: 0,
            rows: 0,
            total: plan.total,
            progress: options.progress.clone(),
            every: options.checkpoint_every,
            done: false,
        };
        self.execute(query, options, plan, sink, true).await
    }

    /// Exports every row of `query` to the file `path`, with a checkpoint at
    /// `path.checkpoint`; with `resume`, continues an interrupted export of the same
    /// query and options from its checkpoint (starting afresh when there is none).
    pub async fn export_to_file(
        &self,
        query: &str,
        options: &ExportOptions,
        path: &Path,
        resume: bool,
    ) -> Result<ExportSummary, Error> {
        let checkpoint = checkpoint_path(path);
        let previous = if resume {
            read_checkpoint(&checkpoint)?
        } else {
            None
        };
        let out_err = |source: std::io::Error| Error::Output {
            target: path.display().to_string(),
            source,
        };
        if let Some(c) = &previous {
            let expected = Checkpoint {
                query: query.to_owned(),
                format: options.format,
                key: options.key.clone(),
                page_size: options.page_size,
                ..c.clone()
            };
            if &expected != c {
                return Err(Error::Checkpoint {
                    path: checkpoint,
                    reason: "it belongs to an export of another query or with other options (format, key, page size); run the same command, or start again without --resume".into(),
                });
            }
        }
        if options.format == ExportFormat::Json {
            return Err(Error::InvalidRequest {
                reason:
                    "a JSON array cannot be written resumably; use NDJSON or CSV for a file export"
                        .into(),
            });
        }
        let (plan, file, state, hash) = match previous {
            Some(c) => {
                let mut file = open_locked(path, false)?;
                let hash = verified_prefix(&mut file, &c, &checkpoint).map_err(|e| match e {
                    Ok(reason) => Error::Checkpoint {
                        path: checkpoint.clone(),
                        reason,
                    },
                    Err(io) => out_err(io),
                })?;
                file.set_len(c.bytes).map_err(out_err)?;
                let frontier = match c.mode {
                    ExportMode::Offset => Frontier::Offset {
                        pages_done: c.pages_done,
                    },
                    _ => Frontier::Key {
                        last: c.last_key.clone(),
                    },
                };
                let plan = self.plan(query, options, Some((&c, frontier))).await?;
                (plan, file, c, hash)
            }
            None => {
                // Locked before anything is truncated: a running export keeps its file.
                let file = open_locked(path, true)?;
                let plan = self.plan(query, options, None).await?;
                file.set_len(0).map_err(out_err)?;
                let state = Checkpoint {
                    version: CHECKPOINT_VERSION,
                    query: query.to_owned(),
                    format: options.format,
                    key: options.key.clone(),
                    page_size: options.page_size,
                    mode: plan.mode,
                    columns: plan.columns.clone(),
                    total: plan.total,
                    bytes: 0,
                    rows: 0,
                    last_key: None,
                    pages_done: 0,
                    output_sha256: String::new(),
                    seal: String::new(),
                };
                let hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
                (plan, file, state, hash)
            }
        };
        let resumed = state.rows > 0 || state.bytes > 0;
        let mut file = BufWriter::with_capacity(256 * 1024, file);
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).map_err(out_err)?;
        let sink = Sink {
            format: options.format,
            bytes: state.bytes,
            rows: state.rows,
            total: plan.total,
            progress: options.progress.clone(),
            every: options.checkpoint_every,
            done: false,
            out: Out::File {
                file,
                path: path.to_owned(),
                checkpoint: checkpoint.clone(),
                state: Box::new(state),
                saved: Instant::now(),
                hash: Box::new(hash),
            },
        };
        let summary = self.execute(query, options, plan, sink, !resumed).await?;
        let _ = std::fs::remove_file(&checkpoint);
        Ok(summary)
    }

    async fn plan(
        &self,
        query: &str,
        options: &ExportOptions,
        resume: Option<(&Checkpoint, Frontier)>,
    ) -> Result<Plan, Error> {
        let size = options.page_size;
        crate::record::check_paging(size, 0)?;
        if let Some(k) = &options.key
            && !valid_identifier(k)
        {
            return Err(Error::InvalidRequest {
                reason: format!("the key {k:?} is not a column name"),
            });
        }
        let (mode, columns, first, total) = match &resume {
            Some((c, _)) => {
                self.discover_concurrency().await;
                (c.mode, c.columns.clone(), None, c.total)
            }
            None => {
                // The ceiling and the first page at once.
                let (_, first) = tokio::join!(
                    self.discover_concurrency(),
                    self.suiteql_page(query, size, 0)
                );
                let first = first?;
                let columns = columns_of(&first.items);
                let mode = if !first.has_more {
                    ExportMode::Single
                } else if options.key.is_none() && first.total_results <= OFFSET_CEILING {
                    ExportMode::Offset
                } else {
                    ExportMode::Keyset
                };
                let total = first.total_results;
                (mode, columns, Some(first), Some(total))
            }
        };
        let mut plan = Plan {
            mode,
            jobs: Vec::new(),
            columns,
            key: None,
            total,
            expected: None,
            partitions: 1,
        };
        match mode {
            ExportMode::Single => {
                let rows = first.map(|p| p.items).unwrap_or_default();
                plan.jobs.push((Job::Ready(rows), Frontier::Start));
            }
            ExportMode::Offset => {
                let total = total.unwrap_or(0).min(OFFSET_CEILING);
                let pages = total.div_ceil(size);
                let start = match &resume {
                    Some((_, Frontier::Offset { pages_done })) => *pages_done,
                    _ => 0,
                };
                for p in start..pages {
                    let job = match (&first, p) {
                        (Some(f), 0) => Job::Ready(f.items.clone()),
                        _ => Job::Offset(p * size),
                    };
                    plan.jobs
                        .push((job, Frontier::Offset { pages_done: p + 1 }));
                }
            }
            ExportMode::Keyset => {
                let key = options
                    .key
                    .clone()
                    .unwrap_or_else(|| "id".into())
                    .to_ascii_lowercase();
                if !plan.columns.is_empty() && !plan.columns.contains(&key) {
                    return Err(Error::InvalidRequest {
                        reason: format!(
                            "the result has {} rows, more than the {OFFSET_CEILING} NetSuite pages through by offset, so it is paged by a unique ascending key column, and the query does not select {key:?}; select it, or name another unique column with --key",
                            total.unwrap_or(0)
                        ),
                    });
                }
                let last = match &resume {
                    Some((_, Frontier::Key { last })) => last.clone(),
                    _ => None,
                };
                let mut bounds_q = format!(
                    "SELECT MIN({key}) AS lo, MAX({key}) AS hi, COUNT({key}) AS n, COUNT(*) AS total FROM ({query})"
                );
                if let Some(l) = &last {
                    let lit = if l.parse::<i64>().is_ok() {
                        l.clone()
                    } else {
                        sql_text(l)
                    };
                    bounds_q = format!(
                        "SELECT MIN({key}) AS lo, MAX({key}) AS hi, COUNT({key}) AS n, COUNT(*) AS total FROM ({query}) WHERE {key} > {lit}"
                    );
                }
                let b = self.suiteql_page(&bounds_q, 1, 0).await?;
                let row = b.items.into_iter().next().unwrap_or_default();
                let n: u64 = row.text("n").and_then(|s| s.parse().ok()).unwrap_or(0);
                let all: u64 = row.text("total").and_then(|s| s.parse().ok()).unwrap_or(n);
                if all > n && last.is_none() {
                    return Err(Error::InvalidRequest {
                        reason: format!(
                            "{} of the {all} rows have no value in the key column {key:?}, so they cannot be paged by it; name a column that is never empty with --key",
                            all - n
                        ),
                    });
                }
                plan.expected = Some(n);
                plan.total = Some(resume.as_ref().map_or(0, |(c, _)| c.rows) + n);
                plan.key = Some(key.clone());
                let lo = row.text("lo");
                let hi = row.text("hi");
                refuse_dates(&key, [&lo, &hi])?;
                match (
                    lo.as_deref().and_then(|s| s.parse::<i64>().ok()),
                    hi.as_deref().and_then(|s| s.parse::<i64>().ok()),
                ) {
                    _ if n == 0 => {}
                    (Some(lo), Some(hi)) => {
                        let parts = n
                            .div_ceil(options.rows_per_partition.max(1))
                            .clamp(1, 100_000);
                        let span = (hi as i128 - lo as i128 + 1).max(1);
                        let width =
                            (span / parts as i128).max(1) + i128::from(span % parts as i128 != 0);
                        let mut after = lo as i128 - 1;
                        while after < hi as i128 {
                            let upper = (after + width).min(hi as i128);
                            plan.jobs.push((
                                Job::Range {
                                    after: after as i64,
                                    hi: upper as i64,
                                },
                                Frontier::Key { last: last.clone() },
                            ));
                            after = upper;
                        }
                        plan.partitions = plan.jobs.len() as u64;
                    }
                    _ => {
                        plan.jobs.push((
                            Job::TextFrom {
                                after: last.clone(),
                            },
                            Frontier::Key { last: last.clone() },
                        ));
                    }
                }
            }
        }
        Ok(plan)
    }

    async fn execute(
        &self,
        query: &str,
        options: &ExportOptions,
        plan: Plan,
        mut sink: Sink<'_>,
        fresh: bool,
    ) -> Result<ExportSummary, Error> {
        let resumed_rows = (!fresh).then_some(sink.rows);
        let encoder = Encoder {
            format: options.format,
            known: plan.columns.iter().cloned().collect(),
            columns: plan.columns.clone(),
            key: plan.key.clone(),
        };
        if fresh {
            sink.raw(&encoder.header())?;
            sink.maybe_checkpoint(true)?;
        }
        let ctx = Arc::new(Ctx {
            client: self.clone(),
            query: query.trim().trim_end_matches(';').to_owned(),
            key: plan.key.clone(),
            page_size: options.page_size,
            encoder,
        });
        let ceiling = self.governor().ceiling() as usize;
        let window = (2 * ceiling).clamp(2, 64);
        let capacity =
            (options.rows_per_partition.div_ceil(options.page_size) as usize + 1).clamp(1, 64);
        let (mut receivers, mut launches) = (Vec::new(), Vec::new());
        let mut frontiers = Vec::new();
        for (job, frontier) in plan.jobs {
            let (tx, rx) = mpsc::channel::<Msg>(capacity);
            receivers.push(rx);
            launches.push((job, tx));
            frontiers.push(frontier);
        }
        let open = Arc::new(Semaphore::new(window));
        let pages = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let launcher = {
            let open = Arc::clone(&open);
            let ctx = Arc::clone(&ctx);
            let pages = Arc::clone(&pages);
            tokio::spawn(async move {
                let mut set = tokio::task::JoinSet::new();
                for (job, tx) in launches {
                    let Ok(permit) = open.acquire().await else {
                        return;
                    };
                    permit.forget();
                    let ctx = Arc::clone(&ctx);
                    let pages = Arc::clone(&pages);
                    set.spawn(async move {
                        match ctx.run(job, &tx).await {
                            Ok(n) => {
                                pages.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                            }
                            Err(e) => {
                                let _ = tx.send(Msg::Failed(e)).await;
                            }
                        }
                    });
                    while set.try_join_next().is_some() {}
                }
                while set.join_next().await.is_some() {}
            })
        };
        let abort = launcher.abort_handle();
        // Dropping the export (a cancelled task, Ctrl-C) stops its fetches too.
        struct AbortOnDrop(tokio::task::AbortHandle);
        impl Drop for AbortOnDrop {
            fn drop(&mut self) {
                self.0.abort();
            }
        }
        let _guard = AbortOnDrop(abort.clone());
        let result: Result<(), Error> = async {
            for (rx, frontier) in receivers.iter_mut().zip(&frontiers) {
                loop {
                    match rx.recv().await {
                        Some(Msg::Chunk(c)) => sink.chunk(&c, frontier)?,
                        Some(Msg::Done) => break,
                        Some(Msg::Failed(e)) => return Err(e),
                        None => {
                            return Err(Error::InvalidRequest {
                                reason: "an export task stopped without finishing".into(),
                            });
                        }
                    }
                }
                open.add_permits(1);
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            abort.abort();
            // Save what was written in order, so that --resume continues from there.
            let _ = sink.maybe_checkpoint(true);
            return Err(e);
        }
        let _ = launcher.await;
        if sink.format == ExportFormat::Json {
            if sink.rows == 0 {
                sink.raw(b"[]\n")?;
            } else {
                sink.raw(b"\n]\n")?;
            }
        }
        sink.flush()?;
        if let Out::File { file, path, .. } = &sink.out {
            let target = path.display().to_string();
            (file.get_ref().sync_data()).map_err(|source| Error::Output { target, source })?;
        }
        sink.done = true;
        Ok(ExportSummary {
            mode: plan.mode,
            rows: sink.rows,
            bytes: sink.bytes,
            pages: pages.load(std::sync::atomic::Ordering::Relaxed),
            partitions: plan.partitions,
            expected_rows: plan.expected.map(|n| n + resumed_rows.unwrap_or(0)),
            resumed_rows,
        })
    }
}

/// Checks that the output's first `c.bytes` bytes are the ones `c` records; returns
/// their running hash. `Err(Ok(reason))`: they are not; `Err(Err(io))`: unreadable.
fn verified_prefix(
    file: &mut File,
    c: &Checkpoint,
    checkpoint: &Path,
) -> Result<aws_lc_rs::digest::Context, Result<String, std::io::Error>> {
    let len = file.metadata().map_err(Err)?.len();
    let fresh = "start again without --resume (the output file is rewritten)";
    if len < c.bytes {
        return Err(Ok(format!(
            "the output has {len} bytes, fewer than the {} it records (it was truncated); {fresh}",
            c.bytes
        )));
    }
    let hash = prefix_hash(file, c.bytes).map_err(Err)?.ok_or_else(|| {
        Ok(format!(
            "the output is shorter than {} bytes; {fresh}",
            c.bytes
        ))
    })?;
    if hex(hash.clone().finish().as_ref()) != c.output_sha256 {
        return Err(Ok(format!(
            "the output's first {} bytes are not the ones written before {} was saved (the file was changed or replaced); {fresh}",
            c.bytes,
            checkpoint.display()
        )));
    }
    Ok(hash)
}

/// The rows an interrupted export of `out` has written, from its checkpoint
/// (`None` when there is none). A checkpoint that cannot be read is an error.
pub fn checkpoint_rows(out: &Path) -> Result<Option<u64>, Error> {
    Ok(read_checkpoint(&checkpoint_path(out))?.map(|c| c.rows))
}

fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>, Error> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Checkpoint {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let c: Checkpoint = serde_json::from_slice(&text).map_err(|e| Error::Checkpoint {
        path: path.to_owned(),
        reason: format!("it is not a checkpoint this version wrote ({e})"),
    })?;
    if c.version != CHECKPOINT_VERSION {
        return Err(Error::Checkpoint {
            path: path.to_owned(),
            reason: format!(
                "checkpoint version {} is not this version's ({CHECKPOINT_VERSION}); start again without --resume",
                c.version
            ),
        });
    }
    if c.seal != c.compute_seal() {
        return Err(Error::Checkpoint {
            path: path.to_owned(),
            reason: "it was edited since it was saved (its seal does not match its content: a moved last_key, another query or row count); start again without --resume".into(),
        });
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn dates_as_netsuite_shows_them() {
        for date in [
            "1/10/2025",
            "12/1/2024",
            "01/10/2025",
            "10.01.2025",
            "10-Jan-2025",
            "2025-01-10",
            "2025/1/10",
            "1/10/2025 3:04 pm",
            "15.01.2027 8:00 am",
            "2025-01-10T15:04:05Z",
            "2025-01-10 15:04:05",
            "10-OCT-2025",
        ] {
            assert!(looks_like_date(date), "{date}");
        }
        for other in [
            "301",
            "SO301",
            "INV-2025-7",
            "CUST-104",
            "a/b/c",
            "1/2",
            "1/10/25",
            "2025-01-10 later",
            "",
            "12.5",
            "acme-widgets-inc",
        ] {
            assert!(!looks_like_date(other), "{other}");
        }
    }

    fn row(cols: &[(&str, &str)]) -> Row {
        Row(cols
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect())
    }

    #[test]
    fn csv_and_ndjson_encoding() {
        let rows = vec![
            row(&[("id", "1"), ("name", "a,\"b\"")]),
            row(&[("id", "2")]),
        ];
        let cols = columns_of(&rows);
        let enc = Encoder {
            format: ExportFormat::Csv,
            known: cols.iter().cloned().collect(),
            columns: cols,
            key: Some("id".into()),
        };
        assert_eq!(enc.header(), b"id,name\r\n");
        let c = enc.encode(&rows).unwrap();
        assert_eq!(
            String::from_utf8(c.bytes).unwrap(),
            "1,\"a,\"\"b\"\"\"\r\n2,\r\n"
        );
        assert_eq!(c.last_key.as_deref(), Some("2"));
        assert!(enc.encode(&[row(&[("other", "x")])]).is_err());
        let nd = Encoder {
            format: ExportFormat::Ndjson,
            known: HashSet::new(),
            columns: vec![],
            key: None,
        };
        let c = nd.encode(&rows).unwrap();
        assert_eq!(
            String::from_utf8(c.bytes).unwrap(),
            "{\"id\":\"1\",\"name\":\"a,\\\"b\\\"\"}\n{\"id\":\"2\"}\n"
        );
    }

    #[test]
    fn identifiers_and_paths() {
        assert!(valid_identifier("id"));
        assert!(!valid_identifier("t.id"));
        assert!(!valid_identifier("id; DROP"));
        assert!(!valid_identifier("1id"));
        assert_eq!(sql_text("O'Brien"), "'O''Brien'");
        assert_eq!(
            checkpoint_path(Path::new("/tmp/out.ndjson")),
            PathBuf::from("/tmp/out.ndjson.checkpoint")
        );
    }
}
