//! `netsuite emulator ...`

use std::path::PathBuf;

use anyhow::{Context, Result};
use netsuite_auth::account::AccountId;
use netsuite_emulator::{
    Config as EmulatorConfig, ConsentPolicy, Emulator, LoginUser, NewIntegration, NewMapping,
};
use serde_json::json;

use std::net::SocketAddr;

use clap::{Args, Subcommand};

use crate::config::config_dir;
use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// The emulator's data directory (default: <config dir>/emulator).
    #[arg(long, value_name = "DIR", env = "NETSUITE_EMULATOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The emulated account id (used when the data directory is new).
    #[arg(long, default_value = "1234567")]
    pub account: String,
}

/// How the authorize endpoint's login and consent behave.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Scripted consent: the authorize endpoint logs the user in and clicks Allow at
    /// once, redirecting with a code (for tests and scripts; no browser needed).
    #[arg(long)]
    pub auto_approve: bool,
    /// How long an authorization code can be exchanged, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = netsuite_emulator::DEFAULT_CODE_TTL_SECS,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub code_ttl_secs: i64,
    /// Email address of the login page's user.
    #[arg(long, value_name = "EMAIL", default_value = netsuite_emulator::DEFAULT_EMAIL)]
    pub login_email: String,
    /// Password of the login page's user.
    #[arg(long, value_name = "PASSWORD", env = "NETSUITE_EMULATOR_PASSWORD",
          default_value = netsuite_emulator::DEFAULT_PASSWORD, hide_env_values = true)]
    pub login_password: String,
}

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve NetSuite's paths on a loopback address.
    #[command(
        after_help = "Examples:\n  netsuite emulator serve --listen 127.0.0.1:0 --ready-file ./emulator.url\n  netsuite emulator serve --data-dir ./ns-data --explain-errors\n  netsuite emulator serve --auto-approve --code-ttl-secs 60   # scripted consent for tests"
    )]
    Serve {
        /// Loopback address; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        #[command(flatten)]
        data: DataDirArg,
        /// Write the base URL to this file once connections are accepted.
        #[arg(long, value_name = "PATH")]
        ready_file: Option<PathBuf>,
        /// Add error_description / detail naming the cause to error replies.
        #[arg(long)]
        explain_errors: bool,
        #[command(flatten)]
        login: LoginArgs,
    },
    /// Integration records.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Client-credentials (M2M) mappings of certificates to integrations.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// The login audit trail: every rejected request and why.
    #[command(after_help = "Example:\n  netsuite emulator audit --data-dir ./ns-data --json")]
    Audit {
        #[command(flatten)]
        data: DataDirArg,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration record; prints its client id and secret (shown once).
    #[command(
        after_help = "Examples:\n  netsuite emulator integration create --data-dir ./ns-data --name my-app --m2m --scope rest_webservices --scope restlets --json\n  netsuite emulator integration create --name cli-login --auth-code --public --redirect-uri http://127.0.0.1:8765/callback --allow-http-loopback --consent-policy first-time --json"
    )]
    Create {
        #[command(flatten)]
        data: DataDirArg,
        /// Name of the integration.
        #[arg(long)]
        name: String,
        /// Enable the Client Credentials (Machine to Machine) grant.
        #[arg(long)]
        m2m: bool,
        /// Enable the Authorization Code grant.
        #[arg(long)]
        auth_code: bool,
        /// Public client (no secret).
        #[arg(long)]
        public: bool,
        /// Redirect URI (repeatable).
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Scope (repeatable or comma-separated; default rest_webservices,restlets).
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Also accept http redirect URIs on 127.0.0.1 and localhost, on any port (tests only).
        #[arg(long)]
        allow_http_loopback: bool,
        /// OAuth 2.0 consent policy: always (ask every time), first-time, or never.
        #[arg(long, value_name = "POLICY", default_value = "always",
              value_parser = ["always", "first-time", "never"])]
        consent_policy: String,
        /// Refresh token validity in hours, 1-720 (default: 168 confidential, 48 public).
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
        refresh_token_hours: Option<u32>,
        /// Public clients: maximum time for token rotation in hours, 1-720 (default 168).
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
        max_rotation_hours: Option<u32>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List integration records.
    #[command(after_help = "Example:\n  netsuite emulator integration list --json")]
    List {
        #[command(flatten)]
        data: DataDirArg,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Register a certificate for an integration; prints the certificate id.
    #[command(
        after_help = "Example:\n  netsuite emulator mapping create --data-dir ./ns-data --client-id 58586d9e... --certificate ./ns-cert/certificate.pem --json"
    )]
    Create {
        #[command(flatten)]
        data: DataDirArg,
        /// The integration's client id.
        #[arg(long)]
        client_id: String,
        /// The certificate PEM.
        #[arg(long, value_name = "PATH")]
        certificate: PathBuf,
        /// Role internal id (3 = Administrator).
        #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
        role: i64,
        /// Entity internal id (-5 = the default administrator).
        #[arg(long, default_value_t = -5, allow_negative_numbers = true)]
        entity: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List mappings.
    #[command(after_help = "Example:\n  netsuite emulator mapping list --json")]
    List {
        #[command(flatten)]
        data: DataDirArg,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: EmulatorCommand) -> Result<()> {
    match cmd {
        EmulatorCommand::Serve {
            listen,
            data,
            ready_file,
            explain_errors,
            login,
        } => serve(listen, &data, ready_file, explain_errors, &login).await,
        EmulatorCommand::Integration(c) => integration(c),
        EmulatorCommand::Mapping(c) => mapping(c),
        EmulatorCommand::Audit { data, json } => audit(&data, json),
    }
}

fn data_dir(arg: &DataDirArg) -> Result<PathBuf> {
    match &arg.data_dir {
        Some(d) => Ok(d.clone()),
        None => Ok(config_dir()?.join("emulator")),
    }
}

/// Opens the emulator's state in the data directory.
fn open(arg: &DataDirArg, explain_errors: bool) -> Result<Emulator> {
    open_with(arg, |c| c.explain_errors = explain_errors)
}

fn open_with(arg: &DataDirArg, configure: impl FnOnce(&mut EmulatorConfig)) -> Result<Emulator> {
    let account = AccountId::parse(&arg.account)?;
    let dir = data_dir(arg)?;
    let mut config = EmulatorConfig::new(account);
    config.data_dir = Some(dir.clone());
    configure(&mut config);
    Emulator::open(config).with_context(|| format!("emulator data directory {}", dir.display()))
}

async fn serve(
    listen: std::net::SocketAddr,
    data: &DataDirArg,
    ready_file: Option<PathBuf>,
    explain_errors: bool,
    login: &LoginArgs,
) -> Result<()> {
    if !listen.ip().is_loopback() {
        return Err(UserError::usage(format!(
            "--listen {listen} is not a loopback address"
        ))
        .hint("the emulator serves only this machine: use 127.0.0.1:PORT (port 0 picks a free one)")
        .into());
    }
    if login.login_email.trim().is_empty() || login.login_password.is_empty() {
        return Err(
            UserError::usage("--login-email and --login-password must not be empty")
                .hint("omit them for admin@example.com / emulator")
                .into(),
        );
    }
    let emulator = open_with(data, |c| {
        c.explain_errors = explain_errors;
        c.auto_approve = login.auto_approve;
        c.code_ttl_secs = login.code_ttl_secs;
        c.users = vec![LoginUser::new(
            login.login_email.trim(),
            login.login_password.clone(),
        )];
    })?;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        UserError::new(format!("cannot listen on {listen}: {e}"))
            .hint("choose another port with --listen 127.0.0.1:PORT, or port 0 for a free one")
    })?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    crate::say!(
        "listening on {base} (account {}, data in {})",
        emulator.account(),
        data_dir(data)?.display()
    );
    if let Some(path) = &ready_file {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, format!("{base}\n"))
            .and_then(|()| std::fs::rename(&tmp, path))
            .with_context(|| format!("could not write the ready file {}", path.display()))?;
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let shutdown = async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            () = shutdown => {},
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {},
        }
    };
    netsuite_emulator::serve(emulator, listener, shutdown).await?;
    crate::say!("emulator stopped");
    Ok(())
}

