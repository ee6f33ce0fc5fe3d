#!/usr/bin/env bash
# The store's commands end to end on SQLite: db init/status, import (with a
# rejected row, a re-import and --json), facts, audit verify, and hand edits
# of a running total and of the audit table that verify must name.
# usage: cli.sh BURSAR_BINARY
set -uo pipefail
bursar=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # CODE COMMAND...
  local want=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [[ $got == "$want" ]] || { cat "$work/out" "$work/err" >&2; fail "exit $got, wanted $want: $*"; }
}

expect_exit 2 "$bursar" import trades missing.csv              # no database yet
grep -q "bursar db init" err || fail "no hint to run db init"
expect_exit 0 "$bursar" db init
expect_exit 0 "$bursar" db init                                 # idempotent
expect_exit 0 "$bursar" db status
# Every migration this binary knows is applied (each adds one audit entry).
migrations=$(sed -nE 's/.*schema version ([0-9]+) of \1\b.*/\1/p' out)
[[ -n $migrations ]] || fail "status: $(cat out)"
expect_exit 0 "$bursar" db --help

cat >enterprises.csv <<'CSV'
credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags
91110105MA01C9XY29,Example Data Co. Ltd.,true,true,true,false,data_vendor
CSV
cat >trades.csv <<'CSV'
credit_code,exchange,trade_id,date,side,amount,legally_established
91110105MA01C9XY29,BJIDE,T1,2025-03-01,seller,5000000.00,true
91110105MA01C9XY29,BJIDE,T2,2025-09-01,buyer,3000000,true
91110105MA01C9XY29,OTC,T3,2025-09-01,buyer,10.00,false
91110105MA01C9XY28,BJIDE,T4,2025-09-01,buyer,10.00,true
CSV
expect_exit 0 "$bursar" import enterprises enterprises.csv
expect_exit 2 "$bursar" import trades trades.csv
grep -q "trades.csv:5: credit_code: not a valid unified social credit code" err || fail "rejection: $(cat err)"
expect_exit 2 "$bursar" import trades trades.csv --json
[[ $(python3 -c 'import json,sys; r=json.load(open("out")); print(r["inserted"], r["unchanged"], r["rejected"][0]["line"])') == "0 3 5" ]] ||
  fail "re-import: $(cat out)"
expect_exit 2 "$bursar" import nonsense trades.csv

expect_exit 0 "$bursar" facts 91110105MA01C9XY29 2025
python3 - <<'PY' || fail "facts: $(cat out)"
import json
r = json.load(open("out"))
assert r["facts"]["exchange_trading_volume"] == "8000000.00", r["facts"]
assert [t["trade_id"] for t in r["explanation"]["exchange_trading_volume"]["rows"]] == ["T1", "T2"]
PY
expect_exit 0 "$bursar" facts 91110105MA01C9XY29 2025 --case

