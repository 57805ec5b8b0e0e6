//! The MCP server of `netsuite mcp serve` on rmcp: the handler, and its stdio and
//! Streamable HTTP transports.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use netsuite_proxy::ClientKey;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};

use super::tools::{self, Tools};
use crate::error::UserError;

const INSTRUCTIONS: &str = "NetSuite through the `netsuite` CLI's governed client. Prefer ns_getRecord and the metadata tools; ns_runCustomSuiteQL returns at most 5,000 rows a call and says when it cut. Never repeat an ns_createRecord whose outcome is unknown.";

/// The native server: our tools over the profile's client.
#[derive(Clone, Debug)]
pub struct NativeServer {
    tools: Arc<Tools>,
}

impl NativeServer {
    pub fn new(tools: Tools) -> Self {
        Self {
            tools: Arc::new(tools),
        }
    }
}

impl ServerHandler for NativeServer {
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
        Ok(ListToolsResult::with_all_items(tools::list(
            self.tools.allow_writes,
        )))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::list(self.tools.allow_writes)
            .into_iter()
            .find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        match self.tools.call(&request.name, &args).await {
            Some(result) => Ok(result.into()),
            None => Err(ErrorData::invalid_params(
                format!("unknown tool {:?}: see tools/list", request.name),
                None,
            )),
        }
    }
}

/// Serves on stdin/stdout until the client closes them (our transport,
/// [`super::stdio`]: rmcp's reader, one write per message).
pub async fn stdio<S: ServerHandler>(server: S) -> Result<()> {
    let running = server
        .serve(super::stdio::Stdio::new())
        .await
        .map_err(|e| anyhow::anyhow!("the MCP client's initialize failed: {e}"))?;
    running
        .waiting()
        .await
        .context("the MCP server stopped unexpectedly")?;
    Ok(())
}

/// Where and how the HTTP transport listens.
#[derive(Debug)]
pub struct HttpSettings<'a> {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub client_key_file: Option<&'a Path>,
    pub ready_file: Option<&'a Path>,
}

/// Answers 401 unless the request carries the client key (`Authorization: Bearer
/// KEY` or `X-NetSuite-Proxy-Key: KEY`).
async fn require_key(key: Arc<ClientKey>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let bearer = h
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|v| key.matches(v.trim().as_bytes()));
    let header = h
        .get("x-netsuite-proxy-key")
        .is_some_and(|v| key.matches(v.as_bytes()));
    if bearer || header {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "this MCP server needs its client key: send `Authorization: Bearer <the contents of --client-key-file>`\n",
        )
            .into_response()
    }
}

/// Serves Streamable HTTP at `/mcp` until Ctrl-C or SIGTERM.
pub async fn http<S: ServerHandler + Clone>(server: S, s: &HttpSettings<'_>) -> Result<()> {
    if !s.listen.ip().is_loopback() && !s.allow_remote {
        return Err(UserError::usage(format!("--listen {} is not a loopback address", s.listen))
            .hint("the MCP server lends your NetSuite login to whoever reaches it: keep 127.0.0.1:PORT, or add --allow-remote --client-key-file FILE")
            .into());
    }
    let key = match s.client_key_file {
        Some(path) => Some(Arc::new(ClientKey::from_file(path).map_err(|e| {
            UserError::usage(e.to_string())
                .hint("write 16 or more random characters to a file only you can read: `head -c 24 /dev/urandom | base64 > mcp.key && chmod 600 mcp.key`")
        })?)),
        None => None,
    };
    let mut config = StreamableHttpServerConfig::default();
    if s.allow_remote {
        // The client key guards it; any Host may reach it.
        config = config.disable_allowed_hosts();
    }
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut router = axum::Router::new().nest_service("/mcp", service);
    if let Some(key) = key {
        router = router.layer(axum::middleware::from_fn(move |req, next| {
            require_key(key.clone(), req, next)
        }));
    }
    let listener = tokio::net::TcpListener::bind(s.listen).await.map_err(|e| {
        UserError::new(format!("cannot listen on {}: {e}", s.listen))
            .hint("choose another port with --listen 127.0.0.1:PORT, or port 0 for a free one")
    })?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    crate::output::say!("MCP server (Streamable HTTP) listening on {url}");
    if let Some(path) = s.ready_file {
        crate::commands::proxy::write_ready_file(path, &format!("{url}\n"))?;
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(crate::commands::proxy::stop_signal())
        .await
        .context("the MCP HTTP server failed")?;
    crate::output::say!("MCP server stopped");
    Ok(())
}
