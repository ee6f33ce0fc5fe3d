#!/usr/bin/env bash
# Measures `bursar import trades` into a fresh database: the figures in
# docs/performance.md.
#   scripts/bench-import.sh [ROWS] [BURSAR] [PG_URL]
# (default 1000000 rows, build/bursar, a SQLite file). With PG_URL (e.g.
# "$(scripts/start-postgres.sh)") each run imports into a fresh schema of that
# PostgreSQL database (psql creates and drops it). Prints rows/s from the wall
# clock and from CPU time (user+sys of bursar; on PostgreSQL the server's own
# work is not in it), since a shared machine's wall clock varies.
set -euo pipefail
rows=${1:-1000000}
bursar=${2:-build/bursar}
pg=${3:-}
bursar=$(realpath "$bursar")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench-lib.sh"
work=$(mktemp -d)
schema="bench_import_$$"
cleanup() {
  [[ -z "$pg" ]] || psql -X -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$here/gen-evidence.py" "$work/ev" --enterprises 200 --trades "$rows" >/dev/null
cd "$work"
if [[ -n "$pg" ]]; then
  db=$(bench_schema_url "$pg" "$schema")
  fresh() { psql -X -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null 2>&1; }
else
  db=bench.db
  fresh() { rm -f bench.db bench.db-wal bench.db-shm; }
fi
for run in 1 2 3; do
  fresh && "$bursar" db init --db "$db" >/dev/null && "$bursar" import enterprises ev/enterprises.csv --db "$db" 2>/dev/null
  /usr/bin/time -f "%e %U %S" -o t "$bursar" import trades ev/trades.csv --db "$db" 2>/dev/null
  read -r wall user sys <t
  python3 -c "r=$rows; w=$wall; c=$user+$sys; print(f'run $run: {r} rows in {w:.2f} s wall ({r/w:,.0f} rows/s), {c:.2f} s CPU ({r/c:,.0f} rows/s)')"
done
/usr/bin/time -f "%e" -o t "$bursar" import trades ev/trades.csv --db "$db" 2>/dev/null
echo "re-import (all rows unchanged): $(cat t) s wall"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
