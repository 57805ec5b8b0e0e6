//! `netsuite suiteql QUERY|@FILE|- [--limit N | --all] [--format ...] [--out FILE]`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use futures_util::StreamExt;
use netsuite_client::export::{ExportFormat, ExportMode, ExportOptions, ExportProgress};
use netsuite_client::suiteql::QueryOptions;

use crate::error::UserError;
use crate::output::{self, Format, RowWriter};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite suiteql \"SELECT id, companyname FROM customer ORDER BY id\" --limit 20
  netsuite suiteql @report.sql --format csv --out report.csv
  netsuite suiteql \"SELECT id, tranid, trandate FROM transaction\" --all --format ndjson --out tx.ndjson
  netsuite suiteql \"SELECT id, tranid FROM transaction\" --all --out tx.ndjson --resume   # after an interruption

--all gets every row of any size of result. Up to 100,000 rows (NetSuite's paging ceiling)
it fetches offset pages in parallel and keeps the query's order (give it a unique ORDER BY).
Past that, or with --key, it pages by keyset on a unique column (--key, default id, which the
query must select; never a date column: NetSuite answers dates in the user's format, which does
not sort as text), splitting the key range into partitions fetched in parallel within the
account's concurrency limit (--concurrency, or governanceLimits); rows come out in ascending
key order. With --out, a checkpoint (FILE.checkpoint) lets --resume continue an interrupted
export: every row is written exactly once. Without --resume, an export over the checkpoint of
an interrupted one is refused; --force starts over.")]
pub struct SuiteqlArgs {
    /// The query: SQL text, @FILE, or - for stdin.
    #[arg(value_name = "QUERY|@FILE|-")]
    pub query: String,
    /// At most N rows (default 1000), paged by offset.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub limit: Option<u64>,
    /// Every row, past the 100,000-row ceiling (see below).
    #[arg(long)]
    pub all: bool,
    /// Output format (default: table on a terminal, JSON otherwise; NDJSON with --all).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the rows to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The unique ascending column to page by with --all (default: id when needed).
    #[arg(long, value_name = "COL", requires = "all")]
    pub key: Option<String>,
    /// Continue an interrupted --all export to --out from its checkpoint.
    #[arg(long, requires = "all", requires = "out")]
    pub resume: bool,
    /// Start the --all export to --out over from the beginning, discarding the
    /// checkpoint an interrupted run left.
    #[arg(long, requires = "all", requires = "out", conflicts_with = "resume")]
    pub force: bool,
    /// Requests in flight at most (default: the account's limit from governanceLimits, or 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: Option<u32>,
    /// Rows per page (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1000), hide = true)]
    pub page_size: u64,
    /// Rows per keyset partition.
    #[arg(long, value_name = "N", default_value_t = 8000, value_parser = clap::value_parser!(u64).range(1..), hide = true)]
    pub rows_per_partition: u64,
}

/// A rate of rows, rounded to three significant figures with thousands separators:
/// `12,300 rows/s` for 12345.678.
fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec < 0.5 {
        return "0 rows/s".into();
    }
    let magnitude = 10f64.powi((per_sec.log10().floor() as i32 - 2).max(0));
    let rounded = ((per_sec / magnitude).round() * magnitude) as u64;
    format!("{} rows/s", indicatif::HumanCount(rounded))
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows, {rate}, ETA {eta}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&rate(state.per_sec()));
                },
            )
        })
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub async fn run(args: SuiteqlArgs, profile: Option<&str>) -> Result<()> {
    let query = super::record::read_text_capped(&args.query, crate::files::QUERY_CAP)?;
    if query.trim().is_empty() {
        return Err(UserError::usage("the query is empty")
            .hint("give the SQL text, @FILE, or - to read it from stdin")
            .into());
    }
    let client = super::record::client(profile)?;
    if let Some(n) = args.concurrency {
        client.set_concurrency(n);
    }
    if !args.all {
        return page(&client, &query, &args).await;
    }
    let format = match args.format {
        None | Some(Format::Ndjson) => ExportFormat::Ndjson,
        Some(Format::Csv) => ExportFormat::Csv,
        Some(Format::Json) if !args.resume => ExportFormat::Json,
        Some(Format::Json) => {
            return Err(UserError::usage("--resume needs --format ndjson or csv")
                .hint("a JSON array cannot be continued; use --format ndjson")
                .into());
        }
        Some(Format::Table) => {
            return Err(UserError::usage("--all cannot print a table")
                .hint("a table needs every row in memory; use --format ndjson or csv (and --out FILE)")
                .into());
        }
    };
    let bar = progress_bar(crate::output::is_quiet());
    let progress_bar = bar.clone();
    let options = ExportOptions {
        format,
        key: args.key.clone(),
        page_size: args.page_size,
        rows_per_partition: args.rows_per_partition,
        progress: Some(Arc::new(move |p: &ExportProgress| {
            if let Some(t) = p.total {
                progress_bar.set_length(t);
            }
            progress_bar.set_position(p.rows);
        })),
        ..ExportOptions::default()
    };
    let started = std::time::Instant::now();
    let summary = match &args.out {
        Some(path) => {
            refuse_over_checkpoint(path, &args)?;
            if args.resume && !netsuite_client::export::checkpoint_path(path).exists() {
                crate::output::say!(
                    "no checkpoint at {}: starting from the beginning",
                    netsuite_client::export::checkpoint_path(path).display()
                );
            }
            let export = client.export_to_file(&query, &options, path, args.resume);
            tokio::select! {
                r = export => r,
                signal = interrupted() => {
                    // Dropping the export saved its checkpoint.
                    bar.finish_and_clear();
                    return Err(interrupted_error(signal, path));
                }
            }
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout());
            client.export(&query, &options, &mut out).await
        }
    };
    bar.finish_and_clear();
    let summary = summary?;
    let secs = started.elapsed().as_secs_f64();
    let how = match summary.mode {
        ExportMode::Single => "one page".to_owned(),
        ExportMode::Offset => format!("{} offset pages in parallel", summary.pages),
        ExportMode::Keyset => format!(
            "{} keyset pages in {} partitions",
            summary.pages, summary.partitions
        ),
    };
    {
        crate::output::say!(
            "{} rows{} in {secs:.1} s, {} ({how}, concurrency {})",
            summary.rows,
            summary
                .resumed_rows
                .map(|r| format!(" ({r} from the interrupted run)"))
                .unwrap_or_default(),
            rate((summary.rows - summary.resumed_rows.unwrap_or(0)) as f64 / secs.max(1e-3)),
            client.governor().ceiling()
        );
    }
    if let Some(expected) = summary.expected_rows
        && expected != summary.rows
    {
        crate::output::say!(
            "warning: the key column counted {expected} rows but {} were written: is the key unique, and did the data change during the export?",
            summary.rows
        );
    }
    Ok(())
}

