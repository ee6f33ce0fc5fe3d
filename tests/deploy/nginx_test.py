#!/usr/bin/env python3
"""The deployment of deploy/ on this machine, attacked (ctest deploy_nginx).

Starts PostgreSQL (scripts/start-postgres.sh, a fresh schema), two `bursar
serve` processes run as deploy/systemd/bursar@.service runs them, and nginx
(Debian's) with deploy/nginx/'s files and a self-signed certificate made
here. Then, through nginx over TLS only:

  - the programme with split roles: the data bureau uploads the evidence, an
    applicant applies, an officer opens review, a reviewer scores, the
    officer decides and publishes; after the notice (the servers' test
    clock) the officer finalises, one finance account orders the payment
    and a second approves it: paid. The officer cannot pay, the ordering
    account cannot approve its own order. Both servers answered part of it.
  - login throttling per client behind the proxy: five failures from one
    client lock that client out of the account (429 from bursar), not
    another client; a forged X-Forwarded-For does not escape the count;
    nginx's own rate limit answers 429 to a flood.
  - smuggling: two Content-Lengths, an unknown Transfer-Encoding, both
    headers: refused, and the request hidden in the body reaches no server.
  - slow clients: 40 connections trickling their headers do not delay a
    quick client, and nginx cuts them off.
  - a body over 1 MiB is 413; plain HTTP is redirected to HTTPS.

usage: nginx_test.py BURSAR_EXE REPO_ROOT
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

bursar, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
deploy = os.path.join(root, "deploy")
PASSWORD = "correct horse battery staple"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return ok


def free_port():
    # A free port below the kernel's ephemeral range (32768-60999 by default):
    # a port bind(0) hands out is free only until some other process's
    # outgoing connection takes it, and the tests that run beside this one
    # (the load runs) open thousands, so nginx or a server could find the
    # port taken by the time it binds.
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(10000, min(low, 32768))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    sys.exit("nginx_test: no free port below the ephemeral range")


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"nginx_test: {' '.join(args[:4])} ... failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


nginx = shutil.which("nginx") or "/usr/sbin/nginx"
if not os.access(nginx, os.X_OK):
    sys.exit("nginx_test: no nginx (apt-get install nginx; scripts/install-deps.sh installs it)")

tmp = tempfile.mkdtemp(prefix="bursar-deploy-")
os.chmod(tmp, 0o755)  # nginx's workers run as another user when we are root
procs = []


drop_schema = []


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    for command in drop_schema:
        subprocess.run(command, capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)


try:
    # ---- PostgreSQL: a fresh schema of the test server --------------------
    base = run([os.path.join(root, "scripts/start-postgres.sh")]).strip()
    schema = "deploy_" + uuid.uuid4().hex[:12]
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base]
    run(psql + ["-c", f"CREATE SCHEMA {schema}"])
    drop_schema.append(psql + ["-c", f"DROP SCHEMA {schema} CASCADE"])
    db = base + ("&" if "?" in base else "?") + "options=-csearch_path%3D" + schema

    # The servers' clock is a file the test moves on (BURSAR_TEST_MODE):
    # the notice period passes in a second.
    clock = os.path.join(tmp, "clock")

    def set_clock(utc):
        with open(clock, "w") as f:
            f.write(utc + "\n")

    set_clock(time.strftime("%Y-%m-%dT04:00:00.000Z", time.gmtime()))
    env = dict(os.environ, BURSAR_TEST_MODE="1", BURSAR_TEST_CLOCK="file:" + clock)
    secret = os.path.join(tmp, "bursar.secret")
    run([bursar, "db", "init", "--db", db], env=env)
    evidence = os.path.join(tmp, "evidence")
    run(["python3", os.path.join(root, "scripts/gen-evidence.py"), evidence, "--enterprises", "40", "--trades",
         "2000", "--seed", "7"])
    # The enterprises first (accounts name one); the data bureau uploads the rest through nginx.
    run([bursar, "import", "enterprises", os.path.join(evidence, "enterprises.csv"), "--db", db], env=env)
    lines = open(os.path.join(evidence, "enterprises.csv")).read().splitlines()
    code1 = lines[1].split(",")[0]
    accounts = [("app1", "applicant"), ("alice", "reviewer"), ("officer", "officer"), ("finance", "finance"),
                ("finance2", "finance"), ("bureau", "data-bureau"), ("auditor", "auditor")]
    for name, role in accounts:
        args = [bursar, "user", "add", name, "--role", role, "--password-stdin", "--db", db]
        if role == "applicant":
            args += ["--enterprise", code1]
        run(args, input=PASSWORD + "\n", env=env)

    # ---- two servers, as deploy/systemd/bursar@.service starts them ------
    unit = open(os.path.join(deploy, "systemd/bursar@.service")).read()
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1).split()
    check(exec_start[:2] == ["/usr/local/bin/bursar", "serve"], "the unit runs bursar serve")
    backends = []
    for i in range(2):
        port = free_port()
        log = os.path.join(tmp, f"serve-{i}.log")
        subst = {"%i": str(port), "${BURSAR_DB}": db, "${BURSAR_POLICY}": os.path.join(root, "policies/chaoyang-data-element"),
                 "${BURSAR_WEB_DIR}": "none", "/etc/bursar/bursar.secret": secret}
        args = [bursar] + [a for a in exec_start[1:]]
        for k, v in subst.items():
            args = [a.replace(k, v) for a in args]
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "w"), env=env))
        backends.append((port, log))
    for port, log in backends:
        for _ in range(300):
            if '"event":"listening"' in open(log).read():
                break
            time.sleep(0.1)
        else:
            sys.exit(f"nginx_test: a server did not start:\n{open(log).read()}")

    # ---- nginx with deploy/nginx/, a self-signed certificate made here ---
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert])
    os.chmod(key, 0o644)
    https_port, http_port = free_port(), free_port()
    site = open(os.path.join(deploy, "nginx/bursar-site.conf")).read()
    # The shipped site, with this machine's ports, certificate and servers.
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("/etc/ssl/bursar/fullchain.pem", cert).replace("/etc/ssl/bursar/privkey.pem", key)
    site = site.replace("/etc/nginx/bursar/bursar-proxy.conf", os.path.join(deploy, "nginx/bursar-proxy.conf"))
    site = site.replace("https://$host$request_uri", f"https://$host:{https_port}$request_uri")
    site = site.replace("server 127.0.0.1:8081", f"server 127.0.0.1:{backends[0][0]}")
    site = site.replace("server 127.0.0.1:8082", f"server 127.0.0.1:{backends[1][0]}")
    check(site.count(f"127.0.0.1:{backends[1][0]}") == 1, "the site names two servers")
    for d in ["body", "proxy", "fastcgi", "uwsgi", "scgi"]:
        os.makedirs(os.path.join(tmp, "nginx", d), exist_ok=True)
        os.chmod(os.path.join(tmp, "nginx", d), 0o777)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""{'user root;' if os.getuid() == 0 else ''}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    include {deploy}/nginx/bursar-limits.conf;
{site}
}}
""")
    run([nginx, "-t", "-q", "-c", conf, "-p", tmp, "-e", os.path.join(tmp, "nginx-error.log")])
    procs.append(subprocess.Popen([nginx, "-c", conf, "-p", tmp, "-e", os.path.join(tmp, "nginx-error.log"),
                                   "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    ctx = ssl.create_default_context(cafile=cert)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)

    api_sent = [0]  # API requests sent through nginx: what the servers' logs must come to

    def request(method, path, body=None, who=None, headers=None, source="127.0.0.1", content_type="application/json"):
        # The certificate names 127.0.0.1 too; the source address is the "client".
        if path.startswith("/api/"):
            api_sent[0] += 1
        c = http.client.HTTPSConnection("127.0.0.1", https_port, context=ctx, timeout=60, source_address=(source, 0))
        h = dict(headers or {})
        if who:
            h["Authorization"] = "Bearer " + tokens[who]
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None:
            h["Content-Type"] = content_type
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return r.status, parsed, data

    # Bearer tokens for the walk (a token acts as its account's role).
    tokens = {}
    for name, _ in accounts:
        out = run([bursar, "user", "token", name, "--name", "deploy", "--days", "90", "--secret-file", secret,
                   "--db", db], env=env)
        tokens[name] = re.search(r"bst_[A-Za-z0-9_-]+", out).group(0)

    # ---- the walk with split roles ----------------------------------------
    for kind in ["listings", "certificates", "fs_inclusions", "trades", "filings", "exports", "projects"]:
        body = open(os.path.join(evidence, kind + ".csv"), "rb").read()
        status, report, raw = request("POST", f"/api/evidence/{kind}", body, "bureau", content_type="text/csv")
        check(status == 200 and report and report.get("committed") is True, f"the data bureau uploads {kind}: {status} {raw[:300]!r}")
    status, app, raw = request("POST", "/api/applications",
                               {"credit_code": code1, "year": 2025, "claim": {"measure": "03", "assessed": "4200000"}},
                               "app1")
    check(status == 201, f"the applicant applies: {status} {raw[:300]!r}")
    app_id = app["id"] if app else 0
    steps = [("app1", "POST", f"/api/applications/{app_id}/submission", {}, 200),
             ("officer", "POST", f"/api/applications/{app_id}/review", {"reviewers": ["alice"]}, 200),
             ("alice", "PUT", f"/api/applications/{app_id}/reviews/alice",
              {"scores": {"effectiveness": 80}, "proposed": "3000000.00", "opinion": "同意支持。"}, 200),
             ("officer", "POST", f"/api/applications/{app_id}/decisions", {}, 201),
             ("officer", "POST", f"/api/applications/{app_id}/notice", {}, 200)]
    notice = None
    for who, method, path, body, want in steps:
        status, got, raw = request(method, path, body, who)
        check(status == want, f"{who} {method} {path}: {status} {raw[:300]!r}")
        if path.endswith("/notice"):
            notice = got
    until = notice["notice_until"] if notice else "2099-01-01"
    y, m, d = map(int, until.split("-"))
    after = time.strftime("%Y-%m-%d", time.gmtime(time.mktime((y, m, d + 2, 12, 0, 0, 0, 0, 0))))
    set_clock(after + "T04:00:00.000Z")
    status, final, raw = request("POST", f"/api/applications/{app_id}/finalisation", {}, "officer")
    check(status == 200, f"the officer finalises after the notice: {status} {raw[:300]!r}")
    total = final["total"] if final else "1.00"
    status, _, _ = request("POST", f"/api/applications/{app_id}/payments", {"amount": total, "reference": "DEPLOY-1"},
                           "officer")
    check(status == 403, f"the officer who decided cannot pay: {status}")
    status, ordered, raw = request("POST", f"/api/applications/{app_id}/payments",
                                   {"amount": total, "reference": "DEPLOY-1"}, "finance")
    check(status == 202, f"a finance account orders the payment: {status} {raw[:300]!r}")
    status, orders, _ = request("GET", "/api/payment-orders?state=pending", None, "finance")
    order = orders["items"][0]["id"] if orders and orders.get("items") else 0
    status, _, _ = request("POST", f"/api/payment-orders/{order}/approval", {"approve": True}, "finance")
    check(status == 403, f"the ordering account cannot approve its own order: {status}")
    status, paid, raw = request("POST", f"/api/payment-orders/{order}/approval", {"approve": True}, "finance2")
    check(status == 200, f"a second finance account approves: {status} {raw[:300]!r}")
    status, detail, _ = request("GET", f"/api/applications/{app_id}", None, "auditor")
    check(detail and detail.get("state") == "paid" and detail["payments"][0]["amount"] == total,
          f"the application is paid its total {total}: {detail and detail.get('state')}")
    print(f"walk: application {app_id} paid {total} by finance + finance2", flush=True)
    def answered():
        return [sum(1 for l in open(log) if '"path":"/api/' in l) for _, log in backends]

    # A server writes its request log from a thread of its own, about every
    # 100 ms (src/server/log_writer.h), later on a busy machine: read the logs
    # once they hold every request of the walk (nginx may have tried one
    # request on both servers, so at least as many).
    deadline = time.time() + 30
    while sum(answered()) < api_sent[0] and time.time() < deadline:
        time.sleep(0.1)
    counts = answered()
    check(sum(counts) >= api_sent[0], f"the servers logged every request of the walk: {counts} of {api_sent[0]}")
    for (port, _), n in zip(backends, counts):
        print(f"walk: the server on {port} answered {n} API requests", flush=True)
        check(n >= 3, f"the server on {port} answered part of the walk ({n} API requests)")

    # ---- login throttling per client behind the proxy --------------------
    def login(username, password, source, forwarded=None):
        h = {"X-Forwarded-For": forwarded} if forwarded else {}
        return request("POST", "/api/sessions", {"username": username, "password": password}, headers=h,
                       source=source)

    for i in range(5):
        check(login("officer", "wrong password", "127.0.0.2")[0] == 401, f"failure {i} is 401")
    status, err, raw = login("officer", PASSWORD, "127.0.0.2", forwarded="198.51.100.9")
    check(status == 429 and err and err["error"]["code"] == "too_many_requests",
          f"the 6th attempt of that client, forged X-Forwarded-For or not, is bursar's 429: {status} {raw[:200]!r}")
    status, _, raw = login("officer", PASSWORD, "127.0.0.3")
    check(status == 201, f"another client behind the same proxy signs in: {status} {raw[:200]!r}")
    # bursar's 429 is JSON; nginx's own (its rate limit) is not.
    flood = [login("nobody", "x", "127.0.0.4") for _ in range(25)]
    by_nginx = sum(1 for status, parsed, _ in flood if status == 429 and parsed is None)
    print(f"login flood: {[f[0] for f in flood]} ({by_nginx} by nginx)", flush=True)
    check(by_nginx >= 10 and {f[0] for f in flood} <= {401, 429},
          f"nginx limits logins to 10 a minute per address (burst 10): {[f[0] for f in flood]}, {by_nginx} by nginx")

    # ---- smuggling ---------------------------------------------------------
    def raw_exchange(payload, seconds=15):
        s = socket.create_connection(("127.0.0.1", https_port), timeout=seconds)
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.sendall(payload)
        got = b""
        start = time.time()
        try:
            while time.time() - start < seconds:
                chunk = t.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ssl.SSLError, ConnectionError):
            pass
        t.close()
        return got

    # The log has a request's path, not its query: the hidden request's path
    # is its own, so that the logs would show it had it got through.
    hidden = b"GET /api/smuggled-request HTTP/1.1\r\nHost: localhost\r\n\r\n"
    body = b"{}" + hidden
    start = b"POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    for name, headers in [
        ("two Content-Lengths", b"Content-Length: 2\r\nContent-Length: %d\r\n" % len(body)),
        ("an unknown transfer coding", b"Content-Length: %d\r\nTransfer-Encoding: xchunked\r\n" % len(body)),
        ("both lengths", b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n"),
    ]:
        got = raw_exchange(start + headers + b"\r\n" + body)
        statuses = re.findall(rb"HTTP/1\.1 (\d{3})", got)
        print(f"smuggling, {name}: answers {[x.decode() for x in statuses]}", flush=True)
        check(statuses and statuses[0] in (b"400", b"501") and len(statuses) == 1,
              f"{name}: refused once, nothing more answered: {statuses}")
    # A request sent to each server directly after the attempts: once its
    # log holds that one, it holds whatever was smuggled before it.
    for port, log in backends:
        marker = f"/api/after-smuggling-{uuid.uuid4().hex}"
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", marker)
        c.getresponse().read()
        c.close()
        deadline = time.time() + 30
        while marker not in open(log).read() and time.time() < deadline:
            time.sleep(0.1)
        text = open(log).read()
        check(marker in text, f"the server on {port} logged the request sent after the smuggling attempts")
        check("/api/smuggled-request" not in text, f"no smuggled request reached the server on {port}")

    # ---- slow clients ------------------------------------------------------
    slow, cut = [], []

    def trickle():
        try:
            s = socket.create_connection(("127.0.0.1", https_port), timeout=30)
            t = ctx.wrap_socket(s, server_hostname="localhost")
            t.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            opened = time.time()
            for i in range(40):
                time.sleep(1)
                t.sendall(b"X-Slow-%d: 1\r\n" % i)
            cut.append(None)  # never cut off
        except (OSError, ssl.SSLError):
            cut.append(time.time() - opened)

    for _ in range(40):
        th = threading.Thread(target=trickle)
        th.start()
        slow.append(th)
    time.sleep(2)
    t0 = time.time()
    status, _, _ = request("GET", "/healthz")
    quick = time.time() - t0
    print(f"slow clients: a quick client answered in {quick:.2f} s", flush=True)
    check(status == 200 and quick < 3, f"a quick client is answered while 40 trickle: {status} in {quick:.1f} s")
    for th in slow:
        th.join()
    print(f"slow clients: cut off after {min(c or 99 for c in cut):.1f}-{max(c or 99 for c in cut):.1f} s", flush=True)
    check(len(cut) == 40 and all(c is not None and c < 25 for c in cut),
          f"nginx cut every slow client off (header timeout 10 s): {sorted(c or -1 for c in cut)[:5]}...")

    # ---- body limit and plain HTTP ----------------------------------------
    status, _, _ = request("POST", "/api/evidence/trades", b"x" * (2 << 20), "bureau", content_type="text/csv")
    check(status == 413, f"a 2 MiB body is 413: {status}")
    c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    c.request("GET", "/api/notices")
    r = c.getresponse()
    check(r.status == 301 and r.getheader("Location", "").startswith("https://"),
          f"plain HTTP is redirected to HTTPS: {r.status} {r.getheader('Location')}")
    c.close()
finally:
    if failures:
        for name in ["nginx-error.log"]:
            p = os.path.join(tmp, name)
            if os.path.exists(p):
                print(f"--- {name} (last lines)\n" + "".join(open(p).readlines()[-20:]))
    cleanup()

if failures:
    print(f"deploy_nginx: {len(failures)} failure(s)")
    sys.exit(1)
print("deploy_nginx: the programme walked through nginx over TLS; throttling, smuggling, slow clients, limits held")
