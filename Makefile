# sessiontail — the two commands a new user runs are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: all deps build release demo test bench fuzz lint clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --product sessiontail

## Builds release, sessionizes the bundled real logs and prints a summary.
demo: release
	@scripts/demo.sh

## The whole suite (unit, property, CLI, real-log and PostgreSQL tests) against a throwaway
## PostgreSQL cluster that pg_virtualenv creates and removes.
test: deps
	swift build --build-tests
	pg_virtualenv swift test --skip-build --skip 'Restart|Torture'
	@# Tests that stop or restart PostgreSQL, kill the daemon, and run it through logrotate get a cluster of their
	@# own and run one at a time.
	pg_virtualenv swift test --skip-build --no-parallel --filter 'Restart|Torture'

## Throughput, gzip and memory figures against SPEC §8 targets (prints figures; never fails on a miss).
bench: deps
	@scripts/bench.sh

## libFuzzer targets (Fuzz/): the parser and format compilers, then write-ahead log recovery and the state
## decoders, each for FUZZ_SECONDS on one core. Fails on a crash (written to .build-fuzz/artifacts/).
FUZZ_SECONDS ?= 600
fuzz: deps
	scripts/fuzz.sh parser $(FUZZ_SECONDS)
	scripts/fuzz.sh journal $(FUZZ_SECONDS)

lint:
	swift format lint --strict --recursive Sources Tests Benchmarks Fuzz

clean:
	rm -rf .build .build-fuzz bench-data
