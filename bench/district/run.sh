#!/usr/bin/env bash
# A whole district (issue 17, `make bench-district`): generates ENTERPRISES
# enterprises with YEARS years of evidence (scripts/gen-evidence.py, about 50
# rows an enterprise: 5 M rows at 100,000), then on each store asked for times
# the import of every kind of evidence, `bursar propose`, `bursar decide`
# and `bursar audit limits` of the last year, a simulation of the year from
# the store (`bursar simulate --db`, and the simulator's route `POST
# /api/simulations`), and, on `bursar serve` with an officer and an
# applicant account, p50/p99 of each API route the web app's officer
# dashboard, application page, auditor view and applicant portal call, with
# CONNECTIONS concurrent clients (wrk, bench/district/paths.lua), and the
# budget's first read after each of ten changes made by another process. Prints one
# table per store at the end. The figures are in docs/performance.md, "A
# whole district (issue 17)".
#
#   bench/district/run.sh                      # or: make bench-district
#
# Settings (environment):
#   ENTERPRISES    enterprises in the district (default 100000)
#   YEARS          years of evidence, ending with the programme year 2025 (default 5)
#   DATABASES      the stores to run, "sqlite", "pg" or "sqlite pg" (default both)
#   BIN            the folder with bursar and bursar-full (default build)
#   DATA           a folder for the generated evidence, kept and reused by a later run
#                  of the same size (default: a temporary folder, removed at the end)
#   ROUTE_SECONDS  how long each API route is driven (default 10)
#   CONNECTIONS    concurrent clients, one connection each (default 8)
#   BURSAR_TEST_PG_URL  the PostgreSQL server (default: scripts/start-postgres.sh's);
#                  the store is a fresh schema of it, dropped at the end
#   KEEP           a folder: each store is kept there for profiling instead of
#                  removed (SQLite: KEEP/district.db; PostgreSQL: the schema is
#                  left and its URL written to KEEP/pg-url)
# The apply-free proposals are confirmed and opened for decision with `bursar
# app submit` / `app review`, half of the decisions put on notice and each
# year's budget set, none of it timed. Exit status 1 when a step fails (its
# standard error's tail is printed) or a route answered with an error.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/bench-lib.sh"
enterprises=${ENTERPRISES:-100000}
years=${YEARS:-5}
databases=${DATABASES:-sqlite pg}
bin=$(realpath "${BIN:-$root/build}")
route_seconds=${ROUTE_SECONDS:-10}
keep=${KEEP:-}
[[ -z $keep ]] || { mkdir -p "$keep" && keep=$(realpath "$keep"); }
connections=${CONNECTIONS:-8}
year=2025
bursar="$bin/bursar-full"
for exe in "$bursar" "$bin/bursar"; do
  [[ -x $exe ]] || { echo "bench-district: $exe is missing (make build, or BIN=folder)" >&2; exit 2; }
done
for tool in wrk psql sqlite3 curl bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-district: $tool is not installed" >&2; exit 2; }
done
[[ $enterprises =~ ^[0-9]+$ && $enterprises -gt 0 && $years =~ ^[0-9]+$ && $years -gt 0 ]] ||
  { echo "bench-district: ENTERPRISES and YEARS are whole numbers > 0" >&2; exit 2; }
export BURSAR_POLICY="$root/policies/chaoyang-data-element"

work=$(mktemp -d /tmp/bench-district.XXXXXX)
server_pid="" schema="" pg_base=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n $schema ]]; then psql -X -q "$pg_base" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
results="$work/results.tsv"
: >"$results"
failures=0
# result STORE STEP COUNT UNIT WALL [P50 P99 CPU NOTE]: a row of the final table ("-": none).
result() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-}" "${8:-}" "${9:-}" >>"$results"
}

# --- the evidence, generated once --------------------------------------------------
first=$((year - years + 1))
year_list=$(seq -s, "$first" "$year")
trades=$((enterprises * years * 5 / 2))  # two and a half trades an enterprise a year
data=${DATA:-$work/evidence}
stamp="enterprises=$enterprises years=$year_list trades=$trades seed=17"
if [[ -f $data/stamp && $(cat "$data/stamp") == "$stamp" ]]; then
  echo "evidence: reusing $data ($stamp)"
else
  mkdir -p "$data"
  rm -f "$data/stamp"
  bench_timed "$work" "gen-evidence.py" "$root/scripts/gen-evidence.py" "$data" --enterprises "$enterprises" \
    --trades "$trades" --seed 17 --years "$year_list" || exit 1
  echo "$stamp" >"$data/stamp"
  echo "evidence: generated in $bench_wall s into $data ($stamp)"
fi
declare -A rows
total_rows=0
for kind in "${BENCH_EVIDENCE_KINDS[@]}"; do
  rows[$kind]=$(($(wc -l <"$data/$kind.csv") - 1))
  total_rows=$((total_rows + rows[$kind]))
