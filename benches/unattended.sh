#!/usr/bin/env bash
# Whole-process time of a cached `netsuite auth token` with environment-only
# configuration (no config file; the config directory cannot be written, tokens in
# $XDG_CACHE_HOME) against the same with a profile, both in one hyperfine run (goal:
# each <= 10 ms), and of `netsuite doctor --offline` (goal: <= 50 ms). Every command
# goes through `env` so that both pay the same exec. Release build; an emulator on
# loopback issues the first token. Needs hyperfine. Usage: benches/unattended.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-300}"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --bin netsuite -q
bin="$PWD/target/release/netsuite"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" NETSUITE_CONFIG_DIR="$work/config" NO_COLOR=1 NETSUITE_KEYRING=off
mkdir -p "$HOME"
"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$work/data" --ready-file "$work/url" 2>/dev/null &
server_pid=$!
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.05; done
base="$(cat "$work/url")"
"$bin" cert new --key-type ec-p256 --out "$work/cert" >/dev/null 2>&1
client_id="$("$bin" emulator integration create --data-dir "$work/data" --name bench --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$bin" emulator mapping create --data-dir "$work/data" --client-id "$client_id" --certificate "$work/cert/certificate.pem" 2>/dev/null)"
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$base" 2>/dev/null
touch "$work/not-a-directory"
env_only="env NETSUITE_CONFIG_DIR=$work/not-a-directory/config XDG_CACHE_HOME=$work/cache \
NETSUITE_ACCOUNT=1234567 NETSUITE_CLIENT_ID=$client_id NETSUITE_CERTIFICATE_ID=$cert_id \
NETSUITE_PRIVATE_KEY_FILE=$work/cert/private-key.pem NETSUITE_BASE_URL=$base $bin auth token"
profile="env NETSUITE_PROFILE=bench $bin auth token"
doctor="env NETSUITE_PROFILE=bench $bin doctor --offline"
$env_only >/dev/null
$profile >/dev/null
$doctor >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/h.json" \
  -n "env $(basename "$bin") --version" "env $bin --version" \
  -n "auth token (environment only, cached)" "$env_only" \
  -n "auth token (profile, cached)" "$profile" \
  -n "doctor --offline (profile)" "$doctor" >/dev/null 2>&1
python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<40}{'median ms':>10}{'mean ms':>10}{'p95 ms':>10}")
for x in r:
    t = sorted(x["times"]); p95 = t[int(len(t) * 0.95) - 1]
    print(f"{x['command']:<40}{x['median']*1e3:>10.2f}{x['mean']*1e3:>10.2f}{p95*1e3:>10.2f}")
PY
