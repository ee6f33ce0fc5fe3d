#!/usr/bin/env bash
# Builds the web app, starts a real `bursar serve` with it on a free port, runs
# the browser journeys (playwright-core driving Debian's Chromium), and stops
# the server. Fails on any error. Screenshots: web/tests/artifacts/*.png.
#
#   web/run-browser-tests.sh            # uses build/bursar (run `make build` first)
#   BURSAR=/path/to/bursar web/run-browser-tests.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bursar="${BURSAR:-$root/build/bursar}"
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"

die() { echo "run-browser-tests: $*" >&2; exit 1; }
[[ -x "$bursar" ]] || die "no bursar binary at $bursar (run 'make build')"
"$bursar" serve --help >/dev/null 2>&1 || die "$bursar has no 'serve' command"
[[ -x "$chromium_bin" ]] || die "no Chromium at $chromium_bin (apt-get install chromium; scripts/install-deps.sh installs it)"

cd "$here"
if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
BURSAR="$bursar" npm run --silent test:unit   # with BURSAR: every engine reason has a Chinese form
npm run --silent build

log="$(mktemp)"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -f "$log"
}
trap stop_server EXIT

# A fresh store for the server; --port 0 picks a free port, which the server
# prints in its first log line.
db="$(mktemp -d)/browser-tests.db"
"$bursar" db init --db "$db" >/dev/null
"$bursar" serve --web "$here/dist" --port 0 --db "$db" \
  --policy "$root/policies/chaoyang-data-element" 2>"$log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(grep -o '"event":"listening"[^}]*"port":[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; die "bursar serve exited before listening"; }
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$log" >&2; die "bursar serve did not report its port"; }
base="http://127.0.0.1:$port"
curl -fsS "$base/healthz" >/dev/null || die "$base/healthz did not answer"
echo "run-browser-tests: bursar serve at $base" >&2

rm -rf tests/artifacts   # only this run's screenshots
BASE_URL="$base" CHROMIUM="$chromium_bin" node --test --test-reporter=spec tests/
echo "run-browser-tests: passed; screenshots in web/tests/artifacts/" >&2
