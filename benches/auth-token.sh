#!/usr/bin/env bash
# Whole-process time of `netsuite auth token`: with a cached token (goal: median
# under 10 ms) and with --fresh against a local emulator (assertion signing, one
# token request over loopback, atomic 0600 write). Baseline in the same run:
# `netsuite --version` (process start-up alone).
# Needs hyperfine (Debian package `hyperfine`). Usage: benches/auth-token.sh [KEY_TYPE]
set -euo pipefail
cd "$(dirname "$0")/.."
key_type="${1:-ec-p256}"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --bin netsuite -q
bin="$PWD/target/release/netsuite"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" NETSUITE_CONFIG_DIR="$work/config" NO_COLOR=1
mkdir -p "$HOME"
"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$work/data" --ready-file "$work/url" 2>/dev/null &
server_pid=$!
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.05; done
base="$(cat "$work/url")"
"$bin" cert new --key-type "$key_type" --out "$work/cert" >/dev/null 2>&1
client_id="$("$bin" emulator integration create --data-dir "$work/data" --name bench --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$bin" emulator mapping create --data-dir "$work/data" --client-id "$client_id" --certificate "$work/cert/certificate.pem" 2>/dev/null)"
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$base" 2>/dev/null
"$bin" auth token >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), key $key_type"
hyperfine -N --warmup 20 --runs 300 --export-json "$work/h.json" \
  "$bin --version" "$bin auth token" "$bin auth token --fresh" >/dev/null 2>&1
python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print(f"{'command':<28}{'median ms':>10}{'mean ms':>10}{'p95 ms':>10}{'x --version':>13}")
for x in r:
    t = sorted(x["times"]); p95 = t[int(len(t) * 0.95) - 1]
    name = x["command"].split("/netsuite ", 1)[-1]
    print(f"netsuite {name:<19}{x['median']*1e3:>10.2f}{x['mean']*1e3:>10.2f}{p95*1e3:>10.2f}{x['median']/base:>13.2f}")
PY
