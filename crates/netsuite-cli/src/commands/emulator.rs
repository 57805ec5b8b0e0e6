//! `netsuite emulator ...`

use std::path::PathBuf;

use anyhow::{Context, Result};
use netsuite_auth::account::AccountId;
use netsuite_emulator::{
    Config as EmulatorConfig, ConsentPolicy, Emulator, LoginUser, NewIntegration, NewMapping,
};
use serde_json::{Value, json};

use std::net::SocketAddr;

use clap::{Args, Subcommand};

use crate::config::config_dir;
use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// The emulator's data directory (default: `<config dir>/emulator`).
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

/// The data plane: demo data, governance and fault injection.
#[derive(Debug, Clone, Args)]
pub struct DataPlaneArgs {
    /// Load the deterministic demo data (the default; see --no-demo).
    #[arg(long, overrides_with = "no_demo")]
    pub demo: bool,
    /// Start without demo data (only the base every account has).
    #[arg(long)]
    pub no_demo: bool,
    /// Demo transactions (sales orders and invoices from id 301; 1000000 takes ~20 s once).
    #[arg(long, value_name = "N", default_value_t = netsuite_emulator::DEFAULT_DEMO_SCALE)]
    pub demo_scale: u64,
    /// Keep everything in memory: nothing is written, nothing is kept.
    #[arg(long, conflicts_with = "data_dir")]
    pub in_memory: bool,
    /// Account concurrency limit shared by REST, SuiteQL and RESTlets.
    #[arg(long, value_name = "N", default_value_t = netsuite_emulator::DEFAULT_CONCURRENCY_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(netsuite_emulator::MAX_CONCURRENCY_LIMIT)))]
    pub concurrency_limit: u32,
    /// Send Retry-After: SECS with 429 answers.
    #[arg(long, value_name = "SECS")]
    pub retry_after: Option<u64>,
    /// Latency added to every REST, SuiteQL and RESTlet request (it holds a concurrency slot).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Spread of the added latency: each request waits MS ± JITTER.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Share of data-plane requests answered 429 (RESTlets: SSS_REQUEST_LIMIT_EXCEEDED).
    #[arg(long = "fault-429", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    pub fault_429: f64,
    /// Share of data-plane requests answered 500, 502 or 503.
    #[arg(long = "fault-5xx", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    pub fault_5xx: f64,
    /// Share of data-plane connections closed without an answer.
    #[arg(long = "fault-drop", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    pub fault_drop: f64,
    /// Seed of the fault decisions (the same seed gives the same faults).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fault_seed: u64,
    /// Latency added to the token endpoint.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub slow_token_ms: u64,
}

fn share(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not a share between 0 and 1 (0.2 = 20%)"))
    }
}

