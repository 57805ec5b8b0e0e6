//! `netsuite emulator audit`: the login audit trail.

use anyhow::Result;
use clap::Args;
use netsuite_emulator::AuditEntry;

use super::backend::{Backend, Target, or_dash, print_json, print_lines, when};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    target: Target,
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Only entries with this Detail code (e.g. ScopeMismatched).
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
    /// Only the newest N entries.
    #[arg(long, value_name = "N")]
    last: Option<usize>,
}

pub(super) async fn run(args: AuditArgs) -> Result<()> {
    let mut entries = Backend::new(&args.target)?.audit().await?;
    if let Some(c) = &args.code {
        entries.retain(|e| &e.code == c);
    }
    if let Some(n) = args.last {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    if args.json {
        return print_json(&entries);
    }
    let lines = entries.iter().map(audit_line).collect();
    print_lines(lines, "the login audit trail is empty")
}

fn audit_line(e: &AuditEntry) -> String {
    format!(
        "{}  {:<30} {:<64}  {}",
        when(e.time),
        e.code,
        or_dash(e.client_id.as_deref()),
        e.detail
    )
}
