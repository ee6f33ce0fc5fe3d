#!/usr/bin/env bash
# Compares bursar with the peer rules engines on the reference rule (bench/reference.md),
# in one run on one machine, so the figures can be read as ratios.
#
# usage: bench/peers.sh [N]            (default N=100000; also BENCH_N)
#
# Environment:
#   BURSAR_PEERS_DIR  the read-only peer folder to copy
#                     (default: <repo>/../shared/bench/peers)
#   BURSAR_BUILD      bursar's build folder (default: <repo>/build)
#   BENCH_RUNS        timed runs per engine (default 3)
#   BENCH_ENGINES     fast engines, run on N records
#                     (default ref,zen,zen-par,zen-loop,jre,feelin-for)
#   BENCH_SLOW        engines that evaluate a few hundred to a few thousand records
#                     a second, run on BENCH_SLOW_N records so the whole comparison
#                     takes minutes, not hours (default feelin,dmn; empty: skip)
#   BENCH_SLOW_N      records for BENCH_SLOW (default: the smaller of N and 10000)
#   BENCH_CPP_FLAGS   g++ flags for the hand-written loop (default -O3: the flags bursar's
#                     batch evaluator, src/eval/batch.cc, is compiled with; no -march
#                     for either, so both use the base x86-64 instruction set)
#
# Writes, in $BURSAR_BUILD/peers/: population.csv (the records with case-format fact
# names and expected_total), data_N.bin/.checksum (for ref.cpp), results_N.json
# (bench.mjs), and summary_N.txt (one line per engine, as printed at the end).
#
# Exit status: 0 when every engine that ran matched the reference checksum, 1 when one
# did not (or a step failed), 2 for bad usage.
set -euo pipefail

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
peers_src=${BURSAR_PEERS_DIR:-$top/../shared/bench/peers}
build=${BURSAR_BUILD:-$top/build}
work=$build/peers
n=${1:-${BENCH_N:-100000}}
runs=${BENCH_RUNS:-3}
fast_engines=${BENCH_ENGINES:-ref,zen,zen-par,zen-loop,jre,feelin-for}
slow_engines=${BENCH_SLOW-feelin,dmn}

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "peers.sh: N must be a positive integer, got '$n'" >&2
  exit 2
fi
slow_n=${BENCH_SLOW_N:-$((n < 10000 ? n : 10000))}
if ! [[ $slow_n =~ ^[1-9][0-9]*$ ]]; then
  echo "peers.sh: BENCH_SLOW_N must be a positive integer, got '$slow_n'" >&2
  exit 2
fi
if [[ ! -f $peers_src/bench.mjs ]]; then
  echo "peers.sh: no bench.mjs in $peers_src (set BURSAR_PEERS_DIR)" >&2
  exit 2
fi
for tool in node npm g++; do
  command -v "$tool" >/dev/null || { echo "peers.sh: '$tool' is not installed" >&2; exit 2; }
done

log() { echo "peers.sh: $*" >&2; }

