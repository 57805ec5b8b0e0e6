#!/usr/bin/env bash
# Latency added by `netsuite proxy`: the same requests direct to the emulator (with a
# bearer token) and through the proxy, for GET salesorder/304 and a 1,000-row SuiteQL
# page, with 1 and 16 keep-alive connections; p50 and p99 per request and throughput
# (closed loop: each connection sends its next request when the last answer is read).
# Goals: p50 added <= 0.2 ms, p99 added <= 1 ms, throughput at 16 connections >= 0.8x
# direct. Release builds; the load generator is crates/netsuite-proxy/examples/loadgen.rs.
# Usage: benches/proxy.sh [REQUESTS_PER_RUN]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-4000}"
# BENCH_PROFILE=dev only checks that the script runs: the figures are for release builds.
profile="${BENCH_PROFILE:-release}"
dir=$([ "$profile" = release ] && echo release || echo debug)
cargo build --profile "$profile" -q --bin netsuite -p netsuite-cli
cargo build --profile "$profile" -q -p netsuite-proxy --example loadgen
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/$dir/netsuite"
load="$target/$dir/examples/loadgen"
work="$(mktemp -d)"
trap 'kill "${proxy_pid:-0}" "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" NETSUITE_CONFIG_DIR="$work/config" NO_COLOR=1 NETSUITE_KEYRING=off
mkdir -p "$HOME"
data="$work/data"
# A limit above the connections used, so that governance never refuses the direct runs.
"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$data" --ready-file "$work/url" \
  --concurrency-limit 64 --demo-scale 2000 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 600); do [ -s "$work/url" ] && break; sleep 0.1; done
base="$(cat "$work/url")"
"$bin" cert new --key-type ec-p256 --out "$work/cert" >/dev/null 2>&1
client_id="$("$bin" emulator integration create --data-dir "$data" --name bench --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$bin" emulator mapping create --data-dir "$data" --client-id "$client_id" --certificate "$work/cert/certificate.pem" 2>/dev/null)"
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$base" 2>/dev/null
token="$("$bin" auth token)"
"$bin" proxy --listen 127.0.0.1:0 --ready-file "$work/proxy.url" --concurrency 64 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 1 600); do [ -s "$work/proxy.url" ] && break; sleep 0.1; done
proxy="$(cat "$work/proxy.url")"

record=/services/rest/record/v1/salesorder/304
suiteql='/services/rest/query/v1/suiteql?limit=1000&offset=0'
body='{"q":"SELECT id, tranid, trandate, entity, status, foreigntotal FROM transaction ORDER BY id"}'

run() { # name connections requests via args...
  local name="$1" conns="$2" reqs="$3" via="$4"; shift 4
  "$load" --connections "$conns" --requests "$reqs" --warmup $(( reqs / 10 )) "$@" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%s %s %s %.3f %.3f %.0f %d" % (sys.argv[1], sys.argv[2], sys.argv[3], r["p50_ms"], r["p99_ms"], r["throughput_rps"], r["bytes_per_response"]))' "$name" "$conns" "$via"
}

results="$work/results"
for conns in 1 16; do
  for via in direct proxy; do
    if [ "$via" = direct ]; then url="$base"; auth=(-H "Authorization: Bearer $token"); else url="$proxy"; auth=(); fi
    run salesorder/304 "$conns" "$n" "$via" --url "$url$record" "${auth[@]}" >>"$results"
    run suiteql-1000 "$conns" $(( n / 8 )) "$via" --url "$url$suiteql" --method POST \
      -H 'Prefer: transient' --body "$body" "${auth[@]}" >>"$results"
  done
done

echo "machine: $(nproc) CPU ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| request | connections | p50 direct | p50 proxy | p50 added | p99 direct | p99 proxy | p99 added | req/s direct | req/s proxy | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, conns, via, p50, p99, rps, size = line.split()
    rows.setdefault((name, int(conns)), {})[via] = (float(p50), float(p99), float(rps))
for (name, conns), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    d, p = r["direct"], r["proxy"]
    print(f"| {name} | {conns} | {d[0]:.3f} ms | {p[0]:.3f} ms | {p[0]-d[0]:+.3f} ms | {d[1]:.3f} ms | {p[1]:.3f} ms | {p[1]-d[1]:+.3f} ms | {d[2]:.0f} | {p[2]:.0f} | {p[2]/d[2]:.2f}x |")
PY
