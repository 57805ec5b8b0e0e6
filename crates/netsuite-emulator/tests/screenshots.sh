#!/usr/bin/env bash
# Screenshots of the emulator's HTML pages (login, consent, error, admin) in headless
# Chromium, for a person to look at. Not part of `cargo test`: it needs Chromium
# (`apt-get install -y chromium`) and curl.
#
#   crates/netsuite-emulator/tests/screenshots.sh [OUT_DIR]
#
# Builds the CLI, starts `netsuite emulator serve` on 127.0.0.1:0 with a fresh data
# directory, fills it through the CLI (`--url`) and curl (an authorization code flow,
# a refresh, a revoke and a few refused requests), then writes one PNG per page.
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

"$NS" emulator serve --data-dir "$WORK/data" --listen 127.0.0.1:0 \
    --ready-file "$WORK/url" --explain-errors >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL="$(cat "$WORK/url")"
echo "emulator at $URL" >&2

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Integrations: an auth-code app (ask first time), a public CLI app, an M2M app.
APP="$("$NS" emulator integration create --url "$URL" --name "Order sync" --auth-code \
    --redirect-uri https://orders.example/callback --consent-policy always --json)"
CID="$(echo "$APP" | json "['client_id']")"
SECRET="$(echo "$APP" | json "['client_secret']")"
"$NS" emulator integration create --url "$URL" --name "netsuite CLI" --auth-code --public \
    --redirect-uri http://127.0.0.1:8765/callback --allow-http-loopback \
    --consent-policy first-time --json >/dev/null
M2M="$("$NS" emulator integration create --url "$URL" --name "Nightly export" --m2m --json | json "['client_id']")"
"$NS" cert new --out "$WORK/cert" --key-type ec-p256 >/dev/null 2>&1
CERT="$WORK/cert/certificate.pem"
if [ -f "$CERT" ]; then
    "$NS" emulator mapping create --url "$URL" --client-id "$M2M" --certificate "$CERT" >/dev/null
fi

AUTHZ="$URL/app/login/oauth2/authorize.nl?response_type=code&client_id=$CID&redirect_uri=https%3A%2F%2Forders.example%2Fcallback&scope=rest_webservices+restlets"

# The login page, as a browser sees it.
shot() { # name url
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$WORK")" --hide-scrollbars \
        --screenshot="$OUT/$1.png" --window-size=1280,900 "$2" >/dev/null 2>&1
    echo "$OUT/$1.png"
}
shot 01-login "$AUTHZ&state=screenshot-state-000000001"

# Log in with curl; keep the consent page it returns (inline CSS renders the same from a file).
curl -s -o "$WORK/login.html" "$AUTHZ&state=screenshot-state-000000002"
FLOW="$(grep -o 'name="flow" value="[^"]*"' "$WORK/login.html" | sed 's/.*value="//;s/"$//')"
curl -s -o "$WORK/consent.html" -d "flow=$FLOW" -d email=admin@example.com -d password=emulator \
    "$URL/app/login/oauth2/authorize.nl"
shot 02-consent "file://$WORK/consent.html"
LOC="$(curl -s -o /dev/null -w '%{redirect_url}' -d "flow=$FLOW" -d action=allow -d role=3 \
    "$URL/app/login/oauth2/authorize.nl")"
CODE="$(echo "$LOC" | sed 's/.*[?&]code=\([^&]*\).*/\1/')"
TOKENS="$(curl -s -u "$CID:$SECRET" -d grant_type=authorization_code -d "code=$CODE" \
    -d redirect_uri=https://orders.example/callback "$URL/services/rest/auth/oauth2/v1/token")"
REFRESH="$(echo "$TOKENS" | json "['refresh_token']")"
curl -s -u "$CID:$SECRET" -d grant_type=refresh_token -d "refresh_token=$REFRESH" \
    "$URL/services/rest/auth/oauth2/v1/token" >/dev/null

# A few rejections for the audit trail.
curl -s -u "$CID:$SECRET" -d grant_type=authorization_code -d "code=$CODE" \
    -d redirect_uri=https://orders.example/callback "$URL/services/rest/auth/oauth2/v1/token" >/dev/null
curl -s -u "$CID:wrong" -d grant_type=refresh_token -d refresh_token=x \
    "$URL/services/rest/auth/oauth2/v1/token" >/dev/null
curl -s -o /dev/null "$AUTHZ&state=short"
curl -s -o /dev/null -H "Authorization: Bearer $REFRESH" "$URL/services/rest/record/v1/salesorder/304"
curl -s -o /dev/null -d grant_type=client_credentials \
    -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
    -d client_assertion=eyJhbGciOiJub25lIn0.e30. "$URL/services/rest/auth/oauth2/v1/token"

# A live chain for the token pages: a second authorization, exchanged once.
curl -s -o "$WORK/login2.html" "$AUTHZ&state=screenshot-state-000000004"
FLOW="$(grep -o 'name="flow" value="[^"]*"' "$WORK/login2.html" | sed 's/.*value="//;s/"$//')"
LOC="$(curl -s -o /dev/null -w '%{redirect_url}' -d "flow=$FLOW" -d email=admin@example.com \
    -d password=emulator -d action=allow -d role=1001 "$URL/app/login/oauth2/authorize.nl")"
CODE="$(echo "$LOC" | sed 's/.*[?&]code=\([^&]*\).*/\1/')"
curl -s -u "$CID:$SECRET" -d grant_type=authorization_code -d "code=$CODE" \
    -d redirect_uri=https://orders.example/callback "$URL/services/rest/auth/oauth2/v1/token" >/dev/null

shot 03-error-page "$URL/app/login/oauth2/authorize.nl?response_type=code&client_id=$CID&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=restlets&state=screenshot-state-000000003"
shot 10-admin-overview "$URL/admin/"
shot 11-admin-integrations "$URL/admin/integrations"
shot 12-admin-integration "$URL/admin/integrations/$CID"
shot 13-admin-mappings "$URL/admin/mappings"
shot 14-admin-authorized-apps "$URL/admin/authorizations"
shot 15-admin-tokens "$URL/admin/tokens"
shot 16-admin-audit "$URL/admin/audit"
