//! Where `netsuite emulator` commands find the emulator: the [`Backend`] (a data
//! directory or a running emulator's `--url`), its clap arguments, and the output
//! helpers the commands share.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use netsuite_auth::account::AccountId;
use netsuite_emulator::{
    AdminClient, AdminError, AuditEntry, AuthorizedApp, Config as EmulatorConfig, Emulator,
    Integration, IntegrationDetails, IssuedToken, Mapping, NewIntegration, NewMapping,
};

use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// The emulator's data directory (default: `<data dir>/emulator`, the data dir being
    /// `$XDG_DATA_HOME/netsuite` or `~/.local/share/netsuite` on Linux).
    #[arg(long, value_name = "DIR", env = "NETSUITE_EMULATOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The emulated account id (used when the data directory is new).
    #[arg(long, default_value = "1234567")]
    pub account: String,
}

/// Where the emulator is: a data directory (default), or a running emulator's URL.
#[derive(Debug, Args)]
pub struct Target {
    #[command(flatten)]
    pub data: DataDirArg,
    /// A running emulator's base URL: use its admin API instead of the data directory.
    #[arg(
        long,
        value_name = "URL",
        env = "NETSUITE_EMULATOR_URL",
        conflicts_with = "data_dir"
    )]
    pub url: Option<String>,
}

pub(super) fn data_dir(arg: &DataDirArg) -> Result<PathBuf> {
    match &arg.data_dir {
        Some(d) => Ok(d.clone()),
        None => default_data_dir(),
    }
}

/// The emulator's default data directory: `emulator` in the platform's data directory
/// (XDG on Linux), never in the config directory.
fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "netsuite")
        .map(|p| p.data_dir().join("emulator"))
        .ok_or_else(|| {
            UserError::usage("no home directory was found for the emulator's data")
                .hint("give --data-dir DIR or set NETSUITE_EMULATOR_DATA_DIR")
                .into()
        })
}

/// Opens the emulator's state in the data directory, configured by `configure`.
pub(super) fn open_with(
    arg: &DataDirArg,
    configure: impl FnOnce(&mut EmulatorConfig),
) -> Result<Emulator> {
    let account = AccountId::parse(&arg.account)?;
    let dir = data_dir(arg)?;
    let mut config = EmulatorConfig::new(account);
    config.data_dir = Some(dir.clone());
    configure(&mut config);
    Emulator::open(config).map_err(|e| match e.hint() {
        Some(fix) => UserError::usage(e.to_string()).hint(fix).into(),
        None => anyhow::Error::new(e).context(format!("emulator data directory {}", dir.display())),
    })
}

/// The emulator to administer: opened from its data directory, or reached through a
/// running emulator's admin API. Both answer with the same types.
pub(super) enum Backend {
    Local(Emulator),
    Remote(AdminClient),
}

/// One operation on either backend: the library call, or the admin API call.
macro_rules! on_backend {
    ($backend:expr, $local:ident => $l:expr, $remote:ident => $r:expr) => {
        match $backend {
            Backend::Local($local) => $l.map_err(local_error),
            Backend::Remote($remote) => $r.await.map_err(remote_error),
        }
    };
}

impl Backend {
    pub(super) fn new(target: &Target) -> Result<Self> {
        match &target.url {
            None => Ok(Backend::Local(open_with(&target.data, |_| {})?)),
            Some(url) => Ok(Backend::Remote(
                AdminClient::new(url).map_err(remote_error)?,
            )),
        }
    }

    pub(super) async fn create_integration(&self, new: NewIntegration) -> Result<Integration> {
        on_backend!(self, e => e.create_integration(new), c => c.create_integration(&new))
    }

    pub(super) async fn integrations(&self) -> Result<Vec<Integration>> {
        on_backend!(self, e => e.list_integrations(), c => c.integrations())
    }

    pub(super) async fn integration_details(&self, client_id: &str) -> Result<IntegrationDetails> {
        on_backend!(self, e => e.integration_details(client_id), c => c.integration_details(client_id))
    }

    pub(super) async fn set_integration_blocked(
        &self,
        client_id: &str,
        blocked: bool,
    ) -> Result<()> {
        on_backend!(self,
            e => e.set_integration_blocked(client_id, blocked),
            c => async { c.set_integration_blocked(client_id, blocked).await.map(drop) })
    }

    pub(super) async fn create_mapping(&self, new: NewMapping) -> Result<Mapping> {
        on_backend!(self, e => e.create_mapping(new), c => c.create_mapping(&new))
    }

