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
    /// `netsuite --profile NAME COMMAND`, the place it had before each command took its
    /// own `--profile`: still accepted, hidden, and refused for a command that uses no
    /// profile. [`resolve_profile`] turns it and the command's own into the one in use.
    #[arg(long, hide = true, value_name = "NAME")]
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
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "netsuite", &mut script);
    crate::output::data(String::from_utf8_lossy(&script).trim_end())
}

/// `netsuite man --out DIR`: a page per command, `netsuite-profile-add.1` and so on.
pub fn write_man_pages(out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).map_err(|e| {
        crate::error::UserError::new(format!("cannot create {}: {e}", out.display()))
            .hint("pass --out with a directory you can write")
    })?;
    let cmd = command();
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

/// The whole command line as parsed, shown in help, completions and man pages: the
/// derived [`Cli`] with [`EXIT_CODES`] after every help and `--profile` on the commands
/// in [`USES_PROFILE`].
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    with_profile_flag(with_exit_codes(Cli::command()), "")
}

/// The commands that act on a profile's account, and so take `--profile` (a command
/// named here gives it to all its subcommands). Everything else (`cert new`,
/// `emulator …`, `completion`, …) has no `--profile`: one there would be ignored.
pub const USES_PROFILE: &[&str] = &[
    "auth",
    "record",
    "suiteql",
    "restlet",
    "api",
    "proxy",
    "exec",
    "doctor",
    "mcp serve",
    "mcp config",
    "profile show",
    "cert rotate",
    "cert list",
    "cert revoke",
];

/// The id of `--profile` on the commands that take it.
const PROFILE: &str = "profile";

/// Adds `--profile` to the commands of [`USES_PROFILE`] below `cmd` (at `path`).
fn with_profile_flag(cmd: clap::Command, path: &str) -> clap::Command {
    let here = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path} {name}")
        }
    };
    if USES_PROFILE.contains(&path) {
        return with_profile_everywhere(cmd);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.into_iter().fold(cmd, |cmd, name| {
        let path = here(&name);
        cmd.mut_subcommand(&name, |sub| with_profile_flag(sub, &path))
    })
}

/// Adds `--profile` to `cmd` when it runs something, else to all its subcommands.
fn with_profile_everywhere(cmd: clap::Command) -> clap::Command {
    if cmd.has_subcommands() {
        return cmd.mut_subcommands(with_profile_everywhere);
    }
    cmd.arg(
        clap::Arg::new(PROFILE)
            .long(PROFILE)
            .env("NETSUITE_PROFILE")
            .value_name("NAME")
            .help("The profile to use (default: the default profile; `netsuite profile use NAME` sets it)"),
    )
}

/// The profile in use: the command's `--profile`, else the one given before the
/// command (`netsuite --profile NAME COMMAND`), else `NETSUITE_PROFILE`. A `--profile`
/// before a command that uses no profile is refused: it would silently do nothing.
pub fn resolve_profile(matches: &clap::ArgMatches) -> anyhow::Result<Option<String>> {
    let before = matches.get_one::<String>(PROFILE).cloned();
    let mut leaf = matches;
    let mut path = Vec::new();
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name);
        leaf = sub;
    }
    let Ok(own) = leaf.try_get_one::<String>(PROFILE) else {
        return match before {
            None => Ok(None),
            Some(_) => Err(crate::error::UserError::usage(format!(
                "`netsuite {}` uses no profile, so --profile would do nothing",
                path.join(" ")
            ))
            .hint(format!(
                "remove --profile; the commands that take one are: {}",
                USES_PROFILE.join(", ")
            ))
            .into()),
        };
    };
    let from_flag = leaf.value_source(PROFILE) == Some(clap::parser::ValueSource::CommandLine);
    Ok(if from_flag {
        own.cloned()
    } else {
        before.or_else(|| own.cloned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command with `--profile` on its path, as "auth token", "suiteql", ...
    fn with_profile(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        if cmd.get_arguments().any(|a| a.get_id() == PROFILE) {
            out.push(path.to_owned());
        }
        for sub in cmd.get_subcommands() {
            let name = format!("{path} {}", sub.get_name());
            with_profile(sub, name.trim_start(), out);
        }
    }

    #[test]
    fn profile_only_on_commands_that_use_one() {
        let mut cmd = command();
        cmd.build();
        let mut found = Vec::new();
        for sub in cmd.get_subcommands() {
            with_profile(sub, sub.get_name(), &mut found);
        }
        for path in USES_PROFILE {
            assert!(
                found
                    .iter()
                    .any(|f| f == path || f.starts_with(&format!("{path} "))),
                "{path} has no --profile (or no such command)"
            );
        }
        for f in &found {
            assert!(
                USES_PROFILE
                    .iter()
                    .any(|p| f == p || f.starts_with(&format!("{p} "))),
                "{f} has --profile but is not in USES_PROFILE"
            );
        }
        for no in [
            "cert new",
            "cert inspect",
            "emulator serve",
            "completion",
            "man",
            "profile add",
        ] {
            assert!(!found.iter().any(|f| f == no), "{no} offers --profile");
        }
        assert!(found.iter().any(|f| f == "auth token"));
    }

    fn resolve(args: &[&str]) -> anyhow::Result<Option<String>> {
        let m = command().try_get_matches_from(args).expect("parses");
        resolve_profile(&m)
    }

    #[test]
    fn the_profile_in_use() {
        assert_eq!(
            resolve(&["netsuite", "auth", "token", "--profile", "a"])
                .unwrap()
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            resolve(&["netsuite", "--profile", "b", "auth", "token"])
                .unwrap()
                .as_deref(),
            Some("b")
        );
        assert_eq!(
            resolve(&[
                "netsuite",
                "--profile",
                "b",
                "auth",
                "token",
                "--profile",
                "a"
            ])
            .unwrap()
            .as_deref(),
            Some("a")
        );
        let e = resolve(&["netsuite", "--profile", "b", "cert", "new", "--out", "x"]).unwrap_err();
        assert!(
            e.to_string()
                .contains("`netsuite cert new` uses no profile"),
            "{e}"
        );
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(
            command()
                .try_get_matches_from(["netsuite", "cert", "new", "--profile", "a"])
                .is_err()
        );
    }
}
