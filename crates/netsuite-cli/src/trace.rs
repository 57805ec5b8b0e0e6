//! `--verbose` / `-v` and `NETSUITE_LOG`: `tracing` events of this tool's crates on
//! stderr (HTTP requests and responses with method, URL, status and time; retries and
//! backoff; governance waits; token renewals and cache hits). The events carry no
//! header, body or token: URLs have secret query values redacted.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events are shown (dependencies' are not: they may print headers).
const CRATES: &[&str] = &[
    "netsuite",
    "netsuite_cli",
    "netsuite_client",
    "netsuite_proxy",
    "netsuite_auth",
];

/// The level from `-v` (debug), `-vv` (trace), or `NETSUITE_LOG`.
pub fn level(verbose: u8) -> LevelFilter {
    let from_env = std::env::var("NETSUITE_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok());
    let from_flag = match verbose {
        0 => LevelFilter::OFF,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    from_env.map_or(from_flag, |e| e.max(from_flag))
}

/// Installs the stderr subscriber when tracing is asked for.
pub fn init(verbose: u8) {
    let level = level(verbose);
    if level == LevelFilter::OFF {
        return;
    }
    let targets = CRATES
        .iter()
        .fold(Targets::new(), |t, c| t.with_target(*c, level));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    let _ = tracing_subscriber::registry()
        .with(targets)
        .with(fmt)
        .try_init();
}
