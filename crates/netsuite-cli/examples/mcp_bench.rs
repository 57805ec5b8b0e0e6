//! `benches/mcp.sh`'s load: the same 1,000-row SuiteQL page through the client
//! library and through `netsuite mcp serve` (stdio, one MCP session, tool
//! `ns_runCustomSuiteQL`), alternating, with the median and p90 of each.
//!
//! ```text
//! NETSUITE_ACCESS_TOKEN=… mcp_bench NETSUITE_BIN PROFILE BASE_URL RUNS
//! ```
//!
//! The library side is `Client::suiteql_page`: the rows, parsed. A third figure,
//! the floor, is the library's page plus what JSON alone costs any MCP server and
//! client, in this process, with no pipe and no MCP stack: the tool's answer
//! serialized as text and as structured content in one JSON-RPC line (as
//! `mcp serve` writes it), then parsed into a `serde_json::Value` (as the plain
//! client reads it). Prints one JSON line.

use std::process::Stdio;
use std::time::{Duration, Instant};

use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::secret::AccessToken;
use netsuite_client::suiteql::Row;
use netsuite_client::{Client, TokenSource};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig, JsonObject};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The allocator the `netsuite` binary uses, so the library side is measured as a
/// program built like it would be.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERY: &str =
    "SELECT id, tranid, trandate, entity, status, foreigntotal FROM transaction ORDER BY id";
const ROWS: u64 = 1000;

/// `ns_runCustomSuiteQL`'s answer, as `mcp serve` serializes it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    method: &'static str,
    description: &'static str,
    query_executed: &'static str,
    result_count: usize,
    total_results: u64,
    truncated: bool,
    data: &'a [Row],
}

/// The floor's JSON work: the answer as `mcp serve` writes it (text block and
/// structured content, one line) and as a client parses it; the rows read.
fn json_round_trip(rows: &[Row], total: u64) -> Result<usize, serde_json::Error> {
    let answer = serde_json::to_string(&Answer {
        method: "ns_runCustomSuiteQL",
        description: "benchmark",
        query_executed: QUERY,
        result_count: rows.len(),
        total_results: total,
        truncated: total > rows.len() as u64,
        data: rows,
    })?;
    let mut line = Vec::with_capacity(answer.len() * 2 + 256);
    line.extend_from_slice(
        br#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"#,
    );
    serde_json::to_writer(&mut line, &answer)?;
    line.extend_from_slice(br#"}],"isError":false,"structuredContent":"#);
    line.extend_from_slice(answer.as_bytes());
    line.extend_from_slice(b"}}\n");
    let message: Value = serde_json::from_slice(&line)?;
    Ok(message["result"]["structuredContent"]["data"]
        .as_array()
        .map_or(0, Vec::len))
}

/// A process's CPU time so far (user + system), from `/proc/PID/stat` (Linux; clock
/// ticks of 10 ms). `None` elsewhere.
fn cpu_ms(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // The fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// `netsuite mcp serve` on stdio pipes, killed when dropped.
fn spawn_server(bin: &str, profile: &str) -> std::io::Result<tokio::process::Child> {
    tokio::process::Command::new(bin)
        .args(["--profile", profile, "mcp", "serve"])
        .env_remove("NETSUITE_ACCESS_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
}

fn quantile(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() - 1) as f64 * q).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, bin, profile, base, runs] = args.as_slice() else {
        return Err("usage: mcp_bench NETSUITE_BIN PROFILE BASE_URL RUNS".into());
    };
    let runs: usize = runs.parse()?;
    let token = std::env::var("NETSUITE_ACCESS_TOKEN")?;

    let endpoints = Endpoints::resolve(&AccountId::parse("1234567")?, Some(base))?;
    let client = Client::new(TokenSource::fixed(
        endpoints,
        AccessToken::new(token),
        "NETSUITE_ACCESS_TOKEN",
    ))?;

    let mut child = spawn_server(bin, profile)?;
    let server_pid = child.id();
    let stdio = (
        child.stdout.take().ok_or("no stdout")?,
        child.stdin.take().ok_or("no stdin")?,
    );
    let session = ClientConfig::default().serve(stdio).await?;
    let mut arguments = JsonObject::new();
    arguments.insert("sqlQuery".into(), json!(QUERY));
    arguments.insert("description".into(), json!("benchmark"));
    arguments.insert("pageSize".into(), json!(ROWS));
    let params = CallToolRequestParams::new("ns_runCustomSuiteQL").with_arguments(arguments);

    let mut raw = RawClient::start(bin, profile).await?;
    let (mut lib, mut mcp, mut bare, mut floor) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let warmup = runs / 10 + 1;
    let mut cpu_start = (None, None);
    for i in 0..warmup + runs {
        if i == warmup {
            cpu_start = (cpu_ms(server_pid), cpu_ms(raw.pid));
        }
        let t = Instant::now();
        let page = client.suiteql_page(QUERY, ROWS, 0).await?;
        let lib_time = t.elapsed();
        assert_eq!(
            page.items.len() as u64,
            ROWS,
            "the library got {} rows",
            page.items.len()
        );
        let t = Instant::now();
        let rows = json_round_trip(&page.items, page.total_results)?;
        let floor_time = lib_time + t.elapsed();
        assert_eq!(rows as u64, ROWS, "the floor's JSON read {rows} rows");

        let t = Instant::now();
        let result = session.call_tool(params.clone()).await?;
        let mcp_time = t.elapsed();
        let rows = result
            .structured_content
            .as_ref()
            .and_then(|v| v["data"].as_array())
            .map_or(0, Vec::len);
        assert_eq!(
            rows as u64, ROWS,
            "the tool returned {rows} rows: {result:?}"
        );
        let t = Instant::now();
        let rows = raw.call(QUERY, ROWS).await?;
        let bare_time = t.elapsed();
        assert_eq!(
            rows as u64, ROWS,
            "the plain JSON-RPC client got {rows} rows"
        );
        if i >= warmup {
            lib.push(lib_time);
            mcp.push(mcp_time);
            bare.push(bare_time);
            floor.push(floor_time);
        }
    }
    // What each `mcp serve` process spent per measured call.
    let per_call =
        |start: Option<f64>, pid: Option<u32>| Some((cpu_ms(pid)? - start?) / runs as f64);
    let rmcp_cpu = per_call(cpu_start.0, server_pid);
    let raw_cpu = per_call(cpu_start.1, raw.pid);
    session.cancel().await?;
    let (lib50, mcp50) = (quantile(&mut lib, 0.5), quantile(&mut mcp, 0.5));
    let bare50 = quantile(&mut bare, 0.5);
    let floor50 = quantile(&mut floor, 0.5);
    let out = json!({
        "runs": runs,
        "rows": ROWS,
        "library_p50_ms": lib50,
        "library_p90_ms": quantile(&mut lib, 0.9),
        "mcp_stdio_p50_ms": mcp50,
        "mcp_stdio_p90_ms": quantile(&mut mcp, 0.9),
        "ratio_p50": mcp50 / lib50,
        "json_rpc_p50_ms": bare50,
        "json_rpc_p90_ms": quantile(&mut bare, 0.9),
        "json_rpc_ratio_p50": bare50 / lib50,
        "floor_p50_ms": floor50,
        "floor_p90_ms": quantile(&mut floor, 0.9),
        "floor_ratio_p50": floor50 / lib50,
        "mcp_serve_cpu_ms_per_call": rmcp_cpu,
        "mcp_serve_plain_cpu_ms_per_call": raw_cpu,
    });
    println!("{out}");
    Ok(())
}

