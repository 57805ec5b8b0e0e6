//! `netsuite auth ...`: login, token, refresh, status, logout (one file per verb).

mod login;
mod logout;
mod refresh;
mod status;
mod token;

use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Log in with the browser (authorization code + PKCE) and keep the tokens.
    #[command(
        after_help = "Examples:\n  netsuite auth login --profile me\n  netsuite auth login --no-browser     # print the URL, paste the redirected URL back\n  netsuite auth login --prompt consent"
    )]
    Login(login::LoginArgs),
    /// Print an access token (cached until five minutes before expiry, refreshed by itself).
    #[command(
        after_help = "Examples:\n  netsuite auth token\n  rest=https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1\n  curl -H \"Authorization: Bearer $(netsuite auth token --profile prod)\" \"$rest/salesorder/304\"\n  netsuite auth token --fresh --json"
    )]
    Token(token::TokenArgs),
    /// Refresh the access token now (authorization code profiles).
    #[command(after_help = "Example:\n  netsuite auth refresh --profile me")]
    Refresh(refresh::RefreshArgs),
    /// Show the login: flow, account, role, entity, token expiry, refresh token life.
    #[command(
        after_help = "Examples:\n  netsuite auth status\n  netsuite auth status --json --show-token"
    )]
    Status(status::StatusArgs),
    /// Revoke the refresh token at NetSuite and delete the stored tokens.
    #[command(
        after_help = "Examples:\n  netsuite auth logout\n  netsuite auth logout --keep-remote   # only forget locally"
    )]
    Logout(logout::LogoutArgs),
}

pub async fn run(cmd: AuthCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        AuthCommand::Login(a) => login::run(a, profile).await,
        AuthCommand::Token(a) => token::run(a, profile).await,
        AuthCommand::Refresh(a) => refresh::run(a, profile).await,
        AuthCommand::Status(a) => status::run(a, profile).await,
        AuthCommand::Logout(a) => logout::run(a, profile).await,
    }
}
