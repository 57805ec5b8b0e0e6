//! `netsuite mcp serve` driven by a real third-party MCP client: the official
//! Python SDK (`mcp` package, `tests/clients/mcp_client.py`) over stdio and over
//! Streamable HTTP, against an in-process emulator on 127.0.0.1.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, json};
use netsuite_auth::cert::KeyType;
use netsuite_test::TestEmulator;

struct Setup {
    env: Env,
    _emu: TestEmulator,
    _rt: tokio::runtime::Runtime,
}

fn setup() -> Setup {
    let (rt, emu) = TestEmulator::start_blocking(|_| {});
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    common::add_m2m_profile(
        &env,
        "p",
        &m,
        &emu.base_url,
        &["--scope", "rest_webservices,restlets"],
    );
    Setup {
        env,
        _emu: emu,
        _rt: rt,
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mcp_client.py")
}

/// Runs the Python client; returns its JSON summary.
fn run_client(py: &str, env: &Env, args: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(py);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("NETSUITE_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .arg(script())
        .args(args)
        .env("NETSUITE_CONFIG_DIR", env.config_dir())
        .env("NETSUITE_KEYRING", "off")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run the Python MCP client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "MCP client {args:?} failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(stdout.lines().last().unwrap_or_default())
}

const BIN: &str = env!("CARGO_BIN_EXE_netsuite");

#[test]
fn python_sdk_over_stdio_read_only_refuses_writes() {
    let Some(py) = common::mcp_python("the MCP client test") else {
        return;
    };
    let s = setup();
    let v = run_client(
        &py,
        &s.env,
        &["stdio", "readonly", BIN, "--profile", "p", "mcp", "serve"],
    );
    assert_eq!(v["server"], "netsuite");
    assert_eq!(v["tools"].as_array().unwrap().len(), 5, "{v}");
    assert!(
        v["read_only"].to_string().contains("netsuite_callRestlet"),
        "{v}"
    );
    assert!(v["customers"].as_u64().unwrap() > 1, "{v}");
    assert_eq!(
        v["refused"],
        serde_json::json!(["ns_createRecord", "ns_updateRecord", "netsuite_callRestlet"])
    );
    assert!(
        v["unknown_tool"].as_str().unwrap().contains("unknown tool"),
        "{v}"
    );
}

#[test]
fn python_sdk_over_stdio_with_writes() {
    let Some(py) = common::mcp_python("the MCP client test") else {
        return;
    };
    let s = setup();
    let v = run_client(
        &py,
        &s.env,
        &[
            "stdio",
            "writes",
            BIN,
            "--profile",
            "p",
            "mcp",
            "serve",
            "--allow-writes",
        ],
    );
    assert_eq!(v["tools"].as_array().unwrap().len(), 7, "{v}");
    assert!(v["created"].as_str().unwrap().parse::<u64>().is_ok(), "{v}");
    // The create went through the REST API: a SuiteQL query sees it.
    let rows = json(&s.env.ok(&[
        "--profile",
        "p",
        "suiteql",
        "SELECT companyname, comments FROM customer WHERE companyname = 'MCP Agent Co'",
        "--format",
        "json",
    ]));
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
}

/// `netsuite mcp serve --transport http` on 127.0.0.1:0; killed on drop.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(env: &Env, extra: &[&str]) -> Self {
        let ready = env.path("mcp.url");
        let ready_arg = ready.display().to_string();
        let mut args = vec![
            "--profile",
            "p",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--listen",
            "127.0.0.1:0",
            "--ready-file",
            &ready_arg,
        ];
        args.extend_from_slice(extra);
        let child = env
            .cmd()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(env.path("mcp.log")).expect("log file"))
            .spawn()
            .expect("spawn mcp serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Ok(s) = std::fs::read_to_string(&ready)
                && s.ends_with('\n')
            {
                break s.trim().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "mcp serve did not become ready: {}",
                std::fs::read_to_string(env.path("mcp.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { child, url }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status line of a bare POST to `url` (no client key).
fn status_without_key(url: &str) -> String {
    let authority = url.trim_start_matches("http://").split('/').next().unwrap();
    let mut tcp = std::net::TcpStream::connect(authority).expect("connect");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    write!(
        tcp,
        "POST /mcp HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn python_sdk_over_streamable_http_with_a_client_key() {
    let Some(py) = common::mcp_python("the MCP client test") else {
        return;
    };
    let s = setup();
    let key_file = s.env.path("mcp.key");
    let key = "a-long-random-client-key-0123456789";
    std::fs::write(&key_file, key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let key_arg = key_file.display().to_string();
    let server = HttpServer::start(&s.env, &["--client-key-file", &key_arg, "--allow-writes"]);
    assert!(server.url.ends_with("/mcp"), "{}", server.url);
    assert!(status_without_key(&server.url).contains(" 401 "));
    let v = run_client(&py, &s.env, &["http", "writes", &server.url, key]);
    assert_eq!(v["tools"].as_array().unwrap().len(), 7, "{v}");
    assert!(v["created"].as_str().is_some(), "{v}");
}

#[test]
fn http_off_loopback_needs_allow_remote_and_a_key() {
    let s = setup();
    s.env.fails(
        &[
            "--profile",
            "p",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--listen",
            "0.0.0.0:0",
        ],
        2,
        "not a loopback address",
    );
    let short = s.env.path("short.key");
    std::fs::write(&short, "abc").unwrap();
    s.env.fails(
        &[
            "--profile",
            "p",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--listen",
            "127.0.0.1:0",
            "--client-key-file",
            short.to_str().unwrap(),
        ],
        2,
        "key",
    );
}

#[test]
fn config_snippets_for_desktop_clients() {
    let e = Env::new();
    let claude = json(&e.ok(&["--profile", "prod", "mcp", "config", "--client", "claude"]));
    let server = &claude["mcpServers"]["netsuite"];
    assert!(
        server["command"].as_str().unwrap().ends_with("netsuite"),
        "{claude}"
    );
    assert_eq!(
        server["args"],
        serde_json::json!(["--profile", "prod", "mcp", "serve"])
    );
    let vscode = json(&e.ok(&["mcp", "config", "--client", "vscode", "--allow-writes"]));
    assert_eq!(vscode["servers"]["netsuite"]["type"], "stdio");
    assert_eq!(
        vscode["servers"]["netsuite"]["args"],
        serde_json::json!(["mcp", "serve", "--allow-writes"])
    );
    let bridge = json(&e.ok(&[
        "--profile",
        "ai",
        "mcp",
        "config",
        "--client",
        "cursor",
        "--upstream",
    ]));
    assert_eq!(
        bridge["mcpServers"]["netsuite"]["args"],
        serde_json::json!(["--profile", "ai", "mcp", "serve", "--upstream"])
    );
    let cursor = json(&e.ok(&["mcp", "config", "--client", "cursor"]));
    assert!(cursor["mcpServers"]["netsuite"].is_object(), "{cursor}");
}

/// The MCP Inspector's `mcp-inspector` (npm `@modelcontextprotocol/inspector`,
/// pinned in `.ci/run`, installed under the target directory or named by
/// `NETSUITE_TEST_INSPECTOR`), or why it cannot run. Only a missing `node` skips;
/// under CI a missing Inspector fails.
fn inspector() -> Option<PathBuf> {
    if let Err(e) = Command::new("node").arg("--version").output() {
        eprintln!("skipping the MCP Inspector test: node cannot run ({e})");
        return None;
    }
    let path = match std::env::var_os("NETSUITE_TEST_INSPECTOR") {
        Some(p) => PathBuf::from(p),
        // BIN is <target>/<profile>/netsuite; .ci/run installs into <target>/mcp-inspector.
        None => Path::new(BIN)
            .ancestors()
            .nth(2)
            .expect("the binary is inside the target directory")
            .join("mcp-inspector/node_modules/.bin/mcp-inspector"),
    };
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "no MCP Inspector at {} (install it as .ci/run does: npm install --prefix <target>/mcp-inspector @modelcontextprotocol/inspector@2.12.0)",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipping the MCP Inspector test: {why}");
    None
}

/// `mcp-inspector --cli -e … netsuite --profile p mcp serve ARGS… --method …
/// --format json`: (exit code, the JSON on stdout, stderr).
fn inspect(
    inspector: &Path,
    env: &Env,
    serve_args: &[&str],
    method: &[&str],
) -> (i32, serde_json::Value, String) {
    let config = format!("NETSUITE_CONFIG_DIR={}", env.config_dir().display());
    let out = Command::new(inspector)
        .args(["--cli", "-e", &config, "-e", "NETSUITE_KEYRING=off"])
        .args(["-e", "NO_COLOR=1", BIN, "--profile", "p", "mcp", "serve"])
        .args(serve_args)
        .args(method)
        .args(["--format", "json"])
        .env("HOME", env.path("home"))
        .env("MCP_CATALOG_PATH", env.path("inspector-catalog.json"))
        .stdin(Stdio::null())
        .output()
        .expect("run the MCP Inspector");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_str(stdout.trim())
        .or_else(|_| serde_json::from_str(stderr.lines().last().unwrap_or_default()))
        .unwrap_or_else(|e| panic!("no JSON from the Inspector ({e}):\n{stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), v, stderr)
}

#[test]
fn mcp_inspector_cli_lists_and_calls_tools() {
    let Some(inspector) = inspector() else { return };
    let s = setup();
    std::fs::create_dir_all(s.env.path("home")).unwrap();
    let (code, v, err) = inspect(&inspector, &s.env, &[], &["--method", "tools/list"]);
    assert_eq!(code, 0, "{v} {err}");
    let names: Vec<&str> = v["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ns_runCustomSuiteQL",
            "ns_getSuiteQLMetadata",
            "ns_getRecordTypeMetadata",
            "ns_getRecord",
            "netsuite_callRestlet"
        ],
        "{v}"
    );
    // Every tool's schemas pass the Inspector's portability lint (no type arrays,
    // nothing that constrains nothing), the write tools included.
    let strict = ["--method", "tools/list", "--strict"];
    let (code, v, err) = inspect(&inspector, &s.env, &["--allow-writes"], &strict);
    assert_eq!(code, 0, "{v} {err}");
    assert_eq!(
        v["result"]["tools"].as_array().map(Vec::len),
        Some(7),
        "{v}"
    );
    assert!(v.get("schemaFindings").is_none(), "{v}");
    assert!(!err.contains("Warning"), "{err}");
    let args = r#"{"sqlQuery":"SELECT id, companyname FROM customer ORDER BY id","description":"first three","pageSize":3}"#;
    let call = [
        "--method",
        "tools/call",
        "--tool-name",
        "ns_runCustomSuiteQL",
        "--tool-args-json",
        args,
    ];
    let (code, v, err) = inspect(&inspector, &s.env, &[], &call);
    assert_eq!(code, 0, "{v} {err}");
    let r = &v["result"]["structuredContent"];
    assert_eq!(r["resultCount"], 3, "{v}");
    assert_eq!(r["truncated"], true, "{v}");
    assert_eq!(r["data"][0]["companyname"], "Acme Corporation", "{v}");
    assert_eq!(v["result"]["isError"], false, "{v}");
    // A write tool is not listed without --allow-writes: the Inspector's "tool
    // not found" (exit 5); with it, the create goes through.
    let create = [
        "--method",
        "tools/call",
        "--tool-name",
        "ns_createRecord",
        "--tool-args-json",
        r#"{"recordType":"customer","data":"{\"companyName\":\"Inspector Co\",\"subsidiary\":{\"id\":\"1\"}}"}"#,
    ];
    let (code, v, _) = inspect(&inspector, &s.env, &[], &create);
    assert_eq!(code, 5, "{v}");
    assert_eq!(v["error"]["code"], "tool_not_found", "{v}");
    let (code, v, err) = inspect(&inspector, &s.env, &["--allow-writes"], &create);
    assert_eq!(code, 0, "{v} {err}");
    let id = v["result"]["structuredContent"]["recordId"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    let rows = json(&s.env.ok(&[
        "--profile",
        "p",
        "suiteql",
        &format!("SELECT companyname FROM customer WHERE id = {id}"),
        "--format",
        "json",
    ]));
    assert_eq!(rows[0]["companyname"], "Inspector Co", "{rows}");
}

/// The stdio transport at the byte level, as any client sees it: one JSON line per
/// message; a tool's structured content is exactly its text block's JSON (written
/// once, spliced in by the transport) with no server-internal `_meta`; a message
/// of the wrong shape gets rmcp's "Invalid request" reply on the same stdout and
/// the session goes on.
#[test]
fn stdio_lines_carry_structured_content_and_protocol_errors() {
    use std::io::{BufRead, BufReader};
    let s = setup();
    let mut child = s
        .env
        .cmd()
        .args(["--profile", "p", "mcp", "serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp serve");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut next = |stdin: &mut std::process::ChildStdin, line: &str| -> serde_json::Value {
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        let mut answer = String::new();
        stdout.read_line(&mut answer).unwrap();
        assert!(answer.ends_with('\n'), "one whole line: {answer:?}");
        json(&answer)
    };
    let init = next(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .unwrap();
    let bad = next(&mut stdin, r#"{"jsonrpc":"2.0","id":2,"method":7}"#);
    assert_eq!(bad["error"]["code"], -32600, "{bad}");
    let call = next(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ns_runCustomSuiteQL","arguments":{"sqlQuery":"SELECT id, companyname FROM customer ORDER BY id","description":"raw","pageSize":2}}}"#,
    );
    assert_eq!(call["id"], 3, "{call}");
    let result = &call["result"];
    let text = result["content"][0]["text"].as_str().expect("a text block");
    assert_eq!(json(text), result["structuredContent"], "{call}");
    assert_eq!(result["structuredContent"]["resultCount"], 2, "{call}");
    assert_eq!(result["isError"], false, "{call}");
    assert!(result.get("_meta").is_none(), "{call}");
    // The rows keep the query's column order in the text (not sorted by name).
    let id = text.find("{\"id\":\"").expect("a row starting with id");
    assert!(
        id < text.find("\"companyname\"").expect("companyname"),
        "{text}"
    );
    let error = next(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ns_runCustomSuiteQL","arguments":{"sqlQuery":"SELECT nosuchcolumn FROM customer","description":"raw"}}}"#,
    );
    assert_eq!(error["result"]["isError"], true, "{error}");
    assert!(
        error["result"].get("structuredContent").is_none(),
        "{error}"
    );
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "mcp serve ended with {status}");
}
