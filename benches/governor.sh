#!/usr/bin/env bash
# The shared governor's benchmark (release builds):
#  1. 4 `netsuite suiteql --all` processes share 5 slots through one Redis against an
#     emulator with --concurrency-limit 5 --latency-ms 50: requests per second vs the
#     ideal 5 slots / 50 ms = 100 pages/s, and the 429s the emulator returned;
#  2. a lease's acquire + release, median and p99, against local Redis.
# Usage: benches/governor.sh [ROWS_PER_PROCESS (default 250000)]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-250000}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q -p netsuite-cli --bin netsuite
cargo build --release --locked -q -p netsuite-client --example governor_lease
bin="$target/release/netsuite"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export HOME="$work" NETSUITE_CONFIG_DIR="$work/config" NETSUITE_KEYRING=off NO_COLOR=1

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no >/dev/null &
pids+=($!)
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
redis="redis://127.0.0.1:$port/0"

"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$work/emu" --ready-file "$work/emu.url" \
  --concurrency-limit 5 --latency-ms 50 --demo-scale "$rows" >/dev/null 2>&1 &
emu_pid=$!
pids+=("$emu_pid")
until [ -s "$work/emu.url" ]; do
  kill -0 "$emu_pid" 2>/dev/null || { echo "the emulator did not start" >&2; exit 1; }
  sleep 0.1
done
emu=$(cat "$work/emu.url")
"$bin" cert new --key-type ec-p256 --out "$work/cert" >/dev/null 2>&1
client_id=$("$bin" emulator integration create --data-dir "$work/emu" --name bench --m2m \
  --scope rest_webservices --scope restlets --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
cert_id=$("$bin" emulator mapping create --data-dir "$work/emu" --client-id "$client_id" \
  --certificate "$work/cert/certificate.pem" --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["certificate_id"])')
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$emu" >/dev/null 2>&1
"$bin" auth token >/dev/null 2>&1

run() { # LABEL FLAGS...: 4 exports at once; prints requests/s and 429s
  local label=$1; shift
  "$bin" emulator stats --url "$emu" --reset --json >/dev/null
  local start end
  start=$(date +%s.%N)
  local ps=()
  for n in 1 2 3 4; do
    "$bin" suiteql "SELECT id, tranid FROM transaction" --all --quiet --out "$work/out-$n.ndjson" "$@" &
    ps+=($!)
  done
  local failed=0
  for p in "${ps[@]}"; do wait "$p" || failed=$((failed + 1)); done
  end=$(date +%s.%N)
  "$bin" emulator stats --url "$emu" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
label, secs, failed, rows = sys.argv[1], float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4]), int(sys.argv[5])
req, peak, r429 = s["requests"], s["peak_in_flight"], s["rejected_429"]
rate = req / secs
print(f"{label}: {4 * rows} rows, {req} requests in {secs:.1f} s = {rate:.1f} requests/s "
      f"({rate / 100:.2f}x the ideal 100/s), peak {peak} in flight, {r429} 429s, "
      f"{failed} export(s) failed")
' "$label" "$start" "$end" "$failed" "$rows"
  for n in 1 2 3 4; do
    lines=$(wc -l < "$work/out-$n.ndjson")
    [ "$lines" -eq "$rows" ] || echo "  export $n wrote $lines rows, not $rows"
  done
}

run "4 processes, one Redis governor" --governor "$redis"
run "4 processes, in-process governors" --governor local
"$target/release/examples/governor_lease" "$redis" 5000
