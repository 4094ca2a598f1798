# sessiontail — the two commands a new user runs are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: all deps build release demo test torture bench fuzz lint clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --product sessiontail

## Builds release; then nginx serves a minute of simulated visitors on a loopback port while `sessiontail run`
## follows its log through a logrotate, and the bundled real logs are shipped too (scripts/demo.sh).
demo: release
	@scripts/demo.sh

## The whole suite (unit, property, CLI, real-log and PostgreSQL tests) against a throwaway
## PostgreSQL cluster that pg_virtualenv creates and removes.
test: deps
	swift build --build-tests
	pg_virtualenv -t swift test --skip-build --skip 'Restart|Torture'
	@# Tests that stop or restart PostgreSQL, kill the daemon, and run it through logrotate get a cluster of their
	@# own and run one at a time.
	pg_virtualenv -t swift test --skip-build --no-parallel --filter 'Restart|Torture'
	@# The Debian package: built, linted, installed, run as its systemd unit runs it, purged.
	$(MAKE) package-test

## The Debian package, dist/sessiontail_<version>_<arch>.deb, built by dpkg-buildpackage from
## packaging/debian (its build dependencies installed first).
.PHONY: deb package-test systemd-test
deb:
	@scripts/install-deps.sh package
	scripts/build-deb.sh

## Installs the package on this machine (root), runs the installed daemon as its unit does against a
## throwaway PostgreSQL (a cluster of its own: -t), and purges it again; see the script for every check.
## Then the same .deb under a real systemd: make systemd-test.
package-test: deb
	pg_virtualenv -t scripts/package-test.sh
	scripts/systemd-test.sh

## The package in a Debian 12 guest booted by systemd-nspawn, systemd its PID 1, with PostgreSQL: the unit
## started, reloaded, sandboxed, killed by its watchdog, failing for good; see the script for every check.
systemd-test: deb
	scripts/systemd-test.sh

## The torture tests at length, under a CPU hog on core 0: 200 repetitions of the rotation torture
## (ROTATION_REPETITIONS), 10 of each mode of the SIGKILL and live-tailing tests (TORTURE_REPETITIONS),
## 100 SIGKILLs per run (TORTURE_KILLS), PostgreSQL down for 2 minutes (TORTURE_OUTAGE_SECONDS); no
## repetition is started after TORTURE_HOURS (3). Failing runs are kept in .build/torture-failures/. Then the
## rotation model test for ROTATION_MODEL_RUNS (2000) random sequences of ROTATION_MODEL_STEPS (400) steps.
torture: deps
	swift build --build-tests
	taskset -c 0 sh -c 'while :; do :; done' & hog=$$!; trap "kill $$hog" EXIT; \
	TORTURE_STARTED=$$(date +%s) TORTURE_HOURS=$${TORTURE_HOURS:-3} \
	TORTURE_KILLS=$${TORTURE_KILLS:-100} TORTURE_OUTAGE_SECONDS=$${TORTURE_OUTAGE_SECONDS:-120} \
	TORTURE_REPETITIONS=$${TORTURE_REPETITIONS:-10} ROTATION_REPETITIONS=$${ROTATION_REPETITIONS:-200} \
		pg_virtualenv -t swift test --skip-build --no-parallel --filter 'Torture|liveTailingThroughLogrotateAndRestarts'
	ROTATION_MODEL_RUNS=$${ROTATION_MODEL_RUNS:-2000} ROTATION_MODEL_STEPS=$${ROTATION_MODEL_STEPS:-400} \
		swift test --skip-build --filter RotationModel

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
	rm -rf .build .build-fuzz .build-deb bench-data dist
