#!/usr/bin/env bash
# The store's queries behind the application list and the mixed load's reads
# (bench/load/load_client.cc) on a grown store, SQLite or PostgreSQL, as they
# were before an index migration and as they are now (issue 7, "Load";
# docs/reliability.md). Prints the plan of each query and its median time.
#
#   bench/load/list-queries.sh [--db sqlite|postgres] [--applications N] [--trades N]
#                              [--runs N] [--deep N] [--build DIR]
#
# --db            sqlite (default) or postgres: schemas on the server of
#                 $BURSAR_TEST_PG_URL, or else the one scripts/start-postgres.sh starts
# --applications  applications in the store (default 14000: about what a 10-minute
#                 soak leaves), one in ten decided; years 2024-2025, measures and
#                 states mixed
# --trades        trades in 2024-2025 over 100 enterprises (default 20000)
# --runs          times each query runs; the median is printed (default 30)
# --deep          the position of the deep page, offset against after (default
#                 applications - 100)
# --build         the build folder with bursar (default build): `bursar db init`
#                 makes the schema, so "now" is the current one
#
# Three groups, a page being 20 applications (the store reads 21: is there a next):
#  - migration 8 (counts, the -total, updated_at and -id sorts, an enterprise's trades):
#    "before" is the store without the indexes of migrations 8 and 9;
#  - migration 10 (the year, measure and state sorts, each both ways, at offset 300):
#    "before" is the store without migration 10's indexes;
#  - a deep page: offset N ("before") against after=<the next of the page before> ("now").
# On SQLite the time is the query's in this process (python3's sqlite3, the same
# library as bursar's; the server's 64 MiB page cache); on PostgreSQL the server's
# "Execution Time" of EXPLAIN ANALYZE (no network), summed over the request's queries.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
db=sqlite apps=14000 trades=20000 runs=30 deep="" build="$root/build"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --db) db=${2:?}; shift ;;
    --applications) apps=${2:?}; shift ;;
    --trades) trades=${2:?}; shift ;;
    --runs) runs=${2:?}; shift ;;
    --deep) deep=${2:?}; shift ;;
    --build) build=$(realpath "${2:?}"); shift ;;
    *) echo "list-queries.sh: unknown argument '$1' (--help for usage)" >&2; exit 2 ;;
  esac
  shift
