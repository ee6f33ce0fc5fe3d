# The front door. `make help` lists the targets.
BUILD ?= build
DEBUG_BUILD ?= build-debug
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
JOBS ?= $(shell nproc)

.PHONY: help deps build debug test test-debug demo example check-policy clean bench bench-peers fuzz-build fuzz-short fuzz fuzz-merge

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

deps:  ## install Debian packages this project needs (root)
	scripts/install-deps.sh

build:  ## release build; the CLI lands at build/bursar
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBURSAR_WERROR=$${BURSAR_WERROR:-OFF} >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

debug:  ## debug build with AddressSanitizer and UBSan in build-debug/
	cmake -S . -B $(DEBUG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBURSAR_WERROR=$${BURSAR_WERROR:-OFF} >/dev/null
	cmake --build $(DEBUG_BUILD) -j $(JOBS)

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

bench: build  ## Google Benchmark micro-benchmarks of the evaluators (build/bench_batch)
	cmake --build $(BUILD) --target bench_batch
	$(BUILD)/bench_batch --benchmark_counters_tabular=true

fuzz-build:  ## libFuzzer targets with ASan + UBSan (clang) in build-fuzz/
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DBURSAR_FUZZ=ON -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -g" >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz-short: fuzz-build  ## every fuzz target for 25 s (CI)
	fuzz/run.sh $(FUZZ_BUILD) 25

fuzz: fuzz-build  ## every fuzz target for FUZZ_SECONDS each (default 600); FUZZ_TARGETS to pick
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-merge:  ## fold new coverage-adding inputs of the last fuzz run into fuzz/corpus/
	fuzz/run.sh --merge $(FUZZ_BUILD) 0 $(FUZZ_TARGETS)

clean:  ## remove build folders
	rm -rf $(BUILD) $(DEBUG_BUILD) $(FUZZ_BUILD)
