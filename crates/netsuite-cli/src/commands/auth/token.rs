//! `netsuite auth token`: print an access token, cached or new.

use anyhow::Result;
use clap::Args;
use netsuite_client::Origin;
use netsuite_client::store::StoredToken;
use serde_json::json;

use crate::output;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Ignore the cached token and get a new one (or refresh).
    #[arg(long)]
    fresh: bool,
    /// Print JSON with access_token, expires_at and scope.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: TokenArgs, profile: Option<&str>) -> Result<()> {
    let TokenArgs {
        fresh,
        json: as_json,
    } = args;
    let id = crate::identity::resolve(profile)?;
    let name = &id.name;
    let source = id.token_source()?;
    let (token, origin) = match (fresh, source.cached().await?) {
        (false, Some(t)) => (t, Origin::Cache),
        _ => {
            let http = netsuite_client::http::http_client()?;
            source.token(&http, fresh).await?
        }
    };
    if origin == Origin::Fresh {
        crate::output::say!(
            "got a new access token for profile {name:?} (expires {})",
            rfc3339(token.expires_at)
        );
    }
    if as_json {
        output::json(&token_json(name, &token, origin))
    } else {
        output::data(token.access_token.expose_secret())
    }
}

/// `auth token --json` (and `auth refresh --json`).
pub(super) fn token_json(name: &str, t: &StoredToken, origin: Origin) -> serde_json::Value {
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

/// Unix seconds as RFC 3339.
pub(super) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}
