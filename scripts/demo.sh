#!/usr/bin/env bash
# The demo (`make demo`), inside a throwaway PostgreSQL cluster that pg_virtualenv creates and removes:
#
# 1. The product as it runs on a web host. nginx serves www.techcreator.io, learn.dataexpert.io and
#    www.dataexpert.io on a loopback port and writes one access log in the format `demo` below (the
#    virtual host first); scripts/demo-visitors.py sends a minute of real requests (people and bots, each
#    from a loopback address of its own); `sessiontail run` follows the log while logrotate rotates it once
#    (create + USR1, as Debian's nginx package does) and ships the sessions to the table `sessions` of the
#    database `demo`. The session gap is 10 s here (5 min by default) so that sessions close and are shipped
#    while the demo runs. Then: `sessiontail status`, the report, the seed's two queries verbatim.
# 2. The bundled real logs (data/real/, sources and licences in its README), shipped by `sessiontail
#    sessionize` with the default 5 min gap into the database `reallogs` (a sessions table keeps the gap
#    it was made with, so the two parts need two tables), and their report.
#
# Everything it starts (nginx, the visitors, the daemon) is stopped when it exits, however it exits; its
# files are in a temporary directory, removed on success and kept (and named) on failure or with
# SESSIONTAIL_DEMO_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir="$(swift build -c release --product sessiontail --show-bin-path)"

if [ -z "${SESSIONTAIL_DEMO_INNER:-}" ]; then
    # -t: the cluster's files in a temporary directory even as root, so that nothing is left in
    # /etc/postgresql and the demo does not collide with another throwaway cluster on the machine.
    exec env SESSIONTAIL_DEMO_INNER=1 pg_virtualenv -t "$0" "$@"
fi

export PATH="$bin_dir:$PATH" PSQLRC=/dev/null
hosts=www.techcreator.io,learn.dataexpert.io,www.dataexpert.io
gap=10
started=$SECONDS

# Prints a command as `$ command` (arguments quoted only where the shell needs it), then runs it.
quote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
        printf '%s' "$1"
    elif [[ ! $1 =~ [\"\$\`\\] ]]; then
        printf '"%s"' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}
show() {
    local arg line='$'
    for arg in "$@"; do line+=" $(quote "$arg")"; done
    echo "$line"
    "$@"
}
clock() { printf '%d:%02d' $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)); }

demo="$(mktemp -d /tmp/sessiontail-demo.XXXXXX)"
chmod 755 "$demo" # nginx's workers (www-data) read the sites below it
nginx_pid="" visitors_pid="" daemon_pid=""

stop() { # pid seconds: SIGTERM, then SIGKILL if it is still there after the seconds
    local pid=$1 n=$(($2 * 10))
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    set +e
    [ -n "$visitors_pid" ] && stop "$visitors_pid" 2
    [ -n "$daemon_pid" ] && stop "$daemon_pid" 10
    if [ -n "$nginx_pid" ]; then
        # nginx's master stops its workers on SIGTERM; were it killed instead, the workers would stay.
        local workers
        workers="$(grep -l "^PPid:[[:space:]]*$nginx_pid\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3)"
        stop "$nginx_pid" 5
        for pid in $workers; do kill -KILL "$pid" 2>/dev/null; done
    fi
    if [ $status -eq 0 ] && [ -z "${SESSIONTAIL_DEMO_KEEP:-}" ]; then
        rm -rf "$demo"
    else
        echo "sessiontail demo: exit status $status; its files are kept in $demo" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

echo "=== 1. sessiontail on a live nginx"
echo "PostgreSQL: a throwaway cluster (pg_virtualenv), port $PGPORT; the databases demo (this part) and reallogs (part 2)."
createdb demo
createdb reallogs