    pub(super) async fn mappings(&self) -> Result<Vec<Mapping>> {
        on_backend!(self, e => e.list_mappings(), c => c.mappings())
    }

    pub(super) async fn revoke_mapping(
        &self,
        certificate_id: &str,
        client_id: Option<&str>,
    ) -> Result<Vec<Mapping>> {
        on_backend!(self,
            e => e.revoke_mapping(certificate_id, client_id),
            c => c.revoke_mapping(certificate_id, client_id))
    }

    pub(super) async fn authorized_apps(&self) -> Result<Vec<AuthorizedApp>> {
        on_backend!(self, e => e.authorized_apps(), c => c.authorized_apps())
    }

    pub(super) async fn revoke_authorized_app(&self, id: i64) -> Result<()> {
        on_backend!(self, e => e.revoke_authorized_app(id), c => c.revoke_authorized_app(id))
    }

    pub(super) async fn tokens(&self, all: bool, limit: usize) -> Result<Vec<IssuedToken>> {
        on_backend!(self, e => e.tokens(all, limit), c => c.tokens(all, limit))
    }

    pub(super) async fn revoke_token(&self, jti: &str) -> Result<()> {
        on_backend!(self, e => e.revoke_token(jti), c => c.revoke_token(jti))
    }

    pub(super) async fn audit(&self) -> Result<Vec<AuditEntry>> {
        on_backend!(self, e => e.audit(), c => c.audit())
    }
}

/// A library error, with a hint naming the `list` command for unknown ids.
fn local_error(e: netsuite_emulator::Error) -> anyhow::Error {
    use netsuite_emulator::Error as E;
    let hint = match &e {
        E::UnknownClientId { .. } => {
            Some("list the integrations with `netsuite emulator integration list`")
        }
        E::UnknownCertificate { .. } => {
            Some("list the certificates with `netsuite emulator mapping list`")
        }
        E::UnknownAuthorization { .. } => Some("list them with `netsuite emulator apps list`"),
        E::UnknownToken { .. } => Some("list them with `netsuite emulator tokens list --all`"),
        _ => None,
    };
    match hint {
        Some(h) => UserError::new(e.to_string()).hint(h).into(),
        None => anyhow::Error::new(e),
    }
}

/// An admin API error, as a usage error (a bad `--url`) or a failure with a hint.
pub(super) fn remote_error(e: AdminError) -> anyhow::Error {
    const URL_HINT: &str = "give the emulator's base URL, e.g. http://127.0.0.1:8787";
    match e {
        AdminError::InvalidUrl { url, reason } => {
            UserError::usage(format!("--url {url} is not a URL: {reason}"))
                .hint(URL_HINT)
                .into()
        }
        AdminError::NotHttp { url } => UserError::usage(format!("--url {url} is not http(s)"))
            .hint(URL_HINT)
            .into(),
        AdminError::Unreachable { base, source } => {
            UserError::new(format!("cannot reach the emulator at {base}: {source}"))
                .hint("is `netsuite emulator serve` running there? check --url")
                .into()
        }
        AdminError::Refused {
            status, ref kind, ..
        } => {
            let hint = match status.as_u16() {
                404 if kind.as_deref() == Some("not_found") => {
                    "check the id with the matching `list` command"
                }
                404 => "is this a netsuite emulator? the admin API lives under /admin/api",
                403 => {
                    "the admin API answers only loopback clients addressed as 127.0.0.1 or localhost"
                }
                _ => "see the emulator's log",
            };
            UserError::new(e.to_string()).hint(hint).into()
        }
        other => anyhow::Error::new(other),
    }
}

/// Prints JSON with its keys in order, as every `--json` of these commands always has.
pub(super) fn print_json(v: &impl serde::Serialize) -> Result<()> {
    output::json(&serde_json::to_value(v).context("could not serialise the answer")?)
}

/// Unix seconds as RFC 3339 (the number itself when out of range).
pub(super) fn when(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// `-` for nothing.
pub(super) fn or_dash(v: Option<&str>) -> &str {
    v.unwrap_or("-")
}

/// `suffix` when `flag` holds.
pub(super) fn marked(flag: bool, suffix: &'static str) -> &'static str {
    if flag { suffix } else { "" }
}

/// Lines on stdout, or the `empty` message on stderr.
pub(super) fn print_lines(lines: Vec<String>, empty: &str) -> Result<()> {
    if lines.is_empty() {
        crate::output::say!("{empty}");
        return Ok(());
    }
    output::data(&lines.join("\n"))
}
