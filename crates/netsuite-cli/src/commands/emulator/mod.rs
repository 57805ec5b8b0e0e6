//! `netsuite emulator ...`: `serve` runs the emulator; the other verbs administer one,
//! each written once over a `Backend` (`backend.rs`): the emulator library on a data directory, or
//! the typed admin API client on a running emulator's `--url`.

mod apps;
mod audit;
mod backend;
mod integration;
mod mapping;
mod serve;
mod stats;
mod tokens;

use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve NetSuite's paths on a loopback address.
    #[command(
        after_help = "Examples:\n  netsuite emulator serve --listen 127.0.0.1:0 --ready-file ./emulator.url\n  netsuite emulator serve --data-dir ./ns-data --explain-errors\n  netsuite emulator serve --auto-approve --code-ttl-secs 60   # scripted consent for tests\n  netsuite emulator serve --in-memory --demo-scale 1000000 --concurrency-limit 5 --latency-ms 50\n  netsuite emulator serve --fault-429 0.2 --fault-5xx 0.02 --fault-drop 0.01 --fault-seed 7"
    )]
    Serve(serve::ServeArgs),
    /// Integration records.
    #[command(subcommand)]
    Integration(integration::IntegrationCommand),
    /// Client-credentials (M2M) mappings of certificates to integrations.
    #[command(subcommand)]
    Mapping(mapping::MappingCommand),
    /// OAuth 2.0 authorized applications (consents given on the authorize page).
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Access and refresh tokens the emulator issued.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// What a running emulator saw: requests, in flight now and at peak, 429s and
    /// RESTlet limit errors, since its start or the last reset.
    #[command(
        after_help = "Examples:\n  netsuite emulator stats --url http://127.0.0.1:8787\n  netsuite emulator stats --json\n  netsuite emulator stats --reset"
    )]
    Stats(stats::StatsArgs),
    /// The login audit trail: every rejected request and why.
    #[command(
        after_help = "Examples:\n  netsuite emulator audit --data-dir ./ns-data --json\n  netsuite emulator audit --url http://127.0.0.1:8787 --code InvalidSignature --last 20"
    )]
    Audit(audit::AuditArgs),
}

pub async fn run(cmd: EmulatorCommand) -> Result<()> {
    match cmd {
        EmulatorCommand::Serve(a) => serve::run(a).await,
        EmulatorCommand::Integration(c) => integration::run(c).await,
        EmulatorCommand::Mapping(c) => mapping::run(c).await,
        EmulatorCommand::Apps(c) => apps::run(c).await,
        EmulatorCommand::Tokens(c) => tokens::run(c).await,
        EmulatorCommand::Stats(a) => stats::run(a).await,
        EmulatorCommand::Audit(a) => audit::run(a).await,
    }
}
