#!/usr/bin/env bash
# Installs the Debian packages sessiontail needs to build, test and run its demo and benchmarks.
# With the argument `package`, also what building and testing the Debian package needs (make deb,
# make test): debhelper, lintian, man-db, systemd (systemd-analyze, systemd-sysusers).
# nginx and apache2 are there for the discovery tests, which read their default configuration and run
# them on loopback ports of their own: they are installed without being started (both want port 80).
# Idempotent: installs only what is missing. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(pkg-config zlib1g-dev libpq-dev gzip python3 time postgresql postgresql-common logrotate nginx apache2)
if [ "${1:-}" = package ]; then
    packages+=(debhelper dpkg-dev lintian man-db procps systemd util-linux)
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
if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "sessiontail: add /opt/swift/usr/bin to PATH" >&2
    else
        echo "sessiontail: a Swift 6 toolchain is needed (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