done
echo "$enterprises enterprises, $years years ($year_list), $total_rows evidence rows; $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); binaries $bin"

# --- one store -------------------------------------------------------------------
run_store() {
  local store=$1 label db
  if [[ $store == sqlite ]]; then
    label="SQLite $(sqlite3 --version | cut -d' ' -f1)"
    db="$work/district.db"
    rm -f "$db" "$db-wal" "$db-shm"
    sql() { sqlite3 "$db" "$1"; }
  else
    pg_base=${BURSAR_TEST_PG_URL:-$("$root/scripts/start-postgres.sh")}
    schema="bench_district_$$"
    psql -X -q -v ON_ERROR_STOP=1 "$pg_base" \
      -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
    db=$(bench_schema_url "$pg_base" "$schema")
    label="PostgreSQL $(psql -X -tA "$pg_base" -c 'SHOW server_version' | cut -d' ' -f1)"
    sql() { psql -X -q -tA -v ON_ERROR_STOP=1 "$db" -c "$1"; }
  fi
  echo "== $label (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  b() { "$bursar" "$@" --db "$db"; }
  # timed STEP COUNT UNIT ARGS...: `bursar-full ARGS --db DB`, its wall time in the table.
  timed() {
    local step=$1 count=$2 unit=$3
    shift 3
    bench_timed "$work" "$label: $step" "$bursar" "$@" --db "$db" || exit 1
    echo "  $step: $bench_wall s wall, $bench_cpu s CPU"
    result "$label" "$step" "$count" "$unit" "$bench_wall" "" "" "$bench_cpu"
  }
  b db init >/dev/null
  for kind in "${BENCH_EVIDENCE_KINDS[@]}"; do
    timed "import $kind" "${rows[$kind]}" rows import "$kind" "$data/$kind.csv" --actor data-bureau
  done

  timed "propose $year" - - propose "$year" --actor data-bureau
  echo "  $(b app list --year "$year" --state draft --ids | wc -l) apply-free proposals"
  bench_open_year "$bursar" "$db" "$year"
  local ready
  ready=$(b app list --year "$year" --state in_review --ids | wc -l)
  timed "decide $year" "$ready" decisions decide "$year" --actor officer
  timed "audit limits $year" - - audit limits "$year"
  timed "simulate $year from the store" - - simulate --year "$year" --set trading_rate=4%

  # Half of the decisions on public notice, each dashboard year's budget.
  b app list --year "$year" --state decided --ids >"$work/decided"
  head -n $((($(wc -l <"$work/decided") + 1) / 2)) "$work/decided" |
    xargs -r -n 5000 "$bursar" app notice --db "$db" --actor officer >/dev/null
  for y in $(seq $((year - 3)) "$year"); do b budget set "$y" 300000000 --actor officer >/dev/null; done

  # Accounts: an officer, and the first enterprise with an application of the year.
  local code secret="$work/secret" officer applicant
  code=$(sql "SELECT credit_code FROM application WHERE year = $year ORDER BY id LIMIT 1")
  echo "officer password for the district bench" |
    b user add district-officer --role officer --password-stdin --actor bench >/dev/null
  echo "applicant password for the district bench" |
    b user add district-applicant --role applicant --enterprise "$code" --password-stdin --actor bench >/dev/null
  officer=$(b user token district-officer --name bench --days 1 --actor bench --secret-file "$secret" 2>/dev/null)
  applicant=$(b user token district-applicant --name bench --days 1 --actor bench --secret-file "$secret" 2>/dev/null)

  # On PostgreSQL the server's connections carry a name, so that settle can see their queries.
  local serve_db=$db
  [[ $store == pg ]] && serve_db="$db&application_name=$schema"
  "$bursar" serve --db "$serve_db" --port 0 --web none --quiet --secret-file "$secret" 2>"$work/server.log" &
  server_pid=$!
  local port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "$label: bursar serve exited:" >&2; tail -n 8 "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $port ]] || { echo "$label: bursar serve did not start" >&2; tail -n 8 "$work/server.log" >&2; exit 1; }
  local base="http://127.0.0.1:$port"

  # A simulation from the store: the first builds the year's cases from the
  # evidence, the second finds them cached (the store has not changed).
  local run
  for run in "first, cases from the store" "again, cases cached"; do
    bench_timed "$work" "$label: POST /api/simulations" curl -sS -f -o /dev/null -H "Authorization: Bearer $officer" \
      -H "Content-Type: application/json" -d "{\"year\": $year, \"set\": {\"trading_rate\": \"4%\"}}" \
      "$base/api/simulations" || exit 1
    echo "  POST /api/simulations ($run): $bench_wall s"
    result "$label" "POST /api/simulations ($run)" - - "$bench_wall"
  done

  bench_timed "$work" "$label: the routes' paths" python3 "$root/bench/district/district.py" paths --base "$base" \
    --officer "$officer" --applicant "$applicant" --code "$code" --year "$year" --out "$work/paths" || exit 1
  cat "$work/out"
  # settle: waits until the requests a route left in flight when wrk stopped
  # are done (the server's CPU is idle and, on PostgreSQL, none of its queries
  # is running), so that they do not count against the next route.
  settle() {
    local ticks before busy
    for _ in $(seq 1 600); do
      before=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
      sleep 0.2
      ticks=$(($(awk '{print $14 + $15}' "/proc/$server_pid/stat") - before))
      busy=0
      [[ $store == pg ]] && busy=$(psql -X -tA "$pg_base" -c "SELECT count(*) FROM pg_stat_activity
        WHERE application_name = '$schema' AND state = 'active'")
      ((ticks <= 1 && busy == 0)) && return 0
    done
    echo "  (the server was still busy after 120 s)"
  }
  local name who file token line requests errors duration p50 p99 max
  while IFS=$'\t' read -r name who file; do
    settle
    token=$([[ $who == officer ]] && echo "$officer" || echo "$applicant")
    line=$(wrk -t2 -c"$connections" -d"${route_seconds}s" --timeout 60s -s "$root/bench/district/paths.lua" \
      "$base" -- "$file" "$token" 2>&1 | grep '^RESULT' || true)
    [[ -n $line ]] || { echo "$label: wrk gave no result for $name" >&2; exit 1; }
    read -r _ requests errors duration p50 p99 max <<<"$line"
    printf '  %-52s %7d requests %3d errors  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n' \
      "$name" "$requests" "$errors" "$p50" "$p99" "$max"
    local note=""
    if ((requests == 0)); then
      note="no answer within the time"
      failures=$((failures + 1))
    elif ((errors > 0)); then
      note="$errors errors"
      failures=$((failures + 1))
      echo "    first path: $(head -1 "$file")"
      curl -sS -H "Authorization: Bearer $token" "$base$(head -1 "$file")" | head -c 300 >&2 || true
    fi
    result "$label" "GET $name" "$requests" req "$duration" "$(printf '%.1f' "$p50")" "$(printf '%.1f' "$p99")" "" "$note"
  done <"$work/paths/routes.tsv"

  # The budget's first read after a change: an application put on notice by
  # another process (as an officer's command would), then the year's budget
  # asked for once; p50 and max of ten.
  local times=()
  for id in $(tail -n 10 "$work/decided"); do
    b app notice "$id" --actor officer >/dev/null
    times+=("$(curl -sS -f -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $officer" "$base/api/budgets/$year")")
  done
  local sum
  read -r p50 max sum < <(printf '%s\n' "${times[@]}" | sort -g |
    awk '{t[NR] = $1 * 1000; s += $1} END {printf "%.1f %.1f %.3f\n", t[int((NR + 1) / 2)], t[NR], s}')
  echo "  budget of $year, first read after a change: p50 $p50 ms, max $max ms (10 changes)"
  result "$label" "GET budget of a year, first read after a change" 10 req "$sum" "$p50" "$max" "" "p99 column: the max"

  kill -TERM "$server_pid"
  wait "$server_pid" || { echo "$label: bursar serve exited $?" >&2; tail -n 8 "$work/server.log" >&2; }
  server_pid=""
  if [[ $store == sqlite ]]; then
    echo "  store: $(du -h "$db" | cut -f1)"
    if [[ -n $keep ]]; then
      sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
      mv "$db" "$keep/district.db"
      cp "$secret" "$keep/secret-sqlite"
      echo "$officer" >"$keep/officer-token-sqlite"
      rm -rf "$keep/paths-sqlite" && cp -r "$work/paths" "$keep/paths-sqlite"
      echo "  kept: $keep/district.db"
    fi
    rm -f "$db" "$db-wal" "$db-shm"
  else
    echo "  store: $(psql -X -tA "$pg_base" -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema'")"
    if [[ -n $keep ]]; then
      echo "$db" >"$keep/pg-url"
      cp "$secret" "$keep/secret-pg"
      echo "$officer" >"$keep/officer-token-pg"
      rm -rf "$keep/paths-pg" && cp -r "$work/paths" "$keep/paths-pg"
      echo "  kept: schema $schema ($keep/pg-url)"
    else
      psql -X -q "$pg_base" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
    fi
    schema=""
  fi
}

for store in $databases; do
  case $store in
    sqlite|pg) run_store "$store" ;;
    *) echo "bench-district: DATABASES holds sqlite and/or pg, not '$store'" >&2; exit 2 ;;
  esac
done
echo
echo "$enterprises enterprises, $total_rows evidence rows over $years years; $connections concurrent clients," \
  "$route_seconds s a route; $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/district/district.py" table "$results"
((failures == 0)) || { echo "bench-district: $failures route(s) answered with errors"; exit 1; }
