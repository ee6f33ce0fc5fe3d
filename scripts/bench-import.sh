#!/usr/bin/env bash
# Measures `bursar import trades` into a fresh SQLite file: the figure in
# docs/performance.md. usage: scripts/bench-import.sh [ROWS] [BURSAR]
# (default 1000000 rows, build/bursar). Prints rows/s from the wall clock and
# from CPU time (user+sys), since a shared machine's wall clock varies.
set -euo pipefail
rows=${1:-1000000}
bursar=${2:-build/bursar}
bursar=$(realpath "$bursar")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/gen-evidence.py" "$work/ev" --enterprises 200 --trades "$rows" >/dev/null
cd "$work"
"$bursar" db init --db bench.db >/dev/null
"$bursar" import enterprises ev/enterprises.csv --db bench.db 2>/dev/null
for run in 1 2 3; do
  rm -f bench.db && "$bursar" db init --db bench.db >/dev/null && "$bursar" import enterprises ev/enterprises.csv --db bench.db 2>/dev/null
  /usr/bin/time -f "%e %U %S" -o t "$bursar" import trades ev/trades.csv --db bench.db 2>/dev/null
  read -r wall user sys <t
  python3 -c "r=$rows; w=$wall; c=$user+$sys; print(f'run $run: {r} rows in {w:.2f} s wall ({r/w:,.0f} rows/s), {c:.2f} s CPU ({r/c:,.0f} rows/s)')"
done
/usr/bin/time -f "%e" -o t "$bursar" import trades ev/trades.csv --db bench.db 2>/dev/null
echo "re-import (all rows unchanged): $(cat t) s wall"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
