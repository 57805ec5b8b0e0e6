//! `netsuite auth status`: the login, its tokens and their lifetimes.

use anyhow::Result;
use clap::Args;
use netsuite_auth::secret::mask;
use serde_json::json;

use super::token::rfc3339;
use crate::config::Flow;
use crate::error::{UserError, login_command};
use crate::output;
use netsuite_client::store::StoredToken;
use netsuite_client::{ApiRequest, Grant, TokenSource};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Show the tokens instead of masking them.
    #[arg(long)]
    show_token: bool,
    /// Prove the login with one cheap authenticated call (a one-row SuiteQL query).
    #[arg(long)]
    check: bool,
}

/// Why no usable token exists or can be had without a person; `None` when one can.
fn unusable(source: &TokenSource, t: Option<&StoredToken>, now: i64) -> Option<String> {
    if let Some(reason) = t.and_then(|t| t.dead.clone()) {
        return Some(reason);
    }
    let valid =
        t.is_some_and(|t| t.remaining(now) > 0 && !t.access_token.expose_secret().is_empty());
    match source.grant() {
        Grant::ClientCredentials(_) => None,
        Grant::Static(s) if !valid => {
            Some(format!("the access token from {} has expired", s.origin))
        }
        Grant::Static(_) => None,
        Grant::AuthCode(_) => match t {
            _ if valid => None,
            Some(t)
                if t.refresh_token.is_some() && t.refresh_expires_at.is_none_or(|e| e > now) =>
            {
                None
            }
            Some(t) if t.refresh_token.is_some() => Some("the refresh token has expired".into()),
            _ => Some("not logged in".into()),
        },
    }
}

/// `--check`: a token (renewed if need be) and one cheap authenticated call.
async fn check(id: &crate::identity::Identity) -> Result<()> {
    let client = id.client()?;
    let url = client.endpoints().suiteql_url();
    let mut url = url;
    url.set_query(Some("limit=1"));
    let request = ApiRequest::new(reqwest::Method::POST, url)
        .idempotent(true)
        .header(
            reqwest::header::HeaderName::from_static("prefer"),
            reqwest::header::HeaderValue::from_static("transient"),
        )
        .json(&json!({"q": "SELECT 1 AS ok FROM dual"}))?;
    client.send_json(request).await?;
    crate::output::say!("check: an authenticated SuiteQL call succeeded");
    Ok(())
}

pub(super) async fn run(args: StatusArgs, profile: Option<&str>) -> Result<()> {
    let StatusArgs {
        json: as_json,
        show_token,
        check: prove,
    } = args;
    let id = crate::identity::resolve(profile)?;
    let (name, p) = (&id.name, &id.profile);
    warn_certificate(name, p);
    let source = id.token_source()?;
    let stored = source.stored().await?;
    let now = netsuite_client::unix_now();
    let (store, key) = match source.store() {
        Some((s, prof)) => (
            s.path(prof).display().to_string(),
            s.key_source()?.0.to_string(),
        ),
        None => ("memory (not kept)".to_owned(), "-".to_owned()),
    };
    let show = |s: &str| if show_token { s.to_owned() } else { mask(s) };
    let usable = stored
        .as_ref()
        .is_some_and(|t| t.credentials_id == source.grant().credentials_id());
    let t = stored.as_ref().filter(|_| usable);
    let problem = unusable(&source, t, now);
    let refresh_left = t.and_then(|t| t.refresh_expires_at).map(|e| e - now);
    let warning = match (p.flow, refresh_left) {
        _ if problem.is_some() => None,
        (Flow::AuthCode, Some(left)) if left < 24 * 3600 => Some(format!(
            "the refresh token expires in {}: run `{}` soon (NetSuite's 7-day ceiling)",
            duration_words(left),
            login_command()
        )),
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
        "logged_in": problem.is_none(),
        "problem": problem,
        "access_token": t.filter(|t| t.dead.is_none()).map(|t| show(t.access_token.expose_secret())),
        "access_token_expires_at": t.map(|t| rfc3339(t.expires_at)),
        "access_token_expires_in": t.map(|t| t.remaining(now).max(0)),
        "refresh_token": t.and_then(|t| t.refresh_token.as_ref().map(|r| show(r.expose_secret()))),
        "refresh_token_expires_at": t.and_then(|t| t.refresh_expires_at).map(rfc3339),
        "refresh_token_expires_in": refresh_left.map(|l| l.max(0)),
        "warning": warning,
    });
    if as_json {
        output::json(&v)?;
        return finish(&id, problem, prove).await;
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
        Some(t) if t.dead.is_some() => text.push_str(&line(
            "access token",
            Some(format!("dead: {}", t.dead.as_deref().unwrap_or_default())),
        )),
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
            if let Some(r) = &t.refresh_token {
                let life = t.refresh_expires_at.map_or_else(
                    || "expiry unknown".to_owned(),
                    |e| format!("expires {}, {} left", rfc3339(e), duration_words(e - now)),
                );
                text.push_str(&line(
                    "refresh token",
                    Some(format!("{} ({life})", show(r.expose_secret()))),
                ));
            }
        }
        None => text.push_str("access token    none stored\n"),
    }
    output::data(text.trim_end())?;
    if let Some(w) = warning {
        crate::output::say!("warning: {w}");
    }
    finish(&id, problem, prove).await
}

/// Exit 4 with the cause when no token can be had without a person; `--check` proves one.
async fn finish(
    id: &crate::identity::Identity,
    problem: Option<String>,
    prove: bool,
) -> Result<()> {
    if let Some(why) = problem {
        let hint = match id.profile.flow {
            Flow::AuthCode if why.contains("already used") => crate::error::lost_rotation_hint(),
            Flow::AuthCode => format!("run `{}`", login_command()),
            Flow::ClientCredentials => format!(
                "fix the credentials NetSuite refused; `netsuite doctor{}` names the likely cause",
                crate::error::profile_flag()
            ),
        };
        return Err(
            UserError::auth(format!("{}: no usable token: {why}", id.describe()))
                .hint(hint)
                .into(),
        );
    }
    if prove {
        check(id).await?;
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

/// A warning on stderr when the profile's certificate has 30 days left or fewer.
fn warn_certificate(name: &str, p: &crate::config::Profile) {
    let Some(path) = &p.certificate else { return };
    match crate::commands::cert::read_certificate(path) {
        Ok(info) => {
            let what = format!("the certificate of profile {name:?}");
            if let Some(w) = crate::commands::cert::expiry_warning(&what, &info) {
                crate::output::say!("{w}");
            }
        }
        Err(e) => crate::output::say!("warning: {e:#}"),
    }
}
