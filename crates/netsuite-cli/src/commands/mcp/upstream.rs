//! Bridge mode (`netsuite mcp serve --upstream`): the account's AI Connector
//! (NetSuite's own MCP server, `/services/mcp/v1/all`) reached over Streamable HTTP
//! with the profile's authorization-code login (scope `mcp`). The token is read
//! from the store before every request, so a `netsuite auth login` made while the
//! server runs is used by the next call; it is refreshed when it runs out.

use netsuite_client::store::StoredToken;
use netsuite_client::{Grant, TokenSource, unix_now};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ContentBlock, Implementation, ProtocolVersion, Tool,
};
use rmcp::service::{Peer, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, RoleClient, ServiceExt};
use tokio::sync::Mutex;

use crate::config::Flow;
use crate::error::UserError;
use crate::identity::Identity;

/// The AI Connector's path on the SuiteTalk host (all tools).
pub const ALL_PATH: &str = "/services/mcp/v1/all";
/// The SuiteApp-scoped endpoint: `/services/mcp/v1/suiteapp/<application id>`.
pub const SUITEAPP_PATH: &str = "/services/mcp/v1/suiteapp/";
/// NetSuite's Administrator role, which the AI Connector refuses.
const ADMINISTRATOR: &str = "3";
/// The Standard Tools that change data: listed and called only with --allow-writes.
pub const WRITE_TOOLS: [&str; 2] = ["ns_createRecord", "ns_updateRecord"];

/// A bridge failure the agent (and the person behind it) reads: an `error:` line
/// and a `hint:` line.
#[derive(Debug)]
pub struct BridgeError(pub String);

impl BridgeError {
    fn new(error: impl std::fmt::Display, hint: impl std::fmt::Display) -> Self {
        Self(format!("error: {error}\nhint: {hint}"))
    }
}