fn integration(cmd: IntegrationCommand) -> Result<()> {
    match cmd {
        IntegrationCommand::Create {
            data,
            name,
            m2m,
            auth_code,
            public,
            redirect_uris,
            scope,
            allow_http_loopback,
            consent_policy,
            refresh_token_hours,
            max_rotation_hours,
            json,
        } => {
            if !m2m && !auth_code {
                return Err(UserError::usage("the integration enables no grant")
                    .hint("pass --m2m (client credentials) and/or --auth-code")
                    .into());
            }
            let emulator = open(&data, false)?;
            let scopes = scope
                .iter()
                .flat_map(|s| netsuite_auth::assertion::split_scopes(s))
                .collect();
            let created = emulator.create_integration(NewIntegration {
                name,
                m2m,
                auth_code,
                public,
                redirect_uris,
                scopes,
                allow_http_loopback,
                consent_policy: consent_policy.parse::<ConsentPolicy>()?,
                refresh_token_hours,
                max_rotation_hours,
            })?;
            if json {
                output::json(&created)
            } else {
                let mut text = format!("client id:     {}", created.client_id);
                if let Some(s) = &created.client_secret {
                    text.push_str(&format!("\nclient secret: {s}"));
                }
                output::data(&text)?;
                crate::say!("keep the secret now: like NetSuite, the emulator shows it only once");
                Ok(())
            }
        }
        IntegrationCommand::List { data, json } => {
            let emulator = open(&data, false)?;
            let list = emulator.list_integrations()?;
            if json {
                return output::json(&list);
            }
            let mut text = String::new();
            for i in &list {
                text.push_str(&format!(
                    "{}  {:<20} m2m={} auth_code={} public={} scopes={}\n",
                    i.client_id,
                    i.name,
                    i.m2m,
                    i.auth_code,
                    i.public,
                    i.scopes.join(",")
                ));
            }
            output::data(text.trim_end())
        }
    }
}

