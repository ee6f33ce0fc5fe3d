# shellcheck shell=bash disable=SC2034  # the variables set here are read by the scripts that source it
# Shell functions shared by the store benchmarks (scripts/bench-decide.sh,
# bench/district/run.sh). Source it from a script that runs with
# `set -euo pipefail`:
#   . "$(dirname "$0")/bench-lib.sh"

# The nine kinds of evidence, in an order the import accepts (enterprises first).
BENCH_EVIDENCE_KINDS=(enterprises listings certificates fs_inclusions trades filings exports projects platforms)

# bench_schema_url BASE_URL SCHEMA: the PostgreSQL URL whose connections use
# SCHEMA (the schema is made and dropped by the caller, with psql).
bench_schema_url() {
  local base=$1 schema=$2
  printf '%s%soptions=-csearch_path%%3D%s\n' "$base" "$([[ $base == *\?* ]] && echo '&' || echo '?')" "$schema"
}

# bench_timed DIR LABEL COMMAND...: runs COMMAND with its standard output in
# DIR/out and its standard error in DIR/err, and sets bench_wall and bench_cpu
# (user+sys seconds of the process; a PostgreSQL server's own work is not in
# it). When COMMAND fails, prints LABEL, the exit status and the tail of its
# standard error, and returns 1.
bench_timed() {
  local dir=$1 label=$2 status=0
  shift 2
  /usr/bin/time -f "%e %U %S" -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || status=$?
  if ((status != 0)); then
    echo "$label failed (exit $status): $*" >&2
    tail -n 8 "$dir/err" >&2
    return 1
  fi
  local user sys
  read -r bench_wall user sys <"$dir/time"
  bench_cpu=$(echo "$user + $sys" | bc)
}

# bench_open_year BURSAR DB YEAR: confirms every draft of YEAR (as the
# enterprise would) and opens each for decision (as the officer would), with
# the ordinary commands in batches of command lines. Not timed: a district's
# enterprises confirm their proposals over weeks.
bench_open_year() {
  local bursar=$1 db=$2 year=$3
  "$bursar" app list --year "$year" --state draft --ids --db "$db" |
    xargs -r -n 5000 "$bursar" app submit --db "$db" >/dev/null
  "$bursar" app list --year "$year" --state submitted --ids --db "$db" |
    xargs -r -n 5000 "$bursar" app review --db "$db" >/dev/null
}