done
[[ $db == sqlite || $db == postgres ]] || { echo "list-queries.sh: --db is sqlite or postgres, got '$db'" >&2; exit 2; }
deep=${deep:-$((apps - 100))}
work=$(mktemp -d /tmp/bursar-queries.XXXXXX)
base="" schemas=()
cleanup() {
  for s in "${schemas[@]}"; do psql -X -q "$base" -c "DROP SCHEMA $s CASCADE" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# The data is made in a SQLite file with the current schema; on PostgreSQL it
# is copied into three schemas made by `bursar db init`.
"$build/bursar" db init --db "$work/now.db" >/dev/null
if [[ $db == postgres ]]; then
  base=${BURSAR_TEST_PG_URL:-$("$root/scripts/start-postgres.sh")}
  for v in now before9 before8; do
    s="queries_${v}_$$"
    schemas+=("$s")
    psql -X -q -v ON_ERROR_STOP=1 "$base" -c "CREATE SCHEMA $s" >/dev/null
    url="$base$([[ $base == *\?* ]] && echo '&' || echo '?')options=-csearch_path%3D$s"
    "$build/bursar" db init --db "$url" >/dev/null
  done
fi
python3 - "$work" "$apps" "$trades" "$runs" "$deep" "$db" "$base" "${schemas[@]}" <<'PY'
import random, shutil, sqlite3, statistics, subprocess, sys, time
work, n_apps, n_trades, runs, deep, db_kind, base = sys.argv[1:8]
n_apps, n_trades, runs, deep = int(n_apps), int(n_trades), int(runs), int(deep)
schemas = dict(zip(("now", "before9", "before8"), sys.argv[8:]))
random.seed(7)
db = sqlite3.connect(f"{work}/now.db")
codes = ["91110105MA%08d" % i for i in range(100)]
db.executemany("INSERT INTO enterprise VALUES (?, ?, 1, 1, 1, 0, '[]')", [(c, f"Enterprise {i}") for i, c in enumerate(codes)])
big = '{"facts": "' + "x" * 3000 + '"}'  # a decision's case and output are documents of a few KiB
measures = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]
for i in range(1, n_apps + 1):
    at = "2026-12-03T16:%02d:%02d.%03dZ" % (i // 6000 % 60, i // 100 % 60, i % 1000)
    decided = i % 10 == 0
    state = random.choice(("decided", "notice", "final", "paid") if decided else ("draft", "submitted", "in_review"))
    db.execute("INSERT INTO application (id, credit_code, year, measure, item, project, claim, state, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, 'scenario', ?, ?, ?, ?, ?)",
               (i, random.choice(codes), random.choice((2024, 2025)), random.choice(measures), f"LOAD-{i}",
                '{"measure":"11","item":"scenario","project":"LOAD-%d",'
                '"investment":"1000000.00","civil_construction":"0"}' % i, state, at, at))
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
M8 = ("decision_in_force", "decision_by_application_in_force", "decision_by_total", "application_by_updated",
      "application_by_created", "review_by_reviewer", "trade_by_date", "filing_by_date")
M9 = ("application_by_year_id", "application_by_measure", "application_by_state")
DROPS = {"now": (), "before9": M9, "before8": M8 + M9}


def inline(sql, params):  # PostgreSQL through psql: the (trusted, made here) parameters as literals
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, sql
    out = parts[0]
    for p, rest in zip(params, parts[1:]):
        out += (str(p) if isinstance(p, int) else "'" + str(p).replace("'", "''") + "'") + rest
    return out


class Sqlite:
    name = "SQLite " + sqlite3.sqlite_version

    def __init__(self):
        self.conns = {}
        for v, drops in DROPS.items():
            if v != "now":
                shutil.copy(f"{work}/now.db", f"{work}/{v}.db")
            conn = sqlite3.connect(f"{work}/{v}.db")
            for index in drops:
                conn.execute(f"DROP INDEX {index}")
            conn.commit()
            conn.execute("PRAGMA cache_size=-65536")  # the server's page cache (sqlite_database.cc)
            self.conns[v] = conn

    def rows(self, v, sql, params=()):
        return self.conns[v].execute(sql, params).fetchall()

    def timed(self, v, queries):
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            for sql, params in queries:
                self.conns[v].execute(sql, params).fetchall()
            out.append(time.perf_counter() - t)
        return statistics.median(out) * 1000

    def plan(self, v, sql, params):
        return "; ".join(r[3] for r in self.conns[v].execute("EXPLAIN QUERY PLAN " + sql, params))


class Postgres:
    def __init__(self):
        tables = {"enterprise": None, "application": None, "decision": None, "trade": None}
        src = sqlite3.connect(f"{work}/now.db")
        for t in tables:
            tables[t] = [c[1] for c in src.execute(f"PRAGMA table_info({t})")]
        for v, drops in DROPS.items():
            script = "\\set ON_ERROR_STOP on\n"
            for t, cols in tables.items():
                dump = subprocess.run(["sqlite3", "-csv", f"{work}/now.db", f"SELECT {', '.join(cols)} FROM {t}"],
                                      check=True, capture_output=True, text=True).stdout
                open(f"{work}/{t}.csv", "w").write(dump)
                script += f"\\copy {t} ({', '.join(cols)}) FROM '{work}/{t}.csv' CSV\n"
            script += "".join(f"DROP INDEX {i};\n" for i in drops) + "ANALYZE;\n"
            self.psql(v, script)
        self.name = "PostgreSQL " + self.psql("now", "SHOW server_version;").strip()

    def psql(self, v, script):
        return subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", base],
                              input=f"SET search_path TO {schemas[v]};\n" + script,
                              check=True, capture_output=True, text=True).stdout

    def rows(self, v, sql, params=()):
        out = self.psql(v, inline(sql, params) + ";\n")
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def timed(self, v, queries):
        per_run = len(queries)
        script = "".join("EXPLAIN (ANALYZE, TIMING OFF) " + inline(sql, params) + ";\n"
                         for _ in range(runs + 1) for sql, params in queries)
        times = [float(line.split()[2]) for line in self.psql(v, script).splitlines() if line.startswith("Execution Time")]
        sums = [sum(times[i:i + per_run]) for i in range(0, len(times), per_run)][1:]  # the first run warms up
        return statistics.median(sums)

    def plan(self, v, sql, params):
        lines = self.psql(v, "EXPLAIN " + inline(sql, params) + ";\n").splitlines()
        return " / ".join(l.strip().lstrip("-> ").split("  (cost")[0] for l in lines if "cost=" in l)[:300]


