//! `netsuite mcp serve` (an MCP server for AI agents, native tools over the
//! profile's governed client) and `netsuite mcp config` (the client snippet).

mod bridge;
mod server;
mod stdio;
mod tools;
mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Serve NetSuite's tools to an AI agent over MCP (stdio, or Streamable HTTP on loopback).
    Serve(ServeArgs),
    /// Print the snippet that registers `netsuite mcp serve` with a desktop client.
    Config(ConfigArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// stdin/stdout, for desktop clients that start the server themselves.
    Stdio,
    /// Streamable HTTP at http://LISTEN/mcp.
    Http,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite --profile prod mcp serve
  netsuite --profile prod mcp serve --allow-writes
  netsuite --profile prod mcp serve --transport http --listen 127.0.0.1:8182
  netsuite --profile ai mcp serve --upstream

Tools: ns_runCustomSuiteQL (at most 5,000 rows a call; it says when it cut),
ns_getSuiteQLMetadata, ns_getRecordTypeMetadata, ns_getRecord, netsuite_callRestlet (GET);
with --allow-writes also ns_createRecord (with an idempotency key, never repeated after an
unknown outcome), ns_updateRecord and netsuite_callRestlet with POST, PUT and DELETE.
Every call goes through the profile's client: token renewal, retries, the concurrency
governor. Nothing but MCP is written to stdout.

Bridge mode (--upstream): tools/list and tools/call go to the account's AI Connector
(NetSuite's MCP server, /services/mcp/v1/all) with the login of an authorization-code
profile whose scope is mcp alone and whose role is not Administrator (`netsuite auth
login`). A new login is used at the next call, without restarting the client; the
write tools (ns_createRecord, ns_updateRecord) are withheld without --allow-writes.")]
pub struct ServeArgs {
    /// stdio (default) or http (Streamable HTTP).
    #[arg(long, value_enum, default_value_t = Transport::Stdio)]
    pub transport: Transport,
    /// With --transport http: the address (loopback unless --allow-remote); port 0 picks one.
    #[arg(long, default_value = "127.0.0.1:8182", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// With --transport http: write the server's URL (and a newline) to FILE once listening.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// Let the agent create and update records and call RESTlets with POST, PUT, DELETE.
    #[arg(long)]
    pub allow_writes: bool,
    /// With --transport http: listen on a non-loopback address (needs --client-key-file).
    #[arg(long, requires = "client_key_file")]
    pub allow_remote: bool,
    /// With --transport http: require `Authorization: Bearer <the file's contents>`.
    #[arg(long, value_name = "FILE")]
    pub client_key_file: Option<PathBuf>,
    /// Bridge mode: forward tools/list and tools/call to the account's AI Connector
    /// (`<SuiteTalk host>/services/mcp/v1/all`, or the URL given) with the profile's
    /// authorization-code login of scope mcp.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub upstream: Option<String>,
    /// With --upstream: the SuiteApp-scoped endpoint /services/mcp/v1/suiteapp/ID.
    #[arg(long, value_name = "ID", requires = "upstream")]
    pub suiteapp: Option<String>,
    /// With --upstream: let an M2M (client credentials) profile with scope mcp try
    /// (NetSuite documents only the authorization-code grant for the AI Connector).
    #[arg(long, requires = "upstream")]
    pub allow_m2m: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesktopClient {
    /// Claude Desktop (claude_desktop_config.json) and Claude Code (.mcp.json).
    Claude,
    /// Cursor (~/.cursor/mcp.json or .cursor/mcp.json).
    Cursor,
    /// VS Code (.vscode/mcp.json).
    Vscode,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite --profile prod mcp config --client claude
  netsuite --profile prod mcp config --client vscode --allow-writes > .vscode/mcp.json
  netsuite --profile ai mcp config --client claude --upstream")]
pub struct ConfigArgs {
    /// The desktop client.
    #[arg(long, value_enum)]
    pub client: DesktopClient,
    /// Register the server with --allow-writes.
    #[arg(long)]
    pub allow_writes: bool,
    /// Register the bridge to the account's AI Connector (`mcp serve --upstream`).
    #[arg(long)]
    pub upstream: bool,
    /// The server's name in the client.
    #[arg(long, default_value = "netsuite")]
    pub name: String,
}

pub async fn run(cmd: McpCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        McpCommand::Serve(a) => serve(a, profile).await,
        McpCommand::Config(a) => config(&a, profile),
    }
}

async fn serve(args: ServeArgs, profile: Option<&str>) -> Result<()> {
    let id = crate::identity::resolve_renewable(profile)?;
    let writes = if args.allow_writes {
        "ALLOWED"
    } else {
        "refused"
    };
    if let Some(url) = &args.upstream {
        let upstream = upstream::Upstream::new(&id, url, args.suiteapp.as_deref(), args.allow_m2m)?;
        crate::output::say!(
            "netsuite MCP bridge for profile {} to the AI Connector at {}, writes {writes}",
            id.name,
            upstream.url
        );
        let governor = id.client()?.governor().clone();
        let server = bridge::BridgeServer::new(upstream, governor, args.allow_writes);
        return run_transport(server, &args).await;
    }
    let client = id.client()?;
    crate::output::say!(
        "netsuite MCP server for profile {} ({}), writes {writes}",
        id.name,
        client.endpoints().suitetalk_base(),
    );
    let server = server::NativeServer::new(tools::Tools {
        client,
        allow_writes: args.allow_writes,
        text_is_structured: args.transport == Transport::Stdio,
    });
    run_transport(server, &args).await
}

async fn run_transport<S: rmcp::ServerHandler + Clone>(server: S, args: &ServeArgs) -> Result<()> {
    match args.transport {
        Transport::Stdio => server::stdio(server).await,
        Transport::Http => {
            let settings = server::HttpSettings {
                listen: args.listen,
                allow_remote: args.allow_remote,
                client_key_file: args.client_key_file.as_deref(),
                ready_file: args.ready_file.as_deref(),
            };
            server::http(server, &settings).await
        }
    }
}

/// The client's JSON snippet for a stdio server started as `command args`.
fn snippet(client: DesktopClient, name: &str, command: &str, args: &[String]) -> serde_json::Value {
    match client {
        DesktopClient::Claude | DesktopClient::Cursor => json!({
            "mcpServers": { name: { "command": command, "args": args } }
        }),
        DesktopClient::Vscode => json!({
            "servers": { name: { "type": "stdio", "command": command, "args": args } }
        }),
    }
}

fn config(args: &ConfigArgs, profile: Option<&str>) -> Result<()> {
    let command = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "netsuite".to_owned());
    let mut argv: Vec<String> = Vec::new();
    if let Some(p) = profile {
        argv.extend(["--profile".to_owned(), p.to_owned()]);
    }
    argv.extend(["mcp".to_owned(), "serve".to_owned()]);
    if args.upstream {
        argv.push("--upstream".to_owned());
    }
    if args.allow_writes {
        argv.push("--allow-writes".to_owned());
    }
    let where_ = match args.client {
        DesktopClient::Claude => {
            "Claude Desktop: merge into claude_desktop_config.json (Settings > Developer > Edit Config); Claude Code: .mcp.json"
        }
        DesktopClient::Cursor => "Cursor: merge into ~/.cursor/mcp.json (or .cursor/mcp.json)",
        DesktopClient::Vscode => "VS Code: merge into .vscode/mcp.json",
    };
    crate::output::say!("{where_}");
    let v = snippet(args.client, &args.name, &command, &argv);
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_name_the_command_and_args() {
        let args = vec!["mcp".to_owned(), "serve".to_owned()];
        let c = snippet(DesktopClient::Claude, "ns", "/bin/netsuite", &args);
        assert_eq!(c["mcpServers"]["ns"]["command"], "/bin/netsuite");
        assert_eq!(c["mcpServers"]["ns"]["args"][1], "serve");
        let v = snippet(DesktopClient::Vscode, "ns", "/bin/netsuite", &args);
        assert_eq!(v["servers"]["ns"]["type"], "stdio");
    }
}
