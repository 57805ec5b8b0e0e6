//! NetSuite's AI Connector Service: an MCP server (Streamable HTTP, protocol
//! 2025-06-18, on rmcp) at `/services/mcp/v1/all` and
//! `/services/mcp/v1/suiteapp/com.netsuite.mcpstandardtools`, serving the eleven
//! MCP Standard Tools from the account's data.
//!
//! Every request needs a bearer token whose scope is exactly `mcp` (else 401 and an
//! audit entry), from the authorization code grant (M2M tokens only with
//! [`front::Settings::allow_m2m`]), for a role that is not Administrator (403 with a clear
//! message). Requests count against the account's concurrency limit ("Too Many
//! Requests" over it, from the governance gate). The tools a role sees follow its
//! permissions ([`catalog`]). What NetSuite does not document is a switch in
//! [`front::Settings`].

mod base;
pub(crate) mod catalog;
pub(crate) mod front;
mod reports;
mod tools;

use std::borrow::Cow;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::json;

use super::state::DataPlane;
use crate::oauth::audit::AuditCode;
use crate::oauth::bearer::{Principal, Refusal};
use crate::oauth::refusal::Stop;
use front::rpc_error;

/// The account-wide endpoint.
pub(crate) const ALL_PATH: &str = "/services/mcp/v1/all";
/// The Standard Tools SuiteApp's own endpoint.
pub(crate) const SUITEAPP_PATH: &str = "/services/mcp/v1/suiteapp/com.netsuite.mcpstandardtools";
/// RFC 9728 protected-resource metadata (with [`front::Settings::resource_metadata`]).
pub(crate) const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
/// The scope a token must carry, alone.
const SCOPE: &str = "mcp";
/// NetSuite's Administrator role.
const ADMINISTRATOR: i64 = 3;

const INSTRUCTIONS: &str = "NetSuite AI Connector Service (emulator). Use reports first, then saved searches, then record tools; SuiteQL (ns_runCustomSuiteQL) is the last resort, with ROWNUM <= 1000. Give every ns_createRecord a new UUID as externalId and never retry a failed create automatically.";

/// The MCP server: one per request (stateless) or per session.
#[derive(Clone)]
struct Connector {
    dp: DataPlane,
}

/// The caller of a request, put in the request's extensions by [`authenticate`], and
/// the base URL of links.
#[derive(Clone, Debug)]
struct Caller {
    principal: Principal,
    base: String,
}

fn caller(ctx: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
    ctx.extensions
        .get::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Caller>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request carries no caller", None))
}

impl ServerHandler for Connector {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "NetSuite AI Connector Service (emulator)",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2025_06_18))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = caller(&context)?;
        Ok(ListToolsResult::with_all_items(catalog::tools_for(
            caller.principal.role,
        )))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        catalog::tool(name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = caller(&context)?;
        let name = request.name.as_ref();
        if catalog::tool(name).is_none() {
            return Err(ErrorData::invalid_params(
                format!("Tool {name} not found (see tools/list)"),
                None,
            ));
        }
        let missing = catalog::missing(caller.principal.role, name);
        if !missing.is_empty() {
            return Err(ErrorData::invalid_params(
                format!(
                    "Tool {name} not found: the role lacks the permission {} it needs (see tools/list)",
                    missing.join(", ")
                ),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        Ok(
            tools::call(&self.dp, &caller.principal, &caller.base, name, args)
                .await
                .into(),
        )
    }
}

/// The AI Connector's routes: both endpoints behind the bearer check, and the
/// protected-resource metadata when switched on.
pub(crate) fn routes<S>(dp: DataPlane) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let settings = *dp.mcp();
    // The bearer token guards it; a link base set with --public-url may name any host.
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_legacy_session_mode(settings.sessions)
        .with_json_response(!settings.sse);
    // Open sessions and SSE streams end when the server stops, so that its graceful
    // shutdown does not wait for clients that never hang up.
    let cancel = config.cancellation_token.clone();
    dp.on_stop(Box::new(move || cancel.cancel()));
    let server = Connector { dp: dp.clone() };
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut router = Router::new()
        .nest_service(ALL_PATH, service.clone())
        .nest_service(SUITEAPP_PATH, service)
        .layer(axum::middleware::from_fn_with_state(
            dp.clone(),
            authenticate,
        ));
    if settings.resource_metadata {
        let metadata = move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
            let dp = dp.clone();
            async move { resource_metadata(&dp, &uri, &headers) }
        };
        router = router
            .route(RESOURCE_METADATA_PATH, axum::routing::get(metadata.clone()))
            .route(
                &format!("{RESOURCE_METADATA_PATH}{ALL_PATH}"),
                axum::routing::get(metadata.clone()),
            )
            .route(
                &format!("{RESOURCE_METADATA_PATH}{SUITEAPP_PATH}"),
                axum::routing::get(metadata),
            );
    }
    router
}

