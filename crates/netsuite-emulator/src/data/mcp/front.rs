//! What the rest of the data plane needs of the AI Connector (no imports back into
//! it): its settings, its path prefix, and its JSON-RPC error replies.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every AI Connector path starts with this (governed as data-plane requests).
pub(crate) const PATH_PREFIX: &str = "/services/mcp/";

/// The AI Connector's behaviours NetSuite does not document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Accept M2M (client credentials) tokens with scope `mcp`.
    pub allow_m2m: bool,
    /// Serve RFC 9728 protected-resource metadata.
    pub resource_metadata: bool,
    /// Send `WWW-Authenticate` with 401s.
    pub www_authenticate: bool,
    /// Issue `Mcp-Session-Id`s and keep sessions.
    pub sessions: bool,
    /// Reply with SSE streams rather than plain JSON.
    pub sse: bool,
    /// Tool results carry `structuredContent` besides the JSON text.
    pub structured_content: bool,
}

/// A JSON-RPC error reply with no request id, at HTTP `status`.
pub(crate) fn rpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {"code": code, "message": message},
        })),
    )
        .into_response()
}

/// The governance gate's answer over the concurrency limit.
pub(crate) fn too_many_requests() -> Response {
    rpc_error(
        StatusCode::TOO_MANY_REQUESTS,
        -32000,
        "Too Many Requests: the account's concurrent request limit was exceeded. Retry later.",
    )
}
