//! `netsuite emulator mapping create|list|revoke`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use netsuite_emulator::{Mapping, NewMapping};

use super::backend::{Backend, Target, marked, print_json, print_lines};
use crate::error::UserError;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Register a certificate for an integration; prints the certificate id.
    #[command(
        after_help = "Example:\n  netsuite emulator mapping create --data-dir ./ns-data --client-id 58586d9e... --certificate ./ns-cert/certificate.pem --json"
    )]
    Create {
        #[command(flatten)]
        target: Target,
        /// The integration's client id.
        #[arg(long)]
        client_id: String,
        /// The certificate PEM.
        #[arg(long, value_name = "PATH")]
        certificate: PathBuf,
        /// Role internal id (3 = Administrator).
        #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
        role: i64,
        /// Entity internal id (-5 = the default administrator).
        #[arg(long, default_value_t = -5, allow_negative_numbers = true)]
        entity: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List mappings.
    #[command(after_help = "Example:\n  netsuite emulator mapping list --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a mapping (and the access tokens issued with its certificate).
    #[command(
        after_help = "Example:\n  netsuite emulator mapping revoke NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA"
    )]
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The certificate id (the kid of client assertions; may start with '-').
        #[arg(allow_hyphen_values = true)]
        certificate_id: String,
        /// Only the mapping of this integration (a certificate can be mapped to several).
        #[arg(long)]
        client_id: Option<String>,
    },
}

pub(super) async fn run(cmd: MappingCommand) -> Result<()> {
    match cmd {
        MappingCommand::Create {
            target,
            client_id,
            certificate,
            role,
            entity,
            json,
        } => {
            let pem = std::fs::read_to_string(&certificate).map_err(|e| {
                UserError::new(format!("cannot read {}: {e}", certificate.display()))
                    .hint("pass the certificate.pem written by `netsuite cert new`")
            })?;
            let new = NewMapping {
                client_id,
                certificate_pem: pem,
                role,
                entity,
            };
            let m = Backend::new(&target)?.create_mapping(new).await?;
            if json {
                return print_json(&m);
            }
            output::data(&m.certificate_id)?;
            crate::output::say!(
                "mapped the {} certificate (role {}, entity {}); use the certificate id above as --certificate-id",
                m.key,
                m.role,
                m.entity
            );
            Ok(())
        }
        MappingCommand::List { target, json } => {
            let list = Backend::new(&target)?.mappings().await?;
            if json {
                return print_json(&list);
            }
            let lines = list.iter().map(mapping_line).collect();
            print_lines(lines, "no certificates are mapped")
        }
        MappingCommand::Revoke {
            target,
            certificate_id,
            client_id,
        } => {
            let revoked = Backend::new(&target)?
                .revoke_mapping(&certificate_id, client_id.as_deref())
                .await?;
            let n = revoked.len();
            crate::output::say!("revoked {n} mapping(s) of certificate {certificate_id}");
            Ok(())
        }
    }
}

/// One mapping on one line (`mapping list`, and `integration show`'s certificates).
pub(super) fn mapping_line(m: &Mapping) -> String {
    format!(
        "{}  client {}  role {} entity {}  {}{}",
        m.certificate_id,
        m.client_id,
        m.role,
        m.entity,
        m.key,
        marked(m.revoked, "  (revoked)")
    )
}
