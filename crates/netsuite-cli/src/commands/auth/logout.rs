//! `netsuite auth logout`: revoke the refresh token and forget the stored tokens.

use anyhow::Result;
use clap::Args;
use netsuite_client::{Grant, TokenSource};

use crate::error::UserError;

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Do not call the revoke endpoint.
    #[arg(long)]
    keep_remote: bool,
    /// Print what was done as JSON: `{profile, revoked, deleted}`.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: LogoutArgs, profile: Option<&str>) -> Result<()> {
    let keep_remote = args.keep_remote;
    let id = crate::identity::resolve(profile)?;
    let name = &id.name;
    let source: TokenSource = id.token_source()?;
    let mut revoked = false;
    if !keep_remote && matches!(source.grant(), Grant::AuthCode(_)) {
        let http = netsuite_client::http::http_client()?;
        match source.revoke(&http).await {
            Ok(true) => {
                revoked = true;
                crate::output::say!("revoked the refresh token (and its access tokens) at NetSuite")
            }
            Ok(false) => crate::output::say!("no refresh token to revoke"),
            Err(netsuite_client::Error::Auth(netsuite_auth::Error::OAuth(o)))
                if matches!(
                    o.error,
                    netsuite_auth::OAuthErrorCode::InvalidGrant
                        | netsuite_auth::OAuthErrorCode::InvalidToken
                ) =>
            {
                crate::output::say!("the refresh token was already invalid at NetSuite ({o})");
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
    let deleted = source.forget().await?;
    if deleted {
        crate::output::say!("deleted the stored tokens of profile {name:?}");
    } else {
        crate::output::say!("profile {name:?} had no stored tokens");
    }
    if args.json {
        crate::output::json(&serde_json::json!({
            "profile": name,
            "revoked": revoked,
            "deleted": deleted,
        }))?;
    }
    Ok(())
}
