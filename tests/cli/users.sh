#!/usr/bin/env bash
# `bursar user` end to end on SQLite: add (each role, an applicant bound to a
# stored enterprise), refusals, passwd, token (printed once, stored hashed),
# disable and enable again (old tokens stay revoked); last_login_at; and no
# secret or hash in the audit log.
# usage: users.sh BURSAR_BINARY
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

expect_exit 0 "$bursar" db init
cat >enterprises.csv <<'CSV'
credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags
91110105MA01C9XY29,Example Data Co. Ltd.,true,true,true,false,data_vendor
CSV
expect_exit 0 "$bursar" import enterprises enterprises.csv

pw='a long enough password'
expect_exit 0 "$bursar" user add olga --role officer --password-stdin <<<"$pw"
grep -q "account olga added (officer)" out || fail "add: $(cat out)"
expect_exit 0 "$bursar" user add acme --role applicant --enterprise 91110105MA01C9XY29 <<<"$pw"
expect_exit 1 "$bursar" user add olga --role admin --password-stdin <<<"$pw"      # taken
expect_exit 2 "$bursar" user add xavier --role applicant --password-stdin <<<"$pw"     # no enterprise
expect_exit 2 "$bursar" user add xavier --role applicant --enterprise 91110105MA01C9XY28 <<<"$pw"
expect_exit 2 "$bursar" user add xavier --role officer --enterprise 91110105MA01C9XY29 <<<"$pw"
expect_exit 2 "$bursar" user add xavier --role king --password-stdin <<<"$pw"
expect_exit 2 "$bursar" user add xavier --role officer --password-stdin <<<"too short"
expect_exit 2 "$bursar" user add xavier --role officer --password-stdin </dev/null
expect_exit 2 "$bursar" user passwd nobody --password-stdin <<<"$pw"
expect_exit 2 "$bursar" user token olga --bogus 1
expect_exit 0 "$bursar" user --help

expect_exit 0 "$bursar" user passwd olga --password-stdin <<<"another long password"
expect_exit 0 "$bursar" user token olga --name "finance system" --days 30
token=$(cat out)
[[ $token =~ ^bst_[A-Za-z0-9_-]{43}$ ]] || fail "token: $token"
expect_exit 2 "$bursar" user token olga
expect_exit 0 "$bursar" user list --json
python3 - <<'PY' || fail "list: $(cat out)"
import json
r = {a["username"]: a for a in json.load(open("out"))}
assert r["olga"]["role"] == "officer" and not r["olga"]["disabled"], r
assert r["acme"]["credit_code"] == "91110105MA01C9XY29", r
assert "last_login_at" in r["olga"] and r["olga"]["last_login_at"] is None, r  # never signed in
PY
grep -q "enable   enable a disabled account again" <("$bursar" user --help) || fail "no enable in the help"
expect_exit 0 "$bursar" user disable olga
expect_exit 0 "$bursar" user list
grep -q "olga.*never signed in.*disabled" out || fail "list after disable: $(cat out)"
expect_exit 1 "$bursar" user token olga --name "while disabled"              # refused
grep -q "disabled" err || fail "token for a disabled account: $(cat err)"

# Enabled again: the account may sign in and be given tokens, but the token
# revoked by disable stays revoked.
expect_exit 0 "$bursar" user enable olga --actor admin-chen
grep -q "account olga enabled" out || fail "enable: $(cat out)"
expect_exit 0 "$bursar" user list --json
python3 -c 'import json,sys; r={a["username"]: a for a in json.load(open("out"))}; sys.exit(r["olga"]["disabled"])' \
  || fail "olga still disabled: $(cat out)"
expect_exit 0 "$bursar" user enable olga                                     # not disabled: no change
grep -q "account olga is not disabled; nothing changed" out || fail "enable twice: $(cat out)"
expect_exit 2 "$bursar" user enable nobody
expect_exit 2 "$bursar" user enable olga --role admin                         # no such option
expect_exit 0 "$bursar" user token olga --name "after enable" --days 1
python3 - <<'PY' || fail "tokens after enable"
import sqlite3
db = sqlite3.connect("bursar.db")
rows = db.execute("SELECT t.name, t.revoked_at IS NOT NULL FROM api_token t JOIN account a ON a.id = t.account_id "
                  "WHERE a.username = 'olga' ORDER BY t.id").fetchall()
assert rows == [("finance system", 1), ("after enable", 0)], rows
PY

# Issue 14, A4: every token expires within 365 days; one token is revoked by
# its id, the others live on; a password change revokes them all.
expect_exit 2 "$bursar" user token olga --name "forever" --days 0
grep -q "1 to 365 days" err || fail "--days 0: $(cat err)"
expect_exit 2 "$bursar" user token olga --name "ten years" --days 3650
expect_exit 0 "$bursar" user token olga --name "to revoke" --days 365
revoked_id=$(sed -n 's/^token \([0-9]*\) for olga.*/\1/p' err)
[[ -n $revoked_id ]] || fail "no token id on stderr: $(cat err)"
expect_exit 0 "$bursar" user revoke "$revoked_id"
grep -q "token $revoked_id revoked" out || fail "revoke: $(cat out)"
expect_exit 2 "$bursar" user revoke 999999
expect_exit 2 "$bursar" user revoke not-a-number
python3 - <<'PY' || fail "tokens after revoke"
import sqlite3
db = sqlite3.connect("bursar.db")
rows = dict(db.execute("SELECT name, revoked_at IS NOT NULL FROM api_token").fetchall())
assert rows == {"finance system": 1, "after enable": 0, "to revoke": 1}, rows
PY
expect_exit 0 "$bursar" user passwd olga --password-stdin <<<"a third long password"
grep -q "tokens revoked" out || fail "passwd: $(cat out)"
python3 -c 'import sqlite3,sys; sys.exit(sqlite3.connect("bursar.db").execute("SELECT COUNT(*) FROM api_token WHERE revoked_at IS NULL").fetchone()[0])' \
  || fail "a token outlived the password change"
# Issue 14, A5 and A6: weak passwords and look-alike names are refused.
expect_exit 2 "$bursar" user passwd olga --password-stdin <<<"aaaaaaaaaaaa"
grep -q "repeated" err || fail "repeated password: $(cat err)"
expect_exit 1 "$bursar" user add OLGA --role officer --password-stdin <<<"$pw"     # taken, whatever the case
expect_exit 2 "$bursar" user add olga. --role officer --password-stdin <<<"$pw"

expect_exit 0 "$bursar" audit verify
expect_exit 0 "$bursar" audit log
grep -q '"op":"account.add"' out || fail "no account.add in the audit log"
grep -q '"op":"token.issue"' out || fail "no token.issue in the audit log"
grep -q '"op":"account.disable"' out || fail "no account.disable in the audit log"
[[ $(grep -c '"op":"account.enable"' out) == 1 ]] || fail "not one account.enable in the audit log: $(cat out)"
grep '"op":"account.enable"' out | grep -q 'admin-chen' || fail "account.enable without its actor"
if grep -q -e argon2 -e "$token" -e "$pw" out; then fail "a secret reached the audit log"; fi
echo "users: ok"
