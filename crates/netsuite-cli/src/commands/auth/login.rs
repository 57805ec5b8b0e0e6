//! `netsuite auth login`: the browser login (authorization code + PKCE).

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use netsuite_auth::authorize::{AuthorizationResponse, Prompt, parse_redirect};
use netsuite_client::callback::{CallbackServer, listener_scheme};

use super::token::rfc3339;
use crate::config::{Config, Flow};
use crate::error::UserError;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Do not open a browser: print the URL and read the redirected URL (or the code) from stdin.
    #[arg(long)]
    no_browser: bool,
    /// Listen on this port instead of the redirect URI's (the URI must be registered with it).
    #[arg(long)]
    port: Option<u16>,
    /// Pass prompt= to NetSuite.
    #[arg(long, value_enum)]
    prompt: Option<PromptArg>,
    /// Give up waiting for the redirect after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Also print what was done as JSON on stdout: `{profile, account, role, entity,
    /// expires_at, refresh_expires_at, store}` (never a token).
    #[arg(long)]
    json: bool,
}

/// The longest `--timeout` (a day): a login is someone at a browser.
const MAX_TIMEOUT: u64 = 86_400;

/// Refuses a `--timeout` of 0 or over [`MAX_TIMEOUT`] (no deadline overflow).
fn check_timeout(timeout: u64) -> Result<()> {
    if timeout == 0 || timeout > MAX_TIMEOUT {
        return Err(UserError::usage(format!(
            "--timeout {timeout} is out of range: the login waits 1 to {MAX_TIMEOUT} seconds"
        ))
        .hint("pass --timeout 300 (five minutes, the default) or up to 86400 (a day)")
        .into());
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PromptArg {
    /// Log in again even with a NetSuite session.
    Login,
    /// Show the consent page.
    Consent,
    /// Both.
    LoginConsent,
    /// No interaction (fails if a login or consent is needed).
    None,
}

pub(super) async fn run(args: LoginArgs, profile: Option<&str>) -> Result<()> {
    let LoginArgs {
        no_browser,
        port,
        prompt,
        timeout,
        json,
    } = args;
    check_timeout(timeout)?;
    let id = crate::identity::resolve(profile)?;
    let (config, name, p) = (&id.config, &id.name, &id.profile);
    needs_login(&id)?;
    let source = id.token_source()?;
    let prompt = prompt.map(|p| match p {
        PromptArg::Login => Prompt::Login,
        PromptArg::Consent => Prompt::Consent,
        PromptArg::LoginConsent => Prompt::LoginConsent,
        PromptArg::None => Prompt::None,
    });
    let pending = source.begin_login(prompt)?;
    let redirect =
        url::Url::parse(pending.redirect_uri.as_str()).context("the profile's redirect URI")?;
    let browser = !no_browser && can_open_browser();
    let paste = !browser || std::io::stdin().is_terminal();

    // The loopback listener, when the redirect URI points at this machine.
    let mut server = None;
    if let Some((https, _)) = listener_scheme(&redirect) {
        let tls = if https {
            Some(callback_tls(config)?)
        } else {
            None
        };
        match CallbackServer::bind(
            &redirect,
            port,
            tls.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
        )
        .await
        {
            Ok(s) => server = Some(s),
            Err(e) if browser => {
                return Err(UserError::new(e.to_string())
                    .hint("free the port, or pass --port N (the redirect URI registered in NetSuite must use the same port), or use --no-browser and paste the redirected URL")
                    .into());
            }
            Err(e) => crate::output::say!("note: {e}; paste the redirected URL instead"),
        }
    } else if browser {
        crate::output::say!(
            "note: the redirect URI {redirect} is not on this machine; after the login, paste the URL the browser was sent to"
        );
    }

    crate::output::say!(
        "Open this URL in a browser to sign in to NetSuite:\n\n  {}\n",
        pending.url
    );
    if browser {
        match webbrowser::open(pending.url.as_str()) {
            Ok(()) => {
                crate::output::say!("(opened your browser; waiting for NetSuite to redirect back)")
            }
            Err(e) => crate::output::say!("(could not open a browser: {e})"),
        }
    }
    if paste {
        crate::output::say!(
            "After signing in, paste the full URL the browser was redirected to (or just the code), then press Enter:"
        );
    }

    // Whether a redirect can still arrive on the listener once stdin has closed.
    let listening = server.is_some();
    let wait = Duration::from_secs(timeout);
    let response: AuthorizationResponse = {
        let listen = async {
            match server {
                Some(s) => s
                    .wait(&pending.state, wait)
                    .await
                    .map_err(anyhow::Error::from),
                None => {
                    tokio::time::sleep(wait).await;
                    Err(
                        UserError::new(format!("no redirect was received within {timeout} s"))
                            .hint(format!(
                                "run `{}` again (use --timeout for more time)",
                                crate::error::login_command()
                            ))
                            .into(),
                    )
                }
            }
        };
        let pasted = async {
            if !paste {
                return std::future::pending::<Result<AuthorizationResponse>>().await;
            }
            let mut last: Option<anyhow::Error> = None;
            loop {
                let Some(line) = read_pasted_line().await else {
                    if let Some(e) = last {
                        return Err(e);
                    }
                    if listening && !no_browser {
                        return std::future::pending().await;
                    }
                    return Err(UserError::new("nothing was pasted (stdin closed)")
                        .hint("paste the full redirected URL, which contains code= and state=")
                        .into());
                };
                if line.trim().is_empty() {
                    continue;
                }
                match parse_redirect(&line, &pending.state, true) {
                    Err(
                        e @ (netsuite_auth::Error::InvalidRedirect { .. }
                        | netsuite_auth::Error::StateMismatch),
                    ) => {
                        let e = login_error(e.into(), timeout);
                        crate::output::say!("{e}; paste the redirected URL again:");
                        last = Some(e);
                    }
                    other => return other.map_err(anyhow::Error::from),
                }
            }
        };
        tokio::select! {
            r = listen => r,
            r = pasted => r,
        }
    }
    .map_err(|e| login_error(e, timeout))?;

    let http = netsuite_client::http::http_client()?;
    let t = source
        .complete_login(&http, &pending, &response)
        .await
        .context("exchanging the authorization code")?;
    let store_path = source
        .store()
        .map(|(s, p)| s.path(p).display().to_string())
        .unwrap_or_default();
    crate::output::say!(
        "logged in: profile {name:?}, account {}, role {}, entity {}\n\
         access token valid until {}{}\ntokens stored encrypted in {store_path}",
        t.company.as_deref().unwrap_or(&p.account),
        t.role.as_deref().unwrap_or("?"),
        t.entity.as_deref().unwrap_or("?"),
        rfc3339(t.expires_at),
        t.refresh_expires_at
            .map(|e| format!(", refresh token until {}", rfc3339(e)))
            .unwrap_or_default()
    );
    if json {
        crate::output::json(&serde_json::json!({
            "profile": name,
            "account": t.company.as_deref().unwrap_or(&p.account),
            "role": t.role,
            "entity": t.entity,
            "expires_at": rfc3339(t.expires_at),
            "refresh_expires_at": t.refresh_expires_at.map(rfc3339),
            "store": store_path,
        }))?;
    }
    Ok(())
}

/// A browser login is for an auth-code profile (the environment names no redirect URI).
fn needs_login(id: &crate::identity::Identity) -> Result<()> {
    if id.from_env {
        return Err(UserError::usage(
            "a browser login needs a profile: the environment alone describes no redirect URI",
        )
        .hint("add one with `netsuite profile add NAME --flow auth-code ...`, or give NETSUITE_REFRESH_TOKEN (a refresh token obtained elsewhere)")
        .into());
    }
    if id.profile.flow != Flow::AuthCode {
        return Err(UserError::usage(format!(
            "profile {:?} uses client credentials, which needs no browser login",
            id.name
        ))
        .hint("use `netsuite auth token`; or add an auth-code profile with `netsuite profile add NAME --flow auth-code ...`")
        .into());
    }
    Ok(())
}

fn login_error(e: anyhow::Error, timeout: u64) -> anyhow::Error {
    let hint = match e.downcast_ref::<netsuite_client::Error>() {
        Some(netsuite_client::Error::Auth(a)) => Some(a),
        _ => e.downcast_ref::<netsuite_auth::Error>(),
    };
    match hint {
        Some(netsuite_auth::Error::AuthorizationDenied { error, .. }) => UserError::new(format!(
            "NetSuite refused the login: {error}: {}",
            netsuite_auth::authorize::describe_authorize_error(error)
        ))
        .hint(format!("run `{}` again and choose Allow; check the integration's scopes and redirect URI", crate::error::login_command()))
        .into(),
        Some(netsuite_auth::Error::StateMismatch) => UserError::new(
            "the pasted URL belongs to another login (its state does not match this one)",
        )
        .hint(format!("paste the URL from the browser tab this login opened, or start again with `{}`", crate::error::login_command()))
        .into(),
        Some(netsuite_auth::Error::InvalidRedirect { reason }) => {
            UserError::new(format!("that is not the redirected URL: {reason}"))
                .hint("copy the whole address from the browser after NetSuite redirects (it contains code= and state=)")
                .into()
        }
        _ if e.to_string().contains("no redirect arrived") => UserError::new(format!(
            "no redirect arrived within {timeout} s"
        ))
        .hint(format!("run `{}` again (--timeout for more time), or use --no-browser and paste the URL", crate::error::login_command()))
        .into(),
        _ => e,
    }
}

/// Whether a browser can be opened here: `$BROWSER`, a display, or a desktop OS,
/// and not an SSH session without `$BROWSER`.
fn can_open_browser() -> bool {
    let has = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    if has("BROWSER") {
        return true;
    }
    if has("SSH_CONNECTION") || has("SSH_TTY") {
        return false;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    has("DISPLAY") || has("WAYLAND_DISPLAY")
}

/// The self-signed certificate for the https loopback listener: made once, kept.
fn callback_tls(config: &Config) -> Result<(String, String)> {
    let dir = config.dir_path().join("callback-tls");
    let cert_path = dir.join("certificate.pem");
    let key_path = dir.join("private-key.pem");
    if let (Ok(c), Ok(k)) = (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        let fresh = netsuite_auth::cert::inspect(c.as_bytes(), time::OffsetDateTime::now_utc())
            .map(|i| i.days_left > 7)
            .unwrap_or(false);
        if fresh {
            return Ok((c, k));
        }
    }
    let g = netsuite_auth::cert::generate_localhost_tls(time::OffsetDateTime::now_utc(), 825)?;
    netsuite_client::store::write_private(&key_path, g.private_key_pem.expose_secret().as_bytes())?;
    netsuite_client::store::write_private(&cert_path, g.certificate_pem.as_bytes())?;
    crate::output::say!(
        "created a self-signed certificate for the login callback on 127.0.0.1 ({}).\n\
         Your browser will warn about it once: it is this tool's own listener; proceed to 127.0.0.1.",
        cert_path.display()
    );
    Ok((
        g.certificate_pem,
        g.private_key_pem.expose_secret().to_owned(),
    ))
}

async fn read_pasted_line() -> Option<String> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    })
    .await
    .ok()
    .flatten()
}