/// An MCP client with nothing but JSON-RPC lines over the server's stdin/stdout, the
/// answer parsed into a `serde_json::Value`: what any client must do to read the rows,
/// without an SDK's typed model in between.
struct RawClient {
    _child: tokio::process::Child,
    pid: Option<u32>,
    stdin: tokio::process::ChildStdin,
    stdout: BufReader<tokio::process::ChildStdout>,
    next_id: u64,
    line: String,
}

impl RawClient {
    async fn start(bin: &str, profile: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let mut child = spawn_server(bin, profile)?;
        let mut me = Self {
            pid: child.id(),
            stdin: child.stdin.take().ok_or("no stdin")?,
            stdout: BufReader::with_capacity(1 << 18, child.stdout.take().ok_or("no stdout")?),
            _child: child,
            next_id: 1,
            line: String::new(),
        };
        me.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "mcp_bench", "version": "0"}
            }),
        )
        .await?;
        me.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await?;
        Ok(me)
    }

    async fn send(&mut self, message: &Value) -> Result<(), Box<dyn std::error::Error>> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        self.stdin.write_all(&line).await?;
        self.stdin.flush().await?;
        Ok(())
    }

    async fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await?;
        loop {
            self.line.clear();
            if self.stdout.read_line(&mut self.line).await? == 0 {
                return Err("the server closed its stdout".into());
            }
            let message: Value = serde_json::from_str(&self.line)?;
            if message["id"] == json!(id) {
                return Ok(message);
            }
        }
    }

    async fn call(&mut self, query: &str, rows: u64) -> Result<usize, Box<dyn std::error::Error>> {
        let answer = self
            .request(
                "tools/call",
                json!({"name": "ns_runCustomSuiteQL", "arguments": {
                    "sqlQuery": query, "description": "benchmark", "pageSize": rows}}),
            )
            .await?;
        Ok(answer["result"]["structuredContent"]["data"]
            .as_array()
            .map_or(0, Vec::len))
    }
}
