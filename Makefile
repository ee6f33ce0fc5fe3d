# The front door. `make help` lists the targets.
BUILD ?= build
DEBUG_BUILD ?= build-debug
FUZZ_SECONDS ?= 600
JOBS ?= $(shell nproc)

.PHONY: help deps build debug test test-debug demo example check-policy clean bench bench-peers bench-district fuzz-build fuzz-short fuzz fuzz-merge

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

deps:  ## install Debian packages this project needs (root)
	scripts/install-deps.sh

# Optimised, with -g1: function names and line tables (enough for backtraces
# and perf profiles) at 60% of the compile time of full debug information.
build:  ## release build; the CLI lands at build/bursar
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
	  -DBURSAR_WERROR=$${BURSAR_WERROR:-OFF} -DBURSAR_UNITY=$${BURSAR_UNITY:-OFF} >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# The sanitizer build: clang, AddressSanitizer and UBSan at -O1 (as ASan's
# documentation advises: much faster tests than -O0), and the libFuzzer targets
# in the same build, so `make test-debug` and `make fuzz-short` share one compile.
# Line tables only: sanitizer reports name file and line, and it compiles faster than -g.
# (A build-debug/ configured with another compiler: `make clean` first.)
debug:  ## sanitizer build (clang, ASan + UBSan) of everything and the fuzz targets in build-debug/
	CXX=clang++ cmake -S . -B $(DEBUG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -O1" \
	  -DBURSAR_FUZZ=ON -DBURSAR_WERROR=$${BURSAR_WERROR:-OFF} -DBURSAR_UNITY=$${BURSAR_UNITY:-OFF} >/dev/null
	cmake --build $(DEBUG_BUILD) -j $(JOBS) --target all fuzzers

test: build  ## every test, on the release build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-debug: debug  ## every test, under the sanitizers
	ctest --test-dir $(DEBUG_BUILD) --output-on-failure -j $(JOBS)

demo:  ## build everything and serve the Chaoyang policy, API and web app with a demo database
	scripts/demo.sh

example: build  ## decide the example case of CASES.md with its explanation
	$(BUILD)/bursar eval --explain examples/cases-md-example.json

check-policy: build  ## check the shipped policy and run its own tests
	$(BUILD)/bursar check policies/chaoyang-data-element
	$(BUILD)/bursar test policies/chaoyang-data-element

bench-peers: build  ## bursar against the peer rules engines on the reference rule (BENCH_N, default 100000)
	bench/peers.sh $${BENCH_N:-100000}

bench-district: build  ## a district (ENTERPRISES, default 100000: 5 M evidence rows) on SQLite and PostgreSQL: import, propose, decide, API p50/p99
	BIN=$(BUILD) bench/district/run.sh

bench: build  ## Google Benchmark micro-benchmarks of the evaluators (build/bench_batch)
	cmake --build $(BUILD) --target bench_batch
	$(BUILD)/bench_batch --benchmark_counters_tabular=true

fuzz-build: debug  ## the libFuzzer targets (they live in the sanitizer build, build-debug/)

fuzz-short: fuzz-build  ## every fuzz target for 20 s, one per core at a time (CI)
	fuzz/run.sh $(DEBUG_BUILD) 20

fuzz: fuzz-build  ## every fuzz target for FUZZ_SECONDS each (default 600); FUZZ_TARGETS to pick
	fuzz/run.sh $(DEBUG_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-merge:  ## fold new coverage-adding inputs of the last fuzz run into fuzz/corpus/
	fuzz/run.sh --merge $(DEBUG_BUILD) 0 $(FUZZ_TARGETS)

clean:  ## remove build folders
	rm -rf $(BUILD) $(DEBUG_BUILD) build-fuzz
