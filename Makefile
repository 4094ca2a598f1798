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

## Builds release, sessionizes the bundled real logs and prints a summary.
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

## The torture tests at length: 100 SIGKILLs per rotation mode, PostgreSQL down for 2 minutes.
torture: deps
	swift build --build-tests
	TORTURE_KILLS=$${TORTURE_KILLS:-100} TORTURE_OUTAGE_SECONDS=$${TORTURE_OUTAGE_SECONDS:-120} \
		pg_virtualenv -t swift test --skip-build --no-parallel --filter Torture

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
