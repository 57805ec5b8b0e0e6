//! The bridge's MCP server: `tools/list` and `tools/call` forwarded to the AI
//! Connector ([`Upstream`]); the write tools only with `--allow-writes`.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use super::upstream::{BridgeError, Upstream, WRITE_TOOLS};

const INSTRUCTIONS: &str = "NetSuite's AI Connector (its MCP Standard Tools) through the `netsuite` CLI's login. Never repeat an ns_createRecord whose outcome is unknown: look the record up first.";

/// Forwards to the AI Connector.
#[derive(Clone, Debug)]
pub struct BridgeServer {
    upstream: Arc<Upstream>,
    allow_writes: bool,
}

impl BridgeServer {
    pub fn new(upstream: Upstream, allow_writes: bool) -> Self {
        Self {
            upstream: Arc::new(upstream),
            allow_writes,
        }
    }

    fn withheld(&self, name: &str) -> bool {
        !self.allow_writes && WRITE_TOOLS.contains(&name)
    }
}

impl ServerHandler for BridgeServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("netsuite", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self
            .upstream
            .list()
            .await
            .map_err(|BridgeError(msg)| ErrorData::internal_error(msg, None))?;
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
            return Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                "error: {} is refused: this server was started without --allow-writes\nhint: restart it as `netsuite mcp serve --upstream --allow-writes` to let the agent change data",
                request.name
            ))])
            .into());
        }
        self.upstream.call(request).await
    }
}
