#!/usr/bin/env bash
# Export of 1,000,000 SuiteQL rows from the emulator with 50 ms added latency per
# request and an account concurrency limit of 5 (`netsuite suiteql --all`), against:
#   * the ideal: pages x latency / concurrency (1000 pages x 50 ms / 5 = 10 s);
#   * a sequential offset pager measured in the same run (`netsuite suiteql --limit`,
#     which pages by offset one page after another; NetSuite lets offsets reach only
#     100,000 rows, so it is timed over those and scaled to 1,000,000);
# plus the export's peak RSS (/usr/bin/time -v). Goals: within 1.2x of the ideal, at
# least 4x faster than sequential, peak RSS under 100 MB.
# Usage: benches/export.sh [ROWS]   (BENCH_DATA_DIR=DIR keeps the generated data)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
latency_ms=50
limit=5
query="SELECT id, tranid, trandate, entity, status, foreigntotal FROM transaction"
[ -x /usr/bin/time ] || { echo "install GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release --bin netsuite -q
bin="$PWD/target/release/netsuite"
work="$(mktemp -d)"
data="${BENCH_DATA_DIR:-$work/data}"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" NETSUITE_CONFIG_DIR="$work/config" NO_COLOR=1
mkdir -p "$HOME"
"$bin" emulator serve --listen 127.0.0.1:0 --data-dir "$data" --ready-file "$work/url" \
  --demo-scale "$rows" --concurrency-limit "$limit" --latency-ms "$latency_ms" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 3000); do [ -s "$work/url" ] && break; sleep 0.1; done
base="$(cat "$work/url")"
"$bin" cert new --key-type ec-p256 --out "$work/cert" >/dev/null 2>&1
client_id="$("$bin" emulator integration create --data-dir "$data" --name bench --m2m --json | sed -n 's/.*"client_id": "\([0-9a-f]*\)".*/\1/p')"
cert_id="$("$bin" emulator mapping create --data-dir "$data" --client-id "$client_id" --certificate "$work/cert/certificate.pem" 2>/dev/null)"
"$bin" profile add bench --account 1234567 --client-id "$client_id" --certificate-id "$cert_id" \
  --private-key "$work/cert/private-key.pem" --base-url "$base" 2>/dev/null
"$bin" auth token >/dev/null

secs() { python3 -c 'import sys; p=sys.argv[1].split(":"); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))' "$1"; }

/usr/bin/time -v "$bin" suiteql "$query" --all --out "$work/all.ndjson" 2>"$work/export.err"
wall="$(secs "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/export.err")")"
rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/export.err")"
written="$(wc -l < "$work/all.ndjson")"
summary="$(grep ' rows' "$work/export.err" | head -1)"

governance="$(curl -s "$base/admin/api/governance" || true)"

seq_rows=$(( rows < 100000 ? rows : 100000 ))
start=$(date +%s.%N)
"$bin" suiteql "$query ORDER BY id" --limit "$seq_rows" --format ndjson --out "$work/seq.ndjson" --quiet
end=$(date +%s.%N)
seq_wall="$(python3 -c "print($end - $start)")"

python3 - "$rows" "$written" "$wall" "$rss_kb" "$seq_rows" "$seq_wall" "$latency_ms" "$limit" "$governance" <<PY
import sys, math
rows, written, wall, rss_kb, seq_rows, seq_wall, lat, lim, gov = sys.argv[1:]
rows, written, seq_rows, lat, lim = int(rows), int(written), int(seq_rows), int(lat), int(lim)
wall, seq_wall, rss = float(wall), float(seq_wall), int(rss_kb) / 1024
pages = math.ceil(rows / 1000)
ideal = pages * lat / 1000 / lim
seq_full = seq_wall * rows / seq_rows
print(f"machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)")
print(f"export: {written} rows written of {rows}; $summary")
print(f"emulator governance after the export: {gov}")
print(f"{'measure':<44}{'value':>12}")
print(f"{'netsuite suiteql --all wall time (s)':<44}{wall:>12.2f}")
print(f"{'ideal: pages x latency / concurrency (s)':<44}{ideal:>12.2f}")
print(f"{'ratio to ideal (goal <= 1.2)':<44}{wall/ideal:>12.2f}")
print(f"{'sequential offset pager, %d rows (s)' % seq_rows:<44}{seq_wall:>12.2f}")
print(f"{'sequential, scaled to %d rows (s)' % rows:<44}{seq_full:>12.2f}")
print(f"{'speed-up over sequential (goal >= 4)':<44}{seq_full/wall:>12.2f}")
print(f"{'peak RSS of the export (MB, goal < 100)':<44}{rss:>12.1f}")
PY
