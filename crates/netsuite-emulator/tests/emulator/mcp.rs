//! The AI Connector (`/services/mcp/v1/all`) in-process: the bearer check (scope
//! `mcp` alone, audit entries), the Administrator refusal, M2M tokens refused unless
//! switched on, tools by role permission, the tools answering from the data, the
//! undocumented behaviours' switches, and the concurrency limit.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{AuditCode, Config, LoginRole, LoginUser, NewIntegration, NewMapping};
use serde_json::{Value, json};

use crate::authcode::{Auth, auth_code};
use crate::support::*;

const ALL: &str = "/services/mcp/v1/all";
const SUITEAPP: &str = "/services/mcp/v1/suiteapp/com.netsuite.mcpstandardtools";

fn mcp_integration() -> NewIntegration {
    NewIntegration {
        scopes: vec!["mcp".into()],
        ..auth_code("AI client")
    }
}

/// The demo user with extra roles: 1002 (saved searches only), 1099 (no permission).
fn users(c: &mut Config) {
    let mut user = LoginUser::default_admin();
    user.roles.push(LoginRole::new(1002, "Saved Search Viewer"));
    user.roles.push(LoginRole::new(1099, "Clerk"));
    c.users = vec![user];
}

/// An auto-approving emulator whose consent picks `role`.
fn connector(role: i64, tweak: impl FnOnce(&mut Config)) -> Auth {
    Auth::with(
        |c| {
            users(c);
            c.auto_approve_role = Some(role);
            tweak(c);
        },
        mcp_integration(),
    )
}