impl DataPlaneArgs {
    fn apply(&self, c: &mut EmulatorConfig) {
        c.demo = !self.no_demo;
        c.demo_scale = self.demo_scale;
        if self.in_memory {
            c.data_dir = None;
        }
        c.concurrency_limit = self.concurrency_limit;
        c.retry_after_secs = self.retry_after;
        c.faults = netsuite_emulator::Faults {
            latency_ms: self.latency_ms,
            latency_jitter_ms: self.latency_jitter_ms,
            share_429: self.fault_429,
            share_5xx: self.fault_5xx,
            share_drop: self.fault_drop,
            seed: self.fault_seed,
            slow_token_ms: self.slow_token_ms,
        };
    }
}

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve NetSuite's paths on a loopback address.
    #[command(
        after_help = "Examples:\n  netsuite emulator serve --listen 127.0.0.1:0 --ready-file ./emulator.url\n  netsuite emulator serve --data-dir ./ns-data --explain-errors\n  netsuite emulator serve --auto-approve --code-ttl-secs 60   # scripted consent for tests\n  netsuite emulator serve --in-memory --demo-scale 1000000 --concurrency-limit 5 --latency-ms 50\n  netsuite emulator serve --fault-429 0.2 --fault-5xx 0.02 --fault-drop 0.01 --fault-seed 7"
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
        #[command(flatten)]
        data_plane: DataPlaneArgs,
    },
    /// Integration records.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Client-credentials (M2M) mappings of certificates to integrations.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// OAuth 2.0 authorized applications (consents given on the authorize page).
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Access and refresh tokens the emulator issued.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// What a running emulator saw: requests, in flight now and at peak, 429s and
    /// RESTlet limit errors, since its start or the last reset.
    #[command(
        after_help = "Examples:\n  netsuite emulator stats --url http://127.0.0.1:8787\n  netsuite emulator stats --json\n  netsuite emulator stats --reset"
    )]
    Stats {
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
    },
    /// The login audit trail: every rejected request and why.
    #[command(
        after_help = "Examples:\n  netsuite emulator audit --data-dir ./ns-data --json\n  netsuite emulator audit --url http://127.0.0.1:8787 --code InvalidSignature --last 20"
    )]
    Audit {
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
    },
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

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration record; prints its client id and secret (shown once).
    #[command(
        after_help = "Examples:\n  netsuite emulator integration create --data-dir ./ns-data --name my-app --m2m --scope rest_webservices --scope restlets --json\n  netsuite emulator integration create --name cli-login --auth-code --public --redirect-uri http://127.0.0.1:8765/callback --allow-http-loopback --consent-policy first-time --json"
    )]
    Create {
        #[command(flatten)]
        target: Target,
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
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one integration record with its certificates and authorized apps.
    #[command(
        after_help = "Example:\n  netsuite emulator integration show 58586d9e... --url http://127.0.0.1:8787"
    )]
    Show {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Block an integration: it gets no tokens and its tokens stop working.
    #[command(after_help = "Example:\n  netsuite emulator integration block 58586d9e...")]
    Block {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
    },
    /// Enable a blocked integration again.
    #[command(after_help = "Example:\n  netsuite emulator integration enable 58586d9e...")]
    Enable {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
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
        target: Target,
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
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a mapping (and the access tokens issued with its certificate).
    #[command(
        after_help = "Example:\n  netsuite emulator mapping revoke NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA"
    )]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The certificate id (the kid of client assertions; may start with '-').
        #[arg(allow_hyphen_values = true)]
        certificate_id: String,
        /// Only the mapping of this integration (a certificate can be mapped to several).
        #[arg(long)]
        client_id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List authorized applications.
    #[command(after_help = "Example:\n  netsuite emulator apps list --url http://127.0.0.1:8787")]
    List {
        #[command(flatten)]
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an authorized application: its refresh and access tokens stop working.
    #[command(after_help = "Example:\n  netsuite emulator apps revoke 3")]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The id shown by `apps list`.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// List tokens, newest first.
    #[command(after_help = "Example:\n  netsuite emulator tokens list --all --limit 20 --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// Include expired tokens still on record.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by jti; a refresh token takes its whole chain with it.
    #[command(
        after_help = "Example:\n  netsuite emulator tokens revoke '1234567.r.5b3236b9-..._1611067655359.0'"
    )]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The token's jti (see `tokens list`).
        jti: String,
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
            data_plane,
        } => {
            serve(
                listen,
                &data,
                ready_file,
                explain_errors,
                &login,
                &data_plane,
            )
            .await
        }
        EmulatorCommand::Integration(c) => integration(c).await,
        EmulatorCommand::Mapping(c) => mapping(c).await,
        EmulatorCommand::Apps(c) => apps(c).await,
        EmulatorCommand::Tokens(c) => tokens(c).await,
        EmulatorCommand::Stats { url, json, reset } => stats(url, json, reset).await,
        EmulatorCommand::Audit {
            target,
            json,
            code,
            last,
        } => audit(&target, json, code.as_deref(), last).await,
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
    data_plane: &DataPlaneArgs,
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
    if !data_plane.no_demo && data_plane.demo_scale >= 100_000 {
        crate::say!(
            "preparing {} demo transactions (the first time on a data directory: about 20 s per million)",
            data_plane.demo_scale
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
        data_plane.apply(c);
    })?;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        UserError::new(format!("cannot listen on {listen}: {e}"))
            .hint("choose another port with --listen 127.0.0.1:PORT, or port 0 for a free one")
    })?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let kept = if data_plane.in_memory {
        "in memory, kept nowhere".to_owned()
    } else {
        format!("data in {}", data_dir(data)?.display())
    };
    crate::say!(
        "listening on {base} (account {}, {kept})",
        emulator.account()
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

/// The emulator to administer: opened from its data directory, or reached through a
/// running emulator's admin API.
enum Backend {
    Local(Emulator),
    Remote { base: String, http: reqwest::Client },
}

impl Backend {
    fn new(target: &Target) -> Result<Self> {
        match &target.url {
            None => Ok(Backend::Local(open(&target.data, false)?)),
            Some(url) => {
                let parsed = url::Url::parse(url).map_err(|e| {
                    UserError::usage(format!("--url {url} is not a URL: {e}"))
                        .hint("give the emulator's base URL, e.g. http://127.0.0.1:8787")
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(UserError::usage(format!("--url {url} is not http(s)"))
                        .hint("give the emulator's base URL, e.g. http://127.0.0.1:8787")
                        .into());
                }
                let http = reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(30))
                    .build()
                    .context("could not build the HTTP client")?;
                Ok(Backend::Remote {
                    base: url.trim_end_matches('/').to_owned(),
                    http,
                })
            }
        }
    }

    /// Calls the admin API: `GET` without a body, `POST` with one (or an empty one).
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let Backend::Remote { base, http } = self else {
            anyhow::bail!("the admin API is only used with --url");
        };
        let url = format!("{base}{path}");
        let req = match method {
            "GET" => http.get(&url),
            _ => {
                let r = http.post(&url);
                match body {
                    Some(b) => r.json(&b),
                    None => r,
                }
            }
        };
        let resp = req.send().await.map_err(|e| {
            UserError::new(format!("cannot reach the emulator at {base}: {e}"))
                .hint("is `netsuite emulator serve` running there? check --url")
        })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .context("reading the admin API's answer")?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            return Ok(value);
        }
        let message = value["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        let hint = match status.as_u16() {
            404 if value["error"] == "not_found" => "check the id with the matching `list` command",
            404 => "is this a netsuite emulator? the admin API lives under /admin/api",
            403 => {
                "the admin API answers only loopback clients addressed as 127.0.0.1 or localhost"
            }
            _ => "see the emulator's log",
        };
        Err(
            UserError::new(format!("the emulator refused: {message} (HTTP {status})"))
                .hint(hint)
                .into(),
        )
    }
}

