//! `netsuite emulator serve`: NetSuite's paths on a loopback address.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use netsuite_emulator::{Config as EmulatorConfig, LoginUser};

use super::backend::{DataDirArg, data_dir, open_with};
use crate::error::UserError;

#[derive(Debug, Args)]
pub struct ServeArgs {
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
    /// Base URL of links in replies (hrefs, Location, paging, discovery), e.g. the
    /// https:// address of a TLS proxy in front; default: the URL it listens on.
    /// Links never follow a request's Host header.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    #[command(flatten)]
    login: LoginArgs,
    #[command(flatten)]
    data_plane: DataPlaneArgs,
    #[command(flatten)]
    mcp: McpArgs,
}

/// The AI Connector (/services/mcp/v1/all): what NetSuite does not document.
#[derive(Debug, Clone, Args)]
struct McpArgs {
    /// Accept M2M (client credentials) tokens with scope mcp on the AI Connector
    /// (NetSuite documents only the authorization code grant).
    #[arg(long)]
    mcp_allow_m2m: bool,
    /// Serve RFC 9728 protected-resource metadata at /.well-known/oauth-protected-resource.
    #[arg(long)]
    mcp_resource_metadata: bool,
    /// Send WWW-Authenticate: Bearer ... with the AI Connector's 401 answers.
    #[arg(long)]
    mcp_www_authenticate: bool,
    /// Issue Mcp-Session-Id on initialize and keep sessions (replies then come as SSE).
    #[arg(long)]
    mcp_sessions: bool,
    /// Reply with SSE streams (text/event-stream) instead of plain JSON.
    #[arg(long)]
    mcp_sse: bool,
    /// Tool results carry structuredContent besides the JSON text.
    #[arg(long)]
    mcp_structured_content: bool,
}

impl McpArgs {
    fn apply(&self, c: &mut EmulatorConfig) {
        c.mcp_allow_m2m = self.mcp_allow_m2m;
        c.mcp_resource_metadata = self.mcp_resource_metadata;
        c.mcp_www_authenticate = self.mcp_www_authenticate;
        c.mcp_sessions = self.mcp_sessions;
        c.mcp_sse = self.mcp_sse;
        c.mcp_structured_content = self.mcp_structured_content;
    }
}

/// How the authorize endpoint's login and consent behave.
#[derive(Debug, Clone, Args)]
struct LoginArgs {
    /// Scripted consent: the authorize endpoint logs the user in and clicks Allow at
    /// once, redirecting with a code (for tests and scripts; no browser needed).
    #[arg(long)]
    auto_approve: bool,
    /// With --auto-approve: the role scripted consent picks (one of the user's roles:
    /// 3 Administrator, 1001 REST Integration); default the user's first role.
    #[arg(long, value_name = "ID", requires = "auto_approve")]
    auto_approve_role: Option<i64>,
    /// How long an authorization code can be exchanged, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = netsuite_emulator::DEFAULT_CODE_TTL_SECS,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    code_ttl_secs: i64,
    /// Email address of the login page's user.
    #[arg(long, value_name = "EMAIL", default_value = netsuite_emulator::DEFAULT_EMAIL)]
    login_email: String,
    /// Password of the login page's user.
    #[arg(long, value_name = "PASSWORD", env = "NETSUITE_EMULATOR_PASSWORD",
          default_value = netsuite_emulator::DEFAULT_PASSWORD, hide_env_values = true)]
    login_password: String,
}

/// The data plane: demo data, governance and fault injection.
#[derive(Debug, Clone, Args)]
struct DataPlaneArgs {
    /// Load the deterministic demo data (the default; see --no-demo).
    #[arg(long, overrides_with = "no_demo")]
    demo: bool,
    /// Start without demo data (only the base every account has).
    #[arg(long)]
    no_demo: bool,
    /// Demo transactions (sales orders and invoices from id 301; 1000000 takes ~20 s once).
    #[arg(long, value_name = "N", default_value_t = netsuite_emulator::DEFAULT_DEMO_SCALE,
          value_parser = clap::value_parser!(u64).range(0..=netsuite_emulator::MAX_DEMO_SCALE))]
    demo_scale: u64,
    /// Keep everything in memory: nothing is written, nothing is kept.
    #[arg(long, conflicts_with = "data_dir")]
    in_memory: bool,
    /// Account concurrency limit shared by REST, SuiteQL and RESTlets.
    #[arg(long, value_name = "N", default_value_t = netsuite_emulator::DEFAULT_CONCURRENCY_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(netsuite_emulator::MAX_CONCURRENCY_LIMIT)))]
    concurrency_limit: u32,
    /// Send Retry-After: SECS with 429 answers.
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(0..=netsuite_emulator::MAX_RETRY_AFTER_SECS))]
    retry_after: Option<u64>,
    /// Latency added to every REST, SuiteQL and RESTlet request (it holds a concurrency slot).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Spread of the added latency: each request waits MS ± JITTER.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_jitter_ms: u64,
    /// Share of data-plane requests answered 429 (RESTlets: SSS_REQUEST_LIMIT_EXCEEDED).
    #[arg(long = "fault-429", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    fault_429: f64,
    /// Share of data-plane requests answered 500, 502 or 503.
    #[arg(long = "fault-5xx", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    fault_5xx: f64,
    /// Share of data-plane connections closed without an answer.
    #[arg(long = "fault-drop", value_name = "SHARE", default_value_t = 0.0, value_parser = share)]
    fault_drop: f64,
    /// Seed of the fault decisions (the same seed gives the same faults).
    #[arg(long, value_name = "N", default_value_t = 0)]
    fault_seed: u64,
    /// How long one SuiteQL statement may run before it is stopped (USER_ERROR); a
    /// statement whose client went away is stopped at once.
    #[arg(long, value_name = "SECS", default_value_t = netsuite_emulator::DEFAULT_SUITEQL_TIME_LIMIT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    suiteql_time_limit: u64,
    /// Latency added to the token endpoint.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    slow_token_ms: u64,
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
        c.suiteql_time_limit = std::time::Duration::from_secs(self.suiteql_time_limit);
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

pub(super) async fn run(args: ServeArgs) -> Result<()> {
    let ServeArgs {
        listen,
        data,
        ready_file,
        explain_errors,
        public_url,
        login,
        data_plane,
        mcp,
    } = args;
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
        crate::output::say!(
            "preparing {} demo transactions (the first time on a data directory: about 20 s per million)",
            data_plane.demo_scale
        );
    }
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        UserError::new(format!("cannot listen on {listen}: {e}"))
            .hint("choose another port with --listen 127.0.0.1:PORT, or port 0 for a free one")
    })?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let emulator = open_with(&data, |c| {
        c.explain_errors = explain_errors;
        c.public_url = Some(public_url.clone().unwrap_or_else(|| base.clone()));
        c.auto_approve = login.auto_approve;
        c.auto_approve_role = login.auto_approve_role;
        c.code_ttl_secs = login.code_ttl_secs;
        c.users = vec![LoginUser::new(
            login.login_email.trim(),
            login.login_password.clone(),
        )];
        data_plane.apply(c);
        mcp.apply(c);
    })?;
    let kept = if data_plane.in_memory {
        "in memory, kept nowhere".to_owned()
    } else {
        format!("data in {}", data_dir(&data)?.display())
    };
    crate::output::say!(
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
    crate::output::say!("emulator stopped");
    Ok(())
}
