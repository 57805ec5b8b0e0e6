//! The emulator's AI Connector (`/services/mcp/v1/all`) driven by a real third-party
//! MCP client: the official Python SDK (`mcp` package,
//! `tests/clients/mcp_connector_client.py`) over Streamable HTTP, with tokens from
//! `netsuite auth login` (authorization code + PKCE, scope `mcp`) against
//! `netsuite emulator serve --auto-approve --auto-approve-role ID`.

#![cfg(feature = "emulator")] // needs `netsuite emulator serve` (the default build)

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Env, Server, json};
use netsuite_test::free_port;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mcp_connector_client.py")
}

/// A `$BROWSER` that follows the authorize URL's redirects with curl, as a browser
/// would after the emulator's scripted consent.
fn fake_browser(env: &Env) -> String {
    let path = env.path("browser.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nexec curl -sS -k -L -o /dev/null --max-time 20 \"$1\"\n",
    )
    .unwrap();
    netsuite_test::set_file_mode(&path, 0o755);
    path.display().to_string()
}

/// Creates a public auth-code integration with `scope`, a profile `name` for it,
/// logs in through `netsuite auth login`, and returns the access token.
fn login(env: &Env, server: &Server, name: &str, scope: &str) -> String {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let dd = server.data_dir_arg();
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--data-dir",
        &dd,
        "--name",
        name,
        "--auth-code",
        "--public",
        "--redirect-uri",
        &redirect,
        "--allow-http-loopback",
        "--scope",
        scope,
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap();
    env.ok(&[
        "profile",
        "add",
        name,
        "--flow",
        "auth-code",
        "--account",
        "1234567",
        "--client-id",
        client_id,
        "--redirect-uri",
        &redirect,
        "--base-url",
        &server.base_url,
        "--public",
        "--scope",
        scope,
    ]);
    let out = env
        .cmd()
        .args(["auth", "login", "--profile", name, "--timeout", "30"])
        .env("BROWSER", fake_browser(env))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok(&["auth", "token", "--profile", name])
        .trim()
        .to_owned()
}

