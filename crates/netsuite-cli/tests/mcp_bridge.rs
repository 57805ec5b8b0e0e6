//! `netsuite mcp serve --upstream`, the bridge to NetSuite's AI Connector, against
//! the emulator's connector (`/services/mcp/v1/all`), driven over stdio by the
//! official Python SDK (`tests/clients/mcp_bridge_client.py`): logins from
//! `netsuite auth login` (scripted consent picking the role), the tools listed and
//! called, a new login picked up without restarting, and the refusals.

#![cfg(feature = "emulator")] // the in-process emulator's AI Connector

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Env, json};
use netsuite_emulator::{LoginRole, LoginUser, NewIntegration};
use netsuite_test::{TestEmulator, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_netsuite");

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mcp_bridge_client.py")
}

/// An emulator whose scripted consent picks `role`; the demo user also has role
/// 1099 "No MCP Tools" (no permission any Standard Tool needs).
fn emulator(role: i64) -> (tokio::runtime::Runtime, TestEmulator) {
    TestEmulator::start_blocking(|c| {
        let mut user = LoginUser::default_admin();
        user.roles.push(LoginRole::new(1099, "No MCP Tools"));
        c.users = vec![user];
        c.auto_approve = true;
        c.auto_approve_role = Some(role);
    })
}

/// A public authorization-code integration with `scope`, profile `name` for it, and a
/// login through `netsuite auth login` (a `$BROWSER` that follows the redirects).
fn add_and_login(env: &Env, emu: &TestEmulator, name: &str, scope: &str) {
    add_profile(env, emu, name, scope);
    login(env, name);
}

/// A public authorization-code integration with `scope` and profile `name` for it.
fn add_profile(env: &Env, emu: &TestEmulator, name: &str, scope: &str) {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let integration = emu
        .emulator
        .create_integration(NewIntegration {
            name: name.into(),
            auth_code: true,
            public: true,
            redirect_uris: vec![redirect.clone()],
            scopes: scope.split(',').map(str::to_owned).collect(),
            allow_http_loopback: true,
            ..NewIntegration::default()
        })
        .expect("integration");
    env.ok(&[
        "profile",
        "add",
        name,
        "--flow",
        "auth-code",
        "--account",
        "1234567",
        "--client-id",
        &integration.client_id,
        "--redirect-uri",
        &redirect,
        "--base-url",
        &emu.base_url,
        "--public",
        "--scope",
        scope,
    ]);
}

