#!/usr/bin/env bash
# `netsuite mcp serve` against the client library: ns_runCustomSuiteQL returning
# 1,000 rows (one SuiteQL page of `transaction`) over stdio, one MCP session, vs the
# same page through `Client::suiteql_page` in the load generator's process, both
# against one emulator on loopback, alternating call by call; median and p90 of each
# and the ratio of the medians. Goal: ratio <= 1.2x. Release builds; the load is
# crates/netsuite-cli/examples/mcp_bench.rs (an rmcp client and a plain JSON-RPC
# client, each spawning `mcp serve`). The floor row is the library plus the JSON
# every MCP server and client must write and read for this answer, in-process.
# Usage: benches/mcp.sh [RUNS]
# BENCH_LATENCY_MS=N adds N ms to every emulator request (`emulator serve --latency-ms`),
# as a real account's SuiteQL page takes hundreds of ms: the same comparison at a
# NetSuite-like latency instead of the emulator's loopback speed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
# BENCH_PROFILE=dev only checks that the script runs: the figures are for release builds.
profile="${BENCH_PROFILE:-release}"
dir=$([ "$profile" = release ] && echo release || echo debug)
cargo build --profile "$profile" -q --bin netsuite -p netsuite-cli
cargo build --profile "$profile" -q -p netsuite-cli --example mcp_bench
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/$dir/netsuite"
bench="$target/$dir/examples/mcp_bench"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" NETSUITE_CONFIG_DIR="$work/config" NO_COLOR=1 NETSUITE_KEYRING=off
mkdir -p "$HOME"
data="$work/data"
"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$data" --ready-file "$work/url" \
  --demo-scale 2000 --latency-ms "${BENCH_LATENCY_MS:-0}" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 600); do [ -s "$work/url" ] && break; sleep 0.1; done
base="$(cat "$work/url")"
"$bin" cert new --key-type ec-p256 --out "$work/cert" >/dev/null 2>&1
client_id="$("$bin" emulator integration create --data-dir "$data" --name bench --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$bin" emulator mapping create --data-dir "$data" --client-id "$client_id" --certificate "$work/cert/certificate.pem" 2>/dev/null)"
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$base" 2>/dev/null
token="$("$bin" auth token)"

echo "emulator latency: ${BENCH_LATENCY_MS:-0} ms added to each request"
echo "machine: $(nproc) CPU ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
NETSUITE_ACCESS_TOKEN="$token" "$bench" "$bin" bench "$base" "$runs" |
  python3 -c 'import json,sys; r=json.load(sys.stdin)
lib=r["library_p50_ms"]
def row(name, p50, p90, ratio=True):
    x = " (%.2fx)" % (r[p50] / lib) if ratio else ""
    print("| %s | %.2f ms%s | %.2f ms |" % (name, r[p50], x, r[p90]))
print("| path | p50 | p90 |"); print("|---|---|---|")
row("client library, `suiteql_page` (1,000 rows)", "library_p50_ms", "library_p90_ms", False)
row("`mcp serve` (stdio), `ns_runCustomSuiteQL`, rmcp client", "mcp_stdio_p50_ms", "mcp_stdio_p90_ms")
row("`mcp serve` (stdio), `ns_runCustomSuiteQL`, plain JSON-RPC client", "json_rpc_p50_ms", "json_rpc_p90_ms")
row("floor: the library + the answer serialized and parsed in-process", "floor_p50_ms", "floor_p90_ms")
cpu = [r.get("mcp_serve_cpu_ms_per_call"), r.get("mcp_serve_plain_cpu_ms_per_call")]
if None not in cpu: print(); print("CPU of each mcp serve process per call (user + system, /proc): %.2f ms (rmcp client), %.2f ms (plain client)" % tuple(cpu))
print(); print("ratio of medians over %d calls each: rmcp client %.2fx, plain JSON-RPC client %.2fx, floor %.2fx" % (r["runs"], r["ratio_p50"], r["json_rpc_ratio_p50"], r["floor_ratio_p50"]))'
