#!/usr/bin/env bash
# The store's queries behind the mixed load's reads (bench/load/load_client.cc) on
# a grown SQLite store, as they were before migration 8 and as they are now
# (issue 7, "Load"; docs/reliability.md): the application list's count, its
# sorts by -total, updated_at and -id at a random offset, and one enterprise's
# trades of a year for its facts. Prints the plan of each and its time per run.
#
#   bench/load/list-queries.sh [--applications N] [--trades N] [--runs N] [--build DIR]
#
# --applications  applications in the store (default 14000: about what a 10-minute
#                 soak leaves), one in ten decided
# --trades        trades in 2024-2025 over 100 enterprises (default 20000)
# --runs          times each query runs; the median is printed (default 30)
# --build         the build folder with bursar (default build): `bursar db init`
#                 makes the schema, so "now" is the current one; "before" is the
#                 same file with migration 8's indexes dropped
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
apps=14000 trades=20000 runs=30 build="$root/build"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --applications) apps=${2:?}; shift ;;
    --trades) trades=${2:?}; shift ;;
    --runs) runs=${2:?}; shift ;;
    --build) build=$(realpath "${2:?}"); shift ;;
    *) echo "list-queries.sh: unknown argument '$1' (--help for usage)" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/bursar-queries.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build/bursar" db init --db "$work/now.db" >/dev/null
python3 - "$work" "$apps" "$trades" "$runs" <<'PY'
import random, shutil, sqlite3, statistics, sys, time
work, n_apps, n_trades, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
db = sqlite3.connect(f"{work}/now.db")
codes = ["91110105MA%08d" % i for i in range(100)]
db.executemany("INSERT INTO enterprise VALUES (?, ?, 1, 1, 1, 0, '[]')", [(c, f"Enterprise {i}") for i, c in enumerate(codes)])
big = '{"facts": "' + "x" * 3000 + '"}'  # a decision's case and output are documents of a few KiB
for i in range(1, n_apps + 1):
    at = "2026-12-03T16:%02d:%02d.%03dZ" % (i // 6000 % 60, i // 100 % 60, i % 1000)
    decided = i % 10 == 0
    db.execute("INSERT INTO application (id, credit_code, year, measure, item, project, claim, state, created_at, "
               "updated_at) VALUES (?, ?, 2025, '11', 'scenario', ?, ?, ?, ?, ?)",
               (i, random.choice(codes), f"LOAD-{i}", '{"measure":"11","item":"scenario","project":"LOAD-%d",'
                '"investment":"1000000.00","civil_construction":"0"}' % i, "decided" if decided else "draft", at, at))
    if decided:
        db.execute("INSERT INTO decision (application_id, policy_digest, case_json, output_json, total_fen, decided_at, "
                   "decided_by, in_force) VALUES (?, 'sha256:x', ?, ?, ?, ?, 'officer', 1)",
                   (i, big, big, random.randint(0, 10**9), at))
for i in range(n_trades):
    db.execute("INSERT INTO trade VALUES (?, 'BJIDE', ?, ?, 'seller', ?, 1)",
               (random.choice(codes), f"LOAD-{i}", "%d-%02d-%02d" % (random.choice((2024, 2025)), random.randint(1, 12),
                                                                      random.randint(1, 28)), random.randint(1, 10**7)))
db.commit()
db.close()
shutil.copy(f"{work}/now.db", f"{work}/before.db")
before = sqlite3.connect(f"{work}/before.db")
for index in ("decision_in_force", "decision_by_application_in_force", "decision_by_total", "application_by_updated",
              "application_by_created", "review_by_reviewer", "trade_by_date", "filing_by_date"):
    before.execute(f"DROP INDEX {index}")
before.commit()
now = sqlite3.connect(f"{work}/now.db")
for conn in (before, now):  # the server's page cache (sqlite_database.cc)
    conn.execute("PRAGMA cache_size=-65536")

SELECT = ("SELECT a.id, a.credit_code, a.year, a.measure, a.item, a.project, a.claim, a.state, a.notice_until, "
          "a.created_at, a.updated_at, a.version, e.name, d.total_fen ")
JOINS = ("FROM application a JOIN enterprise e ON e.credit_code = a.credit_code "
         "LEFT JOIN decision d ON d.application_id = a.id AND d.in_force = 1")
BY_TOTAL = ("FROM decision d JOIN application a ON a.id = d.application_id "
            "JOIN enterprise e ON e.credit_code = a.credit_code WHERE d.in_force = 1")
offset = min(300, n_apps // 20)
code = codes[1]
TRADES = ("SELECT exchange, trade_id, trade_date, side, amount_fen, legally_established FROM trade "
          "WHERE credit_code = ? AND trade_date >= '2025-01-01' AND trade_date <= '2025-12-31' "
          "ORDER BY trade_date, exchange, trade_id")
cases = [  # what, before (SQL, params), now [(SQL, params), ...]: the queries one request runs
    ("count of the list", [(f"SELECT COUNT(*) {JOINS}", ())], [("SELECT COUNT(*) FROM application a", ())]),
    ("page sorted by -total", [(f"{SELECT}{JOINS} ORDER BY COALESCE(d.total_fen, -1) DESC, a.id LIMIT 20 OFFSET {offset}", ())],
     [("SELECT COUNT(*) FROM decision d WHERE d.in_force = 1", ()),
      (f"{SELECT}{BY_TOTAL} ORDER BY d.total_fen DESC, d.application_id DESC LIMIT 20 OFFSET {offset}", ())]),
    ("page sorted by updated_at", [(f"{SELECT}{JOINS} ORDER BY a.updated_at ASC, a.id LIMIT 20 OFFSET {offset}", ())],
     [(f"{SELECT}{JOINS} ORDER BY a.updated_at ASC, a.id ASC LIMIT 20 OFFSET {offset}", ())]),
    ("page sorted by -id", [(f"{SELECT}{JOINS} ORDER BY a.id DESC, a.id LIMIT 20 OFFSET {offset}", ())],
     [(f"{SELECT}{JOINS} ORDER BY a.id DESC, a.id DESC LIMIT 20 OFFSET {offset}", ())]),
    ("an enterprise's trades of 2025 (facts)", [(TRADES, (code,))], [(TRADES, (code,))]),
]

def timed(conn, queries):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        results = [conn.execute(sql, params).fetchall() for sql, params in queries]
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000, results

def plan(conn, sql, params):
    return "; ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

print(f"SQLite {sqlite3.sqlite_version}: {n_apps} applications ({n_apps // 10} decided), {n_trades} trades, "
      f"offset {offset}, median of {runs} runs")
for what, old, new in cases:
    t_old, r_old = timed(before, old)
    t_new, r_new = timed(now, new)
    if what == "page sorted by -total":  # the same page, from two queries now
        assert [r[0] for r in r_old[0]] == [r[0] for r in r_new[1]], "the -total page differs"
    else:
        assert r_old[-1] == r_new[-1], f"{what}: the answers differ"
    print(f"{what:40s} before {t_old:8.2f} ms   now {t_new:8.2f} ms   ({t_old / max(t_new, 1e-6):.0f}x)")
    print(f"  before: {plan(before, *old[-1])}")
    print(f"  now:    {plan(now, *new[-1])}")
PY
