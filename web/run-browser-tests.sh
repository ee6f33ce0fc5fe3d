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
  [[ -n "${work:-}" ]] && rm -rf "$work"
}
trap stop_server EXIT

# A fresh store for the server, filled through the CLI as an office would:
# generated evidence for 40 enterprises (Chinese names), one account per role,
# the 2025 budget and the apply-free proposals (免申即享). The journeys then
# work on it through the browser only.
work="$(mktemp -d)"
db="$work/browser-tests.db"
"$bursar" db init --db "$db" >/dev/null
python3 "$root/scripts/gen-evidence.py" "$work/evidence" --enterprises 40 --trades 2000 --seed 7 >/dev/null
sed -i -E 's/,Enterprise ([0-9]+) Co\. Ltd\.,/,北京朝阳数据科技\1号有限公司,/' "$work/evidence/enterprises.csv"
for kind in enterprises listings certificates fs_inclusions trades filings exports projects; do
  "$bursar" import "$kind" "$work/evidence/$kind.csv" --db "$db" --actor data-bureau >/dev/null
done
applicant_code="$(sed -n 2p "$work/evidence/enterprises.csv" | cut -d, -f1)"
password="browser-journeys-2025"   # every test account's password (at least 12 characters)
add_user() { echo "$password" | "$bursar" user add "$1" --role "$2" "${@:3}" --password-stdin --db "$db" --actor admin >/dev/null; }
add_user qiye-zhang applicant --enterprise "$applicant_code"
add_user rev-wang reviewer
add_user rev-li reviewer
add_user officer-zhao officer
add_user officer-qian officer
add_user auditor-sun auditor
add_user admin-chen admin
add_user caiwu-liu finance
add_user caiwu-sun finance
add_user shuju-zhou data-bureau
add_user shuju-wu data-bureau
"$bursar" budget set 2025 300000000 --db "$db" --actor officer-zhao >/dev/null
"$bursar" propose 2025 --db "$db" --actor data-bureau >/dev/null
# The second programme the store runs (policies/digital-health) reads its cases
# from figures, given here by the data bureau for the applicant's enterprise:
# it settled in the district in 2024 and paid 100,000.00 of rent (the rent
# subsidy of [1.1] is due), and by 2025 its registration has moved out (the
# subsidy is to be returned, [1.2]). The journeys propose, decide and find the
# recovery through the browser.
figures="$work/figures.csv"
talent_code="$(sed -n 3p "$work/evidence/enterprises.csv" | cut -d, -f1)"
{
  echo "credit_code,policy,year,name,value"
  for year in 2024 2025; do
    registered=true; [[ $year == 2025 ]] && registered=false
    echo "$applicant_code,digital-health,$year,applicant.registered_in_district,$registered"
    for flag in taxed_in_district independent_legal_person digital_health_business; do
      echo "$applicant_code,digital-health,$year,applicant.$flag,true"
    done
    echo "$applicant_code,digital-health,$year,applicant.serious_dishonesty_record,false"
  done
  # Another enterprise, in 2025: three doctoral employees insured the whole
  # year (talent support, [5.1]), which the simulator's journey changes.
  for flag in registered_in_district taxed_in_district independent_legal_person digital_health_business; do
    echo "$talent_code,digital-health,2025,applicant.$flag,true"
  done
  echo "$talent_code,digital-health,2025,applicant.serious_dishonesty_record,false"
  echo "$talent_code,digital-health,2025,facts.doctoral_employees,3"
  echo "$applicant_code,digital-health,2024,facts.settled_year,2024"
  echo "$applicant_code,digital-health,2024,facts.rent_paid,100000.00"
  echo "$applicant_code,digital-health,2024,facts.rented_area,100"
  echo "$applicant_code,digital-health,2024,facts.rent_days,366"
} >"$figures"
"$bursar" import figures "$figures" --db "$db" --actor data-bureau --also-policy "$root/policies/digital-health" >/dev/null

# --port 0 picks a free port, which the server prints in its first log line.
# Cookies without Secure: the tests speak plain HTTP to 127.0.0.1.
# Procedural dates are the server's (D-G9): the server runs on the test-only
# clock in $clock, starting now, which the journeys move on to let a notice's
# days pass (BURSAR_TEST_CLOCK is honoured only with BURSAR_TEST_MODE=1).
clock="$work/clock"
date -u +%Y-%m-%dT%H:%M:%S.000Z > "$clock"
BURSAR_TEST_MODE=1 BURSAR_TEST_CLOCK="file:$clock" \
"$bursar" serve --web "$here/dist" --port 0 --db "$db" --insecure-dev-cookies --secret-file "$work/secret" \
  --policy "$root/policies/chaoyang-data-element" --also-policy "$root/policies/digital-health" 2>"$log" &
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
BASE_URL="$base" CHROMIUM="$chromium_bin" APPLICANT_CODE="$applicant_code" TALENT_CODE="$talent_code" PASSWORD="$password" CLOCK_FILE="$clock" \
  node --test --test-reporter=spec tests/
echo "run-browser-tests: passed; screenshots in web/tests/artifacts/" >&2
