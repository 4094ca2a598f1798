#!/usr/bin/env bash
# The demo: start a throwaway PostgreSQL, ship the sessions of the bundled real access logs
# (data/real/, sources and licences in its README) into it, and print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build -c release --product sessiontail --show-bin-path)/sessiontail"

if [ -z "${SESSIONTAIL_DEMO_INNER:-}" ]; then
    # Re-run inside a throwaway cluster that pg_virtualenv creates and removes.
    exec env SESSIONTAIL_DEMO_INNER=1 pg_virtualenv "$0" "$@"
fi

ship() { # host format file
    local host=$1 format=$2 file=$3
    echo "== $file ($format, host $host)"
    "$bin" sessionize --output postgres --agent-id demo --format "$format" --host "$host" "data/real/$file" 2>&1 |
        grep -v '^sessiontail: malformed line' | sed 's/^sessiontail: /   /'
}

ship semicomplete.com combined elastic-examples_apache_logs.log
ship home.lan combined jul-yahi_biggersample.log
ship ksc.nasa.gov common nasa-aug95_sample_aman-panchal.log
echo "== shipping the same file again changes nothing:"
"$bin" sessionize --output postgres --agent-id demo --host home.lan data/real/jul-yahi_biggersample.log 2>&1 |
    grep '^sessiontail: shipped' | sed 's/^sessiontail: /   /'

echo
"$bin" report --host-like '%.gov'
echo
echo "== The seed's query, verbatim:"
psql -X -c "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions WHERE host LIKE '%semicomplete.com';"
echo "== Longest sessions:"
psql -X -c "SELECT host, ip, session_start, session_end - session_start AS duration, event_count, landing_path
            FROM sessions ORDER BY event_count DESC LIMIT 5;"
