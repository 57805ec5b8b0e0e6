//! `netsuite auth ...`

use anyhow::Result;
use netsuite_client::Origin;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::cli::AuthCommand;
use crate::config::Config;
use crate::output;

pub async fn run(cmd: AuthCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        AuthCommand::Token { fresh, json } => token(profile, fresh, json).await,
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

async fn token(profile: Option<&str>, fresh: bool, as_json: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(profile)?;
    let source = super::token_source_for(&config, &name, p)?;
    let (token, origin) = match (fresh, source.cached().await?) {
        (false, Some(t)) => (t, Origin::Cache),
        _ => {
            let http = netsuite_client::http::http_client()?;
            source.token(&http, true).await?
        }
    };
    if origin == Origin::Fresh {
        crate::say!(
            "got a new access token for profile {name:?} (expires {})",
            rfc3339(token.expires_at)
        );
    }
    if as_json {
        output::json(&json!({
            "access_token": token.access_token.expose_secret(),
            "token_type": "bearer",
            "expires_at": rfc3339(token.expires_at),
            "expires_in": token.remaining(netsuite_client::unix_now()).max(0),
            "scope": token.scope,
            "profile": name,
            "cached": origin == Origin::Cache,
        }))
    } else {
        output::data(token.access_token.expose_secret())
    }
}
