//! `netsuite proxy`: a loopback reverse proxy that gives any HTTP client the
//! profile's login and the account's concurrency governance.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use netsuite_client::{Client, RetryPolicy};
use netsuite_proxy::{AccessLog, ClientKey, Drained, Options, Proxy};

use crate::config::Flow;
use crate::error::UserError;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite proxy --profile prod
  curl http://127.0.0.1:8181/services/rest/record/v1/salesorder/304
  netsuite proxy --listen 127.0.0.1:0 --ready-file ./proxy.url --access-log -
  netsuite proxy --allow-remote --listen 0.0.0.0:8181 --client-key-file ./proxy.key

Clients send requests without credentials to /services/rest/..., /app/site/hosting/restlet.nl?...
or /services/mcp/v1/...; the proxy adds the profile's bearer token (renewed before expiry, once
for every process of the profile), waits for a slot of the account's concurrency budget, and
retries governance refusals. GET /_proxy/health and /_proxy/metrics (Prometheus) answer locally.
SIGTERM or Ctrl-C stops accepting and lets requests in flight finish (--drain-secs).")]
pub struct ProxyArgs {
    /// Address to listen on (loopback unless --allow-remote); port 0 picks a free one.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8181")]
    pub listen: SocketAddr,
    /// Requests in flight at NetSuite at once (default: the account's governanceLimits, else 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: Option<u32>,
    /// Write one JSON line per request to FILE (appended), or to stdout with -.
    #[arg(long, value_name = "FILE|-")]
    pub access_log: Option<String>,
    /// Write the proxy's URL (and a newline) to FILE once it accepts requests.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// On SIGTERM or Ctrl-C, how long requests in flight may take to finish.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub drain_secs: u64,
    /// Listen on a non-loopback address; needs --client-key-file.
    #[arg(long, requires = "client_key_file")]
    pub allow_remote: bool,
    /// Every request must carry this file's key in X-NetSuite-Proxy-Key (file mode 0600, 16+ characters).
    #[arg(long, value_name = "FILE")]
    pub client_key_file: Option<PathBuf>,
    /// Attempts per request in all (governance refusals, 5xx and broken connections each count).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
}

/// What a proxy needs besides its listener.
pub(crate) struct Settings<'a> {
    pub concurrency: Option<u32>,
    pub max_attempts: u32,
    pub access_log: Option<&'a str>,
    pub client_key_file: Option<&'a Path>,
}

/// Builds the proxy of a profile: its client (over the proxy's HTTP client), the
/// concurrency ceiling, a warm token. Returns the proxy and the profile's name.
pub(crate) async fn build(profile: Option<&str>, s: &Settings<'_>) -> Result<(Proxy, String)> {
    let id = crate::identity::resolve_renewable(profile)?;
    let (name, p) = (id.name.clone(), &id.profile);
    let source = id.token_source()?;
    let client =
        Client::with_http(netsuite_proxy::http_client()?, source).with_retry(RetryPolicy {
            max_attempts: s.max_attempts,
            ..RetryPolicy::default()
        });
    let client = crate::governor::apply(client, p)?;
    if let Some(line) = crate::governor::describe(client.governor()) {
        crate::output::say!("{line}");
    }
    if let Some(n) = s.concurrency {
        client.set_concurrency(n);
    }
    let mut options = Options::new(&name).interactive_login(p.flow == Flow::AuthCode);
    if let Some(path) = s.client_key_file {
        options = options.client_key(ClientKey::from_file(path).map_err(|e| {
            UserError::usage(e.to_string())
                .hint("write 16 or more random characters to a file only you can read: `head -c 24 /dev/urandom | base64 > proxy.key && chmod 600 proxy.key`")
        })?);
    }
    if let Some(target) = s.access_log {
        let out: Box<dyn std::io::Write + Send> = if target == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(target)
                    .map_err(|e| {
                        UserError::new(format!("cannot open the access log {target}: {e}"))
                            .hint("check the directory exists and is writable, or use --access-log - for stdout")
                    })?,
            )
        };
        options = options.access_log(AccessLog::new(out));
    }
    let proxy = Proxy::new(client, options);
    match proxy.warm_up().await {
        Ok(_) => {
            let ceiling = proxy.client().discover_concurrency().await;
            crate::output::say!("concurrency: {ceiling} request(s) at NetSuite at once");
        }
        Err(e) => {
            let e = anyhow::Error::from(e);
            let hint = crate::error::hint_for(&e)
                .map(|h| format!("\nhint: {h}"))
                .unwrap_or_default();
            crate::output::say!(
                "warning: no token for profile {name}: {e:#}{hint}\nwarning: requests are answered 401 until the login works again"
            );
        }
    }
    Ok((proxy, name))
}

/// Writes `text` to `path` atomically (a temporary file, then a rename).
pub(crate) fn write_ready_file(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("could not write the ready file {}", path.display()))
}

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(args: ProxyArgs, profile: Option<&str>) -> Result<()> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(UserError::usage(format!(
            "--listen {} is not a loopback address",
            args.listen
        ))
        .hint("the proxy lends your NetSuite login to whoever reaches it: keep 127.0.0.1:PORT, or add --allow-remote --client-key-file FILE")
        .into());
    }
    let settings = Settings {
        concurrency: args.concurrency,
        max_attempts: args.max_attempts,
        access_log: args.access_log.as_deref(),
        client_key_file: args.client_key_file.as_deref(),
    };
    let (proxy, name) = build(profile, &settings).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            UserError::new(format!("cannot listen on {}: {e}", args.listen))
                .hint("choose another port with --listen 127.0.0.1:PORT, or port 0 for a free one")
        })?;
    let url = format!("http://{}", listener.local_addr()?);
    crate::output::say!(
        "proxy for profile {name} ({}) listening on {url}",
        proxy.client().endpoints().suitetalk_base()
    );
    if let Some(path) = &args.ready_file {
        write_ready_file(path, &format!("{url}\n"))?;
    }
    let drained = proxy
        .serve(
            listener,
            stop_signal(),
            Duration::from_secs(args.drain_secs),
        )
        .await?;
    match drained {
        Drained::Clean => crate::output::say!("proxy stopped"),
        Drained::TimedOut(n) => crate::output::say!(
            "proxy stopped: --drain-secs {} ran out with {n} request(s) still in flight",
            args.drain_secs
        ),
    }
    Ok(())
}
