//! `--governor`, `--governor-wait-secs`, `--governor-fallback`: one concurrency budget
//! per NetSuite account across processes and hosts, on Redis. Global flags (with
//! `NETSUITE_GOVERNOR*` variables and the profile's `governor` key), applied to every
//! client the commands build.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Result;
use clap::{Args, ValueEnum};
use netsuite_client::governance::{Fallback, SharedOptions};
use netsuite_client::{Client, Governor};

use crate::config::Profile;
use crate::error::UserError;

/// The shared governor's flags.
#[derive(Debug, Clone, Args)]
pub struct GovernorArgs {
    /// Share the account's concurrency budget with every process and host given the
    /// same Redis (redis://HOST:6379/0); `local` keeps it in this process (default:
    /// the profile's `governor` key, else local).
    #[arg(
        long,
        global = true,
        env = "NETSUITE_GOVERNOR",
        value_name = "URL|local"
    )]
    pub governor: Option<String>,
    /// How long a request may wait for a shared slot before it fails (not sent).
    #[arg(long, global = true, env = "NETSUITE_GOVERNOR_WAIT_SECS", value_name = "SECS",
          default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub governor_wait_secs: u64,
    /// When Redis cannot be reached: `local` goes on with this process's own limit
    /// (one warning; shared mode resumes when Redis answers), `fail` refuses.
    #[arg(long, global = true, env = "NETSUITE_GOVERNOR_FALLBACK", value_enum,
          default_value_t = FallbackArg::Local, value_name = "local|fail")]
    pub governor_fallback: FallbackArg,
}

/// `--governor-fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FallbackArg {
    /// This process's own limit, with a warning.
    Local,
    /// Fail the request (it is not sent).
    Fail,
}

static ARGS: OnceLock<GovernorArgs> = OnceLock::new();

/// Keeps the parsed flags for [`apply`].
pub fn install(args: GovernorArgs) {
    let _ = ARGS.set(args);
}

/// The client with the shared governor the flags, the environment or the profile
/// name; unchanged when none does (or it says `local`).
pub fn apply(client: Client, profile: &Profile) -> Result<Client> {
    let args = ARGS.get();
    let url = args
        .and_then(|a| a.governor.clone())
        .or_else(|| profile.governor.clone());
    let Some(url) = url.filter(|u| !u.trim().is_empty() && u.trim() != "local") else {
        return Ok(client);
    };
    let mut options = SharedOptions::new(url.trim(), profile.account.to_ascii_lowercase());
    if let Some(a) = args {
        options = options
            .wait(Duration::from_secs(a.governor_wait_secs))
            .fallback(match a.governor_fallback {
                FallbackArg::Local => Fallback::Local,
                FallbackArg::Fail => Fallback::Fail,
            });
    }
    let governor = Governor::shared(options).map_err(|e| {
        UserError::usage(format!("--governor: {e}"))
            .hint("give a Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS), or local")
    })?;
    Ok(client.with_governor(governor))
}

/// One line saying how the client's governor shares the budget, when it is shared.
pub fn describe(governor: &Arc<Governor>) -> Option<String> {
    governor.shared_options().map(|o| {
        format!(
            "governor: shared with every worker on {} (account {}, leases of {} s)",
            o.display_url(),
            o.account,
            o.lease.as_secs()
        )
    })
}
