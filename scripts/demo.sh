#!/usr/bin/env bash
# The demo: sessionize the bundled real access logs (data/real/, see its README for sources and
# licences) and print what came out.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build -c release --product sessiontail --show-bin-path)/sessiontail"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

run() { # name format file
    local host=$1 format=$2 file=$3
    echo "== $file ($format, host $host)"
    "$bin" sessionize --format "$format" --host "$host" "data/real/$file" >"$out/$host.csv" 2>"$out/$host.err"
    grep -v '^sessiontail: malformed line' "$out/$host.err" | sed 's/^sessiontail: /  /' || true
    grep '^sessiontail: malformed line' "$out/$host.err" | awk 'NR <= 2' | sed 's/^sessiontail: /  e.g. /' || true
}

run semicomplete.com combined elastic-examples_apache_logs.log
run home.lan combined jul-yahi_biggersample.log
run ksc.nasa.gov common nasa-aug95_sample_aman-panchal.log

echo
echo "== Sessions per host (5-minute gap)"
{
    head -1 "$out/semicomplete.com.csv"
    for f in "$out"/*.csv; do tail -n +2 "$f"; done
} >"$out/all.csv"
printf "  %-18s %9s %12s %8s\n" host sessions "avg events" bounce
awk -F, 'NR > 1 { n[$1]++; e[$1] += $5; if ($5 == 1) b[$1]++ }
    END {
        for (h in n) printf "  %-18s %9d %12.2f %7.1f%%\n", h, n[h], e[h] / n[h], 100 * b[h] / n[h]
    }' "$out/all.csv" | sort
echo
echo "== Longest sessions"
tail -n +2 "$out/all.csv" | sort -t, -k5,5nr | awk 'NR <= 5' | \
    awk -F, '{ printf "  %-18s %-28s %s → %s  %4d events\n", $1, $2, $3, $4, $5 }'
