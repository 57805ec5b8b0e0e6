#!/usr/bin/env bash
# Screenshots of the data-plane admin pages (record browser, one record with its
# lines, SuiteQL console, governance and faults) in headless Chromium, for a person
# to look at. Not part of `cargo test`: it needs Chromium (`apt-get install -y
# chromium`) and curl.
#
#   crates/netsuite-emulator/tests/screenshots-data.sh [OUT_DIR]
#
# Starts `netsuite emulator serve --in-memory` on 127.0.0.1:0 with a little load and
# a few faults, so that the counters have something to show, then writes one PNG
# per page.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
OUT="${1:-$ROOT/target/screenshots}"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

CHROMIUM="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$CHROMIUM" ] || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 2; }

cargo build -q -p netsuite-cli --manifest-path "$ROOT/Cargo.toml"
NS="$ROOT/target/debug/netsuite"

"$NS" emulator serve --in-memory --listen 127.0.0.1:0 --ready-file "$WORK/url" \
    --demo-scale 500 --concurrency-limit 5 --fault-429 0.1 --fault-seed 7 >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL="$(cat "$WORK/url")"
echo "emulator at $URL" >&2

# Some traffic for the counters (unauthenticated requests still take a slot).
seq 1 40 | xargs -P 40 -I{} curl -s -o /dev/null "$URL/services/rest/record/v1/customer/101" || true
curl -s -o /dev/null -X PUT -H 'content-type: application/json' \
    -d '{"latencyMs":50,"latencyJitterMs":20,"share429":0.1,"share5xx":0.02,"shareDrop":0.01,"seed":7}' \
    "$URL/admin/api/faults"

shot() { # name url
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$WORK")" --hide-scrollbars \
        --screenshot="$OUT/$1.png" --window-size=1280,900 "$2" >/dev/null 2>&1
    echo "$OUT/$1.png"
}
Q='companyName CONTAIN "corp" OR id GREATER 120'
shot 20-admin-records "$URL/admin/records?type=salesorder"
shot 21-admin-records-filtered "$URL/admin/records?type=customer&q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$Q")"
shot 22-admin-record "$URL/admin/records/salesorder/304"
shot 23-admin-suiteql "$URL/admin/suiteql"
shot 24-admin-governance "$URL/admin/governance"
shot 25-admin-records-bad-q "$URL/admin/records?type=customer&q=nope%20EQUAL%201"
