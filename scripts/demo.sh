#!/usr/bin/env bash
# bursar's main job on one machine: build the engine and the web application,
# make a demo database (SQLite) with a generated evidence population, and serve
# the Chaoyang policy, the API and the web application on one port.
#   scripts/demo.sh            # http://127.0.0.1:8080/
#   PORT=9000 scripts/demo.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
port="${PORT:-8080}"
db="${DEMO_DB:-$root/demo.db}"

make build
(cd web && { [[ -f package-lock.json ]] && npm ci --no-audit --no-fund || npm install --no-audit --no-fund; } && npm run --silent build)

rm -f "$db" "$db-wal" "$db-shm"
build/bursar db init --db "$db"
evidence="$(mktemp -d)"
trap 'rm -rf "$evidence"' EXIT
scripts/gen-evidence.py "$evidence" --enterprises 300 --trades 20000 --seed 2025 >/dev/null
for kind in enterprises listings certificates fs_inclusions trades filings exports projects; do
  build/bursar import "$kind" "$evidence/$kind.csv" --db "$db" --actor demo >/dev/null
done
echo "demo database: $db (300 enterprises with listings, certificates, trades, filings, exports and projects)"
echo "open http://127.0.0.1:$port/  (policy calculator, policy view; API at /api/, OpenAPI at /api/openapi.json)"
exec build/bursar serve --web "$root/web/dist" --db "$db" --port "$port"