fn login(env: &Env, name: &str) {
    let browser = env.path("browser.sh");
    std::fs::write(
        &browser,
        "#!/bin/sh\nexec curl -sS -k -L -o /dev/null --max-time 20 \"$1\"\n",
    )
    .unwrap();
    netsuite_test::set_file_mode(&browser, 0o755);
    let out = env
        .cmd()
        .args(["auth", "login", "--profile", name, "--timeout", "30"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Python client spawning `netsuite --profile PROFILE mcp serve --upstream EXTRA...`.
fn client(py: &str, env: &Env, mode: &[&str], profile: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(py);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("NETSUITE_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg(script())
        .args(mode)
        .args([BIN, "--profile", profile, "mcp", "serve", "--upstream"])
        .args(extra)
        .env("HOME", env.home.path())
        .env("NETSUITE_CONFIG_DIR", env.config_dir())
        .env("NETSUITE_KEYRING", "off")
        .env("NO_COLOR", "1");
    cmd
}

fn run(mut cmd: Command) -> serde_json::Value {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bridge client failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(stdout.lines().last().unwrap_or_default())
}

#[test]
fn python_sdk_through_the_bridge_lists_and_calls_the_standard_tools() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    let (_rt, emu) = emulator(1001);
    let env = Env::new();
    add_and_login(&env, &emu, "ai", "mcp");
    let v = run(client(&py, &env, &["tools", "readonly"], "ai", &[]));
    assert_eq!(v["tools"].as_array().map(Vec::len), Some(9), "{v}");
    assert_eq!(v["first_customer"], "Acme Corporation", "{v}");
    assert_eq!(v["memo"], "Rush order: ship by Friday", "{v}");
    assert_eq!(v["subsidiaries"], serde_json::json!([-1, 1, 2, 3]), "{v}");
    assert!(
        v["refused"].as_str().unwrap().contains("--allow-writes"),
        "{v}"
    );
    // With --allow-writes, and through the SuiteApp-scoped endpoint.
    let extra = [
        "--allow-writes",
        "--suiteapp",
        "com.netsuite.mcpstandardtools",
    ];
    let v = run(client(&py, &env, &["tools", "writes"], "ai", &extra));
    assert_eq!(v["tools"].as_array().map(Vec::len), Some(11), "{v}");
    let id = v["created"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(id.parse::<u64>().is_ok(), "{v}");
}

/// An expired access token is refreshed; a logout while the bridge runs ends its
/// access at the next call; a new login is used by the call after, without
/// restarting the client or the bridge.
#[test]
fn a_new_login_is_used_without_a_restart() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    let (_rt, emu) = emulator(1001);
    let env = Env::new();
    add_and_login(&env, &emu, "ai", "mcp");
    let mut child = client(&py, &env, &["relogin"], "ai", &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Python client");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || json(&lines.next().expect("a phase line").expect("read"));
    assert_eq!(next()["phase"], "first");
    // An access token that ran out: the bridge refreshes it (a new one is stored).
    let before = common::store(&env).load("ai").unwrap().unwrap();
    common::expire_access_token(&env, "ai");
    writeln!(stdin, "go").unwrap();
    assert_eq!(next()["phase"], "refreshed");
    let after = common::store(&env).load("ai").unwrap().unwrap();
    assert_ne!(
        before.access_token.expose_secret(),
        after.access_token.expose_secret()
    );
    assert!(after.expires_at > netsuite_client::unix_now());
    env.ok(&["auth", "logout", "--profile", "ai"]);
    writeln!(stdin, "go").unwrap();
    let v = next();
    assert_eq!(v["phase"], "logged_out", "{v}");
    let error = v["error"].as_str().unwrap();
    assert!(error.contains("error: no usable login"), "{error}");
    assert!(
        error.contains("hint: run `netsuite auth login --profile ai`"),
        "{error}"
    );
    login(&env, "ai");
    writeln!(stdin, "go").unwrap();
    let v = next();
    assert_eq!(v["phase"], "after_login", "{v}");
    assert_eq!(v["tools"], 9, "{v}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A client that listed before the login is told (`notifications/tools/list_changed`)
/// when one is made, and lists the tools without a restart.
#[test]
fn a_login_made_while_serving_is_announced_to_the_client() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    let (_rt, emu) = emulator(1001);
    let env = Env::new();
    add_profile(&env, &emu, "ai", "mcp");
    let mut child = client(&py, &env, &["relist"], "ai", &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Python client");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let v = json(&lines.next().expect("a phase line").expect("read"));
    assert_eq!(v["phase"], "not_logged_in", "{v}");
    assert!(v["error"].as_str().unwrap().contains("auth login"), "{v}");
    login(&env, "ai");
    writeln!(stdin, "go").unwrap();
    let v = json(&lines.next().expect("a phase line").expect("read"));
    assert_eq!(v["phase"], "relisted", "{v}");
    assert_eq!(v["tools"], 9, "{v}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn administrator_and_a_role_without_tools_are_refused_with_a_hint() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    // Scripted consent with the Administrator role.
    let (_rt, emu) = emulator(3);
    let env = Env::new();
    add_and_login(&env, &emu, "admin", "mcp");
    let v = run(client(&py, &env, &["refused"], "admin", &[]));
    let list = v["list_error"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(list.contains("Administrator role"), "{v}");
    assert!(
        list.contains("hint: log in again and pick another role"),
        "{v}"
    );
    assert!(
        v["call_error"].as_str().unwrap().contains("Administrator"),
        "{v}"
    );
    drop(emu);
    // A role that holds none of the Standard Tools' permissions: an empty list.
    let (_rt2, emu) = emulator(1099);
    add_and_login(&env, &emu, "bare", "mcp");
    let v = run(client(&py, &env, &["refused"], "bare", &[]));
    let list = v["list_error"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(list.contains("lists no tools"), "{v}");
    assert!(list.contains("REST Web Services"), "{v}");
    // A call of a tool the role lacks: the connector's own error, forwarded.
    let call = v["call_error"].as_str().unwrap();
    assert!(call.contains("ADMI_RESTWEBSERVICES"), "{v}");
}

/// Whether NetSuite's connector takes an M2M token with scope mcp is not documented:
/// `--allow-m2m` tries, against an emulator switched to accept it.
#[test]
fn an_m2m_profile_with_allow_m2m_reaches_a_connector_that_accepts_it() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    let (_rt, emu) = TestEmulator::start_blocking(|c| c.mcp_allow_m2m = true);
    let env = Env::new();
    let m = emu.m2m_with_role(netsuite_auth::cert::KeyType::EcP256, &["mcp"], 1001);
    common::add_m2m_profile(&env, "m2m", &m, &emu.base_url, &["--scope", "mcp"]);
    let v = run(client(
        &py,
        &env,
        &["tools", "readonly"],
        "m2m",
        &["--allow-m2m"],
    ));
    assert_eq!(v["tools"].as_array().map(Vec::len), Some(9), "{v}");
    assert_eq!(v["first_customer"], "Acme Corporation", "{v}");
}

#[test]
fn profiles_and_urls_the_ai_connector_cannot_take_are_refused() {
    let (_rt, emu) = emulator(1001);
    let env = Env::new();
    let serve = |profile: &str, extra: &[&str]| {
        let mut args = vec!["--profile", profile, "mcp", "serve", "--upstream"];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let fails = |args: Vec<String>, cause: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = env.fails(&args, 2, cause);
        assert!(err.contains("hint:"), "{err}");
        err
    };
    // M2M: NetSuite documents only the authorization-code grant for the connector.
    let m = emu.m2m(netsuite_auth::cert::KeyType::EcP256, &["rest_webservices"]);
    common::add_m2m_profile(&env, "m2m", &m, &emu.base_url, &[]);
    let err = fails(serve("m2m", &[]), "client credentials (M2M)");
    assert!(err.contains("--flow auth-code --scope mcp"), "{err}");
    assert!(err.contains("--allow-m2m"), "{err}");
    // --allow-m2m lets it through the profile check; its scope must still be mcp.
    fails(serve("m2m", &["--allow-m2m"]), "not mcp");
    // A REST Web Services profile: not the mcp scope.
    add_and_login(&env, &emu, "rest", "rest_webservices");
    fails(serve("rest", &[]), "not mcp");
    // mcp combined with other scopes (a hand-edited config: `profile add` refuses it).
    add_and_login(&env, &emu, "ai", "mcp");
    let config = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let edited = text.replacen("scopes = [\"mcp\"]", "scopes = [\"mcp\", \"restlets\"]", 1);
    assert_ne!(text, edited, "{text}");
    std::fs::write(&config, edited).unwrap();
    let out = env.run(
        &serve("ai", &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mcp") && stderr.contains("alone"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
    std::fs::write(&config, text).unwrap();
    // A URL without /all, one that is not https, and --suiteapp with a URL.
    let base = &emu.base_url;
    let err = fails(
        serve("ai", &[&format!("{base}/services/mcp/v1")]),
        "must end in /services/mcp/v1/all",
    );
    assert!(err.contains("disconnected"), "{err}");
    fails(
        serve("ai", &["http://example.com/services/mcp/v1/all"]),
        "not https",
    );
    fails(
        serve(
            "ai",
            &[&format!("{base}/services/mcp/v1/all"), "--suiteapp", "x"],
        ),
        "--suiteapp goes with a bare --upstream",
    );
}

/// The bridge's requests count against the account's concurrency budget like every
/// other request: they wait for the governor's slot, and with a shared governor that
/// cannot be reached and `--governor-fallback fail` nothing is sent to the connector.
#[test]
fn bridge_requests_go_through_the_governor() {
    let Some(py) = common::mcp_python("the bridge test") else {
        return;
    };
    let (_rt, emu) = emulator(1001);
    let env = Env::new();
    add_and_login(&env, &emu, "ai", "mcp");
    let closed = netsuite_test::free_port();
    let redis = format!("redis://127.0.0.1:{closed}/0");
    let extra = ["--governor", &redis, "--governor-fallback", "fail"];
    let v = run(client(&py, &env, &["refused"], "ai", &extra));
    let list = v["list_error"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(list.contains("not sent to the AI Connector"), "{v}");
    let call = v["call_error"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(call.contains("not sent to the AI Connector"), "{v}");
    // With this process's own limit (the fallback), the same calls go through.
    let extra = ["--governor", &redis, "--governor-fallback", "local"];
    let v = run(client(&py, &env, &["tools", "readonly"], "ai", &extra));
    assert_eq!(v["tools"].as_array().map(Vec::len), Some(9), "{v}");
}
