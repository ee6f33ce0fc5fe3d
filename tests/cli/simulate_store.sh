#!/usr/bin/env bash
# `bursar simulate --db URL --year YEAR` from the outside: a programme year's
# cases built from a store (evidence, apply-free proposals and applications
# with claims) give the report a population file of the same cases gives —
# the cases written out one by one with `bursar facts --case` — and each
# case's baseline total is what `bursar eval` decides for it. Run through the
# static `bursar`, which hands `simulate --db` to bursar-full. With
# BURSAR_TEST_PG_URL set (and psql installed), the same store on PostgreSQL
# gives the same report. Bad combinations of options: exit 2, the option named.
#   simulate_store.sh BURSAR REPO_ROOT
set -u
bursar=$(realpath "$1") root=$(realpath "$2")
tmp=$(mktemp -d)
schema=""
cleanup() {
  [[ -n $schema ]] && psql -X -q "$BURSAR_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
export BURSAR_POLICY=$root/policies/chaoyang-data-element
year=2025
change=(--set trading_rate=4% --budget 2000000)

# fill_store DB: evidence of 30 enterprises, the apply-free proposals of the
# year, and two applications for measure 03 with their claims.
"$root/scripts/gen-evidence.py" evidence --enterprises 30 --trades 900 --seed 11 >/dev/null || bad "gen-evidence"
vendors=$(awk -F, '$7 ~ /data_vendor/ {print $1}' evidence/enterprises.csv | head -2)
fill_store() {
  local db=$1 kind code
  "$bursar" db init --db "$db" >/dev/null || bad "db init"
  for kind in enterprises listings certificates fs_inclusions trades filings exports projects platforms; do
    "$bursar" import "$kind" "evidence/$kind.csv" --db "$db" --actor data-bureau >/dev/null 2>&1 || bad "import $kind"
  done
  "$bursar" propose "$year" --db "$db" --actor data-bureau >/dev/null || bad "propose"
  for code in $vendors; do
    "$bursar" app create "$code" "$year" --claim '{"measure":"03","assessed":"4200000"}' --db "$db" --actor "$code" \
      >/dev/null || bad "app create $code"
  done
}
db=$tmp/store.db
fill_store "$db"
[[ $(echo "$vendors" | wc -w) -eq 2 ]] && ok || bad "two data vendors in the evidence"

# The same cases as a population file, in the store's credit-code order, each
# with the claims of its applications.
for code in $(tail -n +2 evidence/enterprises.csv | cut -d, -f1 | LC_ALL=C sort); do
  if grep -qx "$code" <<<"$vendors"; then
    echo '[{"measure":"03","assessed":"4200000"}]' > claims.json
  else
    echo '[]' > claims.json
  fi
  "$bursar" facts "$code" "$year" --case --claims claims.json --db "$db" > "case-$code.json" || bad "facts --case $code"
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), ensure_ascii=False, separators=(",",":")))' \
    "case-$code.json" >> pop.jsonl
done
[[ $(wc -l < pop.jsonl) -eq 30 ]] && ok || bad "30 cases written out"

"$bursar" simulate pop.jsonl "${change[@]}" --json > file.json || bad "simulate the file"
"$bursar" simulate --db "$db" --year "$year" "${change[@]}" --json > store.json; rc=$?
[[ $rc -eq 0 ]] && ok || bad "simulate --db exit $rc"
python3 - file.json store.json <<'PY' && ok || bad "the store's report is the file's"
import json, sys
f, s = (json.load(open(p)) for p in sys.argv[1:3])
assert s.pop("store") == {"year": 2025, "refused": 0}, s
assert "population" not in s
del f["population"]
assert f == s, "the reports differ"
y = s["years"][0]
assert [x["year"] for x in s["years"]] == [2025]
assert y["baseline"]["cases"] == 30, y["baseline"]["cases"]
# Not a vacuous equality: awards paid, the two claims of measure 03 among them,
# and the changed rate and budget changing something.
assert y["baseline"]["paid"] != "0.00"
services = [i for i in y["baseline"]["items"] if i["measure"] == "03"]
assert sum(i["lines"] for i in services) == 2, services
assert y["comparison"]["losers"] > 0 and y["changed"]["budget"]["exceeded"], y["comparison"]
PY