fn mapping(cmd: MappingCommand) -> Result<()> {
    match cmd {
        MappingCommand::Create {
            data,
            client_id,
            certificate,
            role,
            entity,
            json,
        } => {
            let pem = std::fs::read_to_string(&certificate).map_err(|e| {
                UserError::new(format!("cannot read {}: {e}", certificate.display()))
                    .hint("pass the certificate.pem written by `netsuite cert new`")
            })?;
            let emulator = open(&data, false)?;
            let m = emulator.create_mapping(NewMapping {
                client_id,
                certificate_pem: pem,
                role,
                entity,
            })?;
            if json {
                output::json(&m)
            } else {
                output::data(&m.certificate_id)?;
                crate::say!(
                    "mapped the {} certificate (role {}, entity {}); use the certificate id above as --certificate-id",
                    m.key,
                    m.role,
                    m.entity
                );
                Ok(())
            }
        }
        MappingCommand::List { data, json } => {
            let emulator = open(&data, false)?;
            let list = emulator.list_mappings()?;
            if json {
                return output::json(&list);
            }
            let mut text = String::new();
            for m in &list {
                text.push_str(&format!(
                    "{}  client {}  role {} entity {}  {}{}\n",
                    m.certificate_id,
                    m.client_id,
                    m.role,
                    m.entity,
                    m.key,
                    if m.revoked { "  (revoked)" } else { "" }
                ));
            }
            output::data(text.trim_end())
        }
    }
}

fn audit(data: &DataDirArg, as_json: bool) -> Result<()> {
    let emulator = open(data, false)?;
    let entries = emulator.audit()?;
    if as_json {
        return output::json(&entries);
    }
    let mut text = String::new();
    for e in &entries {
        let v = json!(e);
        text.push_str(&format!(
            "{}  {:<28} {:<66} {}\n",
            v["time"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v["time"].to_string()),
            v["code"].as_str().unwrap_or(""),
            v["client_id"].as_str().unwrap_or("-"),
            v["detail"].as_str().unwrap_or("")
        ));
    }
    if text.is_empty() {
        crate::say!("the login audit trail is empty");
        return Ok(());
    }
    output::data(text.trim_end())
}
