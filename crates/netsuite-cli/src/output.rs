//! Writing data to stdout (a broken pipe ends the command quietly) and messages to stderr.

use std::io::Write;

/// Writes `text` and a newline to stdout.
pub fn data(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes pretty JSON to stdout.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    data(&json_safe(serde_json::to_string_pretty(value)?))
}

/// Serialized JSON with DEL and the C1 controls (which serde_json leaves raw, and some
/// terminals obey) written as `\u00XX` escapes: the same JSON, inert on a terminal.
pub fn json_safe(json: String) -> String {
    if !json.chars().any(char::is_control) {
        return json;
    }
    json.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Whether the error is a closed stdout (`| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// When messages are coloured (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Applies the global `--quiet` and `--color` for the rest of the process.
pub fn configure(quiet: bool, color: ColorChoice) {
    use std::io::IsTerminal;
    use std::sync::atomic::Ordering::Relaxed;
    QUIET.store(quiet, Relaxed);
    let on = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    COLOR.store(on, Relaxed);
}

/// Whether `--quiet` silenced messages (errors are still printed).
pub fn is_quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether stderr messages are coloured.
pub fn color() -> bool {
    COLOR.load(std::sync::atomic::Ordering::Relaxed)
}

/// A progress or status message on stderr (silenced by `--quiet`).
macro_rules! say {
    ($($arg:tt)*) => {{
        if !$crate::output::is_quiet() {
            eprintln!($($arg)*);
        }
    }};
}
pub(crate) use say;

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns (the default on a terminal).
    Table,
    /// A JSON array (the default otherwise).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// CSV with a header line.
    Csv,
}

impl Format {
    /// The format asked for, or table on a terminal and JSON otherwise.
    pub fn or_default(f: Option<Format>, to_terminal: bool) -> Format {
        f.unwrap_or(if to_terminal {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Rows seen before a CSV header or a table layout is fixed.
const HEADER_ROWS: usize = 1000;

/// Writes rows (ordered columns, JSON values) one at a time in a [`Format`]: JSON and
/// NDJSON stream; CSV fixes its header after the first 1000 rows (NetSuite leaves NULL
/// columns out of a row) and then streams; a table is laid out at the end.
pub struct RowWriter<W: Write> {
    out: W,
    format: Format,
    pending: Vec<Vec<(String, serde_json::Value)>>,
    columns: Option<Vec<String>>,
    rows: u64,
}

/// `s` with control characters (C0, DEL, C1: ESC, OSC, CSI, BEL...) written as
/// `\u{1b}`, so that text from a server cannot clear the screen, retitle the
/// window or fake lines on a terminal.
pub fn escape_controls(s: &str) -> String {
    escape_controls_but(s, &[])
}

/// [`escape_controls`], keeping the characters of `keep`.
fn escape_controls_but(s: &str, keep: &[char]) -> String {
    if !s.chars().any(|c| c.is_control() && !keep.contains(&c)) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && !keep.contains(&c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    // Line breaks and tabs are data CSV quotes; other control characters are escaped.
    let s = &escape_controls_but(s, &['\n', '\r', '\t']);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn union_columns(rows: &[Vec<(String, serde_json::Value)>]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for (k, _) in r {
            if !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    cols
}

impl<W: Write> RowWriter<W> {
    /// A writer to `out`.
    pub fn new(out: W, format: Format) -> Self {
        Self {
            out,
            format,
            pending: Vec::new(),
            columns: None,
            rows: 0,
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn json_object(row: &[(String, serde_json::Value)]) -> anyhow::Result<String> {
        let mut s = String::from("{");
        for (i, (k, v)) in row.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&serde_json::to_string(k)?);
            s.push(':');
            s.push_str(&serde_json::to_string(v)?);
        }
        s.push('}');
        Ok(json_safe(s))
    }

    fn csv_row(&mut self, row: &[(String, serde_json::Value)]) -> anyhow::Result<()> {
        let cols = self.columns.as_ref().expect("header fixed");
        if let Some((extra, _)) = row.iter().find(|(k, _)| !cols.contains(k)) {
            return Err(crate::error::UserError::new(format!(
                "column {extra:?} appeared after the CSV header was written"
            ))
            .hint("NetSuite leaves out NULL columns; wrap it in NVL(...) in the query, or use --format ndjson")
            .into());
        }
        let line: Vec<String> = cols
            .iter()
            .map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| csv_field(&text(v)))
                    .unwrap_or_default()
            })
            .collect();
        self.out.write_all(line.join(",").as_bytes())?;
        self.out.write_all(b"\r\n")?;
        Ok(())
    }

    fn fix_csv_header(&mut self) -> anyhow::Result<()> {
        let cols = union_columns(&self.pending);
        let header: Vec<String> = cols.iter().map(|c| csv_field(c)).collect();
        self.out.write_all(header.join(",").as_bytes())?;
        self.out.write_all(b"\r\n")?;
        self.columns = Some(cols);
        for row in std::mem::take(&mut self.pending) {
            self.csv_row(&row)?;
        }
        Ok(())
    }

    /// Writes (or holds) one row.
    pub fn row(&mut self, row: Vec<(String, serde_json::Value)>) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                let sep = if self.rows == 0 { "[\n  " } else { ",\n  " };
                self.out.write_all(sep.as_bytes())?;
                self.out.write_all(Self::json_object(&row)?.as_bytes())?;
            }
            Format::Ndjson => {
                self.out.write_all(Self::json_object(&row)?.as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Csv => {
                if self.columns.is_some() {
                    self.csv_row(&row)?;
                } else {
                    self.pending.push(row);
                    if self.pending.len() >= HEADER_ROWS {
                        self.fix_csv_header()?;
                    }
                }
            }
            Format::Table => self.pending.push(row),
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output.
    pub fn finish(mut self) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                let end = if self.rows == 0 { "[]\n" } else { "\n]\n" };
                self.out.write_all(end.as_bytes())?;
            }
            Format::Ndjson => {}
            Format::Csv => {
                if self.columns.is_none() {
                    self.fix_csv_header()?;
                }
            }
            Format::Table => {
                let cols = union_columns(&self.pending);
                let cells: Vec<Vec<String>> = self
                    .pending
                    .iter()
                    .map(|r| {
                        cols.iter()
                            .map(|c| {
                                let t = r
                                    .iter()
                                    .find(|(k, _)| k == c)
                                    .map(|(_, v)| text(v))
                                    .unwrap_or_default()
                                    .replace(['\n', '\r', '\t'], " ");
                                let t = escape_controls(&t);
                                if t.chars().count() > 60 {
                                    let mut s: String = t.chars().take(59).collect();
                                    s.push('…');
                                    s
                                } else {
                                    t
                                }
                            })
                            .collect()
                    })
                    .collect();
                let widths: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        cells
                            .iter()
                            .map(|r| r[i].chars().count())
                            .chain([c.chars().count()])
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                let line = |vals: &[String]| {
                    let mut s = String::new();
                    for (i, v) in vals.iter().enumerate() {
                        if i > 0 {
                            s.push_str("  ");
                        }
                        s.push_str(v);
                        if i + 1 < vals.len() {
                            s.push_str(&" ".repeat(widths[i].saturating_sub(v.chars().count())));
                        }
                    }
                    s.push('\n');
                    s
                };
                if !cols.is_empty() {
                    let upper: Vec<String> = cols
                        .iter()
                        .map(|c| escape_controls(&c.to_uppercase()))
                        .collect();
                    self.out.write_all(line(&upper).as_bytes())?;
                }
                for r in &cells {
                    self.out.write_all(line(r).as_bytes())?;
                }
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

/// Where data goes: stdout, or a file.
pub fn sink(out: Option<&std::path::Path>) -> anyhow::Result<Box<dyn Write + Send>> {
    Ok(match out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |e| {
                crate::error::UserError::new(format!("cannot create {}: {e}", p.display()))
                    .hint("check that the directory exists and is writable")
            },
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

/// Whether stdout is a terminal.
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// Asks `question` before a destructive step: passes with `yes` (`--yes`); on a
/// terminal, asks and passes on `y`/`yes`; off a terminal without `--yes`, refuses.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal, Write as _};
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(crate::error::UserError::usage(format!(
            "not on a terminal, so nobody can answer \"{question}\""
        ))
        .hint("pass --yes to confirm")
        .into());
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(
            crate::error::UserError::new("cancelled: nothing was changed")
                .hint("answer y to confirm, or pass --yes")
                .into(),
        ),
    }
}
