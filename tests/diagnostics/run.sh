#!/usr/bin/env bash
# Diagnostics baselines: each folder here holds a broken policy (policy/) and
# the exact report `bursar check` must give (expected.txt); a folder with an
# `args` file runs `bursar ARGS` instead (e.g. `test policy`).
#   run.sh BURSAR DIR            compare
#   run.sh BURSAR DIR --update   rewrite the baselines after a deliberate change
set -u
bursar=$(realpath "$1") dir=$2 update=${3:-}
pass=0 fail=0
for case in "$dir"/*/; do
  name=$(basename "$case")
  args="check policy"
  [[ -f $case/args ]] && args=$(cat "$case/args")
  # shellcheck disable=SC2086  # ARGS is words
  actual=$(cd "$case" && "$bursar" $args 2>&1; echo "exit status: $?")
  if [[ $update == --update ]]; then
    printf '%s\n' "$actual" > "$case/expected.txt"
    echo "updated $name"
    continue
  fi
  if diff -u "$case/expected.txt" <(printf '%s\n' "$actual") > /tmp/diag-diff.$$; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name"; cat /tmp/diag-diff.$$
  fi
done
rm -f /tmp/diag-diff.$$
echo "$pass passed, $fail failed"
[[ $fail -eq 0 && ( $pass -gt 0 || $update == --update ) ]]
