//! `netsuite emulator integration create|list|show|block|enable`.

use anyhow::Result;
use clap::Subcommand;
use netsuite_emulator::{ConsentPolicy, Integration, IntegrationDetails, NewIntegration};

use super::backend::{Backend, Target, marked, print_json, print_lines};
use super::mapping::mapping_line;
use crate::error::UserError;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration record; prints its client id and secret (shown once).
    #[command(
        after_help = "Examples:\n  netsuite emulator integration create --data-dir ./ns-data --name my-app --m2m --scope rest_webservices --scope restlets --json\n  netsuite emulator integration create --name cli-login --auth-code --public --redirect-uri http://127.0.0.1:8765/callback --allow-http-loopback --consent-policy first-time --json"
    )]
    Create {
        #[command(flatten)]
        target: Target,
        /// Name of the integration.
        #[arg(long)]
        name: String,
        /// Enable the Client Credentials (Machine to Machine) grant.
        #[arg(long)]
        m2m: bool,
        /// Enable the Authorization Code grant.
        #[arg(long)]
        auth_code: bool,
        /// Public client (no secret).
        #[arg(long)]
        public: bool,
        /// Redirect URI (repeatable).
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Scope (repeatable or comma-separated; default rest_webservices,restlets).
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Also accept http redirect URIs on 127.0.0.1 and localhost, on any port (tests only).
        #[arg(long)]
        allow_http_loopback: bool,
        /// OAuth 2.0 consent policy: always (ask every time), first-time, or never.
        #[arg(long, value_name = "POLICY", default_value = "always",
              value_parser = ["always", "first-time", "never"])]
        consent_policy: String,
        /// Refresh token validity in hours, 1-720 (default: 168 confidential, 48 public).
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
        refresh_token_hours: Option<u32>,
        /// Public clients: maximum time for token rotation in hours, 1-720 (default 168).
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
        max_rotation_hours: Option<u32>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List integration records.
    #[command(after_help = "Example:\n  netsuite emulator integration list --json")]
    List {
        #[command(flatten)]
        target: Target,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one integration record with its certificates and authorized apps.
    #[command(
        after_help = "Example:\n  netsuite emulator integration show 58586d9e... --url http://127.0.0.1:8787"
    )]
    Show {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Block an integration: it gets no tokens and its tokens stop working.
    #[command(after_help = "Example:\n  netsuite emulator integration block 58586d9e...")]
    Block {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
    },
    /// Enable a blocked integration again.
    #[command(after_help = "Example:\n  netsuite emulator integration enable 58586d9e...")]
    Enable {
        #[command(flatten)]
        target: Target,
        /// The client id.
        client_id: String,
    },
}

pub(super) async fn run(cmd: IntegrationCommand) -> Result<()> {
    match cmd {
        IntegrationCommand::Create {
            target,
            name,
            m2m,
            auth_code,
            public,
            redirect_uris,
            scope,
            allow_http_loopback,
            consent_policy,
            refresh_token_hours,
            max_rotation_hours,
            json,
        } => {
            if !m2m && !auth_code {
                return Err(UserError::usage("the integration enables no grant")
                    .hint("pass --m2m (client credentials) and/or --auth-code")
                    .into());
            }
            let new = NewIntegration {
                name,
                m2m,
                auth_code,
                public,
                redirect_uris,
                scopes: scope
                    .iter()
                    .flat_map(|s| netsuite_auth::assertion::split_scopes(s))
                    .collect(),
                allow_http_loopback,
                consent_policy: consent_policy.parse::<ConsentPolicy>()?,
                refresh_token_hours,
                max_rotation_hours,
            };
            let created = Backend::new(&target)?.create_integration(new).await?;
            if json {
                return print_json(&created);
            }
            let mut out = format!("client id:     {}", created.client_id);
            if let Some(s) = &created.client_secret {
                out.push_str(&format!("\nclient secret: {s}"));
            }
            output::data(&out)?;
            crate::output::say!(
                "keep the secret now: like NetSuite, the emulator shows it only once"
            );
            Ok(())
        }
        IntegrationCommand::List { target, json } => {
            let list = Backend::new(&target)?.integrations().await?;
            if json {
                return print_json(&list);
            }
            let lines = list.iter().map(integration_line).collect();
            print_lines(lines, "no integration records yet")
        }
        IntegrationCommand::Show {
            target,
            client_id,
            json,
        } => {
            let details = Backend::new(&target)?
                .integration_details(&client_id)
                .await?;
            if json {
                return print_json(&details);
            }
            output::data(&details_text(&details))
        }
        IntegrationCommand::Block { target, client_id } => {
            set_blocked(&target, &client_id, true).await
        }
        IntegrationCommand::Enable { target, client_id } => {
            set_blocked(&target, &client_id, false).await
        }
    }
}

async fn set_blocked(target: &Target, client_id: &str, blocked: bool) -> Result<()> {
    Backend::new(target)?
        .set_integration_blocked(client_id, blocked)
        .await?;
    crate::output::say!(
        "integration {client_id} {}",
        if blocked { "blocked" } else { "enabled" }
    );
    Ok(())
}

fn integration_line(i: &Integration) -> String {
    format!(
        "{}  {:<20} m2m={} auth_code={} public={} scopes={} consent={}{}",
        i.client_id,
        i.name,
        i.m2m,
        i.auth_code,
        i.public,
        i.scopes.join(","),
        i.consent_policy.as_str(),
        marked(i.blocked, "  (blocked)")
    )
}

/// `integration show`'s text: the record, then one line per certificate and app.
fn details_text(d: &IntegrationDetails) -> String {
    let i = &d.integration;
    let mut out = vec![
        format!("name:                 {}", i.name),
        format!("client id:            {}", i.client_id),
        format!("application id:       {}", i.application_id),
        format!(
            "state:                {}",
            if i.blocked { "blocked" } else { "enabled" }
        ),
        format!(
            "grants:               m2m={} auth_code={} public={}",
            i.m2m, i.auth_code, i.public
        ),
        format!("scopes:               {}", i.scopes.join(",")),
        format!("redirect uris:        {}", i.redirect_uris.join(",")),
        format!("http loopback:        {}", i.allow_http_loopback),
        format!("consent policy:       {}", i.consent_policy.as_str()),
        format!("refresh token hours:  {}", i.refresh_token_hours),
        format!("max rotation hours:   {}", i.max_rotation_hours),
    ];
    for m in &d.mappings {
        out.push(format!("certificate:          {}", mapping_line(m)));
    }
    for a in &d.authorized_apps {
        out.push(format!(
            "authorized app:       #{} {} role {}{}",
            a.id,
            a.user_email,
            a.role,
            marked(a.revoked, " (revoked)")
        ));
    }
    out.join("\n")
}
