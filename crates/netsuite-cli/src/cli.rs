//! The command line's top level; each command's own arguments live beside it in
//! `commands/`. Each command's `--help` ends with an example.

use clap::{Parser, Subcommand};

/// `--version`: the version, the commit and the build date (see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("NETSUITE_COMMIT"),
    ", built ",
    env!("NETSUITE_BUILD_DATE"),
    ")"
);

/// NetSuite OAuth 2.0 tokens, REST records and an offline NetSuite emulator.
#[derive(Debug, Parser)]
#[command(
    name = "netsuite",
    version = VERSION,
    about,
    after_help = "Examples:\n  netsuite demo\n  netsuite cert new --key-type ec-p256 --out ./ns-cert\n  netsuite profile add prod --account 1234567 --client-id ... --certificate-id ... --private-key ./ns-cert/private-key.pem\n  curl -H \"Authorization: Bearer $(netsuite auth token)\" ...\n  netsuite record get salesorder 304\n\nConfiguration: flag > environment (NETSUITE_ACCOUNT, NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID,\nNETSUITE_PRIVATE_KEY[_FILE], NETSUITE_SCOPE, NETSUITE_ALGORITHM, NETSUITE_BASE_URL, NETSUITE_CLIENT_SECRET,\nNETSUITE_REFRESH_TOKEN, NETSUITE_ACCESS_TOKEN) > profile."
)]
pub struct Cli {
    /// The profile to use (default: the default profile; `netsuite profile use NAME` sets it).
    #[arg(long, global = true, env = "NETSUITE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Keep tokens in memory only (no token store on disk).
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Allow a base URL with plain `http://` to a host that is not this machine
    /// (assertions, secrets and tokens then cross the network unencrypted; a warning
    /// is printed on every run).
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,

    /// Trace HTTP requests, retries, governance waits and token renewals on stderr
    /// (-v debug, -vv trace; or NETSUITE_LOG=debug|trace). Secrets are never shown.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No messages on stderr (progress, notes, warnings); errors and data are unchanged.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Colour in messages: auto (a terminal without NO_COLOR), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: crate::output::ColorChoice,

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
    /// Serve NetSuite to AI agents over MCP (`mcp serve`), and register it (`mcp config`).
    #[command(subcommand)]
    Mcp(crate::commands::mcp::McpCommand),
    /// Run a command with the profile's token (or a proxy) in its environment.
    Exec(crate::commands::exec::ExecArgs),
    /// Check a profile (or the environment) step by step, naming the likely cause of each failure.
    #[command(
        after_help = "Examples:\n  netsuite doctor --profile prod\n  netsuite doctor --offline      # key, certificate, account id, assertion; no request\n  netsuite doctor --json"
    )]
    Doctor(crate::commands::doctor::DoctorArgs),
    /// Run and administer the offline NetSuite emulator.
    #[cfg(feature = "emulator")]
    #[command(subcommand)]
    Emulator(crate::commands::emulator::EmulatorCommand),
    /// Run the whole client-credentials flow against an embedded emulator.
    #[cfg(feature = "emulator")]
    #[command(after_help = "Examples:\n  netsuite demo\n  netsuite demo --keep ./netsuite-demo")]
    Demo(crate::commands::demo::DemoArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  netsuite completion bash > ~/.local/share/bash-completion/completions/netsuite\n  netsuite completion zsh > \"${fpath[1]}/_netsuite\"\n  netsuite completion fish > ~/.config/fish/completions/netsuite.fish"
    )]
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write man pages (netsuite.1 and one per subcommand) to a directory.
    #[command(after_help = "Example:\n  netsuite man --out ~/.local/share/man/man1")]
    Man {
        /// The directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
    },
}

/// `netsuite completion SHELL`: the script on stdout (a closed pipe ends it quietly).
pub fn print_completion(shell: clap_complete::Shell) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut with_exit_codes(Cli::command()),
        "netsuite",
        &mut script,
    );
    crate::output::data(String::from_utf8_lossy(&script).trim_end())
}

/// `netsuite man --out DIR`: a page per command, `netsuite-profile-add.1` and so on.
pub fn write_man_pages(out: &std::path::Path) -> anyhow::Result<()> {
    use clap::CommandFactory;
    std::fs::create_dir_all(out).map_err(|e| {
        crate::error::UserError::new(format!("cannot create {}: {e}", out.display()))
            .hint("pass --out with a directory you can write")
    })?;
    let cmd = with_exit_codes(Cli::command());
    clap_mangen::generate_to(cmd, out).map_err(|e| {
        crate::error::UserError::new(format!(
            "cannot write the man pages to {}: {e}",
            out.display()
        ))
        .hint("pass --out with a directory you can write")
    })?;
    let n = std::fs::read_dir(out).map(|d| d.count()).unwrap_or(0);
    crate::output::say!("wrote {n} man pages to {}", out.display());
    Ok(())
}

/// The exit-code contract, shown at the end of every command's `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 ok, 1 the operation failed, 2 usage or invalid input, \
4 authentication needed (log in again, or fix the credentials).";

/// `cmd` and every subcommand with [`EXIT_CODES`] after their help.
/// Help texts are also fitted to 80 columns ([`crate::help::fit`]).
pub fn with_exit_codes(cmd: clap::Command) -> clap::Command {
    let after = cmd
        .get_after_help()
        .map(|h| format!("{}\n\n{EXIT_CODES}", crate::help::fit(&h.to_string())))
        .unwrap_or_else(|| EXIT_CODES.to_owned());
    cmd.after_help(after).mut_subcommands(with_exit_codes)
}
