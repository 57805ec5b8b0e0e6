//! `netsuite emulator tokens list|revoke`: the tokens the emulator issued.

use anyhow::Result;
use clap::Subcommand;
use netsuite_emulator::IssuedToken;

use super::backend::{Backend, Target, print_json, print_lines, when};

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// List tokens, newest first.
    #[command(after_help = "Example:\n  netsuite emulator tokens list --all --limit 20 --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// Include expired tokens still on record.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by jti; a refresh token takes its whole chain with it.
    #[command(
        after_help = "Example:\n  netsuite emulator tokens revoke '1234567.r.5b3236b9-..._1611067655359.0'"
    )]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The token's jti (see `tokens list`).
        jti: String,
    },
}

pub(super) async fn run(cmd: TokensCommand) -> Result<()> {
    match cmd {
        TokensCommand::List {
            target,
            all,
            limit,
            json,
        } => {
            let list = Backend::new(&target)?.tokens(all, limit).await?;
            if json {
                return print_json(&list);
            }
            let lines = list.iter().map(token_line).collect();
            print_lines(lines, "no tokens")
        }
        TokensCommand::Revoke { target, jti } => {
            Backend::new(&target)?.revoke_token(&jti).await?;
            crate::output::say!("revoked {jti}");
            Ok(())
        }
    }
}

fn token_line(t: &IssuedToken) -> String {
    let state = if t.revoked {
        "revoked"
    } else if t.used {
        "used"
    } else {
        "live"
    };
    format!(
        "{:<7} {}  client {}  expires {}  {state}",
        t.kind.as_str(),
        t.jti,
        t.client_id,
        when(t.exp),
    )
}