# ---------------------------------------------------------------- set up
# Copy only the sources (keeping their times), so a re-run keeps node_modules and
# skips a reinstall.
mkdir -p "$work"
cp -p "$peers_src"/*.mjs "$peers_src"/*.cpp "$peers_src"/*.dmn "$peers_src"/package.json "$work"/
cd "$work"
if [[ ! -d node_modules || package.json -nt node_modules ]]; then
  log "npm install in $work"
  npm install --no-audit --no-fund --loglevel=error >&2
  touch node_modules
fi

# Figures gathered for the summary: engine -> records/s, match (y/n), records.
declare -A rate=() match=() records=()

# ---------------------------------------------------------------- the JS engines
# run_node N ENGINES [bench.mjs options...]
run_node() {
  local count=$1 engines=$2
  shift 2
  local out=node_${count}_${engines//,/-}.log
  log "node bench.mjs --n $count --runs $runs --engines $engines $*"
  node bench.mjs --n "$count" --runs "$runs" --engines "$engines" "$@" | tee "$out"
  # Engine lines look like (bench.mjs, main):
  #   "zen-par     v0.54.0         66000 rec/s  runs=[...]  setup=.. ms  checksum=.. match=y"
  # and a failed setup prints "<key>: setup FAILED: <message>" (no rate: the
  # engine is then reported as not matching).
  local key ver rps rest
  while read -r key ver rps rest; do
    if [[ $ver == setup && $rps == FAILED:* ]]; then
      key=${key%:}
      match[$key]=n
      records[$key]=$count
      continue
    fi
    [[ $rest == rec/s* ]] || continue
    rate[$key]=$rps
    records[$key]=$count
    if [[ $rest == *match=y* ]]; then match[$key]=y; else match[$key]=n; fi
  done <"$out"
}

# ---------------------------------------------------------------- the hand-written C++ loop
run_ref() {
  local flags=${BENCH_CPP_FLAGS:--O3}
  log "g++ $flags -std=c++17 -o ref ref.cpp && ./ref data_$n.bin"
  # shellcheck disable=SC2086  # flags are words
  g++ $flags -std=c++17 -o ref ref.cpp
  local line status=0
  # ref exits 3 on a checksum mismatch; keep its line either way.
  line=$(./ref "data_$n.bin") || status=$?
  echo "$line"
  # "c++ -O2  N=100000 passes/run=2000 runs=3  median 412345678 rec/s  runs=[...]  checksum=.. expected=.. match=y"
  if [[ $line =~ median\ ([0-9]+)\ rec/s ]]; then
    rate[cpp-loop]=${BASH_REMATCH[1]}
    records[cpp-loop]=$n
    if [[ $line == *match=y* && $status -eq 0 ]]; then match[cpp-loop]=y; else match[cpp-loop]=n; fi
  else
    log "could not read ref's output (exit $status)"
    match[cpp-loop]=n
  fi
}

# ---------------------------------------------------------------- bursar
# >>> BURSAR SLOT <<<
# bursar's batch evaluator runs the reference rule (bench/reference.md, the policy in
# bench/) over population.csv, checks the sum of its totals against the checksum the
# peers used, and prints one line containing "median <R> rec/s" and "match=y|n".
# Until `bursar bench-ref` exists this reports that bursar is not yet built.
run_bursar() {
  local bursar=$build/bursar
  if [[ ! -x $bursar ]] || ! "$bursar" bench-ref --help >/dev/null 2>&1; then
    echo "bursar: not yet built (no 'bursar bench-ref' in $bursar)"
    return 0
  fi
  local line status=0
  line=$("$bursar" bench-ref --policy "$top/bench/reference" --runs "$runs" \
           --checksum "$(cat "data_$n.checksum")" population.csv) || status=$?
  echo "$line"
  if [[ $line =~ median\ ([0-9]+)\ rec/s ]]; then
    rate[bursar]=${BASH_REMATCH[1]}
    records[bursar]=$n
    if [[ $line == *match=y* && $status -eq 0 ]]; then match[bursar]=y; else match[bursar]=n; fi
  else
    log "could not read bursar's output (exit $status)"
    match[bursar]=n
  fi
}

# ---------------------------------------------------------------- summary
# Ratio a/b of two records/s figures, two decimals, integers only (no bc in the base image).
ratio() {
  local a=$1 b=$2
  if [[ -z $a || -z $b || $b == 0 ]]; then echo "n/a"; return; fi
  local hundredths=$(( (a * 100 + b / 2) / b ))
  printf '%d.%02d' $((hundredths / 100)) $((hundredths % 100))
}

run_node "$n" "$fast_engines" --write-data --write-csv population.csv
[[ -n $slow_engines ]] && run_node "$slow_n" "$slow_engines"
run_ref
run_bursar

{
  echo "N=$n runs=$runs cores=$(nproc) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for key in bursar cpp-loop ref zen zen-par zen-loop jre feelin feelin-for dmn; do
    [[ -n ${match[$key]:-} ]] || continue
    printf '%-11s %12s rec/s  N=%-8s match=%s\n' "$key" "${rate[$key]:-failed}" "${records[$key]}" "${match[$key]}"
  done
  # zen: the best of the three ZEN modes, the fairest comparison to ZEN.
  best_zen=""
  for key in zen zen-par zen-loop; do
    r=${rate[$key]:-}
    [[ -n $r && ( -z $best_zen || $r -gt $best_zen ) ]] && best_zen=$r
  done
  echo "summary: bursar/cpp-loop=$(ratio "${rate[bursar]:-}" "${rate[cpp-loop]:-}") bursar/zen=$(ratio "${rate[bursar]:-}" "$best_zen")"
} | tee "summary_$n.txt"

for key in "${!match[@]}"; do
  [[ ${match[$key]} == y ]] || { log "$key did not match the reference checksum"; exit 1; }
done
