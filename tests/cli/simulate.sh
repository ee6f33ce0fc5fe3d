#!/usr/bin/env bash
# `bursar simulate` and `bursar eval --batch` from the outside: exit codes,
# errors naming file and line, the JSON and CSV outputs, and eval --batch
# lines equal to `bursar eval` of each case.
#   simulate.sh BURSAR
set -u
bursar=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

"$bursar" gen --quiet --seed 5 --enterprises 300 --years 2 --out "$tmp/pop.csv" || bad "gen csv"
"$bursar" gen --quiet --seed 5 --enterprises 300 --years 2 --out "$tmp/pop.jsonl" || bad "gen jsonl"

# A table by default; JSON and CSV on request; CSV and JSON Lines agree.
"$bursar" simulate "$tmp/pop.csv" --set trading_rate=4% > "$tmp/table.txt"; [[ $? -eq 0 ]] && ok || bad "simulate exit"
grep -q "changed against baseline" "$tmp/table.txt" && ok || bad "table has the comparison"
"$bursar" simulate "$tmp/pop.csv" --set trading_rate=4% --budget 5000000 --json --out "$tmp/a.json" && ok || bad "--json --out"
"$bursar" simulate "$tmp/pop.jsonl" --set trading_rate=4% --budget 5000000 --json > "$tmp/b.json" && ok || bad "--json jsonl"
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY' && ok || bad "JSON report"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
del a["population"], b["population"]
assert a == b, "csv and jsonl give different reports"
assert [y["year"] for y in a["years"]] == [2025, 2026]
for y in a["years"]:
    bud = y["changed"]["budget"]
    assert bud["rule"] == "pro_rata" and bud["exceeded"], bud
    assert float(bud["paid"]) <= 5000000, bud
    assert y["baseline"]["budget"] is None
    c = y["comparison"]
    assert c["gainers"] + c["losers"] + c["unchanged"] == c["compared"] == 300
assert a["changes"] == [{"name": "trading_rate", "value": "4%"}, {"name": "budget", "value": "5000000"}]
PY
"$bursar" simulate "$tmp/pop.csv" --set trading_rate=4% --csv > "$tmp/c.csv"
[[ $(head -1 "$tmp/c.csv") == year,applicant,baseline_eligible,baseline,changed_eligible,changed,delta && $(wc -l < "$tmp/c.csv") -eq 601 ]] \
  && ok || bad "--csv rows"
"$bursar" simulate "$tmp/pop.csv" --years 2026..2026 --json | python3 -c "import json,sys; d=json.load(sys.stdin); assert [y['year'] for y in d['years']]==[2026]" \
  && ok || bad "--years"

# Bad input: exit 2, the file and line named.
head -5 "$tmp/pop.csv" > "$tmp/bad.csv"; sed -i '4s/^\(\([^,]*,\)\{5\}\)[a-z]*,/\1yes,/' "$tmp/bad.csv"
"$bursar" simulate "$tmp/bad.csv" > /dev/null 2> "$tmp/err"
[[ $? -eq 2 ]] && grep -qF "$tmp/bad.csv:4: applicant.registered_in_chaoyang: expected true or false" "$tmp/err" && ok || bad "bad cell: $(cat "$tmp/err")"
"$bursar" simulate "$tmp/pop.csv" --set tradng_rate=4% > /dev/null 2> "$tmp/err"
[[ $? -eq 2 ]] && grep -q "did you mean 'trading_rate'" "$tmp/err" && ok || bad "--set unknown"
"$bursar" simulate "$tmp/pop.txt" > /dev/null 2>&1; [[ $? -eq 2 ]] && ok || bad "unknown extension"
"$bursar" simulate > /dev/null 2>&1; [[ $? -eq 2 ]] && ok || bad "no population"

# eval --batch (once cmd_eval.cc dispatches --batch to RunEvalBatch).
if "$bursar" eval --batch x --help 2>/dev/null | grep -q -- "--batch FILE"; then
  "$bursar" eval --batch "$tmp/pop.jsonl" --quiet > "$tmp/d.jsonl"; [[ $? -eq 0 ]] && ok || bad "eval --batch exit"
  "$bursar" eval --batch "$tmp/pop.csv" --quiet --threads 1 --out "$tmp/d2.jsonl"
  cmp -s "$tmp/d.jsonl" "$tmp/d2.jsonl" && ok || bad "eval --batch csv = jsonl"
  [[ $(wc -l < "$tmp/d.jsonl") -eq 600 ]] && ok || bad "eval --batch line count"
  # The first year's cases (no history) decide as `bursar eval` does, line for line.
  python3 - "$tmp/pop.jsonl" "$tmp" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
for i in (0, 1, 7, 42, 299):
    json.dump(json.loads(lines[i]), open(f"{sys.argv[2]}/case{i}.json", "w"))
PY
  for i in 0 1 7 42 299; do
    "$bursar" eval "$tmp/case$i.json" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False, separators=(',',':')))" > "$tmp/one.json"
    [[ "$(cat "$tmp/one.json")" == "$(sed -n "$((i + 1))p" "$tmp/d.jsonl")" ]] && ok || bad "eval --batch line $((i + 1)) = bursar eval"
  done
  head -4 "$tmp/pop.jsonl" > "$tmp/refuse.jsonl"
  sed -i '3s/"year":2025,"applicant":{"id":"[^"]*"/"year":2025,"applicant":{"id":"91110105MA01C9XY28"/' "$tmp/refuse.jsonl"
  sed -i '1d' "$tmp/refuse.jsonl"
  "$bursar" eval --batch "$tmp/refuse.jsonl" --quiet > "$tmp/r.jsonl" 2> "$tmp/err"
  [[ $? -eq 1 && $(wc -l < "$tmp/r.jsonl") -eq 3 ]] && grep -qF "refuse.jsonl:2: applicant.id: invalid" "$tmp/err" \
    && grep -q '"error":{"field":"applicant.id"' "$tmp/r.jsonl" && ok || bad "eval --batch refused case: $(cat "$tmp/err")"
fi

echo "simulate.sh: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