/// RFC 9728: the resource is the AI Connector, its authorization server the account.
fn resource_metadata(
    dp: &DataPlane,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> Response {
    let base = dp.link_base(uri, headers);
    let path = uri
        .path()
        .strip_prefix(RESOURCE_METADATA_PATH)
        .filter(|p| !p.is_empty())
        .unwrap_or(ALL_PATH);
    axum::Json(json!({
        "resource": format!("{base}{path}"),
        "authorization_servers": [base],
        "scopes_supported": [SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "NetSuite AI Connector Service (emulator)",
    }))
    .into_response()
}

/// NetSuite's REST error (401 `INVALID_LOGIN`) as a JSON-RPC error with its detail,
/// so that MCP clients can show it.
async fn as_rpc_error(resp: Response) -> Response {
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let detail = body["o:errorDetails"][0]["detail"]
        .as_str()
        .or_else(|| body["title"].as_str())
        .unwrap_or("Invalid login attempt.");
    rpc_error(status, -32001, detail)
}

/// The bearer check in front of the MCP service: scope exactly `mcp`, no M2M token
/// unless allowed, no Administrator.
async fn authenticate(State(dp): State<DataPlane>, mut req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let base = dp.link_base(req.uri(), req.headers());
    let path = req.uri().path().to_owned();
    let checked = dp
        .run_blocking(move |dp| {
            let now = dp.clock().now();
            Ok(admit(dp, dp.bearer().check(&headers, SCOPE, now), now))
        })
        .await;
    match checked {
        Ok(Ok(principal)) => {
            req.extensions_mut().insert(Caller { principal, base });
            next.run(req).await
        }
        Ok(Err(refused)) if refused.status() != StatusCode::UNAUTHORIZED => refused,
        Ok(Err(refused)) => {
            let mut refused = as_rpc_error(refused).await;
            if dp.mcp().www_authenticate {
                let value = if dp.mcp().resource_metadata {
                    format!(
                        "Bearer resource_metadata=\"{base}{RESOURCE_METADATA_PATH}{path}\", scope=\"{SCOPE}\""
                    )
                } else {
                    format!("Bearer realm=\"NetSuite\", scope=\"{SCOPE}\"")
                };
                if let Ok(v) = HeaderValue::from_str(&value) {
                    refused.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            }
            refused
        }
        Err(e) => e.into_response(),
    }
}

/// Decides on a checked token, writing the audit entry of a refusal.
#[allow(clippy::result_large_err)] // the error is the ready response
fn admit(
    dp: &DataPlane,
    checked: Result<Principal, Stop<Refusal>>,
    now: i64,
) -> Result<Principal, Response> {
    let bearer = dp.bearer();
    let principal = checked.map_err(|refusal| bearer.unauthorized(refusal, now))?;
    let refuse = |code, detail: String| {
        bearer.unauthorized(
            Stop::Refused(Refusal {
                code,
                client_id: Some(principal.client_id.clone()),
                detail,
            }),
            now,
        )
    };
    if principal.scopes.len() != 1 {
        return Err(refuse(
            AuditCode::ScopeMismatched,
            format!(
                "the AI Connector needs a token whose scope is mcp alone, not [{}]",
                principal.scopes.join(", ")
            ),
        ));
    }
    if principal.m2m && !dp.mcp().allow_m2m {
        return Err(refuse(
            AuditCode::TokenRejected,
            "the AI Connector takes tokens of the authorization code grant, not M2M (client credentials) tokens (emulator serve --mcp-allow-m2m accepts them)".into(),
        ));
    }
    if principal.role == ADMINISTRATOR {
        bearer.audit(
            &Refusal {
                code: AuditCode::EntityOrRoleDisabled,
                client_id: Some(principal.client_id.clone()),
                detail: "the AI Connector does not support the Administrator role".into(),
            },
            now,
        );
        return Err(rpc_error(
            StatusCode::FORBIDDEN,
            -32001,
            "The NetSuite AI Connector Service does not support Administrator roles. Log in again with another role that has the MCP Server Connection permission.",
        ));
    }
    Ok(principal)
}
