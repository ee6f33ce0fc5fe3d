#!/usr/bin/env bash
# The demo's setup (scripts/demo-setup.sh, what `make demo` serves) on a
# temporary SQLite database: every application state must be there, with the
# details the web application's journeys need, two years of history, budgets,
# an account for every role, and an audit chain that verifies.
#   demo.sh BURSAR REPO_ROOT
set -euo pipefail
bursar=$(realpath "$1") root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db="$tmp/demo.db"
start=$(date +%s)
BURSAR="$bursar" DEMO_ENTERPRISES="${DEMO_ENTERPRISES:-300}" "$root/scripts/demo-setup.sh" "$db" > "$tmp/out" 2>&1 ||
  { cat "$tmp/out"; echo "demo: setup FAILED"; exit 1; }
echo "demo setup took $(( $(date +%s) - start )) s"
"$bursar" audit verify --db "$db" > /dev/null || { echo "demo: audit chain does not verify"; exit 1; }
"$bursar" app list --json --db "$db" > "$tmp/apps.json"
"$bursar" user list --json --db "$db" > "$tmp/users.json"
for y in 2024 2025; do "$bursar" budget show "$y" --db "$db" > "$tmp/budget-$y.json"; done
python3 - "$tmp" "$bursar" "$db" <<'PY'
import json, subprocess, sys
tmp, bursar, db = sys.argv[1:]
apps = json.load(open(f"{tmp}/apps.json"))
shown = 0
def show(i):
    global shown
    shown += 1
    return json.loads(subprocess.run([bursar, "app", "show", str(i), "--db", db], check=True,
                                     capture_output=True, text=True).stdout)
by_state = {}
for a in apps:
    by_state.setdefault((a["year"], a["state"]), []).append(a)
problems = []
for state in ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered"]:
    if not by_state.get((2025, state)):
        problems.append(f"no 2025 application is {state}")
for state in ["draft", "submitted", "in_review"]:
    if by_state.get((2024, state)):
        problems.append(f"2024 still has {state} applications")
if not by_state.get((2024, "paid")):
    problems.append("2024 has no paid application (no history for 2025)")
drafts = by_state.get((2025, "draft"), [])
if not any(show(a["id"])["claim"].get("apply_free") for a in drafts):
    problems.append("no apply-free proposal waits for confirmation")
reviews = [show(a["id"])["reviews"] for a in by_state.get((2025, "in_review"), [])]
if not any(r and any(x["state"] == "submitted" for x in r) for r in reviews):
    problems.append("no application in review has a submitted review")
if not any(x["state"] == "assigned" for r in reviews for x in r):
    problems.append("no application in review waits for a reviewer")
reviewed = [a for a in apps if a["year"] == 2025 and a["measure"] in ("02", "03", "06") and a["state"] != "draft"]
if not any(x["state"] == "excluded" for a in reviewed for x in show(a["id"])["reviews"]):
    problems.append("no reviewer declared a conflict")
if not any(o["state"] == "open" for a in by_state.get((2025, "notice"), []) for o in show(a["id"])["objections"]):
    problems.append("no notice has an open objection")
if not any(len(show(a["id"])["payments"]) >= 2 for a in by_state.get((2025, "paid"), [])):
    problems.append("no application was paid in instalments")
if not any(show(a["id"])["payments"] for a in by_state.get((2025, "final"), [])):
    problems.append("no final application is part-paid")
measures = {a["measure"] for a in apps if a["year"] == 2025 and a["state"] not in ("draft",)}
for m in ["03", "04"]:
    if m not in measures:
        problems.append(f"no 2025 application of measure {m} went past draft")
users = json.load(open(f"{tmp}/users.json"))
roles = sorted(u["role"] for u in users)
for role in ["admin", "officer", "reviewer", "auditor", "applicant"]:
    if role not in roles:
        problems.append(f"no {role} account")
if roles.count("reviewer") < 2 or roles.count("applicant") < 2:
    problems.append(f"want two reviewers and two applicants: {roles}")
mine = {a["credit_code"] for a in apps}
for u in users:
    if u["role"] == "applicant" and u.get("credit_code") not in mine:
        problems.append(f"applicant {u['username']} is bound to an enterprise with no application")
for y in (2024, 2025):
    b = json.load(open(f"{tmp}/budget-{y}.json"))
    if b["budget"] is None or b["committed"] == "0.00":
        problems.append(f"{y}: no budget or nothing committed: {b}")
    if y == 2024 and b["paid"] == "0.00":
        problems.append("2024: nothing paid")
if problems:
    print("demo: " + "\n      ".join(problems))
    sys.exit(1)
counts = {f"{y} {s}": len(v) for (y, s), v in sorted(by_state.items())}
print("demo states:", counts)
print("apps shown:", shown)
PY
grep -q "applicant1" "$tmp/out" && grep -q "demo-officer-pass" "$tmp/out" || { cat "$tmp/out"; echo "demo: accounts not printed"; exit 1; }
echo "1 passed, 0 failed"
