//! `netsuite emulator stats [--reset]`: what a running emulator's data plane saw.
//! The counters live in the serving process, so this verb always talks to `--url`.

use anyhow::Result;
use clap::Args;
use netsuite_emulator::AdminClient;

use super::backend::{print_json, remote_error};
use crate::output;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The running emulator's base URL.
    #[arg(
        long,
        value_name = "URL",
        env = "NETSUITE_EMULATOR_URL",
        default_value = "http://127.0.0.1:8787"
    )]
    url: String,
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Zero the counters first (POST /admin/api/stats/reset).
    #[arg(long)]
    reset: bool,
}

pub(super) async fn run(a: StatsArgs) -> Result<()> {
    let client = AdminClient::new(&a.url).map_err(remote_error)?;
    let stats = if a.reset {
        client.reset_stats().await
    } else {
        client.stats().await
    }
    .map_err(remote_error)?;
    if a.json {
        return print_json(&stats);
    }
    output::data(&format!(
        "requests {}  in flight {}  peak in flight {}  429s {}  RESTlet limit errors {}",
        stats.requests,
        stats.in_flight,
        stats.peak_in_flight,
        stats.rejected_429,
        stats.rejected_restlet_limit
    ))
}
