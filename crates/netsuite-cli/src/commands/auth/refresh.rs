//! `netsuite auth refresh`: refresh the access token now.

use anyhow::Result;
use clap::Args;

use super::token::rfc3339;
use super::token::token_json;
use crate::config::Flow;
use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Print JSON like `auth token --json`.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: RefreshArgs, profile: Option<&str>) -> Result<()> {
    let as_json = args.json;
    let id = crate::identity::resolve(profile)?;
    let (name, p) = (&id.name, &id.profile);
    if p.flow != Flow::AuthCode {
        return Err(UserError::usage(format!(
            "profile {name:?} uses client credentials, which has no refresh token"
        ))
        .hint("use `netsuite auth token --fresh` for a new client-credentials token")
        .into());
    }
    let source = id.token_source()?;
    let http = netsuite_client::http::http_client()?;
    let (t, origin) = source.token(&http, true).await?;
    crate::output::say!(
        "refreshed profile {name:?}: access token valid until {}{}",
        rfc3339(t.expires_at),
        t.refresh_expires_at
            .map(|e| format!(", refresh token until {}", rfc3339(e)))
            .unwrap_or_default()
    );
    if as_json {
        output::json(&token_json(name, &t, origin))?;
    }
    Ok(())
}
