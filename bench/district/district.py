#!/usr/bin/env python3
"""Helpers of bench/district/run.sh.

  district.py paths --base URL --officer TOKEN --applicant TOKEN --code CODE --year Y --out DIR [--n N] [--seed S]
      asks a running `bursar serve` what the store holds (totals, ids, credit
      codes, `next` tokens by walking the application list) and writes, for
      each API route the web app's officer and applicant pages call, a file
      of N request paths into DIR, and DIR/routes.tsv: name, account, file.
  district.py table RESULTS.tsv
      prints the results the run collected as one Markdown table per store.
"""
import argparse
import json
import os
import random
import sys
import urllib.request

STATES = ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered"]  # web/src/api.ts
API_P99_TARGET_MS = 50.0


def get(base, token, path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def spread(total, n, rng, last):
    """n offsets from 0 to `last` (inclusive): the first page, the deepest, and the rest at random."""
    if total <= 0:
        return [0]
    picks = {0, max(0, last)}
    while len(picks) < min(n, last + 1):
        picks.add(rng.randint(0, max(0, last)))
    return sorted(picks)


def paths(a):
    rng = random.Random(a.seed)
    off, app = a.officer, a.applicant
    y = a.year
    os.makedirs(a.out, exist_ok=True)
    routes = []

    def route(name, who, lines):
        lines = list(lines)
        if not lines:
            print(f"district.py: no paths for {name}", file=sys.stderr)
            sys.exit(2)
        f = os.path.join(a.out, f"{len(routes):02d}.paths")
        with open(f, "w") as out:
            out.write("\n".join(lines) + "\n")
        routes.append((name, who, f))

    # The application list of the year by `next` tokens (sort -id, as the
    # dashboard shows it), 500 a page: the tokens of every depth, and the ids
    # and credit codes of the year's applications.
    items, tokens = [], []
    page = get(a.base, off, f"/api/applications?year={y}&limit=500&sort=-id")
    total = page["total"]
    while True:
        items += page["items"]
        if not page.get("next"):
            break
        tokens.append(page["next"])
        page = get(a.base, off, f"/api/applications?year={y}&limit=500&sort=-id&after={page['next']}")
    if not items:
        print("district.py: the year has no applications", file=sys.stderr)
        sys.exit(2)
    ids = [i["id"] for i in items]
    codes = sorted({i["credit_code"] for i in items})
    decided = [i["id"] for i in items if i.get("total") is not None]
    decision_ids = []
    for i in rng.sample(decided, min(len(decided), 40)):
        d = get(a.base, off, f"/api/applications/{i}").get("decision")
        if d:
            decision_ids.append(d["id"])
    audit_total = get(a.base, off, "/api/audit?limit=1")["total"]
    own = get(a.base, app, f"/api/applications?enterprise={a.code}&limit=500&sort=-id")["items"]

    # The officer dashboard (web/src/views/officer.ts): a count per state, the
    # budget of the year and the three before it, a page of the year's
    # applications by offset, the open objections, the year's notices and a
    # page of its payments.
    route("dashboard: count of a state", "officer", (f"/api/applications?state={s}&year={y}&limit=1" for s in STATES))
    route("dashboard: budget of a year", "officer", (f"/api/budgets/{b}" for b in range(y - 3, y + 1)))
    route(f"applications page, offset 0..{max(0, total - 20)} (-id)", "officer",
          (f"/api/applications?year={y}&limit=20&offset={o}&sort=-id" for o in spread(total, a.n, rng, total - 20)))
    # The same list by key, as docs/http-api.md recommends for deep pages.
    route("applications page, after (every depth, -id)", "officer",
          [f"/api/applications?year={y}&limit=20&sort=-id&after={t}" for t in tokens] or
          [f"/api/applications?year={y}&limit=20&sort=-id"])
    route("dashboard: open objections", "officer", ["/api/objections?state=open"])
    route("dashboard: notices of the year", "officer", [f"/api/notices?year={y}"])
    route("dashboard: payments of the year", "officer", [f"/api/payments?year={y}&limit=20"])
    # An application's page (web/src/views/application.ts).
    route("application detail", "officer", (f"/api/applications/{i}" for i in rng.sample(ids, min(a.n, len(ids)))))
    if decision_ids:
        route("decision", "officer", (f"/api/decisions/{d}" for d in decision_ids))
    sample = rng.sample(codes, min(a.n, len(codes)))
    route("enterprise facts of the year", "officer", (f"/api/enterprises/{c}/facts?year={y}" for c in sample))
    route("enterprise evidence of the year", "officer",
          (f"/api/enterprises/{c}/evidence?year={y}&limit=500" for c in sample))
    route("reviewers", "officer", ["/api/reviewers"])
    # The auditor's view (web/src/views/auditor.ts), 50 entries a page.
    route(f"audit log page, offset 0..{max(0, audit_total - 50)}", "officer",
          (f"/api/audit?limit=50&offset={o}" for o in spread(audit_total, a.n, rng, audit_total - 50)))
    route("audit log of an application", "officer",
          (f"/api/audit?limit=50&application={i}" for i in rng.sample(ids, min(a.n, len(ids)))))
    # The applicant's portal (web/src/views/portal.ts) and its own application.
    route("portal: own enterprise", "applicant", [f"/api/enterprises/{a.code}"])
    route("portal: own facts of the year", "applicant", [f"/api/enterprises/{a.code}/facts?year={y}"])
    route("portal: own applications with estimates", "applicant",
          [f"/api/applications?enterprise={a.code}&limit=500&sort=-id&estimates=true"])
    if own:
        route("portal: own application detail", "applicant", (f"/api/applications/{i['id']}" for i in own))
    with open(os.path.join(a.out, "routes.tsv"), "w") as out:
        for name, who, f in routes:
            out.write(f"{name}\t{who}\t{f}\n")
    print(f"{len(routes)} routes; {total} applications of {y} ({len(tokens)} next tokens), "
          f"{audit_total} audit entries, {len(own)} of the applicant's")


def table(a):
    rows = [line.rstrip("\n").split("\t") for line in open(a.results) if line.strip()]
    stores = []
    for r in rows:
        if r[0] not in stores:
            stores.append(r[0])
    for store in stores:
        print(f"\n{store}\n")
        print("| step | rows or requests | wall s | CPU s | rate | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for _, step, count, unit, wall, p50, p99, cpu, note in (r for r in rows if r[0] == store):
            w = float(wall)
            n = int(count) if count != "-" else None
            rate = f"{n / w:,.1f} {unit}/s" if n and w > 0 and n / w < 10 else f"{n / w:,.0f} {unit}/s" if n and w > 0 else ""
            mark = ""
            if unit == "req" and n == 0:
                p50, p99, mark = "", "", "✗"
            elif unit == "req" and p99:
                mark = " ✓" if float(p99) < API_P99_TARGET_MS else " ✗"
            extra = f" ({note})" if note else ""
            cpu = f"{float(cpu):.2f}" if cpu else ""
            print(f"| {step}{extra} | {f'{n:,}' if n is not None else ''} | {w:.2f} | {cpu} | {rate} | {p50} | {p99}{mark} |")
    print(f"\n✓/✗: p99 under {API_P99_TARGET_MS:.0f} ms (the target for every API route the web app uses, "
          "8 concurrent clients); CPU: user+sys of the bursar process (a PostgreSQL server's work is not in it)")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("paths")
    p.add_argument("--base", required=True)
    p.add_argument("--officer", required=True)
    p.add_argument("--applicant", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=17)
    t = sub.add_parser("table")
    t.add_argument("results")
    a = ap.parse_args()
    paths(a) if a.cmd == "paths" else table(a)


if __name__ == "__main__":
    main()
