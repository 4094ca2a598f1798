#!/usr/bin/env bash
# Installs the Debian packages sessiontail needs to build, test and run its demo and benchmarks, and the Python
# packages the tests' reference scripts import (from PyPI: mmdb-writer is in no Debian release, and ua-parser's
# 1.x reads uap-core's regexes.yaml through PyYAML).
# With the argument `package`, also what building and testing the Debian package needs (make deb,
# make test): debhelper, lintian, man-db, systemd (systemd-analyze, systemd-sysusers), and for
# make systemd-test systemd-container (systemd-nspawn) and debootstrap with Debian's keyring.
# nginx and apache2 are there for the discovery tests, which read their default configuration and run
# them on loopback ports of their own, and nginx for the demo, which does the same: they are installed
# without being started (both want port 80).
# chromium renders the HTML report in the tests (headless, offline) to check it draws and fetches nothing.
# Idempotent: installs only what is missing. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(pkg-config zlib1g-dev libpq-dev libpcre2-dev uap-core libssl-dev libmaxminddb-dev gzip python3
    python3-pip time postgresql postgresql-common logrotate nginx apache2 bzip2 xz-utils zstd chromium)
if [ "${1:-}" = package ]; then
    packages+=(debhelper dpkg-dev lintian man-db procps systemd util-linux
        systemd-container debootstrap debian-archive-keyring)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "sessiontail: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # A policy-rc.d that exits 101 tells invoke-rc.d not to start the services a package installs.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        trap '$sudo rm -f "$policy"' EXIT
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod 755 "$policy"
    fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# mmdb-writer and netaddr write the tests' GeoIP databases; maxminddb's pure-Python reader is their reference.
# ua-parser (reading uap-core's regexes.yaml through PyYAML) is the user-agent tests' reference.
python_packages=(mmdb-writer==0.2.7 netaddr==1.3.0 maxminddb==3.2.0 ua-parser==1.0.2 PyYAML)
missing=()
for p in "${python_packages[@]}"; do
    python3 -m pip show -q "${p%%==*}" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "sessiontail: installing ${missing[*]} (PyPI)" >&2
    # Debian's own python3 refuses pip installs outside a virtual environment (PEP 668) unless told.
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
        "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "sessiontail: add /opt/swift/usr/bin to PATH" >&2
    else
        echo "sessiontail: a Swift 6 toolchain is needed (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
