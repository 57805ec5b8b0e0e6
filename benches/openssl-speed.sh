#!/usr/bin/env bash
# Compares the signing cost of a NetSuite client assertion (netsuite-auth on aws-lc-rs)
# with OpenSSL's own signing speed on the same machine.
#
#   benches/openssl-speed.sh            # build, run both, print the table
#   SECONDS_PER_ALG=1 benches/openssl-speed.sh   # quicker, noisier
#   SKIP_CRITERION=1 benches/openssl-speed.sh    # reuse the last criterion results
#
# Ours: criterion's mean of `AssertionParams::sign` (group `assertion`) and of the raw
# `jws::sign` (group `jws`), read from target/criterion/<group>/<bench>/new/estimates.json.
# OpenSSL: `openssl speed -elapsed -mr` (wall-clock, like criterion), one thread.
set -euo pipefail

cd "$(dirname "$0")/.."
secs="${SECONDS_PER_ALG:-3}"

command -v openssl >/dev/null || { echo "error: openssl is not on PATH" >&2; exit 1; }
command -v cargo >/dev/null || { echo "error: cargo is not on PATH" >&2; exit 1; }

target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    sed -E 's/.*"target_directory":"([^"]*)".*/\1/')}"
[ -d "$target_dir" ] || target_dir=target

# Benchmark id in the criterion bench | openssl speed algorithm | label
cases=(
    "PS256-RSA3072|rsa3072|PS256 RSA-3072"
    "PS256-RSA4096|rsa4096|PS256 RSA-4096"
    "ES256-P256|ecdsap256|ES256 P-256"
    "ES384-P384|ecdsap384|ES384 P-384"
    "ES512-P521|ecdsap521|ES512 P-521"
)

if [ -z "${SKIP_CRITERION:-}" ]; then
    echo "== building the criterion bench (release)" >&2
    cargo bench -p netsuite-auth --bench assertion --no-run >&2
fi

echo "== openssl speed -seconds $secs (wall clock)" >&2
speed_out="$(openssl speed -elapsed -mr -seconds "$secs" \
    rsa3072 rsa4096 ecdsap256 ecdsap384 ecdsap521 2>/dev/null)"

if [ -z "${SKIP_CRITERION:-}" ]; then
    echo "== criterion: cargo bench -p netsuite-auth --bench assertion" >&2
    cargo bench -p netsuite-auth --bench assertion -- --noplot >&2
fi

# OpenSSL's machine-readable summary lines:
#   +F2:<i>:<bits>:<sign/s>:<verify/s>   RSA
#   +F4:<i>:<bits>:<sign/s>:<verify/s>   ECDSA
openssl_sign_ns() {
    local tag bits
    case "$1" in
        rsa3072) tag=F2 bits=3072 ;;
        rsa4096) tag=F2 bits=4096 ;;
        ecdsap256) tag=F4 bits=256 ;;
        ecdsap384) tag=F4 bits=384 ;;
        ecdsap521) tag=F4 bits=521 ;;
    esac
    printf '%s\n' "$speed_out" | awk -F: -v tag="+$tag" -v bits="$bits" \
        '$1 == tag && $3 == bits && $4 > 0 { printf "%.0f\n", 1e9 / $4; exit }'
}

criterion_ns() {
    local f="$target_dir/criterion/$1/$2/new/estimates.json"
    [ -f "$f" ] || { echo "error: $f not found (run without SKIP_CRITERION)" >&2; exit 1; }
    sed -E 's/.*"mean":\{"confidence_interval":\{[^}]*\},"point_estimate":([0-9.eE+-]+).*/\1/' "$f" |
        awk '{ printf "%.0f\n", $1 }'
}

fmt_us() { awk -v ns="$1" 'BEGIN { printf "%9.1f us", ns / 1000 }'; }

echo
echo "Signing one client assertion: netsuite-auth (aws-lc-rs) vs openssl speed"
echo "machine: $(uname -srm), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
[ -n "$cpu" ] && echo "cpu: $cpu"
echo
printf '%-16s %14s %14s %14s %8s\n' "algorithm" "assertion" "jws::sign" "openssl sign" "ratio"
printf '%-16s %14s %14s %14s %8s\n' "---------" "---------" "---------" "------------" "-----"
for c in "${cases[@]}"; do
    IFS='|' read -r id alg label <<<"$c"
    ours="$(criterion_ns assertion "$id")"
    raw="$(criterion_ns jws "$id")"
    theirs="$(openssl_sign_ns "$alg")"
    [ -n "$theirs" ] || { echo "error: no openssl speed result for $alg" >&2; exit 1; }
    ratio="$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2fx", a / b }')"
    printf '%-16s %14s %14s %14s %8s\n' "$label" "$(fmt_us "$ours")" "$(fmt_us "$raw")" \
        "$(fmt_us "$theirs")" "$ratio"
done
echo
echo "ratio = assertion (ours, mean) / openssl sign; below 1 means ours is faster."
echo "assertion = AssertionParams::sign: checks, claims, JSON, base64url and the signature."
echo "Note: openssl speed's rsa3072/rsa4096 sign is RSA PKCS#1 v1.5 over a digest; PS256 is"
echo "RSASSA-PSS. Both cost one RSA private-key operation, which dominates, so the times are"
echo "comparable. ecdsapNNN signs a digest; ES256/384/512 also hash the signing input."