# Each case's baseline total is its decision by `bursar eval`.
"$bursar" simulate --db "$db" --year "$year" "${change[@]}" --csv > store.csv || bad "simulate --db --csv"
"$bursar" simulate pop.jsonl "${change[@]}" --csv > file.csv || bad "simulate the file --csv"
cmp -s store.csv file.csv && ok || bad "--csv rows differ from the file's"
for code in $(cut -d, -f2 store.csv | tail -n +2 | head -8) $vendors; do
  total=$("$bursar" eval "case-$code.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  [[ $(awk -F, -v c="$code" '$2 == c {print $4}' store.csv) == "$total" ]] && ok || bad "$code: baseline is not eval's $total"
done

"$bursar" simulate --db "$db" --year "$year" > table.txt && grep -q "the store's cases of 2025, 0 refused" table.txt \
  && ok || bad "the table names the store: $(head -1 table.txt)"
"$bursar" simulate --db "$db" --year "$year" --timing --out /dev/null 2> err && grep -q "bursar simulate: store" err \
  && ok || bad "--timing names the store phase: $(cat err)"

# A programme run beside the store's own: its cases are only the enterprises
# with its figures of the year, decided by its policy (the rent and the
# clinical data of tests/cli/programmes.sh: 800,000 and 300,000).
health=$root/policies/digital-health
first=$(sed -n 2p evidence/enterprises.csv | cut -d, -f1)
{
  echo "credit_code,policy,year,name,value"
  for flag in registered_in_district taxed_in_district independent_legal_person digital_health_business; do
    echo "$first,digital-health,$year,applicant.$flag,是"
  done
  echo "$first,digital-health,$year,facts.clinical_data_paid,\"1,000,000\""
  echo "$first,digital-health,$year,facts.settled_year,$year"
  echo "$first,digital-health,$year,facts.rent_paid,1000000"
  echo "$first,digital-health,$year,facts.rented_area,1234.5"
  echo "$first,digital-health,$year,facts.rent_days,365"
} > figures.csv
"$bursar" import figures figures.csv --db "$db" --also-policy "$health" > /dev/null 2>&1 || bad "import figures"
"$bursar" simulate --db "$db" --year "$year" --also-policy "$health" --programme digital-health --json > health.json \
  || bad "simulate the second programme"
python3 - health.json <<'PY2' && ok || bad "the second programme's year: $(head -c 400 health.json)"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["policy"]["id"] == "digital-health" and r["store"] == {"year": 2025, "refused": 0}, r
y = r["years"][0]["baseline"]
assert y["cases"] == 1 and y["paid"] == "1100000.00", y
assert {(i["measure"], i["item"], i["paid"]) for i in y["items"] if i["lines"]} == \
    {("1", "rent", "800000.00"), ("3", "clinical_data", "300000.00")}, y["items"]
PY2

# The same store on PostgreSQL.
if [[ -n ${BURSAR_TEST_PG_URL:-} ]] && command -v psql >/dev/null; then
  schema="simulate_store_$$"
  psql -X -q -v ON_ERROR_STOP=1 "$BURSAR_TEST_PG_URL" \
    -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null \
    || bad "create schema"
  sep='?'; [[ $BURSAR_TEST_PG_URL == *\?* ]] && sep='&'
  pg="$BURSAR_TEST_PG_URL${sep}options=-csearch_path%3D$schema"
  fill_store "$pg"
  "$bursar" simulate --db "$pg" --year "$year" "${change[@]}" --json > pg.json || bad "simulate --db postgresql"
  cmp -s pg.json store.json && ok || bad "PostgreSQL's report differs from SQLite's"
else
  echo "simulate_store.sh: BURSAR_TEST_PG_URL not set: SQLite only"
fi

# Bad combinations: exit 2, the option named.
expect_usage() {
  local what=$1 want=$2
  shift 2
  "$bursar" simulate "$@" > /dev/null 2> err; local rc=$?
  [[ $rc -eq 2 ]] && grep -qF -- "$want" err && ok || bad "$what ($rc): $(cat err)"
}
expect_usage "a file and --db" "--db reads the cases from the store" pop.jsonl --db "$db" --year "$year"
expect_usage "--db without --year" "--db needs --year YEAR" --db "$db"
expect_usage "--year without --db" "--year goes with --db" pop.jsonl --year "$year"
expect_usage "--years with --db" "--years chooses a population file's years" --db "$db" --years 2025
expect_usage "a bad --year" "--year takes a year such as 2025, got '25'" --db "$db" --year 25
expect_usage "--programme of no policy" "--programme digital-health: no such policy" --db "$db" --year "$year" \
  --programme digital-health
expect_usage "a store that is not there" "no database at missing.db" --db missing.db --year "$year"
"$bursar" db init --db empty.db > /dev/null || bad "db init empty"
expect_usage "a year without cases" "--year 2025: the store holds no case of 2025 (no enterprise)" --db empty.db \
  --year "$year"
expect_usage "a year without the second programme's cases" "--year 2024: the store holds no case of 2024 (programme" \
  --db "$db" --year 2024 --also-policy "$health" --programme digital-health
expect_usage "--programme without --db" "--also-policy and --programme go with --db" pop.jsonl \
  --also-policy "$health" --programme digital-health
expect_usage "a bad --set before the store is read" "did you mean 'trading_rate'" --db "$db" --year "$year" \
  --set tradng_rate=4%

# A decided year simulates to what it paid: its awards, in the store now,
# are what the simulation recomputes, not history that pays them twice.
cp "$db" decided.db
. "$root/scripts/bench-lib.sh"
bench_open_year "$bursar" decided.db "$year" 2> /dev/null
"$bursar" decide "$year" --db decided.db --actor officer > decided.txt 2> decide.err || bad "decide: $(tail -2 decide.err)"
"$bursar" simulate --db decided.db --year "$year" "${change[@]}" --json > decided.json || bad "simulate the decided year"
"$bursar" budget show "$year" --json --db decided.db > budget.json || bad "budget show"
python3 - store.json decided.json budget.json <<'PY3' && ok || bad "the decided year simulates as before its decisions"
import json, sys
before, after, budget = (json.load(open(p)) for p in sys.argv[1:4])
assert after == before, "the reports differ once the year is decided"
# What the run decided: the apply-free awards (the two claims of measure 03
# wait for their reviewers, and are simulated all the same).
from decimal import Decimal
items = before["years"][0]["baseline"]["items"]
apply_free = sum(Decimal(i["paid"]) for i in items if i["measure"] != "03")
assert apply_free > 0 and apply_free == Decimal(budget["committed"]), (apply_free, budget)
PY3

echo "simulate_store.sh: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