/// The connector's URL: `--upstream URL` as given (checked), else the profile's
/// SuiteTalk host with `/services/mcp/v1/all` (or `/suiteapp/ID` with --suiteapp).
pub fn connector_url(
    suitetalk_base: &str,
    upstream: &str,
    suiteapp: Option<&str>,
) -> Result<String, UserError> {
    if let Some(app) = suiteapp {
        let ok = !app.is_empty()
            && app
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(UserError::usage(format!("--suiteapp {app:?} is not an application id"))
                .hint("give the SuiteApp's application id, e.g. --suiteapp com.netsuite.mcpstandardtools"));
        }
        if !upstream.is_empty() {
            return Err(UserError::usage("--suiteapp goes with a bare --upstream, not with a URL")
                .hint("drop the URL (the profile's account gives the host), or put the whole .../services/mcp/v1/suiteapp/ID URL after --upstream"));
        }
    }
    if upstream.is_empty() {
        let base = suitetalk_base.trim_end_matches('/');
        return Ok(match suiteapp {
            Some(app) => format!("{base}{SUITEAPP_PATH}{app}"),
            None => format!("{base}{ALL_PATH}"),
        });
    }
    let url = url::Url::parse(upstream).map_err(|e| {
        UserError::usage(format!("--upstream {upstream:?} is not a URL ({e})"))
            .hint("give https://<account>.suitetalk.api.netsuite.com/services/mcp/v1/all, or --upstream alone for the profile's account")
    })?;
    let loopback = crate::identity::is_loopback(Some(upstream));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(UserError::usage(format!("--upstream {upstream} is not https"))
            .hint("the bridge sends your NetSuite login: use https:// (plain http only to 127.0.0.1, the emulator)"));
    }
    let path = url.path().trim_end_matches('/');
    let suiteapp_ok = path
        .split_once(SUITEAPP_PATH)
        .is_some_and(|(pre, id)| pre.is_empty() && !id.is_empty() && !id.contains('/'));
    if path != ALL_PATH && !suiteapp_ok {
        return Err(UserError::usage(format!(
            "--upstream {upstream} is not the AI Connector's endpoint: it must end in {ALL_PATH} (or {SUITEAPP_PATH}ID)"
        ))
        .hint(format!(
            "NetSuite shows a URL without /all as disconnected: use {}://{}{ALL_PATH}",
            url.scheme(),
            url.host_str().unwrap_or("HOST")
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Refuses, before serving, a profile the AI Connector cannot accept: M2M (unless
/// `allow_m2m`: whether NetSuite accepts an M2M token with scope `mcp` is not
/// documented), or a scope other than `mcp` alone.
fn check_profile(id: &Identity, allow_m2m: bool) -> Result<(), UserError> {
    let login = format!(
        "`netsuite profile add NAME --flow auth-code --scope mcp --account {} --client-id ID --redirect-uri URI` then `netsuite auth login --profile NAME`",
        if id.profile.account.is_empty() {
            "ACCOUNT"
        } else {
            &id.profile.account
        }
    );
    if id.profile.flow == Flow::ClientCredentials && !allow_m2m {
        return Err(UserError::usage(format!(
            "{} uses client credentials (M2M): NetSuite documents only the authorization-code grant for the AI Connector",
            id.describe()
        ))
        .hint(format!("use an authorization-code profile with scope mcp: {login}; or drop --upstream to serve the native tools with this profile (--allow-m2m tries it anyway, for an account known to accept M2M tokens with scope mcp)")));
    }
    scope_check(&id.profile.scopes, &id.describe())
        .map_err(|(e, h)| UserError::usage(e).hint(format!("{h}: {login}")))
}

/// `Err((error, hint))` unless `scopes` is exactly `mcp`.
fn scope_check(scopes: &[String], whose: &str) -> Result<(), (String, String)> {
    let list = scopes.join(",");
    if scopes.len() > 1 && scopes.iter().any(|s| s == "mcp") {
        return Err((
            format!(
                "{whose} combines mcp with other scopes ({list}): the AI Connector's mcp scope can only be used alone"
            ),
            "make a profile whose scope is mcp alone (NetSuite answers ScopeMismatched otherwise)"
                .into(),
        ));
    }
    if scopes != ["mcp"] {
        return Err((
            format!(
                "{whose} has scope {list}, not mcp: the AI Connector needs the mcp scope alone"
            ),
            "make a profile with --scope mcp and log in with it".into(),
        ));
    }
    Ok(())
}

/// One MCP session with the connector, opened with `token`.
struct Session {
    token: String,
    service: RunningService<RoleClient, ClientConfig>,
}

/// The connection to the AI Connector.
pub struct Upstream {
    pub url: String,
    profile: String,
    source: TokenSource,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// An error and its sources on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s = format!("{s}: {t}");
        }
        cur = c.source();
    }
    s
}

fn is_unauthorized(e: &ServiceError) -> bool {
    e.is_authorization_required() || chain(e).contains("401")
}

impl Upstream {
    /// The connection for `--upstream [URL] [--suiteapp ID]` with identity `id`.
    pub fn new(
        id: &Identity,
        upstream: &str,
        suiteapp: Option<&str>,
        allow_m2m: bool,
    ) -> anyhow::Result<Self> {
        check_profile(id, allow_m2m)?;
        let source = id.token_source()?;
        let url = connector_url(
            source.endpoints().suitetalk_base().as_str(),
            upstream,
            suiteapp,
        )?;
        Ok(Self {
            url,
            profile: id.name.clone(),
            source,
            http: netsuite_client::http::http_client()?,
            session: Mutex::new(None),
        })
    }

    /// What identifies the stored login for the tool list: none, or its role and
    /// whether NetSuite still takes it.
    pub async fn login_state(&self) -> Option<(Option<String>, bool)> {
        let t = self.source.stored().await.ok().flatten()?;
        Some((t.role, t.dead.is_none()))
    }

    fn login_hint(&self) -> String {
        format!(
            "run `netsuite auth login --profile {}` (scope mcp, a role other than Administrator with the MCP Server Connection permission); this server uses the new login at the next call, no restart needed",
            self.profile
        )
    }

    /// The login to use now: the stored token when it is good (a new login made
    /// while serving is picked up here; a logout ends it), else a refresh. `renew`:
    /// the connector refused the stored one.
    async fn token(&self, renew: bool) -> Result<StoredToken, BridgeError> {
        let no_login = |e: &dyn std::fmt::Display| {
            BridgeError::new(
                format!("no usable login for profile {:?}: {e}", self.profile),
                self.login_hint(),
            )
        };
        let t = if self.source.store().is_some() {
            let id = self.source.grant().credentials_id();
            let stored = self
                .source
                .stored()
                .await
                .map_err(|e| no_login(&e))?
                .filter(|t| t.credentials_id == id);
            // An M2M grant gets its token itself; an authorization code needs a login.
            let m2m = matches!(self.source.grant(), Grant::ClientCredentials(_));
            let stored = match stored {
                Some(t) => Some(t),
                None if m2m => None,
                None => return Err(no_login(&"it is not logged in")),
            };
            if let Some(t) =
                stored.filter(|t| !renew && t.dead.is_none() && t.remaining(unix_now()) > 60)
            {
                t
            } else {
                // Refused, spent or about to expire: a refresh (under the profile's lock).
                let (t, _) = self
                    .source
                    .token(&self.http, true)
                    .await
                    .map_err(|e| no_login(&e))?;
                t
            }
        } else {
            let (t, _) = self
                .source
                .token(&self.http, renew)
                .await
                .map_err(|e| no_login(&e))?;
            t
        };
        if t.role.as_deref() == Some(ADMINISTRATOR) {
            return Err(BridgeError::new(
                format!(
                    "profile {:?} is logged in with the Administrator role: NetSuite's AI Connector does not accept Administrator",
                    self.profile
                ),
                format!(
                    "log in again and pick another role (one with MCP Server Connection, OAuth 2.0 Access Tokens and REST Web Services): {}",
                    self.login_hint()
                ),
            ));
        }
        if !t.scope.is_empty()
            && let Err((e, h)) = scope_check(
                &t.scope,
                &format!("the login of profile {:?}", self.profile),
            )
        {
            return Err(BridgeError::new(e, h));
        }
        Ok(t)
    }

    /// A session opened with the current login (a new one when the login changed
    /// or `fresh`).
    async fn peer(&self, renew: bool) -> Result<Peer<RoleClient>, BridgeError> {
        let token = self.token(renew).await?;
        let token = token.access_token.expose_secret();
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref()
            && s.token == token
            && !renew
            && !s.service.is_closed()
        {
            return Ok(s.service.peer().clone());
        }
        retire(guard.take());
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.as_str())
            .auth_header(token.to_owned());
        let transport = StreamableHttpClientTransport::with_client(self.http.clone(), config);
        let info = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("netsuite-mcp-bridge", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(ProtocolVersion::V_2025_06_18);
        let service = info
            .serve(transport)
            .await
            .map_err(|e| self.refused(&chain(&e)))?;
        let peer = service.peer().clone();
        *guard = Some(Session {
            token: token.to_owned(),
            service,
        });
        Ok(peer)
    }

    /// Forgets the session (the next request opens a new one).
    async fn reset(&self) {
        retire(self.session.lock().await.take());
    }

    /// What the connector's refusal `text` means, with the fix.
    fn refused(&self, text: &str) -> BridgeError {
        let hint = known_refusal(text, &self.login_hint()).unwrap_or_else(|| {
            format!(
                "check that {} is the account's AI Connector (`netsuite doctor --profile {}` checks the login)",
                self.url, self.profile
            )
        });
        BridgeError::new(
            format!("the AI Connector at {} refused: {text}", self.url),
            hint,
        )
    }

    /// `tools/list`, all pages. A refused login is renewed once; a broken session
    /// is reopened once (listing has no side effects).
    pub async fn list(&self) -> Result<Vec<Tool>, BridgeError> {
        let mut renew = false;
        for attempt in 0..2 {
            let peer = self.peer(renew).await?;
            match peer.list_all_tools().await {
                Ok(tools) if tools.is_empty() => {
                    return Err(BridgeError::new(
                        format!(
                            "the AI Connector at {} lists no tools for this login",
                            self.url
                        ),
                        "a tool shows only when the role has all its permissions: give the role REST Web Services (Full) for the record and SuiteQL tools, Perform Search for saved searches, and access to the MCP Standard Tools SuiteApp (its File Cabinet folder); then list again (no restart needed)",
                    ));
                }
                Ok(tools) => return Ok(tools),
                Err(ServiceError::McpError(e)) => return Err(self.refused(&e.message)),
                Err(e) if attempt == 0 => {
                    renew = is_unauthorized(&e);
                    self.reset().await;
                }
                Err(e) => return Err(self.refused(&chain(&e))),
            }
        }
        unreachable!("the loop returns")
    }

    /// `tools/call`, forwarded as it is. Repeated only after a 401 (the connector
    /// did not run it): a call whose outcome is unknown is never sent twice.
    pub async fn call(&self, params: CallToolRequestParams) -> Result<CallToolResponse, ErrorData> {
        let mut renew = false;
        for attempt in 0..2 {
            let peer = match self.peer(renew).await {
                Ok(p) => p,
                Err(BridgeError(msg)) => return Ok(failed(msg)),
            };
            match peer.call_tool_once(params.clone()).await {
                Ok(r) => return Ok(r),
                // The connector's own answer (an unknown tool, bad arguments), as it is,
                // unless it is a refusal of the login.
                Err(ServiceError::McpError(e)) => {
                    return match known_refusal(&e.message, &self.login_hint()) {
                        Some(_) => Ok(failed(self.refused(&e.message).0)),
                        None => Err(e),
                    };
                }
                Err(e) if attempt == 0 && is_unauthorized(&e) => {
                    renew = true;
                    self.reset().await;
                }
                Err(e) => {
                    self.reset().await;
                    return Ok(failed(format!(
                        "error: the AI Connector did not answer {} ({}); it was not repeated, so it may or may not have run\nhint: check with a read (ns_getRecord, ns_runCustomSuiteQL) before calling it again",
                        params.name,
                        chain(&e)
                    )));
                }
            }
        }
        unreachable!("the loop returns")
    }
}

/// The fix for a refusal the AI Connector is known for, from its `text`
/// (`login_hint`: how to log in again).
fn known_refusal(text: &str, login_hint: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    Some(if lower.contains("administrator") {
        format!("log in with a role other than Administrator: {login_hint}")
    } else if lower.contains("scopemismatch") {
        "the integration record does not grant the mcp scope to this client (ScopeMismatched): in NetSuite, check \"NetSuite AI Connector Service\" under the record's scopes (or use a record made for the AI Connector), then log in again".into()
    } else if lower.contains("scope") {
        format!("the AI Connector needs a token whose scope is mcp alone: {login_hint}")
    } else if lower.contains("401")
        || lower.contains("unauthorized")
        || lower.contains("invalid login")
    {
        login_hint.to_owned()
    } else if lower.contains("429") || lower.contains("too many requests") {
        "the account's concurrency limit is reached (MCP requests share it): retry in a moment"
            .into()
    } else {
        return None;
    })
}

/// Closes a session that is no longer used, in the background.
fn retire(session: Option<Session>) {
    if let Some(old) = session {
        tokio::spawn(async move {
            let _ = old.service.cancel().await;
        });
    }
}

fn failed(message: String) -> CallToolResponse {
    CallToolResult::error(vec![ContentBlock::text(message)]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connector_url_ends_in_all_or_names_a_suiteapp() {
        let base = "https://1234567.suitetalk.api.netsuite.com/";
        let all = "https://1234567.suitetalk.api.netsuite.com/services/mcp/v1/all";
        assert_eq!(connector_url(base, "", None).unwrap(), all);
        assert_eq!(
            connector_url(base, "", Some("com.netsuite.mcpstandardtools")).unwrap(),
            "https://1234567.suitetalk.api.netsuite.com/services/mcp/v1/suiteapp/com.netsuite.mcpstandardtools"
        );
        assert_eq!(connector_url(base, &format!("{all}/"), None).unwrap(), all);
        for bad in [
            "https://1234567.suitetalk.api.netsuite.com/services/mcp/v1",
            "https://1234567.suitetalk.api.netsuite.com/services/mcp/v1/suiteapp/",
            "https://1234567.suitetalk.api.netsuite.com/x/services/mcp/v1/all",
            "http://1234567.suitetalk.api.netsuite.com/services/mcp/v1/all",
            "not a url",
        ] {
            assert!(connector_url(base, bad, None).is_err(), "{bad}");
        }
        assert!(connector_url(base, "", Some("a/b")).is_err());
        assert!(connector_url(base, all, Some("x")).is_err());
    }

    #[test]
    fn only_mcp_alone_is_accepted() {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(scope_check(&s(&["mcp"]), "p").is_ok());
        let (e, _) = scope_check(&s(&["mcp", "restlets"]), "p").unwrap_err();
        assert!(e.contains("combines mcp with other scopes"), "{e}");
        let (e, _) = scope_check(&s(&["rest_webservices"]), "p").unwrap_err();
        assert!(e.contains("not mcp"), "{e}");
    }

    #[test]
    fn known_refusals_get_their_fix() {
        let hint = |t: &str| known_refusal(t, "LOGIN").unwrap_or_default();
        assert!(
            hint("HTTP 403: does not support Administrator roles")
                .contains("other than Administrator")
        );
        assert!(hint("ScopeMismatched").contains("NetSuite AI Connector Service"));
        assert!(hint("invalid_scope: mcp only").contains("mcp alone"));
        assert_eq!(
            hint("HTTP 401 Unauthorized: Invalid login attempt."),
            "LOGIN"
        );
        assert!(hint("HTTP 429 Too Many Requests").contains("concurrency limit"));
        assert_eq!(known_refusal("connection reset", "LOGIN"), None);
    }
}
