#!/usr/bin/env bash
# Two programmes in one SQLite store (issue 16): the digital-health policy run
# beside Chaoyang's, from the command line. Figures read by their policy, an
# application and an apply-free proposal of the second programme, a decision
# run that decides each application by its own policy, and the audit of each
# programme's limits and of the whole store.
#   programmes.sh BURSAR REPO_ROOT
set -u
bursar=$(realpath "$1") root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
db=$tmp/two.db
health=$root/policies/digital-health
code=91110105MA01C9XY29
"$bursar" db init --db "$db" >/dev/null || bad "db init"
printf 'credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags\n%s,Example Health Co.,true,true,true,false,data_vendor\n' "$code" > ent.csv
"$bursar" import enterprises ent.csv --db "$db" >/dev/null 2>&1 || bad "import enterprises"

# Figures are read by the policy they belong to, so its folder is needed.
{
  echo "credit_code,policy,year,name,value"
  for flag in registered_in_district taxed_in_district independent_legal_person digital_health_business; do
    echo "$code,digital-health,2025,applicant.$flag,是"
  done
  echo "$code,digital-health,2025,facts.clinical_data_paid,\"1,000,000\""
  echo "$code,digital-health,2025,facts.doctoral_employees,many"
  echo "$code,digital-health,2025,facts.settled_year,2025"
  echo "$code,digital-health,2025,facts.rent_paid,1000000"
  echo "$code,digital-health,2025,facts.rented_area,1234.5"
  echo "$code,digital-health,2025,facts.rent_days,365"
} > figures.csv
"$bursar" import figures figures.csv --db "$db" 2> err; rc=$?
[[ $rc -eq 2 ]] && grep -q "policy: no programme beside the store's own runs policy \"digital-health\"" err && ok \
  || bad "figures without their policy ($rc): $(cat err)"
"$bursar" import figures figures.csv --db "$db" --also-policy "$health" 2> err; rc=$?
[[ $rc -eq 2 ]] && grep -q "figures.csv:7: value: expected a whole number" err && grep -q "9 new" err && ok \
  || bad "figures ($rc): $(cat err)"

# A claim is checked against its own programme's policy.
"$bursar" app create "$code" 2025 --claim '{"measure":"6","project":"P1","programme":"national","funding_received":"1500000"}' \
  --db "$db" 2> err; [[ $? -ne 0 ]] && grep -q "measure" err && ok || bad "a 6 claim is not Chaoyang's: $(cat err)"
id=$("$bursar" app create "$code" 2025 --claim '{"measure":"6","project":"P1","programme":"national","funding_received":"1500000"}' \
  --db "$db" --also-policy "$health" --programme digital-health) || bad "create in the second programme"
"$bursar" app show "$id" --db "$db" --json | grep -q '"policy": *"digital-health"' && ok || bad "show names the policy"
"$bursar" app submit "$id" --db "$db" >/dev/null && "$bursar" app review "$id" --reviewers rev-a --db "$db" >/dev/null \
  && "$bursar" app score "$id" --scores '{"q":80}' --proposed 1500000 --opinion '同意。' --actor rev-a --db "$db" >/dev/null \
  || bad "review"

# Apply-free in the second programme: measures 1 (rent) and 3 (datasets) from the figures.
"$bursar" propose 2025 --db "$db" --also-policy "$health" --programme digital-health > out; rc=$?
[[ $rc -eq 0 ]] && grep -q "measure 1: 1 qualifying, 1 proposed" out && grep -q "measure 3: 1 qualifying, 1 proposed" out \
  && ok || bad "propose ($rc): $(cat out)"
app_of() {
  "$bursar" app list --db "$db" --json | python3 -c "import json,sys; print([a['id'] for a in json.load(sys.stdin) if a['measure'] == '$1'][0])"
}
for measure in 1 3; do
  proposal=$(app_of "$measure")
  "$bursar" app submit "$proposal" --db "$db" >/dev/null && "$bursar" app review "$proposal" --db "$db" >/dev/null \
    || bad "confirm the proposal of $measure"
done

