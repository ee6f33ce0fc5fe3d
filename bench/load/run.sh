#!/usr/bin/env bash
# A reproducible mixed-load run (issue 7, "Load"; docs/reliability.md "Load"):
# makes a store, starts `bursar serve` on loopback, samples its RSS and what it
# is made of, drives it with build/bursar-load (bench/load/load_client.cc:
# reads, evaluations and writes), stops it, and checks the store afterwards.
#
#   bench/load/run.sh [--db sqlite|postgres] [--seconds N] [--connections C]
#                     [--setup small|demo] [--enterprises N] [--seed N]
#                     [--mix R,E,W] [--build DIR] [--keep DIR] [--rss-margin-mb M]
#
# --db          sqlite (a file, default) or postgres: a fresh schema on the server of
#               $BURSAR_TEST_PG_URL, or else the one scripts/start-postgres.sh starts
# --seconds     length of the load (default 600: the soak)
# --connections client connections, one thread each (default 8; the server has 16 threads)
# --setup       small: N enterprises imported, 2025's apply-free proposals decided and half
#               on notice (seconds; default); demo: scripts/demo-setup.sh with N enterprises
# --enterprises N (default 40 small, 100 demo)
# --mix         weights of reads, evaluations and writes for bursar-load (default 60,30,10)
# --build       the build folder with bursar and bursar-load (default build)
# --keep        keep the run's files (server log, RSS samples, summary) in DIR
# --rss-margin-mb  largest RSS growth from the end of warm-up to the end that passes
#               (default 16; warm-up is the first quarter of the run, at most 60 s), on top
#               of the SQLite file's growth (up to its 64 MiB page cache)
#
# Prints throughput, p50/p90/p99 per kind, errors, RSS after warm-up/last/max and
# a line per minute: RSS, its RssAnon/RssFile/RssShmem (/proc/PID/status), the
# SQLite store's files mapped in, the load average, the SQLite file's size. Exit status 1 when any request failed or any check did:
# the server's exit, `bursar audit verify`, the rows the writes committed (the
# store's count of LOAD- applications and trades against the client's count),
# the audit entries added (one per write), and the RSS growth.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
db=sqlite seconds=600 connections=8 setup=small enterprises="" seed=1 mix=60,30,10 build="$root/build" keep="" margin_mb=16
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --db) db=${2:?}; shift ;;
    --seconds) seconds=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --setup) setup=${2:?}; shift ;;
    --enterprises) enterprises=${2:?}; shift ;;
    --seed) seed=${2:?}; shift ;;
    --mix) mix=${2:?}; shift ;;
    --build) build=$(realpath "${2:?}"); shift ;;
    --keep) keep=${2:?}; shift ;;
    --rss-margin-mb) margin_mb=${2:?}; shift ;;
    *) echo "run.sh: unknown argument '$1' (--help for usage)" >&2; exit 2 ;;
  esac
  shift
done
[[ $db == sqlite || $db == postgres ]] || { echo "run.sh: --db is sqlite or postgres, got '$db'" >&2; exit 2; }
[[ $setup == small || $setup == demo ]] || { echo "run.sh: --setup is small or demo, got '$setup'" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "run.sh: --seconds takes a whole number > 0" >&2; exit 2; }
enterprises=${enterprises:-$([[ $setup == small ]] && echo 40 || echo 100)}
bursar="$build/bursar" client="$build/bursar-load"
for exe in "$bursar" "$client"; do
  [[ -x $exe ]] || { echo "run.sh: $exe is missing (make build)" >&2; exit 2; }
done
export BURSAR_POLICY="$root/policies/chaoyang-data-element"

work=$(mktemp -d /tmp/bursar-load.XXXXXX)
server_pid="" sampler_pid="" schema="" base=""
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [[ -n $schema ]] && psql -X -q "$base" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
  if [[ -n $keep ]]; then mkdir -p "$keep" && cp -r "$work"/. "$keep"/ && rm -f "$keep/load.db"*; fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# --- the store -----------------------------------------------------------------
if [[ $db == sqlite ]]; then
  url="$work/load.db"
  sql() { sqlite3 "$url" "$1"; }
else
  base=${BURSAR_TEST_PG_URL:-$("$root/scripts/start-postgres.sh")}
  schema="load_$$_$RANDOM"
  psql -X -q -v ON_ERROR_STOP=1 "$base" -c "CREATE SCHEMA $schema" >/dev/null
  url="$base$([[ $base == *\?* ]] && echo '&' || echo '?')options=-csearch_path%3D$schema"
  sql() { psql -X -q -tA -v ON_ERROR_STOP=1 "$url" -c "$1"; }
fi
b() { "$bursar" "$@" --db "$url"; }
ids() { b app list --ids "$@" | tr '\n' ' '; }
t0=$SECONDS
if [[ $setup == demo ]]; then
  BURSAR="$bursar" DEMO_ENTERPRISES=$enterprises "$root/scripts/demo-setup.sh" "$url" >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log" >&2; exit 2; }
