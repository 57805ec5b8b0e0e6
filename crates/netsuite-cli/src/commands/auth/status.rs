//! `netsuite auth status`: the login, its tokens and their lifetimes.

use anyhow::Result;
use clap::Args;
use netsuite_auth::secret::mask;
use serde_json::json;

use super::token::rfc3339;
use crate::config::{Config, Flow};
use crate::output;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Show the tokens instead of masking them.
    #[arg(long)]
    show_token: bool,
}

pub(super) async fn run(args: StatusArgs, profile: Option<&str>) -> Result<()> {
    let StatusArgs {
        json: as_json,
        show_token,
    } = args;
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    let source = crate::commands::token_source_for(&config, &name, p)?;
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
