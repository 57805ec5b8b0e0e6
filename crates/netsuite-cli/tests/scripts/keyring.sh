#!/usr/bin/env bash
# Run by tests/keyring.rs inside `dbus-run-session`: a private Secret Service
# (gnome-keyring) and the token store's key in it, for real. Prints KEY=VALUE lines.
# Needs: NB (the netsuite binary), T (a private temporary directory).
set -u
export HOME="$T/home" XDG_RUNTIME_DIR="$T/run" XDG_DATA_HOME="$T/home/.local/share" NO_COLOR=1
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
unset NETSUITE_KEYRING
printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$T/keyring.log" 2>&1 &
keyring=$!
trap 'kill -CONT $keyring 2>/dev/null; kill $keyring ${server:-} 2>/dev/null' EXIT
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.05
done
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# An emulator with an M2M integration, and a profile of it.
"$NB" emulator serve --listen 127.0.0.1:0 --data-dir "$T/data" --ready-file "$T/url" 2>"$T/serve.log" &
server=$!
for _ in $(seq 300); do [ -s "$T/url" ] && break; sleep 0.05; done
base="$(cat "$T/url")"
"$NB" cert new --key-type ec-p256 --out "$T/cert" >/dev/null 2>&1
client_id="$("$NB" emulator integration create --data-dir "$T/data" --name keyring --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$NB" emulator mapping create --data-dir "$T/data" --client-id "$client_id" --certificate "$T/cert/certificate.pem" 2>/dev/null)"
add() { # config dir
  NETSUITE_CONFIG_DIR="$1" "$NB" profile add kr --account 1234567 --client-id "$client_id" \
    --certificate-id "$cert_id" --private-key "$T/cert/private-key.pem" --base-url "$base" >/dev/null 2>>"$T/add.log"
}

# 1. The key goes into the keyring (no store.key); tokens survive a new process.
add "$T/config"
echo "TOKEN1=$(NETSUITE_CONFIG_DIR="$T/config" "$NB" auth token 2>"$T/e1")"
echo "ERR1=$(tr '\n' ' ' <"$T/e1")"
echo "TOKEN2=$(NETSUITE_CONFIG_DIR="$T/config" "$NB" auth token 2>/dev/null)"
echo "KEYFILE1=$([ -e "$T/config/tokens/store.key" ] && echo yes || echo no)"
echo "ENTRIES=$(secret-tool search --all service netsuite-rs 2>/dev/null | grep -c "token-store-key:$T/config/tokens")"

# 2. A locked collection: the file key, said loudly, at once.
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null 2>&1
start=$(ms)
add "$T/locked"
echo "LOCKED_TOKEN=$(NETSUITE_CONFIG_DIR="$T/locked" "$NB" auth token 2>"$T/e2")"
echo "LOCKED_MS=$(( $(ms) - start ))"
echo "LOCKED_ERR=$(tr '\n' ' ' <"$T/add.log")"
echo "KEYFILE2=$([ -e "$T/locked/tokens/store.key" ] && echo yes || echo no)"

# 3. A keyring that stops answering mid-run: the 3 s timeout holds, no hang.
kill -STOP $keyring
start=$(ms)
NETSUITE_CONFIG_DIR="$T/config" "$NB" auth token >/dev/null 2>"$T/e3"
echo "STOPPED_RC=$?"
echo "STOPPED_MS=$(( $(ms) - start ))"
echo "STOPPED_ERR=$(tr '\n' ' ' <"$T/e3")"
echo "KEYFILE_KEPT=$([ -e "$T/config/tokens/store.key" ] && echo yes || echo no)"
# --no-cache still works without the keyring.
echo "NOCACHE_TOKEN=$(NETSUITE_CONFIG_DIR="$T/config" "$NB" --no-cache auth token 2>/dev/null)"
kill -CONT $keyring
# 4. The keyring back: the stored token is readable again (nothing was lost).
echo "TOKEN3=$(NETSUITE_CONFIG_DIR="$T/config" "$NB" auth token 2>/dev/null)"
kill -STOP $keyring
start=$(ms)
add "$T/stopped"
echo "STOPPED_ADD_MS=$(( $(ms) - start ))"
echo "KEYFILE3=$([ -e "$T/stopped/tokens/store.key" ] && echo yes || echo no)"
echo "DONE=1"
