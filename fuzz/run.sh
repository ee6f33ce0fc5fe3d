#!/usr/bin/env bash
# Runs the libFuzzer targets for a while each: `make fuzz-short` (CI: 20 s a
# target, as many at once as there are cores) and `make fuzz FUZZ_SECONDS=...` (longer, by hand).
#
# usage: fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# The kept corpus fuzz/corpus/<target>/ is read, never written: new inputs go
# to BUILD_DIR/fuzz-corpus/<target>/ and crashes to BUILD_DIR/fuzz-findings/
# <target>/. Run `fuzz/run.sh --merge BUILD_DIR` afterwards to fold the new
# inputs that add coverage into the kept corpus (commit them). Exit status 1
# when any target found a crash, leak, timeout or broken invariant; the
# input is named on the last lines.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
if [[ ${1:-} == --merge ]]; then merge=1; shift; fi
build=${1:?usage: fuzz/run.sh [--merge] BUILD_DIR [SECONDS] [TARGET...]}
shift
seconds=${1:-20}
[[ $# -gt 0 ]] && shift
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(policy case population evidence http); fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One target: fuzz it, then say how it went; a failure leaves its name in
# $build/fuzz-failed/ (targets run side by side, so no shared variables).
run_one() {
  local t=$1 exe="$build/fuzz_$1"
  local work="$build/fuzz-corpus/$t" findings="$build/fuzz-findings/$t" log="$build/fuzz-$t.log"
  mkdir -p "$work" "$findings" "fuzz/corpus/$t"
  # -timeout: one input over 10 s is a hang; -rss_limit_mb: the machine is shared.
  if "$exe" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1; then
    local runs cov
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -oE 'cov: [0-9]+' || true)
    echo "== fuzz_$t ${seconds}s ok: ${runs:-?} inputs, ${cov:-cov: ?}" >&2
  else
    # What went wrong, in the log's own words (a broken invariant, an uncaught
    # exception, a sanitizer report), kept for the summary at the end, and each
    # finding's bytes in base64: a CI machine's findings folder is gone with it.
    grep -m 4 -E 'INVARIANT BROKEN|terminate called|what\(\):|Assertion|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
      "$log" >"$build/fuzz-failed/$t" || echo "(no cause line in $log)" >"$build/fuzz-failed/$t"
    { echo "== fuzz_$t FAILED (log: $log):"; tail -40 "$log"; ls "$findings"; } >&2
    for f in "$findings"/*; do
      [[ -f $f && $(stat -c %s "$f") -le 16384 ]] || continue
      echo "== $f (base64; \`base64 -d >FILE\` then build-debug/fuzz_$t FILE replays it):" >&2
      base64 -w 100 "$f" >&2
    done
  fi
}

for t in "${targets[@]}"; do
  [[ -x $build/fuzz_$t ]] || { echo "fuzz/run.sh: no $build/fuzz_$t (make fuzz-build)" >&2; exit 2; }
done
if ((merge)); then
  for t in "${targets[@]}"; do
    mkdir -p "$build/fuzz-corpus/$t" "fuzz/corpus/$t"
    "$build/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$build/fuzz-corpus/$t" 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' || true
  done
  exit 0
fi

# As many targets at once as there are cores (FUZZ_JOBS to change).
jobs=${FUZZ_JOBS:-$(nproc)}
rm -rf "$build/fuzz-failed" && mkdir -p "$build/fuzz-failed"
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time" >&2
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then wait -n || true; running=$((running - 1)); fi
  run_one "$t" &
  running=$((running + 1))
done
wait
failed=$(ls "$build/fuzz-failed")
if [[ -n $failed ]]; then
  for t in $failed; do sed "s/^/fuzz_$t: /" "$build/fuzz-failed/$t" >&2; done
  echo "fuzz: crashes in" $failed "; add each input under fuzz/corpus/<target>/ and fix" >&2
  exit 1
fi
