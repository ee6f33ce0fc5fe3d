#!/usr/bin/env bash
# bursar replay and bursar propose against a real SQLite store: a decision recorded with the
# engine's own output replays byte-identical; a tampered output, or a changed
# policy, does not.
#   replay.sh BURSAR REPO_ROOT
set -u
bursar=$(realpath "$1") root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
db=$tmp/replay.db
"$bursar" db init --db "$db" >/dev/null || bad "db init"
printf 'credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags\n91110105MA01C9XY29,Example Data Co.,true,true,true,false,data_vendor\n' > ent.csv
"$bursar" import enterprises ent.csv --db "$db" >/dev/null 2>&1 || bad "import"
cp "$root/examples/cases-md-example.json" case.json
"$bursar" eval case.json > output.json || bad "eval"
digest=$(python3 -c "import json; print(json.load(open('output.json'))['policy']['digest'])")
id=$("$bursar" app create 91110105MA01C9XY29 2025 --claim '{"measure":"03","assessed":"4200000"}' --db "$db") || bad "create"
"$bursar" app submit "$id" --db "$db" >/dev/null && "$bursar" app review "$id" --reviewers rev-a --db "$db" >/dev/null \
  && "$bursar" app score "$id" --scores '{"quality":80}' --proposed 4200000 --opinion '方案完整，同意支持。' --actor rev-a --db "$db" >/dev/null || bad "review"
decision=$("$bursar" app decide "$id" --case case.json --output output.json --digest "$digest" --db "$db" | awk '{print $2}')
[[ -n "$decision" ]] || bad "decide"

"$bursar" replay "$decision" --db "$db" > out 2> err; [[ $? -eq 0 ]] && grep -q "byte-identical" out && ok || bad "replay identical: $(cat out err)"
"$bursar" replay "$decision" --db "$db" --json > out; grep -q '"result":"identical"' out && ok || bad "replay --json"

# The same decision under a changed policy is refused as another policy.
cp -r "$root/policies/chaoyang-data-element" policy
sed -i 's/trading_rate: rate = 5%/trading_rate: rate = 4%/' policy/measures/04-trading.md
"$bursar" replay "$decision" --db "$db" --policy policy 2> err; [[ $? -eq 1 ]] && grep -q "was made under policy" err && ok || bad "other policy: $(cat err)"

# A decision whose recorded output is not what the engine gives is caught.
sed 's/"8300000.00"/"8300001.00"/' output.json > forged.json
id2=$("$bursar" app create 91110105MA01C9XY29 2025 --claim '{"measure":"10","assessed":"100"}' --db "$db")
"$bursar" app submit "$id2" --db "$db" >/dev/null; "$bursar" app review "$id2" --reviewers rev-a --db "$db" >/dev/null
"$bursar" app score "$id2" --scores '{"q":1}' --proposed 100 --opinion '同意。' --actor rev-a --db "$db" >/dev/null
forged=$("$bursar" app decide "$id2" --case case.json --output forged.json --digest "$digest" --db "$db" | awk '{print $2}')
"$bursar" replay "$forged" --db "$db" 2> err; [[ $? -eq 1 ]] && grep -q "differs" err && ok || bad "forged output: $(cat err)"
"$bursar" replay 999 --db "$db" 2> /dev/null; [[ $? -ne 0 ]] && ok || bad "unknown decision"

# A database administrator raises the stored total by hand: the output
# still replays byte for byte, but the total is not its award lines' sum and
# not what the audit entry recorded; audit verify names the row too.
cp "$db" tampered.db
sqlite3 tampered.db "UPDATE decision SET total_fen = total_fen + 2000000000 WHERE id = $decision" || bad "tamper"
"$bursar" replay "$decision" --db tampered.db > out 2> err; rc=$?
[[ $rc -eq 1 ]] && grep -q "byte-identical" err && grep -q "is not the sum of its 1 award line" err \
  && grep -q "total is .* in the table but .* in the audit log" err && ok || bad "tampered total ($rc): $(cat out err)"
"$bursar" replay "$decision" --db tampered.db --json > out; grep -q '"result":"record_differs"' out && ok || bad "record_differs: $(cat out)"
"$bursar" audit verify --db tampered.db > out 2> err; rc=$?
[[ $rc -eq 1 ]] && grep -q "decision id=$decision: total_fen" err && ok || bad "audit verify of the total ($rc): $(cat err)"
"$bursar" replay --help > /dev/null && ok || bad "--help"

# Apply-free: the engine finds who qualifies for 04 from the stored trades.
printf 'credit_code,exchange,trade_id,date,side,amount,legally_established\n91110105MA01C9XY29,BJIDEX,T1,2025-03-01,seller,8000000.00,true\n' > trades.csv
"$bursar" import trades trades.csv --db "$db" >/dev/null 2>&1 || bad "import trades"
"$bursar" propose 2025 --db "$db" --dry-run > out; grep -q "measure 04: 1 qualifying" out && ok || bad "propose --dry-run: $(cat out)"
"$bursar" propose 2025 --db "$db" > out; grep -q "measure 04: 1 qualifying, 1 proposed" out && ok || bad "propose: $(cat out)"
"$bursar" propose 2025 --db "$db" > out; grep -q "measure 04: 1 qualifying, 0 proposed" out && ok || bad "propose twice: $(cat out)"

"$bursar" audit verify --db "$db" > /dev/null && ok || bad "audit verify after replays"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