store = Sqlite() if db_kind == "sqlite" else Postgres()
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
COUNT = ("SELECT COUNT(*) FROM application a", ())
cases = [  # group, what, "before" variant, before [(SQL, params)...], now [...]: the queries one request runs
    ("8", "count of the list", "before8", [(f"SELECT COUNT(*) {JOINS}", ())], [COUNT]),
    ("8", "page sorted by -total", "before8",
     [(f"{SELECT}{JOINS} ORDER BY COALESCE(d.total_fen, -1) DESC, a.id LIMIT 20 OFFSET {offset}", ())],
     [("SELECT COUNT(*) FROM decision d WHERE d.in_force = 1", ()),
      (f"{SELECT}{BY_TOTAL} ORDER BY d.total_fen DESC, d.application_id DESC LIMIT 20 OFFSET {offset}", ())]),
    ("8", "page sorted by updated_at", "before8", [(f"{SELECT}{JOINS} ORDER BY a.updated_at ASC, a.id LIMIT 21 OFFSET {offset}", ())],
     [(f"{SELECT}{JOINS} ORDER BY a.updated_at ASC, a.id ASC LIMIT 21 OFFSET {offset}", ())]),
    ("8", "page sorted by -id", "before8", [(f"{SELECT}{JOINS} ORDER BY a.id DESC, a.id LIMIT 21 OFFSET {offset}", ())],
     [(f"{SELECT}{JOINS} ORDER BY a.id DESC, a.id DESC LIMIT 21 OFFSET {offset}", ())]),
    ("8", "an enterprise's trades of 2025 (facts)", "before8", [(TRADES, (code,))], [(TRADES, (code,))]),
]
for field in ("year", "measure", "state"):
    for d in ("ASC", "DESC"):
        page = (f"{SELECT}{JOINS} ORDER BY a.{field} {d}, a.id {d} LIMIT 21 OFFSET {offset}", ())
        cases.append(("10", f"page sorted by {'-' if d == 'DESC' else ''}{field} (+ count)", "before9", [COUNT, page],
                      [COUNT, page]))
# The deep page: the next of the page before it holds the key and id of the row at deep - 1.
for field in ("id", "year"):
    key_row = store.rows("now", f"SELECT a.{field}, a.id FROM application a ORDER BY a.{field}, a.id "
                                f"LIMIT 1 OFFSET {deep - 1}")[0]
    key, last = int(key_row[0]), int(key_row[1])
    by_offset = [COUNT, (f"{SELECT}{JOINS} ORDER BY a.{field} ASC, a.id ASC LIMIT 21 OFFSET {deep}", ())]
    if field == "id":
        after = [COUNT, (f"{SELECT}{JOINS} WHERE a.id > ? ORDER BY a.id ASC LIMIT 21", (last,))]
    else:  # queries.cc, ApplicationsAfter: the rest of the key, then the keys past it
        rest = (f"{SELECT}{JOINS} WHERE a.year = ? AND a.id > ? ORDER BY a.id ASC LIMIT 21", (key, last))
        n_rest = len(store.rows("now", *rest))
        after = [COUNT, rest] + ([(f"{SELECT}{JOINS} WHERE a.year > ? ORDER BY a.year ASC, a.id ASC LIMIT {21 - n_rest}",
                                    (key,))] if n_rest < 21 else [])
    cases.append(("deep", f"page at {deep} sorted by {field}: offset / after", "now", by_offset, after))

print(f"{store.name}: {n_apps} applications ({n_apps // 10} decided), {n_trades} trades, "
      f"offset {offset}, deep page at {deep}, median of {runs} runs (ms)")
group = None
for g, what, before_v, old, new in cases:
    if g != group:
        group = g
        print({"8": "-- migration 8: before = without the indexes of migrations 8 and 10",
               "10": "-- migration 10: before = without its indexes",
               "deep": "-- a deep page: before = offset, now = after"}[g])
    t_old, t_new = store.timed(before_v, old), store.timed("now", new)
    r_old = [store.rows(before_v, *q) for q in old]
    r_new = [store.rows("now", *q) for q in new]
    if what == "page sorted by -total":  # the same page, from two queries now
        assert [r[0] for r in r_old[0]] == [r[0] for r in r_new[1]], "the -total page differs"
    elif g == "deep":
        assert r_old[-1] == sum(r_new[1:], []), f"{what}: the pages differ"
    else:
        assert r_old[-1] == r_new[-1], f"{what}: the answers differ"
    print(f"{what:48s} before {t_old:8.2f}   now {t_new:8.2f}   ({t_old / max(t_new, 1e-6):.0f}x)")
    print(f"  before: {store.plan(before_v, *old[-1])}")
    print(f"  now:    {store.plan('now', *new[-1])}")
PY