/// What an export interrupted by `signal` wrote to `path`, and how to resume it.
fn interrupted_error(signal: &str, path: &std::path::Path) -> anyhow::Error {
    let checkpoint = netsuite_client::export::checkpoint_path(path);
    if !checkpoint.exists() {
        return UserError::new(format!(
            "interrupted by {signal} before any row was written"
        ))
        .hint("run the command again")
        .into();
    }
    let rows = match netsuite_client::export::checkpoint_rows(path) {
        Ok(rows) => rows.unwrap_or(0),
        Err(e) => return e.into(),
    };
    UserError::new(format!(
        "interrupted by {signal}: {} rows are written to {} and the checkpoint {} is saved",
        indicatif::HumanCount(rows),
        path.display(),
        checkpoint.display()
    ))
    .hint(format!(
        "rerun with --resume to continue where it stopped: `{}`",
        resume_command()
    ))
    .into()
}

/// Without --resume or --force, an export to `path` over the checkpoint an
/// interrupted one left is refused: starting over would discard its rows.
fn refuse_over_checkpoint(path: &std::path::Path, args: &SuiteqlArgs) -> Result<()> {
    let checkpoint = netsuite_client::export::checkpoint_path(path);
    if args.resume || args.force || !checkpoint.exists() {
        return Ok(());
    }
    let rows = netsuite_client::export::checkpoint_rows(path)
        .ok()
        .flatten()
        .map(|r| format!(" ({} rows written)", indicatif::HumanCount(r)))
        .unwrap_or_default();
    Err(UserError::usage(format!(
        "{} holds an interrupted export{rows}: its checkpoint {} exists",
        path.display(),
        checkpoint.display()
    ))
    .hint(format!(
        "continue it with --resume: `{}`, or start over with --force",
        resume_command()
    ))
    .into())
}

/// The first SIGINT (Ctrl-C) or SIGTERM, by name.
async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let sigterm = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            () = sigterm => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// This command line with `--resume` (shell-quoted where needed).
fn resume_command() -> String {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".into());
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect();
    format!("netsuite {}", quoted.join(" "))
}

async fn page(client: &netsuite_client::Client, query: &str, args: &SuiteqlArgs) -> Result<()> {
    let limit = args.limit.unwrap_or(1000);
    let to_terminal = args.out.is_none() && output::stdout_is_terminal();
    let format = Format::or_default(args.format, to_terminal);
    let mut stream = client.suiteql(query, &QueryOptions { limit: Some(limit) });
    let mut w = RowWriter::new(output::sink(args.out.as_deref())?, format);
    while let Some(row) = stream.next().await {
        w.row(row?.0)?;
    }
    let n = w.rows();
    w.finish()?;
    if n == limit && args.limit.is_none() {
        crate::output::say!("showing the first {limit} rows; --limit N or --all for more");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_rounded_to_three_figures() {
        assert_eq!(rate(12345.678), "12,300 rows/s");
        assert_eq!(rate(987.6), "988 rows/s");
        assert_eq!(rate(1_234_567.0), "1,230,000 rows/s");
        assert_eq!(rate(9.4), "9 rows/s");
        assert_eq!(rate(0.2), "0 rows/s");
        assert_eq!(rate(f64::INFINITY), "0 rows/s");
    }
}
