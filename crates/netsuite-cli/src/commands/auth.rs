//! `netsuite auth ...`: login, token, refresh, status, logout.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context, Result};
use netsuite_auth::authorize::{AuthorizationResponse, Prompt, parse_redirect};
use netsuite_auth::secret::mask;
use netsuite_client::callback::{CallbackServer, listener_scheme};
use netsuite_client::store::StoredToken;
use netsuite_client::{Grant, Origin, TokenSource};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::cli::{AuthCommand, PromptArg};
use crate::config::{Config, Flow};
use crate::error::UserError;
use crate::output;

pub async fn run(cmd: AuthCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        AuthCommand::Login {
            no_browser,
            port,
            prompt,
            timeout,
        } => login(profile, no_browser, port, prompt, timeout).await,
        AuthCommand::Token { fresh, json } => token(profile, fresh, json).await,
        AuthCommand::Refresh { json } => refresh(profile, json).await,
        AuthCommand::Status { json, show_token } => status(profile, json, show_token).await,
        AuthCommand::Logout { keep_remote } => logout(profile, keep_remote).await,
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn duration_words(secs: i64) -> String {
    if secs <= 0 {
        return "expired".into();
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

fn token_json(name: &str, t: &StoredToken, origin: Origin) -> serde_json::Value {
    json!({
        "access_token": t.access_token.expose_secret(),
        "token_type": "bearer",
        "expires_at": rfc3339(t.expires_at),
        "expires_in": t.remaining(netsuite_client::unix_now()).max(0),
        "scope": t.scope,
        "profile": name,
        "cached": origin == Origin::Cache,
    })
}

async fn token(profile: Option<&str>, fresh: bool, as_json: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    let source = super::token_source_for(&config, &name, p)?;
    let (token, origin) = match (fresh, source.cached().await?) {
        (false, Some(t)) => (t, Origin::Cache),
        _ => {
            let http = netsuite_client::http::http_client()?;
            source.token(&http, fresh).await?
        }
    };
    if origin == Origin::Fresh {
        crate::say!(
            "got a new access token for profile {name:?} (expires {})",
            rfc3339(token.expires_at)
        );
    }
    if as_json {
        output::json(&token_json(&name, &token, origin))
    } else {
        output::data(token.access_token.expose_secret())
    }
}

async fn refresh(profile: Option<&str>, as_json: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    if p.flow != Flow::AuthCode {
        return Err(UserError::usage(format!(
            "profile {name:?} uses client credentials, which has no refresh token"
        ))
        .hint("use `netsuite auth token --fresh` for a new client-credentials token")
        .into());
    }
    let source = super::token_source_for(&config, &name, p)?;
    let http = netsuite_client::http::http_client()?;
    let (t, origin) = source.token(&http, true).await?;
    crate::say!(
        "refreshed profile {name:?}: access token valid until {}{}",
        rfc3339(t.expires_at),
        t.refresh_expires_at
            .map(|e| format!(", refresh token until {}", rfc3339(e)))
            .unwrap_or_default()
    );
    if as_json {
        output::json(&token_json(&name, &t, origin))?;
    }
    Ok(())
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
    crate::say!(
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

async fn login(
    profile: Option<&str>,
    no_browser: bool,
    port: Option<u16>,
    prompt: Option<PromptArg>,
    timeout: u64,
) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    if p.flow != Flow::AuthCode {
        return Err(UserError::usage(format!(
            "profile {name:?} uses client credentials, which needs no browser login"
        ))
        .hint("use `netsuite auth token`; or add an auth-code profile with `netsuite profile add NAME --flow auth-code ...`")
        .into());
    }
    let source = super::token_source_for(&config, &name, p)?;
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
            Some(callback_tls(&config)?)
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
            Err(e) => crate::say!("note: {e}; paste the redirected URL instead"),
        }
    } else if browser {
        crate::say!(
            "note: the redirect URI {redirect} is not on this machine; after the login, paste the URL the browser was sent to"
        );
    }

    crate::say!(
        "Open this URL in a browser to sign in to NetSuite:\n\n  {}\n",
        pending.url
    );
    if browser {
        match webbrowser::open(pending.url.as_str()) {
            Ok(()) => crate::say!("(opened your browser; waiting for NetSuite to redirect back)"),
            Err(e) => crate::say!("(could not open a browser: {e})"),
        }
    }
    if paste {
        crate::say!(
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
                            .hint("run `netsuite auth login` again (use --timeout for more time)")
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
                        crate::say!("{e}; paste the redirected URL again:");
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
    crate::say!(
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
        .hint("run `netsuite auth login` again and choose Allow; check the integration's scopes and redirect URI")
        .into(),
        Some(netsuite_auth::Error::StateMismatch) => UserError::new(
            "the pasted URL belongs to another login (its state does not match this one)",
        )
        .hint("paste the URL from the browser tab this login opened, or start again with `netsuite auth login`")
        .into(),
        Some(netsuite_auth::Error::InvalidRedirect { reason }) => {
            UserError::new(format!("that is not the redirected URL: {reason}"))
                .hint("copy the whole address from the browser after NetSuite redirects (it contains code= and state=)")
                .into()
        }
        _ if e.to_string().contains("no redirect arrived") => UserError::new(format!(
            "no redirect arrived within {timeout} s"
        ))
        .hint("run `netsuite auth login` again (--timeout for more time), or use --no-browser and paste the URL")
        .into(),
        _ => e,
    }
}

async fn status(profile: Option<&str>, as_json: bool, show_token: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    let source = super::token_source_for(&config, &name, p)?;
    let stored = source.stored().await?;
    let now = netsuite_client::unix_now();
    let (store, key) = match source.store() {
        Some((s, prof)) => (
            s.path(prof).display().to_string(),
            s.key_source()?.0.to_string(),
        ),
        None => (String::new(), String::new()),
    };
    let show = |s: &str| if show_token { s.to_owned() } else { mask(s) };
    let usable = stored
        .as_ref()
        .is_some_and(|t| t.credentials_id == source.grant().credentials_id());
    let t = stored.as_ref().filter(|_| usable);
    let refresh_left = t.and_then(|t| t.refresh_expires_at).map(|e| e - now);
    let warning = match (p.flow, refresh_left) {
        (Flow::AuthCode, Some(left)) if left <= 0 => {
            Some("the refresh token has expired: run `netsuite auth login`".to_owned())
        }
        (Flow::AuthCode, Some(left)) if left < 24 * 3600 => Some(format!(
            "the refresh token expires in {}: run `netsuite auth login` soon (NetSuite's 7-day ceiling)",
            duration_words(left)
        )),
        (Flow::AuthCode, None) => Some("not logged in: run `netsuite auth login`".into()),
        _ => None,
    };
    let v = json!({
        "profile": name,
        "flow": p.flow.name(),
        "account": t.and_then(|t| t.company.clone()).unwrap_or_else(|| p.account.clone()),
        "client_id": p.client_id,
        "public": p.public,
        "role": t.and_then(|t| t.role.clone()),
        "entity": t.and_then(|t| t.entity.clone()),
        "scope": t.map(|t| t.scope.clone()),
        "token_store": store,
        "store_key": key,
        "logged_in": t.is_some_and(|t| t.refresh_token.is_some() || p.flow == Flow::ClientCredentials),
        "access_token": t.map(|t| show(t.access_token.expose_secret())),
        "access_token_expires_at": t.map(|t| rfc3339(t.expires_at)),
        "access_token_expires_in": t.map(|t| t.remaining(now).max(0)),
        "refresh_token": t.and_then(|t| t.refresh_token.as_ref().map(|r| show(r.expose_secret()))),
        "refresh_token_expires_at": t.and_then(|t| t.refresh_expires_at).map(rfc3339),
        "refresh_token_expires_in": refresh_left.map(|l| l.max(0)),
        "warning": warning,
    });
    if as_json {
        return output::json(&v);
    }
    let mut text = format!(
        "profile         {name}\nflow            {}\n",
        p.flow.name()
    );
    let line =
        |k: &str, val: Option<String>| val.map(|v| format!("{k:<15} {v}\n")).unwrap_or_default();
    text.push_str(&line("account", v["account"].as_str().map(str::to_owned)));
    text.push_str(&line("role", t.and_then(|t| t.role.clone())));
    text.push_str(&line("entity", t.and_then(|t| t.entity.clone())));
    text.push_str(&line("scope", t.map(|t| t.scope.join(","))));
    text.push_str(&line(
        "token store",
        Some(format!("{store} (key in {key})")),
    ));
    match t {
        Some(t) => {
            text.push_str(&line(
                "access token",
                Some(format!(
                    "{} (expires {}, {})",
                    show(t.access_token.expose_secret()),
                    rfc3339(t.expires_at),
                    if t.remaining(now) > 0 {
                        format!("in {}", duration_words(t.remaining(now)))
                    } else {
                        "expired".into()
                    }
                )),
            ));
            if let (Some(r), Some(e)) = (&t.refresh_token, t.refresh_expires_at) {
                text.push_str(&line(
                    "refresh token",
                    Some(format!(
                        "{} (expires {}, {} left)",
                        show(r.expose_secret()),
                        rfc3339(e),
                        duration_words(e - now)
                    )),
                ));
            }
        }
        None => text.push_str("access token    none stored\n"),
    }
    output::data(text.trim_end())?;
    if let Some(w) = warning {
        crate::say!("warning: {w}");
    }
    Ok(())
}

async fn logout(profile: Option<&str>, keep_remote: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    let source: TokenSource = super::token_source_for(&config, &name, p)?;
    if !keep_remote && matches!(source.grant(), Grant::AuthCode(_)) {
        let http = netsuite_client::http::http_client()?;
        match source.revoke(&http).await {
            Ok(true) => {
                crate::say!("revoked the refresh token (and its access tokens) at NetSuite")
            }
            Ok(false) => crate::say!("no refresh token to revoke"),
            Err(netsuite_client::Error::Auth(netsuite_auth::Error::OAuth(o)))
                if matches!(
                    o.error,
                    netsuite_auth::OAuthErrorCode::InvalidGrant
                        | netsuite_auth::OAuthErrorCode::InvalidToken
                ) =>
            {
                crate::say!("the refresh token was already invalid at NetSuite ({o})");
            }
            Err(e) => {
                return Err(anyhow::Error::from(e).context("revoking the refresh token failed; the stored tokens were kept"))
                    .map_err(|e| {
                        UserError::new(format!("{e:#}"))
                            .hint("retry, or pass --keep-remote to delete the local tokens without revoking")
                            .into()
                    });
            }
        }
    }
    if source.forget().await? {
        crate::say!("deleted the stored tokens of profile {name:?}");
    } else {
        crate::say!("profile {name:?} had no stored tokens");
    }
    Ok(())
}
