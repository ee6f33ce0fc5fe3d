#!/usr/bin/env bash
# Measures a programme year at district scale (issue 13): `bursar propose`,
# `bursar decide`, `bursar audit limits` and the budget's read of a year of apply-free
# applications, on a store of ENTERPRISES generated enterprises
# (scripts/gen-evidence.py: 30 listings, 4 certificates and 50 trades an
# enterprise, ...). The figures in docs/performance.md.
#   scripts/bench-decide.sh ENTERPRISES [BURSAR] [PG_URL]
# (default build/bursar, a SQLite file). With PG_URL (e.g.
# "$(scripts/start-postgres.sh)") the store is a fresh schema of that
# PostgreSQL database (psql creates and drops it). The proposals are confirmed
# and opened for decision with the ordinary commands (`app submit`, `app
# review`), which are not timed. Prints wall and CPU seconds (user+sys of
# bursar; on PostgreSQL the server's own work is not in it) of each timed
# command, and the time per decision.
set -euo pipefail
enterprises=${1:?usage: bench-decide.sh ENTERPRISES [BURSAR] [PG_URL]}
bursar=$(realpath "${2:-build/bursar}")
pg=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench-lib.sh"
export BURSAR_POLICY="${BURSAR_POLICY:-$here/../policies/chaoyang-data-element}"
work=$(mktemp -d)
schema="bench_decide_$$"
cleanup() {
  [[ -z "$pg" ]] || psql -X -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [[ -n "$pg" ]]; then
  psql -X -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
  db=$(bench_schema_url "$pg" "$schema")
else
  db="$work/bench.db"
fi
b() { "$bursar" "$@" --db "$db"; }
timed() {  # LABEL ARGS...: runs `bursar ARGS --db DB`, prints its wall and CPU seconds, leaves the wall in $wall
  local label=$1; shift
  bench_timed "$work" "$label" "$bursar" "$@" --db "$db" || exit 1
  wall=$bench_wall
  printf '%-26s %8.2f s wall %8.2f s CPU\n' "$label" "$wall" "$bench_cpu"
}

"$here/gen-evidence.py" "$work/ev" --enterprises "$enterprises" --trades $((enterprises * 50)) --seed 13 \
  --years 2025 >/dev/null
b db init >/dev/null
for kind in "${BENCH_EVIDENCE_KINDS[@]}"; do
  b import "$kind" "$work/ev/$kind.csv" >/dev/null 2>&1
done
echo "$enterprises enterprises, $(cat "$work"/ev/*.csv | wc -l) evidence rows; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

timed "propose 2025" propose 2025
bench_open_year "$bursar" "$db" 2025
ready=$(b app list --year 2025 --state in_review --ids | wc -l)
timed "decide 2025 ($ready)" decide 2025
decided=$(grep -c '^application ' "$work/out" || true)
python3 -c "print(f'  {$decided} decisions, {$wall * 1e3 / max($decided, 1):.3f} ms a decision (wall)')"
if "$bursar" audit --help 2>&1 | grep -q "audit limits"; then timed "audit limits 2025" audit limits 2025; fi
timed "propose 2025 (again)" propose 2025 --dry-run
# The budget's cold read in a year whose budget scales the awards (D-G6):
# every decided application's lines.
b budget set 2025 1 >/dev/null
timed "budget show 2025 (scaled)" budget show 2025
