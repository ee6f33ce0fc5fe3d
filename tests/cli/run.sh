#!/usr/bin/env bash
# The CLI contract of CASES.md, from the outside: exit codes, refusals naming
# the field, byte-identical output, --set, standard input and --help.
#   run.sh BURSAR REPO_ROOT
set -u
bursar=$1 root=$2
example=$root/examples/cases-md-example.json
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
field() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

# The example decides with the right total and exit 0.
"$bursar" eval "$example" > "$tmp/a.json"; [[ $? -eq 0 ]] && ok || bad "eval example exit"
[[ $(field "$tmp/a.json" "['total']") == 8300000.00 ]] && ok || bad "example total"
[[ $(field "$tmp/a.json" "['policy']['id']") == chaoyang-data-element ]] && ok || bad "policy id"

# Same input, byte-identical output (with and without --explain), and from stdin.
"$bursar" eval "$example" > "$tmp/b.json"; cmp -s "$tmp/a.json" "$tmp/b.json" && ok || bad "byte-identical"
"$bursar" eval --explain "$example" > "$tmp/e1.json"; "$bursar" eval --explain "$example" > "$tmp/e2.json"
cmp -s "$tmp/e1.json" "$tmp/e2.json" && ok || bad "byte-identical --explain"
[[ $(field "$tmp/e1.json" "['trace'].__len__() > 10") == True ]] && ok || bad "explain has a trace"
"$bursar" eval - < "$example" > "$tmp/c.json"; cmp -s "$tmp/a.json" "$tmp/c.json" && ok || bad "stdin"

# --set changes a rate without editing the policy.
"$bursar" eval --set trading_rate=4% "$example" > "$tmp/s.json"
[[ $(field "$tmp/s.json" "['total']") == 8220000.00 ]] && ok || bad "--set trading_rate=4%"
"$bursar" eval --set tradng_rate=4% "$example" > "$tmp/out" 2> "$tmp/err"
[[ $? -eq 2 && ! -s "$tmp/out" ]] && grep -q "did you mean 'trading_rate'" "$tmp/err" && ok || bad "--set unknown name"
"$bursar" eval --set trading_rate=five "$example" > "$tmp/out" 2> "$tmp/err"
[[ $? -eq 2 ]] && grep -q "rate such as 5%" "$tmp/err" && ok || bad "--set bad value"

# Every refusal rule: exit 2, no decision, the field path on stderr.
refuse() {  # name, python expression editing `c`, expected text
  python3 - "$example" "$tmp/r.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"))
PY
  "$bursar" eval "$tmp/r.json" > "$tmp/out" 2> "$tmp/err"
  local status=$?
  if [[ $status -eq 2 && ! -s "$tmp/out" ]] && grep -qF -- "$3" "$tmp/err"; then ok; else
    bad "$1 (exit $status): $(cat "$tmp/err")"; fi
}
refuse "money as a JSON number" "c['facts']['exchange_trading_volume'] = 8000000" "facts.exchange_trading_volume: expected a money string"
refuse "negative money" "c['facts']['exchange_trading_volume'] = '-5'" "facts.exchange_trading_volume: money cannot be negative"
refuse "three decimals" "c['facts']['fs_inclusion_amount'] = '1.234'" "facts.fs_inclusion_amount: money has at most two decimals"
refuse "exponent" "c['claims'][0]['assessed'] = '4.2e6'" "claims[0].assessed"
refuse "thousands separator" "c['claims'][0]['assessed'] = '4,200,000'" "claims[0].assessed"
refuse "invalid credit code" "c['applicant']['id'] = '91110105MA01C9XY28'" "applicant.id: invalid unified social credit code"
refuse "unknown measure" "c['claims'][0]['measure'] = '12'" "claims[0].measure: unknown measure"
refuse "unknown item" "c['claims'][1]['item'] = 'scenery'" "claims[1].item: unknown item"
refuse "claim for apply-free 04" "c['claims'].append({'measure': '04', 'item': 'trading'})" "claims[2].measure: measure 04"
refuse "missing assessed" "del c['claims'][0]['assessed']" "claims[0].assessed: required"
refuse "unknown fact" "c['facts']['listed_products'] = 3" "facts.listed_products: unknown fact; did you mean 'listed_data_products'?"
refuse "unknown tag" "c['applicant']['tags'] = ['vendor']" "applicant.tags[0]: unknown tag"
refuse "history year after the case year" "c['history'][0]['year'] = 2026" "history[0].year"
refuse "count as a string" "c['facts']['listed_data_products'] = '51'" "facts.listed_data_products: expected a whole number"
"$bursar" eval "$root/Makefile" > "$tmp/out" 2> "$tmp/err"; [[ $? -eq 2 ]] && grep -q "not valid JSON" "$tmp/err" && ok || bad "not JSON"
"$bursar" eval /nonexistent.json 2> "$tmp/err"; [[ $? -eq 2 ]] && grep -q "cannot read" "$tmp/err" && ok || bad "missing file"