# An application through its lifecycle; decisions are data (case, output, digest).
expect_exit 0 "$bursar" facts 91110105MA01C9XY29 2025 --case
cp out case.json
cat >output.json <<'JSON'
{"applicant": "91110105MA01C9XY29", "year": 2025, "awards": [{"measure": "03", "item": "services", "amount": "4200000.00"}], "total": "4200000.00", "not_awarded": []}
JSON
expect_exit 0 "$bursar" app create 91110105MA01C9XY29 2025 --claim '{"measure":"03","assessed":"4200000"}'
id=$(cat out)
expect_exit 1 "$bursar" app decide "$id" --case case.json --output output.json --digest sha256:x
grep -q "is draft" err || fail "illegal step: $(cat err)"
expect_exit 0 "$bursar" app submit "$id"
expect_exit 0 "$bursar" app review "$id" --reviewers rev-a,rev-b
expect_exit 0 "$bursar" app conflict "$id" --reason "former employee" --actor rev-b
expect_exit 1 "$bursar" app score "$id" --scores '{"quality":80}' --proposed 1 --opinion '同意。' --actor rev-b
# A review without its written opinion is refused, naming the field.
expect_exit 2 "$bursar" app score "$id" --scores '{"quality":80}' --proposed 4200000 --actor rev-a
grep -q "opinion" "$work/err" || fail "no word of the missing opinion: $(cat "$work/err")"
expect_exit 0 "$bursar" app score "$id" --scores '{"quality":80}' --proposed 4200000 --opinion '建设内容真实，投资测算合理，同意按评审核定金额支持。' --actor rev-a
expect_exit 0 "$bursar" app decide "$id" --case case.json --output output.json --digest sha256:0123
decision=$(awk '{print $2}' out)
expect_exit 0 "$bursar" app decision "$decision" --part output
cmp -s out output.json || fail "the stored output is not byte-identical"
expect_exit 0 "$bursar" app decision "$decision" --part case
cmp -s out case.json || fail "the stored case is not byte-identical"
# Procedural dates are the store's calendar day in Beijing (D-G9): a typed
# date is refused, and the test moves the clock (a test-only setting).
expect_exit 2 "$bursar" app notice "$id" --until 2999-12-31
grep -q "D-G9" err || fail "a typed notice date: $(cat err)"
expect_exit 2 env BURSAR_TEST_CLOCK=2025-06-01 "$bursar" app notice "$id"
grep -q "BURSAR_TEST_MODE=1" err || fail "a clock override outside test mode: $(cat err)"
at() { env BURSAR_TEST_MODE=1 BURSAR_TEST_CLOCK="$1" "${@:2}"; }
expect_exit 0 at 2025-06-01 "$bursar" app notice "$id"
grep -q "notice through 2025-06-08" out || fail "notice: $(cat out)"
expect_exit 1 at 2025-06-08 "$bursar" app finalise "$id"
grep -q "runs until 2025-06-08" err || fail "finalise during the notice: $(cat err)"
expect_exit 2 at 2025-06-09 "$bursar" app finalise "$id" --today 2999-12-31
expect_exit 0 at 2025-06-09 "$bursar" app finalise "$id"
expect_exit 2 at 2025-06-10 "$bursar" app pay "$id" --amount 2000000 --on 1900-01-01 --reference V-1 --actor finance-liu
# Separation of duties: whoever decided (this shell's default actor) does not
# pay; one finance account records each payment as an order, a second approves it.
expect_exit 1 at 2025-06-10 "$bursar" app pay "$id" --amount 2000000 --reference V-1
grep -q "separation of duties" err || fail "the decider paid: $(cat err)"
expect_exit 0 at 2025-06-10 "$bursar" app pay "$id" --amount 2000000 --reference V-1 --actor finance-liu
grep -q "waiting for a second account's approval" out || fail "pay: $(cat out)"
expect_exit 0 "$bursar" app orders --state pending
order=$(cut -d' ' -f1 out)
expect_exit 1 at 2025-06-10 "$bursar" app approve "$order" --actor finance-liu
expect_exit 0 at 2025-06-10 "$bursar" app approve "$order" --actor finance-sun
expect_exit 0 at 2025-06-11 "$bursar" app pay "$id" --amount 2200000 --reference v-2 --actor finance-liu
expect_exit 0 "$bursar" app orders --state pending
expect_exit 0 at 2025-06-11 "$bursar" app approve "$(cut -d' ' -f1 out)" --actor finance-sun
expect_exit 0 "$bursar" app show "$id"
python3 -c 'import json; a=json.load(open("out")); assert a["state"] == "paid", a; assert [p["paid_on"] for p in a["payments"]] == ["2025-06-10", "2025-06-11"], a' ||
  fail "show: $(cat out)"
expect_exit 0 "$bursar" budget set 2025 50000000
expect_exit 0 "$bursar" budget show 2025
grep -q '"paid": "4200000.00"' out || fail "budget: $(cat out)"
expect_exit 0 "$bursar" app recover "$id" --amount 500000 --reason "the platform stopped operating"
expect_exit 0 "$bursar" app show "$id"
python3 -c '
import json; a = json.load(open("out"))
assert a["state"] == "recovered", a["state"]
assert [r["amount"] for r in a["recoveries"]] == ["500000.00"], a["recoveries"]
assert (a["paid_total"], a["recovered_total"], a["net_paid"]) == ("4200000.00", "500000.00", "3700000.00"), a' ||
  fail "show after recovery: $(cat out)"

# The settings printed on official documents: defaults, a change (audited), a refusal.
expect_exit 0 "$bursar" documents settings
grep -q "issuer *北京市朝阳区数据局  (default)" out || fail "documents settings: $(cat out)"
expect_exit 0 "$bursar" documents set issuer "北京市朝阳区数据局（试点）"
grep -q "issuer *北京市朝阳区数据局（试点）$" out || fail "documents set: $(cat out)"
expect_exit 2 "$bursar" documents set number.decision "no sequence"

expect_exit 0 "$bursar" audit verify
grep -q "audit log verified: $((migrations + 17)) entries" out || fail "verify: $(cat out)"
# A running total of the budget edited by hand: no sealed row changes, but it
# no longer adds up to the payments and recoveries it is derived from.
sqlite3 bursar.db "UPDATE measure_committed SET paid_fen = paid_fen + 1 WHERE year = 2025 AND measure = '03'" ||
  fail "hand edit of a total"
expect_exit 1 "$bursar" audit verify
grep -q "measure_committed year=2025, measure=03: paid is 3700000.01 in the table, 3700000.00 recomputed" err ||
  fail "verify after editing a total: $(cat err)"
expect_exit 1 "$bursar" audit verify --json
python3 -c 'import json; v = json.load(open("out")); assert (v["derived_disagreeing"], v["derived"][0]["key"], v["derived"][0]["stored"]["paid"]) == (1, "2025/03", "3700000.01"), v' ||
  fail "verify --json after editing a total: $(cat out)"
sqlite3 bursar.db "UPDATE measure_committed SET paid_fen = paid_fen - 1 WHERE year = 2025 AND measure = '03'" ||
  fail "undoing the hand edit"
expect_exit 0 "$bursar" audit verify
sqlite3 bursar.db "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 3" ||
  fail "hand edit"
expect_exit 1 "$bursar" audit verify
grep -q "entry 3 was altered" err || fail "verify after edit: $(cat err)"
echo "store cli: ok"
