//! `netsuite emulator apps list|revoke`: authorized applications.

use anyhow::Result;
use clap::Subcommand;
use netsuite_emulator::AuthorizedApp;

use super::backend::{Backend, Target, marked, or_dash, print_json, print_lines};

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List authorized applications.
    #[command(after_help = "Example:\n  netsuite emulator apps list --url http://127.0.0.1:8787")]
    List {
        #[command(flatten)]
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an authorized application: its refresh and access tokens stop working.
    #[command(after_help = "Example:\n  netsuite emulator apps revoke 3")]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The id shown by `apps list`.
        id: i64,
    },
}

pub(super) async fn run(cmd: AppsCommand) -> Result<()> {
    match cmd {
        AppsCommand::List { target, json } => {
            let list = Backend::new(&target)?.authorized_apps().await?;
            if json {
                return print_json(&list);
            }
            let lines = list.iter().map(app_line).collect();
            print_lines(lines, "no application has been authorized")
        }
        AppsCommand::Revoke { target, id } => {
            Backend::new(&target)?.revoke_authorized_app(id).await?;
            crate::output::say!("revoked authorized application #{id} and its tokens");
            Ok(())
        }
    }
}

fn app_line(a: &AuthorizedApp) -> String {
    // The id is not padded: the listing has always printed `#3 ` (its format's `{:<4}`
    // applied to a JSON value, which ignores widths), and scripts may rely on it.
    format!(
        "#{} {}  {:<20} {}  role {} entity {}  scopes={}  chains={}{}",
        a.id,
        a.client_id,
        or_dash(a.integration_name.as_deref()),
        a.user_email,
        a.role,
        a.entity,
        a.scopes.join(","),
        a.active_chains,
        marked(a.revoked, "  (revoked)")
    )
}