# --- nginx: three virtual hosts on a free loopback port, one access log with the host in it.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$demo/nginx/tmp" "$demo/logs" "$demo/www" "$demo/state"
python3 scripts/demo-visitors.py site "$demo/www"
log_format='$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
{
    [ "$(id -u)" -ne 0 ] || echo "user www-data;"
    cat <<EOF
worker_processes 1;
pid $demo/nginx/nginx.pid;
error_log $demo/nginx/error.log;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $demo/nginx/tmp/body;
    proxy_temp_path $demo/nginx/tmp/proxy;
    fastcgi_temp_path $demo/nginx/tmp/fastcgi;
    uwsgi_temp_path $demo/nginx/tmp/uwsgi;
    scgi_temp_path $demo/nginx/tmp/scgi;
    log_format demo '$log_format';
    access_log $demo/logs/access.log demo;
EOF
    for host in ${hosts//,/ }; do
        cat <<EOF
    server {
        listen 127.0.0.1:$port;
        server_name $host;
        root $demo/www/$host;
        location / { try_files \$uri \$uri.html \$uri/ =404; }
    }
EOF
    done
    echo "}"
} >"$demo/nginx/nginx.conf"
# daemon off: the process started here is nginx's master, so $! is the pid to signal (and to wait for).
nginx -p "$demo/nginx" -c "$demo/nginx/nginx.conf" -e "$demo/nginx/error.log" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$demo/nginx/error.log" >&2; exit 1; }
    sleep 0.1
done
echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1:$port (master pid $nginx_pid), serving $hosts;"
echo "its access log $demo/logs/access.log, format: log_format demo '$log_format'"

# --- logrotate: rotate once, nginx reopening its log on USR1 (as Debian's /etc/logrotate.d/nginx does).
cat >"$demo/logrotate.conf" <<EOF
$demo/logs/access.log {
    rotate 5
    create
    missingok
    notifempty
    postrotate
        kill -USR1 \$(cat $demo/nginx/nginx.pid)
    endscript
}
EOF

# --- sessiontail run, with a configuration of the demo's own.
config="$demo/sessiontail.yaml"
cat >"$config" <<EOF
# sessiontail's configuration for the demo: etc/sessiontail/sessiontail.yaml documents every option.
agent_id: demo-web
state_dir: $demo/state
sources:
  - name: nginx
    paths: ["$demo/logs/access.log"]
    log_format: '$log_format'
session:
  # 10 s rather than 5 min, so that sessions close while the demo runs.
  gap: ${gap}s
  lateness: 2s
postgres:
  conninfo: "dbname=demo"
  table: sessions
  batch_age: 1s
EOF
sessiontail run --config "$config" 2>"$demo/sessiontail.log" &
daemon_pid=$!
echo "sessiontail run --config $config (pid $daemon_pid): gap ${gap}s, lateness 2s, batches shipped after 1s"

status_field() { # the daemon's status.json values, space-separated
    sessiontail status --config "$config" --json 2>/dev/null |
        python3 -c 'import json, sys; s = json.load(sys.stdin); print(*(s.get(k, 0) for k in sys.argv[1:]))' "$@" 2>/dev/null ||
        echo "? ? ? ?"
}
progress() {
    local lines open shipped
    lines="$(cat "$demo"/logs/access.log* | wc -l)"
    read -r open _ < <(status_field open_sessions)
    shipped="$(psql -d demo -tAc 'SELECT count(*) FROM sessions' 2>/dev/null || echo 0)"
    echo "  $(clock)  nginx has logged $lines requests; sessiontail: open sessions $open; sessions in PostgreSQL: $shipped"
}

echo
echo "--- A minute of visitors (scripts/demo-visitors.py); logrotate rotates the log half way."
t0=$SECONDS
python3 scripts/demo-visitors.py run --port "$port" --seconds 60 --gap "$gap" --expected "$demo/expected.csv" \
    >"$demo/visitors.out" &
visitors_pid=$!
rotated="" next=10
while kill -0 "$visitors_pid" 2>/dev/null; do
    sleep 0.5
    elapsed=$((SECONDS - t0))
    [ $elapsed -ge $next ] || continue
    next=$((next + 10))
    if [ -z "$rotated" ] && [ $elapsed -ge 30 ]; then
        rotated=1
        echo "  $(clock)  $ logrotate -f -s $demo/logrotate.state $demo/logrotate.conf"
        logrotate -f -s "$demo/logrotate.state" "$demo/logrotate.conf"
        sleep 0.5
        echo "        access.log.1: $(wc -l <"$demo/logs/access.log.1") lines (renamed by logrotate);" \
            "access.log: $(wc -l <"$demo/logs/access.log") lines (created anew, nginx reopened it on USR1)"
    else
        progress
    fi
done
wait "$visitors_pid" || { echo "sessiontail demo: the visitors failed:" >&2; cat "$demo/visitors.out" >&2; exit 1; }
visitors_pid=""
progress
sed 's/^/  /' "$demo/visitors.out"
echo "The log's last lines (each visitor from an address of its own):"
show tail -n 3 "$demo/logs/access.log"

echo
echo "--- The last sessions close ${gap} s + 2 s after their last request (by the wall clock once the log is idle),"
echo "    and are shipped within the 1 s batch age; waiting for no open session and an empty outbox."
for _ in $(seq 120); do
    read -r open outbox emitted < <(status_field open_sessions outbox_fragments fragments_emitted)
    [ "$open" = 0 ] && [ "$outbox" = 0 ] && [ "$emitted" != 0 ] && break
    sleep 0.5
done
progress

echo
show sessiontail status --config "$config"
echo
echo "Stopping the daemon (SIGTERM: it ships what is closed and keeps open sessions for its next start)."
kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
echo "sessiontail run exited with status $daemon_status. What it logged:"
sed 's/^/  /' "$demo/sessiontail.log"

echo
show sessiontail report --postgres dbname=demo --host-like '%techcreator.io' --hosts "$hosts"
echo
echo "The seed's two queries, verbatim:"
show psql -d demo -c "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions WHERE host LIKE '%techcreator.io';"
show psql -d demo -c "SELECT host, COUNT(*) AS total_sessions, ROUND(AVG(event_count), 2) AS avg_events_per_session FROM sessions WHERE host IN ('learn.dataexpert.io', 'www.dataexpert.io', 'www.techcreator.io') GROUP BY host ORDER BY host;"

echo "Visitors who came back after more than ${gap} s: a second session."
show psql -d demo -c "SELECT host, ip, session_start::time AS first_request, session_end::time AS last_request, event_count, error_count, landing_path, referrer
FROM sessions WHERE (host, ip) IN (SELECT host, ip FROM sessions GROUP BY 1, 2 HAVING count(*) > 1)
ORDER BY host, ip, session_start LIMIT 6;"

# The table against the sessions the visitors made by their own count (same gap, from the moments their
# requests were answered): a session is host, ip and its number of requests.
psql -d demo -tA -F, -c "SELECT host, ip, event_count FROM sessions" | LC_ALL=C sort >"$demo/table.csv"
tail -n +2 "$demo/expected.csv" | LC_ALL=C sort >"$demo/expected-sorted.csv"
if diff -q "$demo/expected-sorted.csv" "$demo/table.csv" >/dev/null; then
    echo "The table holds exactly the sessions the visitors made: $(wc -l <"$demo/table.csv") sessions of" \
        "$(awk -F, '{n += $3} END {print n}' "$demo/table.csv") requests, each with its number of requests."
else
    echo "The table differs from the sessions the visitors made (< visitors, > table):"
    diff "$demo/expected-sorted.csv" "$demo/table.csv" | grep '^[<>]' | head -20 || true
fi

html=""
if sessiontail report --help 2>&1 | grep -q -- '--html'; then
    mkdir -p .build/demo
    html="$PWD/.build/demo/sessiontail-report.html"
    if ! sessiontail report --postgres dbname=demo --host-like '%techcreator.io' --hosts "$hosts" --html "$html" \
        >/dev/null 2>"$demo/html.err"; then
        echo "sessiontail report --html failed:" && cat "$demo/html.err"
        html=""
    fi
fi

echo
echo "=== 2. The bundled real logs (data/real/), sessionized with the default 5 min gap"
export PGDATABASE=reallogs
ship() { # host format file
    local host=$1 format=$2 file=$3
    echo "== $file ($format, host $host)"
    sessiontail sessionize --output postgres --agent-id demo --format "$format" --host "$host" "data/real/$file" 2>&1 |
        grep -v '^sessiontail: malformed line' | sed 's/^sessiontail: /   /'
}
ship semicomplete.com combined elastic-examples_apache_logs.log
ship home.lan combined jul-yahi_biggersample.log
ship ksc.nasa.gov common nasa-aug95_sample_aman-panchal.log
echo "== shipping the same file again changes nothing:"
sessiontail sessionize --output postgres --agent-id demo --host home.lan data/real/jul-yahi_biggersample.log 2>&1 |
    grep '^sessiontail: shipped' | sed 's/^sessiontail: /   /'
echo
show sessiontail report --postgres dbname=reallogs --host-like '%.gov'
echo
show psql -d reallogs -c "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions WHERE host LIKE '%semicomplete.com';"
echo
echo "== Visits, not hits: an access log holds every request (images, scripts, bots)."
echo "   event_count counts them all, as the seed's query does; page_views counts what people viewed."
show psql -d reallogs -c "SELECT host,
       COUNT(*) AS all_sessions,
       COUNT(*) FILTER (WHERE NOT is_bot) AS sessions_of_people,
       ROUND(100.0 * COUNT(*) FILTER (WHERE is_bot) / COUNT(*), 1) AS bot_share_pct,
       ROUND(AVG(event_count), 2) AS events_per_session,
       ROUND(AVG(page_views) FILTER (WHERE NOT is_bot), 2) AS pages_per_visit_of_people
FROM sessions GROUP BY host ORDER BY host;"

if [ -n "$html" ]; then
    real_html="${html%.html}-reallogs.html"
    # The real logs span decades, so the timeline is per month over every host; one host's is per day.
    sessiontail report --postgres dbname=reallogs --host-like semicomplete.com --html "$real_html" 2>/dev/null ||
        real_html=""
    echo "The HTML report of part 1: $html${real_html:+; of the real logs (semicomplete.com): $real_html}"
    echo "   (one file, no script, nothing loaded from elsewhere: open it in any browser)"
fi
echo "The demo took $((SECONDS - started)) s; nginx, the visitors and the daemon are stopped."
