#!/usr/bin/env python3
"""Bad input everywhere gets a clear error and changes nothing (issue 7).

A table of hostile or broken inputs for the `bursar` CLI and the HTTP API:
malformed JSON and CSV, wrong types, huge numbers, overlong strings, invalid
credit codes, unknown fields, duplicate keys, invalid UTF-8 and GBK bytes,
absurd nesting. For each case it asserts the exit code or HTTP status, that
the error names the field or line, and that the store is unchanged: the row
count of every table and `bursar audit verify`.

usage: bad_input.py BURSAR REPO_ROOT [--table FILE]
  --table FILE  also write the cases and their outcomes as a Markdown table
                (docs/reliability.md holds the last one)
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

BURSAR, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TABLE = os.path.abspath(sys.argv[sys.argv.index("--table") + 1]) if "--table" in sys.argv else None
EXAMPLE = json.load(open(os.path.join(ROOT, "examples/cases-md-example.json"), encoding="utf-8"))

work = tempfile.mkdtemp(prefix="bursar-bad-input-")
os.chdir(work)
DB = os.path.join(work, "store.db")
PASSWORD = "a long enough password"
CODE = "911101051000000007"  # an enterprise of the store
ENTERPRISES = (
    "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags\n"
    f"{CODE},Enterprise 1 Co. Ltd.,true,true,true,false,data_vendor\n"
)
TRADES_HEADER = "credit_code,exchange,trade_id,date,side,amount,legally_established\n"


def run(args, stdin=b""):
    p = subprocess.run([BURSAR] + args, input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(name, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)
    return name


def case_text(edit=None, raw=None):
    if raw is not None:
        return raw
    c = json.loads(json.dumps(EXAMPLE))
    if edit:
        edit(c)
    return json.dumps(c, ensure_ascii=False)


# ---- the store: initialised, one enterprise, one account ---------------------
def setup():
    assert run(["db", "init", "--db", DB])[0] == 0
    write("enterprises.csv", ENTERPRISES)
    code, _, err = run(["import", "enterprises", "enterprises.csv", "--db", DB])
    assert code == 0, err
    code, _, err = run(["user", "add", "olga", "--role", "officer", "--password-stdin", "--db", DB],
                       (PASSWORD + "\n").encode())
    assert code == 0, err


def snapshot():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    # Sessions and login-failure counters change on every login attempt by design.
    counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
              for t in tables if t != "session" and "login" not in t}
    con.close()
    code, out, err = run(["audit", "verify", "--db", DB])
    counts["(audit verifies)"] = code == 0
    return counts


# ---- the server ---------------------------------------------------------------
class Server:
    def __init__(self):
        self.log = open(os.path.join(work, "serve.log"), "wb")
        self.p = subprocess.Popen([BURSAR, "serve", "--port", "0", "--db", DB, "--policy",
                                   os.path.join(ROOT, "policies/chaoyang-data-element"),
                                   "--secret-file", os.path.join(work, "secret")],
                                  stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        # The first line with a port is the listening event (a line about
        # the server secret it made may come before it).
        while True:
            line = self.p.stderr.readline().decode()
            if not line:
                raise RuntimeError("bursar serve exited before listening")
            event = json.loads(line)
            if "port" in event:
                self.port = event["port"]
                break

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=30)


def http(server, method, path, body=b"", headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=body if method != "GET" else None,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def raw_http(server, data):
    import socket
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    text = got.decode("utf-8", "replace")
    status = int(text[9:12]) if text.startswith("HTTP/1.") else 0
    return status, text[text.find("\r\n\r\n") + 4:]


# ---- the cases ------------------------------------------------------------------
# (area, what, run → (code, text), expected codes, regex the error must match)
CASES = []


def case(area, what, expect, pattern):
    def wrap(fn):
        CASES.append((area, what, fn, expect, pattern))
        return fn
    return wrap


def evalcase(area, what, text, expect, pattern):
    data = text.encode("utf-8") if isinstance(text, str) else text

    def fn(server):
        name = write("case.json", data)
        code, out, err = run(["eval", name])
        return code, err if code else out[:200]
    CASES.append((area, what, fn, expect, pattern))


def deep(n):
    return "[" * n + "]" * n


E = "bursar eval (case JSON)"
evalcase(E, "malformed JSON (trailing comma)", case_text(raw='{"year": 2025, "applicant": {},}'), {2}, r"line 1, column \d+")
evalcase(E, "truncated JSON", case_text()[:-40], {2}, r"line \d+, column \d+")
evalcase(E, "empty file", "", {2}, r"not valid JSON")
evalcase(E, "binary garbage", bytes(range(256)), {2}, r"not UTF-8")
evalcase(E, "wrong type: year as a string", case_text(lambda c: c.__setitem__("year", "2025")), {2}, r"year")
evalcase(E, "wrong type: money as a JSON number",
         case_text(lambda c: c["facts"].__setitem__("exchange_trading_volume", 8000000)), {2},
         r"facts\.exchange_trading_volume: expected a money string")
evalcase(E, "huge money (40 digits)",
         case_text(lambda c: c["claims"][0].__setitem__("assessed", "9" * 40 + ".00")), {2},
         r"claims\[0\]\.assessed: amount too large")
evalcase(E, "huge count (1e30)", case_text(lambda c: c["facts"].__setitem__("listed_data_products", 10**30)), {2},
         r"facts\.listed_data_products")
evalcase(E, "huge year", case_text(lambda c: c.__setitem__("year", 10**18)), {2}, r"year")
evalcase(E, "negative count", case_text(lambda c: c["facts"].__setitem__("listed_data_products", -1)), {2},
         r"facts\.listed_data_products")
evalcase(E, "overlong string (5 MB applicant name; not used in a decision)",
         case_text(lambda c: c["applicant"].__setitem__("name", "x" * 5_000_000)), {0}, r"")
evalcase(E, "overlong project id (100 KB)",
         case_text(lambda c: c["claims"][0].__setitem__("project", "p" * 100_000)), {0, 2}, r"")
evalcase(E, "invalid credit code (check character)",
         case_text(lambda c: c["applicant"].__setitem__("id", "91110105MA01C9XY28")), {2},
         r"applicant\.id: invalid unified social credit code")
evalcase(E, "unknown field", case_text(lambda c: c["facts"].__setitem__("listed_products", 3)), {2},
         r"facts\.listed_products: unknown fact")
evalcase(E, "duplicate key at the top", case_text().replace('"year": 2025', '"year": 2025, "year": 2024', 1), {2},
         r'"year" appears twice')
evalcase(E, "duplicate key inside applicant",
         case_text().replace('"registered_in_chaoyang": true', '"registered_in_chaoyang": true, "registered_in_chaoyang": false', 1),
         {2}, r'"applicant\.registered_in_chaoyang" appears twice')
evalcase(E, "invalid UTF-8 byte in a string", case_text().replace("Example", "Ex\udcffample").encode("utf-8", "surrogateescape"),
         {2}, r"line \d+, column \d+: not UTF-8")
evalcase(E, "file saved as GBK", case_text(lambda c: c["applicant"].__setitem__("name", "北京数据有限公司")).encode("gbk"),
         {2}, r"not UTF-8 \(is the file saved as GBK")
evalcase(E, "nesting 100,000 deep", deep(100_000), {2}, r"nested deeper than")
evalcase(E, "nesting 100,000 deep inside a field",
         case_text(raw=case_text().replace('"history": [', '"history": [' + deep(100_000) + ",", 1)), {2},
         r"nested deeper than")
evalcase(E, "a JSON array, not an object", "[1, 2, 3]", {2}, r"a case is a JSON object")


@case(E, "--set with an unknown parameter", {2}, r"did you mean 'trading_rate'")
def _(server):
    write("case.json", case_text())
    code, _, err = run(["eval", "--set", "tradng_rate=4%", "case.json"])
    return code, err


@case(E, "--set with a huge rate", {2}, r"trading_rate")
def _(server):
    write("case.json", case_text())
    code, _, err = run(["eval", "--set", "trading_rate=" + "9" * 400 + "%", "case.json"])
    return code, err


I = "bursar import (evidence CSV / JSON Lines)"


def importcase(what, kind, name, data, expect, pattern, extra=()):
    def fn(server):
        write(name, data)
        code, out, err = run(["import", kind, name, "--db", DB] + list(extra))
        return code, err
    CASES.append((I, what, fn, expect, pattern))


T = TRADES_HEADER
importcase("CSV header with an unknown column", "trades", "t.csv", T.replace("side", "sid"), {2}, r't\.csv:1: unknown field "sid"')
importcase("CSV header lacking a column", "trades", "t.csv", T.replace(",side", ""), {2}, r'lacks the field "side"')
importcase("CSV header naming a column twice", "trades", "t.csv", T.replace("side", "date"), {2}, r'"date" appears twice')
importcase("empty CSV file", "trades", "t.csv", "", {2}, r"empty")
importcase("invalid credit code", "trades", "t.csv", T + "911101051000000008,BJIDE,T1,2025-03-01,seller,1.00,true\n", {2},
           r"t\.csv:2: credit_code: not a valid unified social credit code")
importcase("unknown enterprise (valid code)", "trades", "t.csv", T + "91110105MA01C9XY29,BJIDE,T1,2025-03-01,seller,1.00,true\n",
           {2}, r"t\.csv:2: credit_code: no enterprise")
importcase("huge amount", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,seller,{'9' * 30}.00,true\n", {2},
           r"t\.csv:2: amount")
importcase("negative amount", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,seller,-5.00,true\n", {2}, r"t\.csv:2: amount")
importcase("amount as a float with an exponent", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,seller,1e6,true\n", {2},
           r"t\.csv:2: amount")
importcase("impossible date", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-02-30,seller,1.00,true\n", {2}, r"t\.csv:2: date")
importcase("wrong type: boolean", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,seller,1.00,yes\n", {2},
           r"t\.csv:2: legally_established")
importcase("unknown enumeration value", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,lender,1.00,true\n", {2},
           r"t\.csv:2: side")
importcase("too many fields", "trades", "t.csv", T + f"{CODE},BJIDE,T1,2025-03-01,seller,1.00,true,extra\n", {2},
           r"t\.csv:2: .*expected 7 fields")
importcase("unterminated quote", "trades", "t.csv", T + f'{CODE},"BJIDE,T1,2025-03-01,seller,1.00,true\n', {2}, r"t\.csv:2")
importcase("overlong text (2,000 bytes)", "trades", "t.csv", T + f"{CODE},{'B' * 2000},T1,2025-03-01,seller,1.00,true\n", {2},
           r"t\.csv:2: exchange: longer than 1000 bytes")
importcase("enterprise name in GBK", "enterprises", "e.csv",
           ENTERPRISES.split("\n")[0].encode() + b"\n" + f"{CODE},".encode() + "北京数据有限公司".encode("gbk") +
           b",true,true,true,false,data_vendor\n", {2}, r"e\.csv:2: name: not UTF-8")
importcase("invalid UTF-8 in a trade id", "trades", "t.csv", T.encode() + f"{CODE},BJIDE,T\xff1,2025-03-01,seller,1.00,true\n".encode("latin-1"),
           {2}, r"t\.csv:2: trade_id: not UTF-8")
importcase("--strict: one good row and one bad row", "trades", "t.csv",
           T + f"{CODE},BJIDE,T1,2025-03-01,seller,1.00,true\n{CODE},BJIDE,T2,2025-03-01,seller,x,true\n", {2},
           r"t\.csv:3: amount", extra=["--strict"])
importcase("JSON Lines: not an object", "trades", "t.jsonl", "[1,2]\n", {2}, r"t\.jsonl:1: .*not a JSON object")
importcase("JSON Lines: malformed", "trades", "t.jsonl", '{"credit_code": "x",\n', {2}, r"t\.jsonl:1: .*line 1, column")
importcase("JSON Lines: duplicate key", "trades", "t.jsonl",
           json.dumps({"credit_code": CODE, "exchange": "BJIDE", "trade_id": "T1", "date": "2025-03-01", "side": "seller",
                       "amount": "1.00", "legally_established": True})[:-1] + ', "amount": "9999.00"}\n', {2},
           r't\.jsonl:1: amount: .*"amount" appears twice')
importcase("JSON Lines: wrong type (amount as a number)", "trades", "t.jsonl",
           json.dumps({"credit_code": CODE, "exchange": "BJIDE", "trade_id": "T1", "date": "2025-03-01", "side": "seller",
                       "amount": 1.5, "legally_established": True}) + "\n", {2}, r"t\.jsonl:1: amount: expected a money string")
importcase("JSON Lines: unknown field", "trades", "t.jsonl",
           json.dumps({"credit_code": CODE, "exchange": "BJIDE", "trade_id": "T1", "date": "2025-03-01", "side": "seller",
                       "amount": "1.00", "legally_established": True, "discount": "5"}) + "\n", {2},
           r"t\.jsonl:1: discount: unknown field")
importcase("JSON Lines: GBK bytes", "enterprises", "e.jsonl",
           b'{"credit_code":"' + CODE.encode() + b'","name":"' + "北京".encode("gbk") + b'","registered_in_chaoyang":true}\n',
           {2}, r"e\.jsonl:1: .*not UTF-8")
importcase("JSON Lines: nesting 100,000 deep", "trades", "t.jsonl", deep(100_000) + "\n", {2}, r"t\.jsonl:1: .*nested deeper")
importcase("unknown kind", "payments", "t.csv", T, {2}, r"payments")
importcase("file that is not .csv or .jsonl", "trades", "t.txt", T, {2}, r"expected a \.csv or \.jsonl file")


B = "bursar eval --batch / simulate (population files)"
GBK_NAME = "北京数据有限公司".encode("gbk")


def population(name, edit):
    """A generated population of 3 enterprises, with line 3 edited by `edit` (bytes -> bytes)."""
    code, _, err = run(["gen", "--seed", "1", "--enterprises", "3", "--years", "1", "--out", name])
    assert code == 0, err
    with open(name, "rb") as f:
        lines = f.read().split(b"\n")
    lines[2] = edit(lines[2])
    write(name, b"\n".join(lines))


def csv_name(line):  # the name is the fifth cell; the four before it hold no comma
    cells = line.split(b",", 5)
    cells[4] = GBK_NAME
    return b",".join(cells)


def jsonl_name(line):
    return re.sub(rb'"name":"[^"]*"', b'"name":"' + GBK_NAME + b'"', line, count=1)


def batchcase(what, args, name, edit, pattern):
    def fn(server):
        population(name, edit)
        code, out, err = run(args)
        return code, err
    CASES.append((B, what, fn, {2}, pattern))


batchcase("eval --batch: CSV with an enterprise name in GBK", ["eval", "--batch", "pop.csv", "--out", "d.jsonl"], "pop.csv",
          csv_name, r"pop\.csv:3: applicant\.name: not UTF-8")
batchcase("simulate: CSV with an enterprise name in GBK", ["simulate", "pop.csv"], "pop.csv", csv_name,
          r"pop\.csv:3: applicant\.name: not UTF-8")
batchcase("eval --batch: JSON Lines with an enterprise name in GBK", ["eval", "--batch", "pop.jsonl", "--out", "d.jsonl"],
          "pop.jsonl", jsonl_name, r"pop\.jsonl:3: applicant\.name: not UTF-8")
batchcase("simulate: CSV with invalid UTF-8 inside the claims cell", ["simulate", "pop.csv"], "pop.csv",
          lambda line: line.replace(b'""measure""', b'""me\xffasure""', 1), r"pop\.csv:3: claims: not UTF-8")


P = "bursar check (policy)"


def policy_case(what, body, expect, pattern):
    def fn(server):
        d = os.path.join(work, "policy-" + str(abs(hash(what))))
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "policy.md"), "# P\n\n> [02.1] Text.\n\n```bursar\npolicy \"p\" version \"1\"\n"
              "fact volume: money \"volume\"\nmeasure 02 \"Two\"\n" + body + "\n```\n")
        code, out, err = run(["check", d])
        return code, out + err
    CASES.append((P, what, fn, expect, pattern))


ITEM = "item a cites [02.1]\n  from facts\n  when volume > RMB 0\n  amount {}\n  why \"x\"\n"
policy_case("items that refer to each other (a cycle)",
            ITEM.format("b") + ITEM.format("a").replace("item a", "item b"), {1}, r"unknown name 'b'")
policy_case("a parameter defined by itself", "param r: rate = r\n" + ITEM.format("volume"), {1}, r"policy\.md:\d+:\d+: error")
policy_case("100,000 nested parentheses", ITEM.format("(" * 100_000 + "volume" + ")" * 100_000), {1},
            r"nests deeper than 64 levels")
policy_case("100,000 nested 'not'", ITEM.format("volume").replace("when volume > RMB 0", "when " + "not " * 100_000 + "true"),
            {1}, r"nests deeper than 64 levels")
policy_case("one formula of 200,000 terms", ITEM.format(" + ".join(["volume"] * 100_000)), {1}, r"longer than 2000 tokens")
policy_case("if nested 10,000 deep", ITEM.format("if true then " * 10_000 + "volume" + " else volume" * 10_000), {1},
            r"nests deeper than 64 levels")


U = "bursar user / facts / app / audit / replay (CLI options)"


def cli_case(what, args, expect, pattern, stdin=b""):
    def fn(server):
        code, out, err = run(args, stdin)
        return code, err
    CASES.append((U, what, fn, expect, pattern))


cli_case("unknown role", ["user", "add", "u1", "--role", "superuser", "--password-stdin", "--db", DB], 2, r"role")
cli_case("overlong username (10,000 characters)", ["user", "add", "u" * 10_000, "--role", "officer", "--password-stdin", "--db", DB],
         2, r"username", (PASSWORD + "\n").encode())
cli_case("username with a line break", ["user", "add", "eve\nadmin", "--role", "officer", "--password-stdin", "--db", DB], 2,
         r"username", (PASSWORD + "\n").encode())
cli_case("applicant with an invalid credit code",
         ["user", "add", "acme", "--role", "applicant", "--enterprise", "911101051000000008", "--password-stdin", "--db", DB],
         2, r"credit code|enterprise", (PASSWORD + "\n").encode())
cli_case("duplicate username", ["user", "add", "olga", "--role", "officer", "--password-stdin", "--db", DB], {1, 2},
         r"olga", (PASSWORD + "\n").encode())
cli_case("short password", ["user", "add", "user2", "--role", "officer", "--password-stdin", "--db", DB], 2, r"12 characters",
         b"short\n")
cli_case("facts: invalid credit code", ["facts", "911101051000000008", "2025", "--db", DB], 2, r"credit_code")
cli_case("facts: year not a number", ["facts", CODE, "20x5", "--db", DB], 2, r"year|YEAR")
cli_case("facts: huge year", ["facts", CODE, "9" * 30, "--db", DB], 2, r"year|YEAR")
cli_case("app create: malformed claim JSON", ["app", "create", CODE, "2025", "--claim", '{"measure": "03",', "--db", DB], 2,
         r"claim")
cli_case("app create: duplicate key in the claim",
         ["app", "create", CODE, "2025", "--claim", '{"measure":"03","assessed":"1","assessed":"99999999"}', "--db", DB], 2,
         r'"assessed" appears twice')
cli_case("app create: unknown measure", ["app", "create", CODE, "2025", "--claim", '{"measure":"99"}', "--db", DB], 2,
         r"measure")
cli_case("app create: a claim the policy refuses", ["app", "create", CODE, "2025", "--claim",
                                                    '{"measure":"03","assessed":"lots"}', "--db", DB], 2,
         r"claim\.assessed: expected a money string")
cli_case("app propose: a measure that is not apply-free",
         ["app", "propose", "2025", "--measure", "03", "--codes", "/dev/null", "--db", DB], 2,
         r'"03" is not an apply-free measure of the policy \(04, 05\)')
cli_case("audit log --from not a number", ["audit", "log", "--from", "abc", "--db", DB], 2, r"--from")
cli_case("audit log --limit negative", ["audit", "log", "--limit", "-5", "--db", DB], 2, r"--limit")
cli_case("replay: id not a number", ["replay", "abc", "--db", DB], 2, r"abc|DECISION|id")
cli_case("replay: huge id", ["replay", "9" * 30, "--db", DB], 2, r"id|DECISION|9{10}")
cli_case("gen: negative count", ["gen", "--seed", "1", "--enterprises", "-5", "--years", "1", "--out", "p.csv"], 2,
         r"--enterprises")
cli_case("gen: seed past 2^64", ["gen", "--seed", "9" * 30, "--enterprises", "1", "--years", "1", "--out", "p.csv"], 2,
         r"--seed")


H = "HTTP API (bursar serve)"


def http_case(what, method, path, body, headers, expect, pattern, raw=None):
    def fn(server):
        if raw is not None:
            return raw_http(server, raw)
        return http(server, method, path, body, headers)
    CASES.append((H, what, fn, expect, pattern))


J = {"Content-Type": "application/json"}
bad_case = lambda text: text.encode("utf-8") if isinstance(text, str) else text
http_case("evaluation: malformed JSON", "POST", "/api/evaluations", b'{"year": 2025,', J, {400, 422}, r"line 1, column")
http_case("evaluation: wrong type", "POST", "/api/evaluations", bad_case(case_text(lambda c: c.__setitem__("year", "x"))), J,
          422, r'"field":"year"')
http_case("evaluation: huge money", "POST", "/api/evaluations",
          bad_case(case_text(lambda c: c["claims"][0].__setitem__("assessed", "9" * 40))), J, 422,
          r'"field":"claims\[0\]\.assessed"')
http_case("evaluation: invalid credit code", "POST", "/api/evaluations",
          bad_case(case_text(lambda c: c["applicant"].__setitem__("id", "91110105MA01C9XY28"))), J, 422,
          r'"field":"applicant\.id"')
http_case("evaluation: unknown field", "POST", "/api/evaluations",
          bad_case(case_text(lambda c: c["facts"].__setitem__("listed_products", 3))), J, 422, r'"field":"facts\.listed_products"')
http_case("evaluation: duplicate key", "POST", "/api/evaluations",
          bad_case(case_text().replace('"year": 2025', '"year": 2025, "year": 2024', 1)), J, 422, r'"field":"year"')
http_case("evaluation: GBK bytes", "POST", "/api/evaluations",
          case_text(lambda c: c["applicant"].__setitem__("name", "北京")).encode("gbk"), J, 400, r"not UTF-8")
http_case("evaluation: nesting 100,000 deep", "POST", "/api/evaluations", deep(100_000).encode(), J, 400, r"nested deeper")
http_case("evaluation: body over 1 MiB", "POST", "/api/evaluations", b" " * (2 << 20), J, 413, r"larger than")
http_case("evaluation: not JSON content type", "POST", "/api/evaluations", b"a,b\n", {"Content-Type": "text/csv"}, 415,
          r"application/json")
http_case("evaluation: unknown query parameter", "POST", "/api/evaluations?explian=true", bad_case(case_text()), J, 400,
          r'"field":"query\.explian"')
http_case("evaluation: set= without a value", "POST", "/api/evaluations?set=trading_rate", bad_case(case_text()), J, 400,
          r'"field":"query\.set"')
http_case("evaluation: set= with a huge rate", "POST", "/api/evaluations?set=trading_rate%3D" + "9" * 300 + "%25",
          bad_case(case_text()), J, {400, 422}, r"trading_rate")
http_case("login: malformed JSON", "POST", "/api/sessions", b'{"username":', J, {400, 422}, r"JSON")
http_case("login: wrong type", "POST", "/api/sessions", b'{"username": 5, "password": "x"}', J, 422, r'"field":"username"')
http_case("login: unknown field", "POST", "/api/sessions",
          json.dumps({"username": "olga", "password": PASSWORD, "role": "admin"}).encode(), J, 422, r'"field":"role"')
http_case("login: duplicate key", "POST", "/api/sessions",
          ('{"username":"mallory","username":"olga","password":"' + PASSWORD + '"}').encode(), J, 422,
          r'"field":"username"')
http_case("login: overlong username (500 KB)", "POST", "/api/sessions",
          json.dumps({"username": "u" * 500_000, "password": "x"}).encode(), J, {401, 422}, r"")
http_case("login: invalid UTF-8", "POST", "/api/sessions", b'{"username":"\xff\xfe","password":"x"}', J, 400, r"not UTF-8")
http_case("measure: overlong id", "GET", "/api/policy/measures/" + "9" * 10_000, b"", {}, {404, 414}, r"")
http_case("request line: invalid UTF-8 in the path", None, None, None, None, {0, 400, 404}, r"",
          raw=b"GET /api/policy/measures/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
http_case("header: Content-Length larger than the body", None, None, None, None, {0, 400, 408, 413}, r"",
          raw=b"POST /api/evaluations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}")
http_case("header: negative Content-Length", None, None, None, None, {0, 400}, r"",
          raw=b"POST /api/evaluations HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}")
http_case("request: not HTTP at all", None, None, None, None, {0, 400}, r"", raw=bytes(range(256)) * 4)


# ---- run ----------------------------------------------------------------------
def main():
    setup()
    server = Server()
    before = snapshot()
    rows, failures = [], 0
    start = time.time()
    for area, what, fn, expect, pattern in CASES:
        expect = expect if isinstance(expect, set) else {expect}
        try:
            code, text = fn(server)
        except Exception as e:  # a crash of the harness is a failure too
            code, text = -1, f"{type(e).__name__}: {e}"
        after = snapshot()
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        problems = []
        if code not in expect:
            problems.append(f"got {code}, expected {'/'.join(map(str, sorted(expect)))}")
        if pattern and not re.search(pattern, text):
            problems.append(f"error does not match /{pattern}/")
        if changed:
            problems.append("store changed: " + ", ".join(changed))
        if server.p.poll() is not None:
            problems.append("the server died")
            server = Server()
        message = " ".join(text.strip().split())[:160]
        if problems:
            failures += 1
            print(f"FAIL [{area}] {what}: {'; '.join(problems)}\n     {message}")
        rows.append((area, what, code, message, "unchanged" if not changed else "CHANGED", "ok" if not problems else "FAIL"))
        before = after
    server.stop()
    elapsed = time.time() - start
    if TABLE:
        with open(TABLE, "w", encoding="utf-8") as f:
            f.write("| area | input | exit / status | error (first 160 characters) | store | verdict |\n|---|---|---|---|---|---|\n")
            for area, what, code, message, store, verdict in rows:
                m = message.replace("|", "\\|")
                f.write(f"| {area} | {what} | {code} | `{m}` | {store} | {verdict} |\n")
    print(f"bad input: {len(rows)} cases in {elapsed:.1f} s")
    print(f"{len(rows) - failures} passed, {failures} failed")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
