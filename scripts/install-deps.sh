#!/usr/bin/env bash
# Installs the Debian packages sessiontail needs to build, test and run its demo and benchmarks, and the
# PyPI packages its user-agent tests compare against (ua-parser, PyYAML). With the argument `package`,
# also what building and testing the Debian package needs (make deb, make test): debhelper, lintian,
# man-db, systemd (systemd-analyze, systemd-sysusers).
# Idempotent: installs only what is missing. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(pkg-config zlib1g-dev libpq-dev libpcre2-dev uap-core gzip python3 python3-pip time postgresql
    postgresql-common logrotate)
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
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The reference for the user-agent tests: ua-parser's Python package (1.x), reading uap-core's regexes.yaml
# through PyYAML. Installed for the python3 on PATH, the one the tests run.
if ! python3 -c 'import ua_parser, ua_parser.loaders, yaml; assert ua_parser.loaders.load_yaml' >/dev/null 2>&1; then
    echo "sessiontail: installing the PyPI packages ua-parser and PyYAML" >&2
    pip=(python3 -m pip install --quiet --disable-pip-version-check 'ua-parser>=1.0,<2' pyyaml)
    # Debian's own python3 refuses pip installs outside a virtual environment (PEP 668) unless told.
    "${pip[@]}" 2>/dev/null || "${pip[@]}" --break-system-packages
fi
if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "sessiontail: add /opt/swift/usr/bin to PATH" >&2
    else
        echo "sessiontail: a Swift 6 toolchain is needed (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
