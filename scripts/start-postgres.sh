#!/usr/bin/env bash
# Starts a PostgreSQL server (Debian's package) for bursar's tests and prints
# its URL on standard output, e.g. postgresql://bursar@127.0.0.1:55432/bursar_test
#
# Idempotent and safe to run from many processes at once (a lock serialises
# them; a running server is reused). The cluster lives in $BURSAR_PG_DIR
# (default /tmp/bursar-pg) and listens on 127.0.0.1:$BURSAR_PG_PORT (default
# 55432) with trust authentication, fsync off: a disposable test server, never
# a production one. The URL is also written to $BURSAR_PG_DIR/url.
#
# Run as root, the server runs as the `postgres` user; otherwise as the caller.
# Stop it with: scripts/start-postgres.sh --stop
set -euo pipefail

dir=${BURSAR_PG_DIR:-/tmp/bursar-pg}
port=${BURSAR_PG_PORT:-55432}
db=bursar_test
role=bursar

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bindir" || ! -x "$bindir/pg_ctl" ]]; then
  echo "start-postgres: no PostgreSQL server installed (apt-get install postgresql)" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(runuser -u postgres --)
fi

mkdir -p "$dir"
if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
exec 9>"$dir.lock"
flock 9

# fd 9 (the lock) is closed for pg_ctl so the server does not inherit and hold it.
pgctl() { "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" "$@" 9>&-; }

if [[ ${1:-} == --stop ]]; then
  if pgctl status >/dev/null 2>&1; then pgctl -m fast -w stop >/dev/null; fi
  exit 0
fi

if [[ ! -f "$dir/data/PG_VERSION" ]]; then
  "${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
fi

if ! pgctl status >/dev/null 2>&1; then
  pgctl -w -t 60 -l "$dir/server.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>"$dir/start.err" || { cat "$dir/start.err" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
  # A server killed without its shutdown leaves its pid file: pg_ctl warns
  # "another server might be running" and starts. Only the URL is printed
  # (callers read it as the only line).
fi

psql_admin() { "${as_owner[@]}" psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"; }
if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'") ]]; then
  psql_admin -c "CREATE ROLE $role LOGIN CREATEDB"
fi
if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
  psql_admin -c "CREATE DATABASE $db OWNER $role"
fi

url="postgresql://$role@127.0.0.1:$port/$db"
echo "$url" >"$dir/url"
echo "$url"