# `bursar serve` without --web serves the built web app it finds ($BURSAR_WEB
# here, web/dist beside the build otherwise), and --web none serves none.
serve_root() {  # serve_root ENV_WEB [ARGS...]: prints GET / (status and body)
  local web=$1; shift
  BURSAR_WEB="$web" "$bursar" serve --port 0 --quiet "$@" 2> "$tmp/serve.log" &
  local pid=$! port=""
  for _ in $(seq 1 100); do
    port=$(grep -o '"port":[0-9]*' "$tmp/serve.log" | grep -o '[0-9]*$' || true)
    [[ -n "$port" ]] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$port" ]] && curl -s -w ' %{http_code}' "http://127.0.0.1:$port/"
  kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
}
mkdir -p "$tmp/web"; echo '<!doctype html><title>bursar web app</title>' > "$tmp/web/index.html"
[[ $(serve_root "$tmp/web") == *"bursar web app"*" 200" ]] && ok || bad "serve without --web serves BURSAR_WEB"
grep -q "\"web\":\"$tmp/web\"" "$tmp/serve.log" && ok || bad "serve reports its web folder"
[[ $(serve_root "$tmp/web" --web none) == *" 404" ]] && ok || bad "serve --web none serves no page"

# scripts/install-deps.sh says when Node.js is too old for the web app, and how to get it.
mkdir -p "$tmp/oldnode"; printf '#!/bin/sh\necho v18.19.0\n' > "$tmp/oldnode/node"; chmod +x "$tmp/oldnode/node"
PATH="$tmp/oldnode:$PATH" "$root/scripts/install-deps.sh" > /dev/null 2> "$tmp/deps.err"
grep -q "v18.19.0 is too old" "$tmp/deps.err" && grep -q "Node.js 20+" "$tmp/deps.err" && ok || bad "install-deps: old Node.js"
PATH="$tmp/oldnode:$PATH" BURSAR_REQUIRE_NODE=1 "$root/scripts/install-deps.sh" > /dev/null 2>&1
[[ $? -eq 1 ]] && ok || bad "install-deps: BURSAR_REQUIRE_NODE=1 fails on old Node.js"

# Usage: --help everywhere (exit 0), unknown command or option (exit 2).
for cmd in "" check test eval; do
  "$bursar" $cmd --help > "$tmp/out"; [[ $? -eq 0 ]] && grep -q "usage" "$tmp/out" && ok || bad "--help $cmd"
done
"$bursar" frobnicate 2> /dev/null; [[ $? -eq 2 ]] && ok || bad "unknown command"
"$bursar" eval --frob "$example" 2> /dev/null; [[ $? -eq 2 ]] && ok || bad "unknown option"
"$bursar" check "$root/policies/chaoyang-data-element" > /dev/null; [[ $? -eq 0 ]] && ok || bad "check shipped policy"
"$bursar" check "$root/tests/diagnostics/types/policy" 2> /dev/null; [[ $? -eq 1 ]] && ok || bad "check broken policy exits 1"

# Two programs (CMakeLists.txt): `bursar` runs the engine's commands itself,
# needing no library of the store or the server, and hands the others to the
# bursar-full beside it; without bursar-full those fail with a clear error.
needed=$(ldd "$bursar")
for lib in libpq libsqlite3 libcpp-httplib libxlsxwriter libpango libtcmalloc; do
  [[ "$needed" != *"$lib"* ]] && ok || bad "bursar loads $lib"
done
"$bursar" --help | grep -q "serve" && ok || bad "--help lists bursar-full's commands"
"$bursar" db --help | grep -q "usage: bursar db" && ok || bad "db --help through bursar-full"
mkdir "$tmp/alone"; cp "$bursar" "$tmp/alone/bursar"
"$tmp/alone/bursar" eval --policy "$root/policies/chaoyang-data-element" "$example" > "$tmp/alone.json"; cmp -s "$tmp/a.json" "$tmp/alone.json" && ok || bad "eval without bursar-full"
"$tmp/alone/bursar" db --help > /dev/null 2> "$tmp/err"
[[ $? -eq 1 ]] && grep -q "cannot run .*bursar-full" "$tmp/err" && ok || bad "db without bursar-full"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