/// An access token with scope `scope` from the authorization code grant.
async fn token(auth: &Auth, scope: &str) -> String {
    let mut params = auth.params();
    params.retain(|(k, _)| *k != "scope");
    params.push(("scope", scope.into()));
    let r = auth.authorize(&params, None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let (_, q) = crate::authcode::location(&r);
    let code = crate::authcode::param(&q, "code").to_owned();
    let r = auth.exchange(&code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json["access_token"].as_str().unwrap().to_owned()
}

/// POSTs one JSON-RPC message to `path`.
async fn rpc(auth: &Auth, path: &str, bearer: Option<&str>, message: Value) -> Reply {
    let mut req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if let Some(t) = bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    send(
        &auth.app,
        req.body(Body::from(message.to_string())).unwrap(),
    )
    .await
}

async fn get(auth: &Auth, path: &str) -> Reply {
    let req = Request::builder()
        .uri(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    send(&auth.app, req).await
}

async fn call(auth: &Auth, bearer: &str, id: u64, method: &str, params: Value) -> Value {
    let r = rpc(
        auth,
        ALL,
        Some(bearer),
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.content_type().starts_with("application/json"), "{r:?}");
    r.json
}

async fn tool(auth: &Auth, bearer: &str, name: &str, args: Value) -> Value {
    let v = call(
        auth,
        bearer,
        7,
        "tools/call",
        json!({"name": name, "arguments": args}),
    )
    .await;
    let mut result = v["result"].clone();
    assert!(result.is_object(), "{name}: {v}");
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    if result["isError"] != json!(true) {
        // The text is the JSON; tests read it as structuredContent (which the
        // emulator adds only with mcp_structured_content).
        let parsed: Value = serde_json::from_str(text).unwrap();
        if let Some(s) = result.get("structuredContent") {
            assert_eq!(s, &parsed, "{name}: the text is the JSON");
        }
        result["structuredContent"] = parsed;
    }
    result
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn bearer_check_refuses_missing_and_wrong_tokens_with_audit_entries() {
    let auth = connector(1001, |_| {});
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let r = rpc(&auth, ALL, None, list.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_none());
    // A JSON-RPC error MCP clients show, with NetSuite's INVALID_LOGIN detail.
    assert_eq!(r.json["jsonrpc"], "2.0", "{}", r.body);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid login attempt."),
        "{}",
        r.body
    );
    assert_eq!(auth.last_audit().code, AuditCode::TokenRejected.as_str());
    // A REST token (the integration allows mcp only: use a second one).
    let rest = auth.emu.create_integration(auth_code("REST app")).unwrap();
    let other = Auth {
        emu: auth.emu.clone(),
        clock: auth.clock.clone(),
        app: auth.app.clone(),
        integration: rest,
    };
    let rest_token = token(&other, "rest_webservices").await;
    let r = rpc(&auth, ALL, Some(&rest_token), list.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let entry = auth.last_audit();
    assert_eq!(entry.code, AuditCode::ScopeMismatched.as_str());
    assert!(entry.detail.contains("mcp"), "{entry:?}");
    // And the REST API refuses an mcp-only token.
    let mcp_token = token(&auth, "mcp").await;
    let r = auth.record(&mcp_token).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(auth.last_audit().code, AuditCode::ScopeMismatched.as_str());
    // The mcp token works on both endpoints.
    for path in [ALL, SUITEAPP] {
        let r = rpc(&auth, path, Some(&mcp_token), list.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(tool_names(&r.json).len(), 11, "{path}");
    }
    // Without /all: not the AI Connector.
    let r = rpc(&auth, "/services/mcp/v1", Some(&mcp_token), list).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn administrator_role_is_refused_with_a_clear_message() {
    let auth = connector(3, |_| {});
    let t = token(&auth, "mcp").await;
    let r = rpc(
        &auth,
        ALL,
        Some(&t),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not support Administrator roles"),
        "{}",
        r.body
    );
    assert_eq!(
        auth.last_audit().code,
        AuditCode::EntityOrRoleDisabled.as_str()
    );
}

#[tokio::test]
async fn tools_follow_the_role_permissions() {
    let searcher = connector(1002, |_| {});
    let t = token(&searcher, "mcp").await;
    let list = call(&searcher, &t, 1, "tools/list", json!({})).await;
    assert_eq!(
        tool_names(&list),
        ["ns_listSavedSearches", "ns_runSavedSearch"]
    );
    let v = call(
        &searcher,
        &t,
        2,
        "tools/call",
        json!({"name": "ns_getRecord", "arguments": {"recordType": "customer", "recordId": "101"}}),
    )
    .await;
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(message.contains("ADMI_RESTWEBSERVICES"), "{message}");
    let clerk = connector(1099, |_| {});
    let t = token(&clerk, "mcp").await;
    let list = call(&clerk, &t, 1, "tools/list", json!({})).await;
    assert!(tool_names(&list).is_empty(), "{list}");
}

/// An M2M integration allowing `mcp`, mapped to role 1001.
async fn m2m_token(auth: &Auth) -> String {
    let integration = auth
        .emu
        .create_integration(NewIntegration {
            scopes: vec!["mcp".into()],
            ..m2m("M2M agent")
        })
        .unwrap();
    let cred = credential(KeyType::EcP256);
    let mut new = NewMapping::new(integration.client_id.clone(), cred.cert_pem.clone());
    new.role = 1001;
    let mapping = auth.emu.create_mapping(new).unwrap();
    let f = Fixture {
        emu: auth.emu.clone(),
        clock: auth.clock.clone(),
        app: auth.app.clone(),
        integration,
        mapping,
        cred,
    };
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["mcp"]));
    f.token_for(&claims).await
}

#[tokio::test]
async fn m2m_tokens_are_refused_unless_switched_on() {
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let auth = connector(1001, |_| {});
    let t = m2m_token(&auth).await;
    let r = rpc(&auth, ALL, Some(&t), list.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let entry = auth.last_audit();
    assert_eq!(entry.code, AuditCode::TokenRejected.as_str());
    assert!(entry.detail.contains("--mcp-allow-m2m"), "{entry:?}");
    let auth = connector(1001, |c| c.mcp_allow_m2m = true);
    let t = m2m_token(&auth).await;
    let r = rpc(&auth, ALL, Some(&t), list).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(tool_names(&r.json).len(), 11);
}

#[tokio::test]
async fn undocumented_behaviours_are_switches() {
    let auth = connector(1001, |c| {
        c.mcp_www_authenticate = true;
        c.mcp_resource_metadata = true;
    });
    let r = rpc(
        &auth,
        ALL,
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let challenge = r.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"http://{HOST}/.well-known/oauth-protected-resource{ALL}\""
        )),
        "{challenge}"
    );
    let r = get(
        &auth,
        &format!("/.well-known/oauth-protected-resource{ALL}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["resource"], format!("http://{HOST}{ALL}"));
    assert_eq!(r.json["scopes_supported"], json!(["mcp"]));
    // Off by default: no metadata.
    let plain = connector(1001, |_| {});
    let r = get(&plain, "/.well-known/oauth-protected-resource").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Sessions: initialize answers with an Mcp-Session-Id (and SSE).
    let sessions = connector(1001, |c| c.mcp_sessions = true);
    let t = token(&sessions, "mcp").await;
    let r = rpc(&sessions, ALL, Some(&t), initialize()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers.get("mcp-session-id").is_some(), "{r:?}");
    assert!(r.content_type().starts_with("text/event-stream"), "{r:?}");
    // Stateless by default: JSON, no session id, the version NetSuite speaks.
    let t = token(&plain, "mcp").await;
    let r = rpc(&plain, ALL, Some(&t), initialize()).await;
    assert!(r.headers.get("mcp-session-id").is_none(), "{r:?}");
    assert_eq!(
        r.json["result"]["protocolVersion"], "2025-06-18",
        "{}",
        r.body
    );
    // Results as JSON text; structuredContent only when switched on.
    let subsidiaries = json!({"name": "ns_getSubsidiaries", "arguments": {}});
    let v = call(&plain, &t, 2, "tools/call", subsidiaries.clone()).await;
    assert!(v["result"].get("structuredContent").is_none(), "{v}");
    let structured = connector(1001, |c| c.mcp_structured_content = true);
    let t = token(&structured, "mcp").await;
    let v = call(&structured, &t, 2, "tools/call", subsidiaries).await;
    let text: Value =
        serde_json::from_str(v["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(v["result"]["structuredContent"], text, "{v}");
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    }})
}

#[tokio::test]
async fn requests_count_against_the_concurrency_limit() {
    let auth = connector(1001, |c| {
        c.concurrency_limit = 1;
        c.faults.latency_ms = 400;
    });
    let t = token(&auth, "mcp").await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let (a, b) = tokio::join!(
        rpc(&auth, ALL, Some(&t), list.clone()),
        rpc(&auth, ALL, Some(&t), list.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS],
        "{a:?} {b:?}"
    );
    let refused = if a.status == StatusCode::OK { &b } else { &a };
    assert!(
        refused.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Too Many Requests"),
        "{refused:?}"
    );
    assert_eq!(auth.emu.stats().rejected_429, 1);
}

#[tokio::test]
async fn tools_answer_from_the_data() {
    let auth = connector(1001, |_| {});
    let t = token(&auth, "mcp").await;
    let r = tool(
        &auth,
        &t,
        "ns_runCustomSuiteQL",
        json!({"sqlQuery": "SELECT id, companyname FROM customer WHERE id <= 103 ORDER BY id", "description": "three customers"}),
    )
    .await;
    let s = &r["structuredContent"];
    assert_eq!(s["method"], "ns_runCustomSuiteQL");
    assert_eq!(s["description"], "three customers");
    assert_eq!(s["resultCount"], 3, "{r}");
    assert_eq!(
        s["data"][0],
        json!({"id": "101", "companyname": "Acme Corporation"})
    );
    let r = tool(
        &auth,
        &t,
        "ns_runCustomSuiteQL",
        json!({"sqlQuery": "SELECT nope FROM customer", "description": "bad"}),
    )
    .await;
    assert_eq!(r["isError"], true, "{r}");
    let r = tool(
        &auth,
        &t,
        "ns_getRecord",
        json!({"recordType": "salesorder", "recordId": "304", "fields": "memo"}),
    )
    .await;
    assert_eq!(
        r["structuredContent"]["memo"], "Rush order: ship by Friday",
        "{r}"
    );
    let r = tool(
        &auth,
        &t,
        "ns_getRecord",
        json!({"recordType": "salesorder", "recordId": "99999999"}),
    )
    .await;
    assert_eq!(r["isError"], true);
    assert!(
        r["content"][0]["text"].as_str().unwrap().contains("404"),
        "{r}"
    );
}

#[tokio::test]
async fn saved_searches_reports_and_subsidiaries() {
    let auth = connector(1001, |_| {});
    let t = token(&auth, "mcp").await;
    let s = tool(&auth, &t, "ns_listSavedSearches", json!({})).await;
    assert_eq!(s["structuredContent"]["count"], 3, "{s}");
    let s = tool(
        &auth,
        &t,
        "ns_runSavedSearch",
        json!({"searchId": "1", "range_start": 2, "range_end": 4}),
    )
    .await;
    let s = &s["structuredContent"];
    assert_eq!(s["scriptId"], "customsearch_open_sales_orders");
    assert_eq!(s["resultCount"], 2, "{s}");
    assert!(s["totalResults"].as_u64().unwrap() > 2, "{s}");
    let r = tool(
        &auth,
        &t,
        "ns_runSavedSearch",
        json!({"searchId": "1", "type": "customer"}),
    )
    .await;
    assert_eq!(r["isError"], true, "{r}");
    let s = tool(&auth, &t, "ns_getSubsidiaries", json!({})).await;
    assert_eq!(
        s["structuredContent"]["subsidiaries"][0],
        json!({"id": -1, "name": "Parent Company (Consolidated)", "consolidated": true})
    );
    let s = tool(&auth, &t, "ns_listAllReports", json!({})).await;
    let reports = s["structuredContent"]["reports"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[1]["as_of_date_format"], true);
    // Consolidated (-1) covers every subsidiary; 1 alone fewer orders.
    let orders = |v: &Value| -> u64 {
        v["structuredContent"]["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|r| r["orders"].as_str().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    let period = |sub: i64| json!({"reportId": 1, "dateFrom": "2020-01-01", "dateTo": "2026-12-31", "subsidiaryId": sub});
    let all = orders(&tool(&auth, &t, "ns_runReport", period(-1)).await);
    let parent = orders(&tool(&auth, &t, "ns_runReport", period(1)).await);
    let uk = orders(&tool(&auth, &t, "ns_runReport", period(2)).await);
    assert!(all > parent && parent > 0 && uk > 0, "{all} {parent} {uk}");
    let s = tool(
        &auth,
        &t,
        "ns_runReport",
        json!({"reportId": 2, "dateTo": "2025-12-31"}),
    )
    .await;
    assert!(
        s["structuredContent"]["resultCount"].as_u64().unwrap() > 0,
        "{s}"
    );
    for (args, says) in [
        (
            json!({"reportId": 1, "dateFrom": "2020-01-01", "dateTo": "2025-12-31"}),
            "subsidiaryId",
        ),
        (
            json!({"reportId": 2, "dateFrom": "2020-01-01", "dateTo": "2025-12-31"}),
            "as of a date",
        ),
        (
            json!({"reportId": 1, "dateFrom": "2020-13-01", "dateTo": "2025-12-31", "subsidiaryId": 1}),
            "YYYY-MM-DD",
        ),
        (
            json!({"reportId": 9, "dateTo": "2025-12-31"}),
            "no report 9",
        ),
        (
            json!({"reportId": 1, "dateFrom": "2020-01-01", "dateTo": "2025-12-31", "subsidiaryId": 77}),
            "no subsidiary 77",
        ),
    ] {
        let r = tool(&auth, &t, "ns_runReport", args.clone()).await;
        assert_eq!(r["isError"], true, "{args}: {r}");
        let text = r["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(says), "{args}: {text}");
    }
}

#[tokio::test]
async fn metadata_writes_and_the_row_cap() {
    let auth = connector(1001, |_| {});
    let t = token(&auth, "mcp").await;
    let s = tool(
        &auth,
        &t,
        "ns_getSuiteQLMetadata",
        json!({"recordType": "transaction"}),
    )
    .await;
    let p = &s["structuredContent"]["properties"];
    assert_eq!(p["entity"]["x-n:joinable"], true, "{s}");
    assert!(p["tranid"].get("x-n:joinable").is_none());
    let s = tool(&auth, &t, "ns_getSuiteQLMetadata", json!({})).await;
    assert!(
        s["structuredContent"]["recordTypes"]
            .as_array()
            .unwrap()
            .len()
            > 5
    );
    let s = tool(
        &auth,
        &t,
        "ns_getRecordTypeMetadata",
        json!({"recordType": "customer"}),
    )
    .await;
    assert!(
        s["structuredContent"]["schema"]["properties"]["companyName"].is_object(),
        "{s}"
    );
    let r = tool(
        &auth,
        &t,
        "ns_getRecordTypeMetadata",
        json!({"recordType": "nope"}),
    )
    .await;
    assert_eq!(r["isError"], true);
    let s = tool(
        &auth,
        &t,
        "ns_createRecord",
        json!({"recordType": "customer", "data": "{\"companyName\":\"Agent Co\",\"subsidiary\":{\"id\":\"1\"}}"}),
    )
    .await;
    let id = s["structuredContent"]["recordId"]
        .as_str()
        .unwrap()
        .to_owned();
    tool(
        &auth,
        &t,
        "ns_updateRecord",
        json!({"recordType": "customer", "recordId": id, "data": "{\"comments\":\"hi\"}"}),
    )
    .await;
    let s = tool(
        &auth,
        &t,
        "ns_getRecord",
        json!({"recordType": "customer", "recordId": id}),
    )
    .await;
    assert_eq!(s["structuredContent"]["comments"], "hi", "{s}");
    let r = tool(
        &auth,
        &t,
        "ns_createRecord",
        json!({"recordType": "customer", "data": "[1]"}),
    )
    .await;
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("JSON object"),
        "{r}"
    );
    let s = tool(
        &auth,
        &t,
        "ns_runCustomSuiteQL",
        json!({"sqlQuery": "SELECT id FROM customer", "description": "two", "pageSize": 2}),
    )
    .await;
    let s = &s["structuredContent"];
    assert_eq!(
        (s["resultCount"].as_u64(), s["truncated"].as_bool()),
        (Some(2), Some(true)),
        "{s}"
    );
    let r = tool(
        &auth,
        &t,
        "ns_runCustomSuiteQL",
        json!({"sqlQuery": "SELECT id FROM customer", "description": "x", "pageSize": 5001}),
    )
    .await;
    assert_eq!(r["isError"], true, "{r}");
}

#[tokio::test]
async fn sse_replies_when_switched_on() {
    let auth = connector(1001, |c| c.mcp_sse = true);
    let t = token(&auth, "mcp").await;
    let r = rpc(
        &auth,
        ALL,
        Some(&t),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.content_type().starts_with("text/event-stream"), "{r:?}");
    assert!(r.body.contains("ns_runCustomSuiteQL"), "{}", r.body);
    assert!(r.headers.get("mcp-session-id").is_none());
}
