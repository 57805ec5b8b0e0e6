//! The bridge's MCP server: `tools/list` and `tools/call` forwarded to the AI
//! Connector ([`Upstream`]); the write tools only with `--allow-writes`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use netsuite_client::governance::{Governor, Permit};

use super::upstream::{BridgeError, Upstream, WRITE_TOOLS};

const INSTRUCTIONS: &str = "NetSuite's AI Connector (its MCP Standard Tools) through the `netsuite` CLI's login. Never repeat an ns_createRecord whose outcome is unknown: look the record up first.";

/// How often the bridge looks for a new login (or a logout) in the token store.
const LOGIN_POLL: Duration = Duration::from_secs(2);

/// Forwards to the AI Connector.
#[derive(Debug)]
pub struct BridgeServer {
    upstream: Arc<Upstream>,
    /// The account's concurrency budget (the shared governor when one is configured):
    /// the AI Connector's requests count against the same limit as REST and RESTlets.
    governor: Arc<Governor>,
    allow_writes: bool,
    /// Whether this session's client is told when the login changes.
    watching: AtomicBool,
}

/// A clone serves another session (Streamable HTTP): it watches for its own client.
impl Clone for BridgeServer {
    fn clone(&self) -> Self {
        Self {
            upstream: self.upstream.clone(),
            governor: self.governor.clone(),
            allow_writes: self.allow_writes,
            watching: AtomicBool::new(false),
        }
    }
}

impl BridgeServer {
    pub fn new(upstream: Upstream, governor: Arc<Governor>, allow_writes: bool) -> Self {
        Self {
            upstream: Arc::new(upstream),
            governor,
            allow_writes,
            watching: AtomicBool::new(false),
        }
    }

    /// From the first `tools/list` on: when the profile's login changes (a login, a
    /// logout, another role), sends `notifications/tools/list_changed`, so that a
    /// client that listed before the login lists again without a restart.
    fn watch_login(&self, peer: Peer<RoleServer>) {
        if self.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let upstream = self.upstream.clone();
        tokio::spawn(async move {
            let mut last = upstream.login_state().await;
            loop {
                tokio::time::sleep(LOGIN_POLL).await;
                let now = upstream.login_state().await;
                if now != last {
                    last = now;
                    if peer.notify_tool_list_changed().await.is_err() {
                        break; // the client is gone
                    }
                }
            }
        });
    }

    /// A slot of the account's budget for one request to the AI Connector; an error
    /// (the shared governor's wait ran out, or Redis is down with `--governor-fallback
    /// fail`) means the request is not sent.
    async fn slot(&self) -> Result<Permit, ErrorData> {
        self.governor.acquire().await.map_err(|e| {
            let e = anyhow::Error::from(e);
            let mut msg = format!("error: not sent to the AI Connector: {e}");
            if let Some(hint) = crate::error::hint_for(&e) {
                msg.push_str(&format!("\nhint: {hint}"));
            }
            ErrorData::internal_error(msg, None)
        })
    }

    fn withheld(&self, name: &str) -> bool {
        !self.allow_writes && WRITE_TOOLS.contains(&name)
    }
}

impl ServerHandler for BridgeServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("netsuite", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.watch_login(context.peer.clone());
        let slot = self.slot().await?;
        let tools = self.upstream.list().await;
        slot.release().await;
        let tools = tools.map_err(|BridgeError(msg)| ErrorData::internal_error(msg, None))?;
        Ok(ListToolsResult::with_all_items(
            tools
                .into_iter()
                .filter(|t| !self.withheld(&t.name))
                .collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if self.withheld(&request.name) {
            let refusal = super::tools::writes_refused(
                &request.name,
                "netsuite mcp serve --upstream --allow-writes",
            );
            return Ok(CallToolResult::error(vec![ContentBlock::text(refusal)]).into());
        }
        let slot = self.slot().await?;
        let answer = self.upstream.call(request).await;
        slot.release().await;
        answer
    }
}
