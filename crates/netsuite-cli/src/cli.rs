//! The command line's top level; each command's own arguments live beside it in
//! `commands/`. Each command's `--help` ends with an example.

use clap::{Parser, Subcommand};

/// NetSuite OAuth 2.0 tokens, REST records and an offline NetSuite emulator.
#[derive(Debug, Parser)]
#[command(
    name = "netsuite",
    version,
    about,
    after_help = "Examples:\n  netsuite demo\n  netsuite cert new --key-type ec-p256 --out ./ns-cert\n  netsuite profile add prod --account 1234567 --client-id ... --certificate-id ... --private-key ./ns-cert/private-key.pem\n  curl -H \"Authorization: Bearer $(netsuite auth token)\" ...\n  netsuite record get salesorder 304"
)]
pub struct Cli {
    /// The profile to use (default: the default profile, or the only one).
    #[arg(long, global = true, env = "NETSUITE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    #[command(flatten)]
    pub governor: crate::governor::GovernorArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and inspect the key pair and certificate for Client Credentials (M2M).
    #[command(subcommand)]
    Cert(crate::commands::cert::CertCommand),
    /// Manage profiles (account, integration, certificate, key).
    #[command(subcommand)]
    Profile(crate::commands::profile::ProfileCommand),
    /// Get access tokens.
    #[command(subcommand)]
    Auth(crate::commands::auth::AuthCommand),
    /// Records with the REST record API: get, list, create, update, upsert, delete.
    #[command(subcommand)]
    Record(crate::commands::record::RecordCommand),
    /// Run a SuiteQL query; --all exports every row, past 100,000, in parallel.
    Suiteql(crate::commands::suiteql::SuiteqlArgs),
    /// Call a RESTlet.
    Restlet(crate::commands::restlet::RestletArgs),
    /// Any authenticated call to the account (like `gh api`).
    Api(crate::commands::api::ApiArgs),
    /// Serve the profile's account on loopback: any HTTP client, no credentials.
    Proxy(crate::commands::proxy::ProxyArgs),
    /// Run a command with the profile's token (or a proxy) in its environment.
    Exec(crate::commands::exec::ExecArgs),
    /// Run and administer the offline NetSuite emulator.
    #[cfg(feature = "emulator")]
    #[command(subcommand)]
    Emulator(crate::commands::emulator::EmulatorCommand),
    /// Run the whole client-credentials flow against an embedded emulator.
    #[cfg(feature = "emulator")]
    #[command(after_help = "Example:\n  netsuite demo")]
    Demo,
}