else
  {
    b db init
    python3 "$root/scripts/gen-evidence.py" "$work/evidence" --enterprises "$enterprises" \
      --trades $((enterprises * 60)) --seed 2025 --years 2024,2025
    for kind in enterprises listings certificates fs_inclusions trades filings exports projects platforms; do
      b import "$kind" "$work/evidence/$kind.csv" --actor data-bureau
    done
    b budget set 2025 200000000 --actor officer
    b propose 2025 --actor data-bureau
    b app submit $(ids --year 2025 --state draft) --actor enterprise
    b app review $(ids --year 2025 --state submitted) --actor officer
    b decide 2025 --actor officer
    decided=($(ids --year 2025 --state decided))
    b app notice "${decided[@]:0:$(((${#decided[@]} + 1) / 2))}" --actor officer
  } >"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; exit 2; }
fi
echo "officer password for the load run" | b user add load-officer --role officer --password-stdin --actor load >/dev/null
token=$(b user token load-officer --name load --days 1 --actor load --secret-file "$work/secret" 2>/dev/null)
# Evidence is the data bureau's to upload (separation of duties).
echo "bureau password for the load run" | b user add load-bureau --role data-bureau --password-stdin --actor load >/dev/null
evidence_token=$(b user token load-bureau --name load --days 1 --actor load --secret-file "$work/secret" 2>/dev/null)
entries() { b audit verify --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
audit_before=$(entries)
echo "store: $db, setup $setup with $enterprises enterprises in $((SECONDS - t0)) s, $audit_before audit entries"

# --- the server and the RSS sampler ----------------------------------------------
"$bursar" serve --db "$url" --port 0 --quiet --threads 16 --secret-file "$work/secret" 2>"$work/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 2; }
  sleep 0.05
done
[[ -n $port ]] || { echo "run.sh: the server did not start" >&2; cat "$work/server.log" >&2; exit 2; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || true; }
# RSS split as the kernel counts it (kB): RssAnon (heap, stacks, SQLite's page
# cache: malloc'd), RssFile (mapped files: the binary, libraries, a memory-mapped
# database), RssShmem; and of RssFile, the pages of the SQLite store's own files
# mapped in (load.db with PRAGMA mmap_size > 0, load.db-shm: the WAL index).
rss_split() {
  awk '/^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^RssShmem:/ {s=$2} END {print a+0, f+0, s+0}' \
    "/proc/$server_pid/status" 2>/dev/null || echo "0 0 0"
}
db_mapped_kb() {
  [[ $db == sqlite ]] || { echo 0; return; }
  awk -v f="$url" '/^[0-9a-f]+-[0-9a-f]+ / {m = (index($0, f) > 0)} m && /^Rss:/ {kb += $2} END {print kb + 0}' \
    "/proc/$server_pid/smaps" 2>/dev/null || echo 0
}
(
  start=$(date +%s%N)
  while kill -0 "$server_pid" 2>/dev/null; do
    r=$(rss_kb) ms=$((($(date +%s%N) - start) / 1000000))
    size=0  # the SQLite file with its WAL, kB (0 for PostgreSQL)
    [[ $db == sqlite ]] && size=$(( ($(stat -c %s "$url" "$url-wal" 2>/dev/null | paste -sd+ | sed 's/^$/0/')) / 1024 ))
    [[ -n $r ]] && printf '%d.%03d %s %s %s %s %s\n' $((ms / 1000)) $((ms % 1000)) "$r" \
      "$(cut -d' ' -f1 /proc/loadavg)" "$size" "$(rss_split)" "$(db_mapped_kb)"
    sleep 2
  done
) >"$work/rss.tsv" &
sampler_pid=$!
echo "server: pid $server_pid on 127.0.0.1:$port, RSS $(rss_kb) kB before the load (anon, file, shmem: $(rss_split)); load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $db == sqlite ]]; then
  # What the server's connection is configured with (sqlite_database.cc sets the
  # cache; mmap_size is the library's default unless set): a new connection to
  # the same file through the same library reports the defaults it starts with.
  echo "SQLite $(sqlite3 "$url" 'SELECT sqlite_version()'): PRAGMA mmap_size $(sqlite3 "$url" 'PRAGMA mmap_size') (library default), the server sets cache_size -65536 (64 MiB, one connection)"
fi

# --- the load ------------------------------------------------------------------
interval=$((seconds >= 300 ? 60 : seconds >= 60 ? 10 : 0))
set +e
(cd "$root" && "$client" --port "$port" --token "$token" --evidence-token "$evidence_token" \
  --seconds "$seconds" --connections "$connections" \
  --seed "$seed" --mix "$mix" --interval "$interval" --json "$work/summary.json") | tee "$work/client.log"
client_exit=${PIPESTATUS[0]}
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The server's own CPU time per request: on a shared machine a steadier figure than the rate.
cpu_ticks=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["requests"]; t=int(sys.argv[2])/int(sys.argv[3])
print("server CPU: %.1f s (user+system) for %d requests = %.2f ms per request" % (t, n, 1000*t/max(1,n)))' \
  "$work/summary.json" "$cpu_ticks" "$(getconf CLK_TCK)" || true
[[ $client_exit == 0 ]] || fail "the load client reported errors (exit $client_exit)"
[[ -s $work/summary.json ]] || { fail "no summary from the client"; exit 1; }

# --- RSS -------------------------------------------------------------------------
kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
kill -TERM "$server_pid"
server_exit=0
wait "$server_pid" || server_exit=$?
server_pid=""
[[ $server_exit == 0 ]] || { fail "bursar serve exited $server_exit"; tail -5 "$work/server.log"; }
warm=$((seconds / 4 < 60 ? seconds / 4 : 60))
python3 - "$work/rss.tsv" "$warm" "$margin_mb" >"$work/rss.txt" <<'PY' || fail "RSS grew past the margin"
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
warm, margin = float(sys.argv[2]), float(sys.argv[3]) * 1024
after = [r for r in rows if r[0] >= warm] or rows
w, last, top = after[0][1], rows[-1][1], max(r[1] for r in rows)
# SQLite's page cache (PRAGMA cache_size, 64 MiB) keeps the pages it has read, so RSS
# may follow the file's growth up to that bound; the margin is on top of it.
grown = max(0.0, rows[-1][3] - after[0][3]) if len(rows[-1]) > 3 else 0.0
allowed = margin + min(grown, 64 * 1024)
print(f"RSS (MiB): first {rows[0][1]/1024:.1f}, after warm-up ({after[0][0]:.0f} s) {w/1024:.1f}, "
      f"last {last/1024:.1f}, max {top/1024:.1f}; growth after warm-up {(last-w)/1024:+.1f} "
      f"(allowed {allowed/1024:.1f}: margin {margin/1024:.0f} + the SQLite file's growth {grown/1024:.1f}); "
      f"{len(rows)} samples")
if len(rows[0]) > 7:
    print(f"  RssAnon {rows[0][4]/1024:.1f} -> {rows[-1][4]/1024:.1f}, RssFile {rows[0][5]/1024:.1f} -> "
          f"{rows[-1][5]/1024:.1f}, RssShmem {rows[0][6]/1024:.1f} -> {rows[-1][6]/1024:.1f} MiB; "
          f"the store's files mapped: {rows[-1][7]:.0f} kB at the end")
# Per minute (MiB): RSS, its anonymous, file and shared parts, the store's
# mapped files (kB), the load average and the SQLite file with its WAL.
minute = 60
while minute <= rows[-1][0] + 1:
    r = min(rows, key=lambda r: abs(r[0] - minute))
    size = f"  SQLite file+WAL {r[3]/1024:6.1f}" if len(r) > 3 and r[3] else ""
    split = (f"  anon {r[4]/1024:6.1f}  file {r[5]/1024:5.1f}  shmem {r[6]/1024:4.1f}  db mapped {r[7]:.0f} kB"
             if len(r) > 7 else "")
    print(f"  t={minute:>4d}s RSS {r[1]/1024:7.1f}{split}  load {r[2]:.2f}{size}")
    minute += 60
sys.exit(0 if last - w <= allowed else 1)
PY
cat "$work/rss.txt"

# --- the store afterwards ----------------------------------------------------------
read -r apps trades < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["applications_created"], s["trades_inserted"])' "$work/summary.json")
if b audit verify >"$work/verify.txt" 2>&1; then cat "$work/verify.txt"; else fail "audit verify: $(cat "$work/verify.txt")"; fi
stored_apps=$(sql "SELECT count(*) FROM application WHERE project LIKE 'LOAD-%'")
stored_trades=$(sql "SELECT count(*) FROM trade WHERE trade_id LIKE 'LOAD-%'")
audit_after=$(entries)
echo "store: $stored_apps LOAD applications (client: $apps created), $stored_trades LOAD trades (client: $trades inserted), $((audit_after - audit_before)) audit entries added"
[[ $stored_apps == "$apps" ]] || fail "the store holds $stored_apps load applications, the client created $apps"
[[ $stored_trades == "$trades" ]] || fail "the store holds $stored_trades load trades, the client inserted $trades"
((audit_after - audit_before == apps + trades)) ||
  fail "$((audit_after - audit_before)) audit entries added for $((apps + trades)) writes"
[[ ${mix##*,} == 0 ]] || ((apps + trades > 0)) || fail "no write committed"  # unless the mix has no writes

if ((failures)); then echo "load run: $failures check(s) FAILED"; exit 1; fi
echo "load run: passed (zero errors, store consistent)"