# Without the second policy the run reports its applications, decides none of them.
"$bursar" decide 2025 --db "$db" 2> err; rc=$?
[[ $rc -eq 1 ]] && grep -q "give its folder with --also-policy" err && grep -q "0 decided, 3 failed" err && ok \
  || bad "decide without the policy ($rc): $(cat err)"
"$bursar" decide 2025 --db "$db" --also-policy "$health" --json > out; rc=$?
python3 -c "
import json, sys
r = json.load(open('out'))
totals = sorted(d['total'] for d in r['decided'])
assert totals == ['1500000.00', '300000.00', '800000.00'], totals
" && [[ $rc -eq 0 ]] && ok || bad "decide ($rc): $(cat out)"
rent=$(app_of 1)

# The next year its figures say it moved out: [1.2]'s recovery is proposed
# to the officer, naming the application that holds the rent subsidy. An
# enterprise without figures of a year is not judged by them.
{
  echo "credit_code,policy,year,name,value"
  echo "$code,digital-health,2026,applicant.registered_in_district,否"
  echo "$code,digital-health,2026,applicant.taxed_in_district,是"
} > moved.csv
"$bursar" propose 2027 --db "$db" --also-policy "$health" --programme digital-health --dry-run > out; rc=$?
[[ $rc -eq 0 ]] && ! grep -q "recovery due" out && ok || bad "no figures, no recovery ($rc): $(cat out)"
"$bursar" import figures moved.csv --db "$db" --also-policy "$health" 2> err || bad "import 2026: $(cat err)"
"$bursar" propose 2026 --db "$db" --also-policy "$health" --programme digital-health --dry-run > out; rc=$?
[[ $rc -eq 0 ]] && grep -qF "recovery due: $code: measure 1 rent 800000.00 ([1.2] D-1b): application $rent (2025, 800000.00)" out \
  && ok || bad "recovery due ($rc): $(cat out)"

# Each programme's limits are checked by its own policy; the store as a whole verifies.
"$bursar" audit limits 2025 --db "$db" --also-policy "$health" --programme digital-health > out; rc=$?
[[ $rc -eq 0 ]] && grep -q "0 limit(s) exceeded; 1 enterprises, 3 decisions" out && ok || bad "audit limits ($rc): $(cat out)"
"$bursar" audit limits 2025 --db "$db" > out; rc=$?
[[ $rc -eq 0 ]] && grep -q "0 limit(s) exceeded; 0 enterprises" out && ok || bad "own programme's limits ($rc): $(cat out)"
"$bursar" budget show 2025 --db "$db" --json | python3 -c "import json,sys; b = json.load(sys.stdin); assert b['committed'] == '0.00' and b['by_measure'] == {}, b" \
  && ok || bad "the own budget counts no award of the other programme"
# Its budget is its own: RMB 1.3 million against 2.6 million committed halves its awards.
"$bursar" budget set 2025 1300000 --db "$db" --also-policy "$health" --programme digital-health 2> err \
  || bad "budget set: $(cat err)"
"$bursar" budget show 2025 --db "$db" --also-policy "$health" --programme digital-health | python3 -c "
import json, sys
b = json.load(sys.stdin)
assert b['policy'] == 'digital-health' and b['committed'] == '2600000.00' and b['payable'] == '1300000.00', b
assert b['scaling']['factor'] == '1/2', b
" && ok || bad "the second programme's budget"
"$bursar" app list --db "$db" --json | python3 -c "
import json, sys
payable = sorted(a['payable'] for a in json.load(sys.stdin) if a.get('payable'))
assert payable == ['150000.00', '400000.00', '750000.00'], payable
" && ok || bad "payable by the second programme's budget"
"$bursar" budget show 2025 --db "$db" --programme digital-health 2> err; [[ $? -eq 2 ]] && grep -q "no such policy given" err \
  && ok || bad "a programme not given: $(cat err)"
"$bursar" audit verify --db "$db" > /dev/null 2> err && ok || bad "audit verify: $(cat err)"

