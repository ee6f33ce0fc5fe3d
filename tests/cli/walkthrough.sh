#!/usr/bin/env bash
# Runs every ```sh block of docs/walkthrough.md, in order, in an empty folder,
# with `bursar` on PATH: the documented walkthrough must stay true.
#   walkthrough.sh BURSAR REPO_ROOT
set -euo pipefail
bursar=$(realpath "$1") root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" && ln -s "$bursar" "$tmp/bin/bursar"
script="$tmp/walkthrough.sh"
{
  echo 'set -euo pipefail'
  echo "export BURSAR_ROOT='$root' PATH='$tmp/bin':\$PATH"
  python3 - "$root/docs/walkthrough.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
    print(block)
PY
} > "$script"
cd "$tmp"
bash "$script" > "$tmp/log" 2>&1 || { cat "$tmp/log"; echo "walkthrough: FAILED"; exit 1; }
grep -q "entry 3 was altered" "$tmp/log" || { cat "$tmp/log"; echo "walkthrough: tampering was not named"; exit 1; }
grep -q "byte-identical" "$tmp/log" || { cat "$tmp/log"; echo "walkthrough: replay did not confirm"; exit 1; }
echo "1 passed, 0 failed"
