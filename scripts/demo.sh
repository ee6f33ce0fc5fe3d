#!/usr/bin/env bash
# bursar's main job on one machine: build the engine and the web application,
# make a demo database (SQLite) in which a generated population has been taken
# through the programme's real lifecycle (scripts/demo-setup.sh), and serve
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

started=$(date +%s)
accounts="$(BURSAR="$root/build/bursar" scripts/demo-setup.sh "$db")"
echo "$accounts"
echo "(the demo data took $(( $(date +%s) - started )) s)"
echo
echo "open http://127.0.0.1:$port/  — log in with an account above"
echo "  (policy calculator and policy view without login; API at /api/, OpenAPI at /api/openapi.json)"
# The server secret (sessions and tokens are bound to it) beside the database.
exec build/bursar serve --web "$root/web/dist" --also-policy "$root/policies/digital-health" --db "$db" --port "$port" --secret-file "${db%.db}.secret"