# No declaration states what only an authority may; a row made to say the
# enterprise declared its main business (written by hand) is found, with the
# decisions in force of its year, and without the policy it cannot be judged.
"$bursar" audit declarations --db "$db" --also-policy "$health" > out; rc=$?
[[ $rc -eq 0 ]] && grep -q "^0 declaration(s)" out && ok || bad "audit declarations ($rc): $(cat out)"
sqlite3 "$db" "UPDATE figure SET source = 'declared', verified_by = 'officer-x' WHERE name = 'applicant.digital_health_business'"
"$bursar" audit declarations --db "$db" --also-policy "$health" --json > out; rc=$?
python3 -c "
import json
r = json.load(open('out'))
assert r['unchecked'] == 0, r
[d] = r['declarations']
assert d['table'] == 'figure' and d['field'] == 'applicant.digital_health_business' and d['year'] == 2025, d
assert d['verified_by'] == 'officer-x' and len(d['decisions']) == 3, d
" && [[ $rc -eq 1 ]] && ok || bad "a declared authority's figure ($rc): $(cat out)"
"$bursar" audit declarations --db "$db" > out; rc=$?
[[ $rc -eq 1 ]] && grep -q "^1 verified declared figure(s) not checked" out && ok || bad "unchecked ($rc): $(cat out)"
"$bursar" audit declarations 2025 --db "$db" 2> err; [[ $? -eq 2 ]] && grep -q "takes no year as an argument: give --year YEAR" err && ok \
  || bad "a year given: $(cat err)"

# One year and one programme: a trade of 2024 "declared" as made at a legally
# established institution (written by hand) is the own programme's, the
# figure of 2025 digital-health's; each filter lists its own only, and counts
# as unchecked only its own figures.
sqlite3 "$db" "INSERT INTO trade (credit_code, exchange, trade_id, trade_date, side, amount_fen, legally_established, source, supplied_by) VALUES ('$code', 'BJDEX', 'T-9', '2024-06-30', 'seller', 100, 1, 'declared', 'enterprise-x')"
declared() {  # the declarations listed as "table policy year", sorted, and the unchecked count
  "$bursar" audit declarations --db "$db" --json "$@" | python3 -c "
import json, sys
r = json.load(sys.stdin)
print(sorted('%s %s %d' % (d['table'], d['policy'], d['year']) for d in r['declarations']), r['unchecked'])"
}
[[ "$(declared --also-policy "$health")" == "['figure digital-health 2025', 'trade  2024'] 0" ]] && ok || bad "every year and programme: $(declared --also-policy "$health")"
[[ "$(declared --also-policy "$health" --year 2025)" == "['figure digital-health 2025'] 0" ]] && ok || bad "--year 2025: $(declared --also-policy "$health" --year 2025)"
[[ "$(declared --also-policy "$health" --year 2024)" == "['trade  2024'] 0" ]] && ok || bad "--year 2024: $(declared --also-policy "$health" --year 2024)"
[[ "$(declared --also-policy "$health" --programme digital-health)" == "['figure digital-health 2025'] 0" ]] && ok \
  || bad "--programme digital-health: $(declared --also-policy "$health" --programme digital-health)"
[[ "$(declared --programme chaoyang-data-element)" == "['trade  2024'] 0" ]] && ok || bad "the own programme: $(declared --programme chaoyang-data-element)"
[[ "$(declared --also-policy "$health" --programme digital-health --year 2024)" == "[] 0" ]] && ok || bad "digital-health's 2024"
# Without the second policy its figure of 2025 cannot be judged; 2024 has none to judge.
[[ "$(declared --year 2025)" == "[] 1" ]] && ok || bad "unchecked of 2025: $(declared --year 2025)"
"$bursar" audit declarations --db "$db" --year 2024 > out; rc=$?
[[ $rc -eq 1 ]] && grep -q "^1 declaration(s)" out && ! grep -q "not checked" out && ok || bad "2024 without the policy ($rc): $(cat out)"
"$bursar" audit declarations --db "$db" --year 20x5 2> err; [[ $? -eq 2 ]] && grep -q -- "--year takes a year such as 2025, got '20x5'" err && ok \
  || bad "a bad year: $(cat err)"
"$bursar" audit declarations --db "$db" --programme digital-health 2> err; [[ $? -eq 2 ]] && grep -q "no such policy given" err && ok \
  || bad "a programme not given: $(cat err)"
"$bursar" audit --help | grep -q -- "--year YEAR  only the declarations of YEAR" && ok || bad "audit --help names --year"

echo "programmes: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