fn to_value(v: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(v).context("could not serialise the answer")
}

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

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn when(v: &Value, key: &str) -> String {
    v[key]
        .as_i64()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| text(v, key))
}

fn list_of(v: &Value, key: &str) -> String {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn print_lines(lines: Vec<String>, empty: &str) -> Result<()> {
    if lines.is_empty() {
        crate::say!("{empty}");
        return Ok(());
    }
    output::data(&lines.join("\n"))
}

fn integration_line(i: &Value) -> String {
    format!(
        "{}  {:<20} m2m={} auth_code={} public={} scopes={} consent={}{}",
        text(i, "client_id"),
        text(i, "name"),
        i["m2m"],
        i["auth_code"],
        i["public"],
        list_of(i, "scopes"),
        text(i, "consent_policy"),
        if i["blocked"] == json!(true) {
            "  (blocked)"
        } else {
            ""
        }
    )
}

fn mapping_line(m: &Value) -> String {
    format!(
        "{}  client {}  role {} entity {}  {}{}",
        text(m, "certificate_id"),
        text(m, "client_id"),
        m["role"],
        m["entity"],
        text(m, "key"),
        if m["revoked"] == json!(true) {
            "  (revoked)"
        } else {
            ""
        }
    )
}

async fn integration(cmd: IntegrationCommand) -> Result<()> {
    match cmd {
        IntegrationCommand::Create {
            target,
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
            let scopes: Vec<String> = scope
                .iter()
                .flat_map(|s| netsuite_auth::assertion::split_scopes(s))
                .collect();
            let consent_policy = consent_policy.parse::<ConsentPolicy>()?;
            let created =
                match Backend::new(&target)? {
                    Backend::Local(emulator) => to_value(
                        &emulator
                            .create_integration(NewIntegration {
                                name,
                                m2m,
                                auth_code,
                                public,
                                redirect_uris,
                                scopes,
                                allow_http_loopback,
                                consent_policy,
                                refresh_token_hours,
                                max_rotation_hours,
                            })
                            .map_err(local_error)?,
                    )?,
                    remote => remote
                        .call(
                            "POST",
                            "/admin/api/integrations",
                            Some(json!({
                                "name": name, "m2m": m2m, "auth_code": auth_code, "public": public,
                                "redirect_uris": redirect_uris, "scopes": scopes,
                                "allow_http_loopback": allow_http_loopback,
                                "consent_policy": consent_policy,
                                "refresh_token_hours": refresh_token_hours,
                                "max_rotation_hours": max_rotation_hours,
                            })),
                        )
                        .await?,
                };
            if json {
                output::json(&created)
            } else {
                let mut out = format!("client id:     {}", text(&created, "client_id"));
                if let Some(s) = created["client_secret"].as_str() {
                    out.push_str(&format!("\nclient secret: {s}"));
                }
                output::data(&out)?;
                crate::say!("keep the secret now: like NetSuite, the emulator shows it only once");
                Ok(())
            }
        }
        IntegrationCommand::List { target, json } => {
            let list = match Backend::new(&target)? {
                Backend::Local(e) => to_value(&e.list_integrations().map_err(local_error)?)?,
                remote => remote.call("GET", "/admin/api/integrations", None).await?,
            };
            if json {
                return output::json(&list);
            }
            let lines = list
                .as_array()
                .map(|a| a.iter().map(integration_line).collect())
                .unwrap_or_default();
            print_lines(lines, "no integration records yet")
        }
        IntegrationCommand::Show {
            target,
            client_id,
            json,
        } => {
            let v = match Backend::new(&target)? {
                Backend::Local(e) => {
                    let Some(i) = e.integration(&client_id).map_err(local_error)? else {
                        return Err(local_error(netsuite_emulator::Error::UnknownClientId {
                            client_id,
                        }));
                    };
                    let mut v = to_value(&i)?;
                    let mappings: Vec<_> = e
                        .list_mappings()
                        .map_err(local_error)?
                        .into_iter()
                        .filter(|m| m.client_id == client_id)
                        .collect();
                    let apps: Vec<_> = e
                        .authorized_apps()
                        .map_err(local_error)?
                        .into_iter()
                        .filter(|a| a.client_id == client_id)
                        .collect();
                    v["mappings"] = to_value(&mappings)?;
                    v["authorized_apps"] = to_value(&apps)?;
                    v
                }
                remote => {
                    remote
                        .call(
                            "GET",
                            &format!("/admin/api/integrations/{}", segment(&client_id)),
                            None,
                        )
                        .await?
                }
            };
            if json {
                return output::json(&v);
            }
            let mut out = vec![
                format!("name:                 {}", text(&v, "name")),
                format!("client id:            {}", text(&v, "client_id")),
                format!("application id:       {}", text(&v, "application_id")),
                format!(
                    "state:                {}",
                    if v["blocked"] == json!(true) {
                        "blocked"
                    } else {
                        "enabled"
                    }
                ),
                format!(
                    "grants:               m2m={} auth_code={} public={}",
                    v["m2m"], v["auth_code"], v["public"]
                ),
                format!("scopes:               {}", list_of(&v, "scopes")),
                format!("redirect uris:        {}", list_of(&v, "redirect_uris")),
                format!("http loopback:        {}", v["allow_http_loopback"]),
                format!("consent policy:       {}", text(&v, "consent_policy")),
                format!("refresh token hours:  {}", v["refresh_token_hours"]),
                format!("max rotation hours:   {}", v["max_rotation_hours"]),
            ];
            for m in v["mappings"].as_array().into_iter().flatten() {
                out.push(format!("certificate:          {}", mapping_line(m)));
            }
            for a in v["authorized_apps"].as_array().into_iter().flatten() {
                out.push(format!(
                    "authorized app:       #{} {} role {}{}",
                    a["id"],
                    text(a, "user_email"),
                    a["role"],
                    if a["revoked"] == json!(true) {
                        " (revoked)"
                    } else {
                        ""
                    }
                ));
            }
            output::data(&out.join("\n"))
        }
        IntegrationCommand::Block { target, client_id } => {
            set_blocked(&target, &client_id, true).await
        }
        IntegrationCommand::Enable { target, client_id } => {
            set_blocked(&target, &client_id, false).await
        }
    }
}

fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn set_blocked(target: &Target, client_id: &str, blocked: bool) -> Result<()> {
    match Backend::new(target)? {
        Backend::Local(e) => e
            .set_integration_blocked(client_id, blocked)
            .map_err(local_error)?,
        remote => {
            let verb = if blocked { "block" } else { "enable" };
            remote
                .call(
                    "POST",
                    &format!("/admin/api/integrations/{}/{verb}", segment(client_id)),
                    None,
                )
                .await?;
        }
    }
    crate::say!(
        "integration {client_id} {}",
        if blocked { "blocked" } else { "enabled" }
    );
    Ok(())
}

async fn mapping(cmd: MappingCommand) -> Result<()> {
    match cmd {
        MappingCommand::Create {
            target,
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
            let m = match Backend::new(&target)? {
                Backend::Local(e) => to_value(
                    &e.create_mapping(NewMapping {
                        client_id,
                        certificate_pem: pem,
                        role,
                        entity,
                    })
                    .map_err(local_error)?,
                )?,
                remote => {
                    remote
                        .call(
                            "POST",
                            "/admin/api/mappings",
                            Some(json!({"client_id": client_id, "certificate_pem": pem,
                                        "role": role, "entity": entity})),
                        )
                        .await?
                }
            };
            if json {
                output::json(&m)
            } else {
                output::data(&text(&m, "certificate_id"))?;
                crate::say!(
                    "mapped the {} certificate (role {}, entity {}); use the certificate id above as --certificate-id",
                    text(&m, "key"),
                    m["role"],
                    m["entity"]
                );
                Ok(())
            }
        }
        MappingCommand::List { target, json } => {
            let list = match Backend::new(&target)? {
                Backend::Local(e) => to_value(&e.list_mappings().map_err(local_error)?)?,
                remote => remote.call("GET", "/admin/api/mappings", None).await?,
            };
            if json {
                return output::json(&list);
            }
            let lines = list
                .as_array()
                .map(|a| a.iter().map(mapping_line).collect())
                .unwrap_or_default();
            print_lines(lines, "no certificates are mapped")
        }
        MappingCommand::Revoke {
            target,
            certificate_id,
            client_id,
        } => {
            let revoked = match Backend::new(&target)? {
                Backend::Local(e) => to_value(
                    &e.revoke_mapping(&certificate_id, client_id.as_deref())
                        .map_err(local_error)?,
                )?,
                remote => {
                    let mut path =
                        format!("/admin/api/mappings/{}/revoke", segment(&certificate_id));
                    if let Some(c) = &client_id {
                        path.push_str(&format!("?client_id={}", segment(c)));
                    }
                    remote.call("POST", &path, None).await?
                }
            };
            let n = revoked.as_array().map_or(0, Vec::len);
            crate::say!("revoked {n} mapping(s) of certificate {certificate_id}");
            Ok(())
        }
    }
}

async fn stats(url: String, json: bool, reset: bool) -> Result<()> {
    let target = Target {
        data: DataDirArg {
            data_dir: None,
            account: String::new(),
        },
        url: Some(url),
    };
    let remote = Backend::new(&target)?;
    let stats = if reset {
        remote.call("POST", "/admin/api/stats/reset", None).await?
    } else {
        remote.call("GET", "/admin/api/stats", None).await?
    };
    if json {
        return output::json(&stats);
    }
    output::data(&format!(
        "requests {}  in flight {}  peak in flight {}  429s {}  RESTlet limit errors {}",
        stats["requests"],
        stats["in_flight"],
        stats["peak_in_flight"],
        stats["rejected_429"],
        stats["rejected_restlet_limit"]
    ))
}

async fn apps(cmd: AppsCommand) -> Result<()> {
    match cmd {
        AppsCommand::List { target, json } => {
            let list = match Backend::new(&target)? {
                Backend::Local(e) => to_value(&e.authorized_apps().map_err(local_error)?)?,
                remote => {
                    remote
                        .call("GET", "/admin/api/authorizations", None)
                        .await?
                }
            };
            if json {
                return output::json(&list);
            }
            let lines =
                list.as_array()
                    .map(|a| {
                        a.iter()
                        .map(|a| {
                            format!(
                                "#{:<4} {}  {:<20} {}  role {} entity {}  scopes={}  chains={}{}",
                                a["id"],
                                text(a, "client_id"),
                                text(a, "integration_name"),
                                text(a, "user_email"),
                                a["role"],
                                a["entity"],
                                list_of(a, "scopes"),
                                a["active_chains"],
                                if a["revoked"] == json!(true) { "  (revoked)" } else { "" }
                            )
                        })
                        .collect()
                    })
                    .unwrap_or_default();
            print_lines(lines, "no application has been authorized")
        }
        AppsCommand::Revoke { target, id } => {
            match Backend::new(&target)? {
                Backend::Local(e) => e.revoke_authorized_app(id).map_err(local_error)?,
                remote => {
                    remote
                        .call(
                            "POST",
                            &format!("/admin/api/authorizations/{id}/revoke"),
                            None,
                        )
                        .await?;
                }
            }
            crate::say!("revoked authorized application #{id} and its tokens");
            Ok(())
        }
    }
}

async fn tokens(cmd: TokensCommand) -> Result<()> {
    match cmd {
        TokensCommand::List {
            target,
            all,
            limit,
            json,
        } => {
            let list = match Backend::new(&target)? {
                Backend::Local(e) => to_value(&e.tokens(all, limit).map_err(local_error)?)?,
                remote => {
                    remote
                        .call(
                            "GET",
                            &format!("/admin/api/tokens?all={all}&limit={limit}"),
                            None,
                        )
                        .await?
                }
            };
            if json {
                return output::json(&list);
            }
            let lines = list
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            let state = if t["revoked"] == json!(true) {
                                "revoked"
                            } else if t["used"] == json!(true) {
                                "used"
                            } else {
                                "live"
                            };
                            format!(
                                "{:<7} {}  client {}  expires {}  {state}",
                                text(t, "kind"),
                                text(t, "jti"),
                                text(t, "client_id"),
                                when(t, "exp"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            print_lines(lines, "no tokens")
        }
        TokensCommand::Revoke { target, jti } => {
            match Backend::new(&target)? {
                Backend::Local(e) => e.revoke_token(&jti).map_err(local_error)?,
                remote => {
                    remote
                        .call(
                            "POST",
                            &format!("/admin/api/tokens/{}/revoke", segment(&jti)),
                            None,
                        )
                        .await?;
                }
            }
            crate::say!("revoked {jti}");
            Ok(())
        }
    }
}

async fn audit(
    target: &Target,
    as_json: bool,
    code: Option<&str>,
    last: Option<usize>,
) -> Result<()> {
    let entries = match Backend::new(target)? {
        Backend::Local(e) => to_value(&e.audit().map_err(local_error)?)?,
        remote => {
            // Page through the trail, oldest first.
            let mut all: Vec<Value> = Vec::new();
            let mut after = 0_i64;
            loop {
                let page = remote
                    .call(
                        "GET",
                        &format!("/admin/api/audit?after={after}&limit=5000"),
                        None,
                    )
                    .await?;
                let items = page.as_array().cloned().unwrap_or_default();
                let Some(next) = items.last().and_then(|e| e["id"].as_i64()) else {
                    break;
                };
                let n = items.len();
                all.extend(items);
                if n < 5000 {
                    break;
                }
                after = next;
            }
            Value::Array(all)
        }
    };
    let mut entries: Vec<Value> = entries.as_array().cloned().unwrap_or_default();
    if let Some(c) = code {
        entries.retain(|e| e["code"] == json!(c));
    }
    if let Some(n) = last {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    if as_json {
        return output::json(&entries);
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{}  {:<30} {:<64}  {}",
                when(e, "time"),
                text(e, "code"),
                text(e, "client_id"),
                text(e, "detail")
            )
        })
        .collect();
    print_lines(lines, "the login audit trail is empty")
}