/// Runs the Python client; returns its JSON summary.
fn run_client(py: &str, mode: &str, url: &str, token: &str) -> serde_json::Value {
    let mut child = Command::new(py)
        .arg(script())
        .args([mode, url, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Python MCP client");
    writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "MCP client {mode} {url} failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(stdout.lines().last().unwrap_or_default())
}

/// The messages of a refused connection.
fn refusal(v: &serde_json::Value) -> String {
    v["refused"].to_string()
}

#[test]
fn python_sdk_calls_every_tool_and_a_wrong_scope_is_refused() {
    let Some(py) = common::mcp_python("the AI Connector client test") else {
        return;
    };
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve", "--auto-approve-role", "1001"]);
    let token = login(&env, &server, "ai", "mcp");
    let status = json(&env.ok(&["auth", "status", "--profile", "ai", "--json"]));
    assert_eq!(status["role"], "1001", "{status}");
    let all = format!("{}/services/mcp/v1/all", server.base_url);
    let v = run_client(&py, "tools", &all, &token);
    assert_eq!(v["protocol"], "2025-06-18", "{v}");
    assert!(v.get("structured").is_none(), "text only by default: {v}");
    let called: std::collections::BTreeSet<&str> = v["called"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(called.len(), 11, "every tool is called: {v}");
    assert_eq!(v["subsidiaries"], serde_json::json!([-1, 1, 2, 3]), "{v}");
    assert_eq!(v["memo"], "Rush order: ship by Friday");
    assert!(v["report_rows"].as_u64().unwrap() > 0, "{v}");
    assert!(v["created"].as_str().unwrap().parse::<u64>().is_ok(), "{v}");
    // The SuiteApp-scoped endpoint serves the same tools.
    let suiteapp = format!(
        "{}/services/mcp/v1/suiteapp/com.netsuite.mcpstandardtools",
        server.base_url
    );
    assert_eq!(
        run_client(&py, "tools", &suiteapp, &token)["called"]
            .as_array()
            .map(Vec::len),
        Some(12)
    );
    // A REST Web Services token is not an AI Connector token.
    let rest = login(&env, &server, "rest", "rest_webservices");
    let v = run_client(&py, "refused", &all, &rest);
    assert!(refusal(&v).contains("Invalid login attempt"), "{v}");
}

#[test]
fn python_sdk_is_refused_for_the_administrator_role() {
    let Some(py) = common::mcp_python("the AI Connector client test") else {
        return;
    };
    let env = Env::new();
    // Scripted consent with the user's default role: Administrator.
    let server = Server::start(&env, &["--auto-approve"]);
    let token = login(&env, &server, "admin", "mcp");
    let v = run_client(
        &py,
        "refused",
        &format!("{}/services/mcp/v1/all", server.base_url),
        &token,
    );
    assert!(
        refusal(&v).contains("does not support Administrator roles"),
        "{v}"
    );
    // A role the user does not have is a usage error.
    env.fails(
        &[
            "emulator",
            "serve",
            "--in-memory",
            "--listen",
            "127.0.0.1:0",
            "--auto-approve",
            "--auto-approve-role",
            "1099",
        ],
        2,
        "not one of",
    );
}

#[test]
fn python_sdk_with_sessions_sse_and_structured_content() {
    let Some(py) = common::mcp_python("the AI Connector client test") else {
        return;
    };
    let env = Env::new();
    let server = Server::start(
        &env,
        &[
            "--auto-approve",
            "--auto-approve-role",
            "1001",
            "--mcp-sessions",
            "--mcp-structured-content",
        ],
    );
    let token = login(&env, &server, "ai", "mcp");
    let v = run_client(
        &py,
        "tools",
        &format!("{}/services/mcp/v1/all", server.base_url),
        &token,
    );
    assert_eq!(v["structured"], true, "{v}");
    assert_eq!(v["called"].as_array().map(Vec::len), Some(12), "{v}");
}

/// `curl -i`: (status, headers and body).
fn curl(args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "-i", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (response, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), response.to_owned())
}

/// An M2M integration allowing `mcp`, its certificate mapped to role 1001, and a
/// profile `name` for it; returns the access token (`netsuite auth token`).
fn m2m_token(env: &Env, server: &Server, name: &str) -> String {
    let dir = env.path("cert");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let dd = server.data_dir_arg();
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--data-dir",
        &dd,
        "--name",
        name,
        "--m2m",
        "--scope",
        "mcp",
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap();
    let cert = dir.join("certificate.pem");
    let mapping = json(&env.ok(&[
        "emulator",
        "mapping",
        "create",
        "--data-dir",
        &dd,
        "--client-id",
        client_id,
        "--certificate",
        cert.to_str().unwrap(),
        "--role",
        "1001",
        "--json",
    ]));
    let key = dir.join("private-key.pem");
    env.ok(&[
        "profile",
        "add",
        name,
        "--account",
        "1234567",
        "--client-id",
        client_id,
        "--certificate-id",
        mapping["certificate_id"].as_str().unwrap(),
        "--private-key",
        key.to_str().unwrap(),
        "--base-url",
        &server.base_url,
        "--scope",
        "mcp",
    ]);
    env.ok(&["auth", "token", "--profile", name])
        .trim()
        .to_owned()
}

#[test]
fn switches_m2m_sse_www_authenticate_and_resource_metadata() {
    let Some(py) = common::mcp_python("the AI Connector client test") else {
        return;
    };
    let env = Env::new();
    let server = Server::start(
        &env,
        &[
            "--mcp-allow-m2m",
            "--mcp-sse",
            "--mcp-www-authenticate",
            "--mcp-resource-metadata",
        ],
    );
    let all = format!("{}/services/mcp/v1/all", server.base_url);
    let (status, response) = curl(&[
        "-H",
        "Content-Type: application/json",
        "-H",
        "Accept: application/json, text/event-stream",
        "-d",
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        &all,
    ]);
    assert_eq!(status, 401, "{response}");
    let challenge = format!(
        "www-authenticate: Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/services/mcp/v1/all\"",
        server.base_url
    );
    assert!(
        response.to_lowercase().contains(&challenge.to_lowercase()),
        "{response}"
    );
    let (status, response) = curl(&[&format!(
        "{}/.well-known/oauth-protected-resource/services/mcp/v1/all",
        server.base_url
    )]);
    assert_eq!(status, 200, "{response}");
    assert!(
        response.contains(&format!("\"resource\":\"{all}\"")),
        "{response}"
    );
    // An M2M token is accepted with the switch; replies come as SSE.
    let token = m2m_token(&env, &server, "m2m");
    let (status, response) = curl(&[
        "-H",
        "Content-Type: application/json",
        "-H",
        "Accept: application/json, text/event-stream",
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-d",
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        &all,
    ]);
    assert_eq!(status, 200, "{response}");
    assert!(
        response
            .to_lowercase()
            .contains("content-type: text/event-stream"),
        "{response}"
    );
    let v = run_client(&py, "tools", &all, &token);
    assert_eq!(v["called"].as_array().map(Vec::len), Some(12), "{v}");
}

#[test]
fn an_open_session_stream_does_not_hold_up_shutdown() {
    let env = Env::new();
    let mut server = Server::start(
        &env,
        &[
            "--auto-approve",
            "--auto-approve-role",
            "1001",
            "--mcp-sessions",
        ],
    );
    let token = login(&env, &server, "ai", "mcp");
    let all = format!("{}/services/mcp/v1/all", server.base_url);
    let bearer = format!("Authorization: Bearer {token}");
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    let (status, response) = curl(&[
        "-H",
        "Content-Type: application/json",
        "-H",
        "Accept: application/json, text/event-stream",
        "-H",
        &bearer,
        "-d",
        init,
        "--max-time",
        "5",
        &all,
    ]);
    assert_eq!(status, 200, "{response}");
    let session = response
        .lines()
        .find_map(|l| {
            l.to_lowercase()
                .strip_prefix("mcp-session-id:")
                .map(|_| l[15..].trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no session id: {response}"));
    let session_header = format!("Mcp-Session-Id: {session}");
    let (status, response) = curl(&[
        "-H",
        "Content-Type: application/json",
        "-H",
        "Accept: application/json, text/event-stream",
        "-H",
        &bearer,
        "-H",
        &session_header,
        "-d",
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        &all,
    ]);
    assert_eq!(status, 202, "{response}");
    // The client's stream for server messages: open until the server ends it.
    let mut stream = Command::new("curl")
        .args([
            "-sS",
            "-N",
            "--max-time",
            "60",
            "-H",
            "Accept: text/event-stream",
        ])
        .args(["-H", &bearer, "-H", &session_header, &all])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        stream.try_wait().unwrap().is_none(),
        "the stream closed at once"
    );
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let exited = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the emulator did not stop within 10 s with a session stream open"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(exited.success(), "{exited:?}");
    let _ = stream.kill();
    let _ = stream.wait();
}
