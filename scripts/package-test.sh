#!/usr/bin/env bash
# The Debian package, tested as an administrator would meet it (make test; as root, inside
# pg_virtualenv, which sets PGHOST, PGPORT, PGUSER, PGPASSWORD for a throwaway cluster):
#   lintian (no error, no warning) → dpkg -i → files, conffile, user and group, state directory, the
#   privacy key (created once, root:sessiontail 0640, kept on reinstall) →
#   check-config on the installed conffile → the man page renders → systemd-analyze security
#   (exposure ≤ 2.0) and verify → the installed daemon run as the unit runs it (its User=, Group=,
#   UMask=, ExecStartPre=, ExecStart=, a systemd-like environment, NOTIFY_SOCKET and JOURNAL_STREAM;
#   systemd itself is not PID 1 here), reading a log that only group adm may read and shipping to
#   PostgreSQL over TCP → status and metrics → ExecReload= with a broken file (refused) and with the
#   database moved to the Unix socket (peer authentication) → SIGTERM → reinstall keeps the state and
#   the edited conffile → dpkg --purge leaves no file behind.
# Any failed check stops it with "FAIL:" and a non-zero exit status.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
deb=${1:-dist/sessiontail_${version}_$(dpkg-architecture -q DEB_HOST_ARCH).deb}
unit=/lib/systemd/system/sessiontail.service
conffile=/etc/sessiontail/sessiontail.yaml
logdir=/var/log/sessiontail-package-test
elastic=$root/data/real/elastic-examples_apache_logs.log

checks=0
ok() {
    checks=$((checks + 1))
    echo "  ok: $*"
}
fail() {
    echo "package-test: FAIL: $*" >&2
    if [[ -s ${work:-/nonexistent}/daemon.log ]]; then
        echo "--- the daemon's log:" >&2
        tail -n 40 "$work/daemon.log" >&2
    fi
    exit 1
}
# wait_for SECONDS DESCRIPTION COMMAND…: runs COMMAND every 0.2 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "$what: not within $seconds s"
        sleep 0.2
    done
}

[[ $(id -u) == 0 ]] || fail "run as root (it installs the package)"
[[ -n ${PGPORT:-} && -n ${PGPASSWORD:-} ]] || fail "run inside pg_virtualenv (PGPORT, PGPASSWORD unset)"
[[ -f $deb ]] || fail "$deb not found: make deb"

work=$(mktemp -d /tmp/sessiontail-package-test.XXXXXX)
chmod 0755 "$work"
daemon_pid=""
listener_pid=""
cleanup() {
    set +e
    [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [[ -n $listener_pid ]] && kill "$listener_pid" 2>/dev/null && wait "$listener_pid" 2>/dev/null
    dpkg-query -W -f='${Status}' sessiontail 2>/dev/null | grep -q 'ok installed' && dpkg --purge sessiontail >/dev/null
    rm -rf "$work" "$logdir"
}
trap cleanup EXIT

echo "== lintian $deb"
lintian_status=0
lintian_out=$(lintian --fail-on error,warning "$deb" 2>&1) || lintian_status=$?
lintian_out=$(grep -v '^running with root privileges' <<<"$lintian_out" || true)
((lintian_status == 0)) || fail "lintian (exit $lintian_status): $lintian_out"
grep -qE '^[EW]: ' <<<"$lintian_out" && fail "lintian: $lintian_out"
ok "lintian: no errors, no warnings${lintian_out:+ ($lintian_out)}"

echo "== dpkg -i"
if dpkg-query -W -f='${Status}' sessiontail 2>/dev/null | grep -q 'ok installed'; then
    dpkg --purge sessiontail >/dev/null
fi
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
ok "installed $(dpkg-query -W -f='${Package} ${Version}' sessiontail)"
for f in /usr/bin/sessiontail "$conffile" "$unit" /usr/share/man/man1/sessiontail.1.gz \
    /usr/share/doc/sessiontail/copyright /usr/share/doc/sessiontail/changelog.gz \
    /usr/share/bash-completion/completions/sessiontail /usr/share/zsh/vendor-completions/_sessiontail \
    /usr/share/fish/vendor_completions.d/sessiontail.fish /usr/lib/sysusers.d/sessiontail.conf; do
    [[ -f $f ]] || fail "$f is not installed"
done
ok "binary, conffile, unit, man page, doc, completions, sysusers.d"
cmp -s "$conffile" etc/sessiontail/sessiontail.yaml || fail "$conffile differs from etc/sessiontail/sessiontail.yaml"
dpkg-query -W -f='${Conffiles}\n' sessiontail | grep -q "^ $conffile " || fail "$conffile is not a conffile"
ok "$conffile is the documented default and a conffile"
[[ $(sessiontail --version) == "$version" ]] || fail "sessiontail --version says $(sessiontail --version), the package $version"
ok "sessiontail --version = $version"
ldd /usr/bin/sessiontail | grep -qi swift && fail "the binary needs a Swift library: $(ldd /usr/bin/sessiontail)"
ok "no Swift library needed at run time (Depends: $(dpkg-query -W -f='${Depends}' sessiontail))"
bash -c 'source /usr/share/bash-completion/completions/sessiontail && complete -p sessiontail' >/dev/null \
    || fail "the bash completion does not load"
ok "bash completion loads"

echo "== user, group, state directory"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd sessiontail) || fail "no user sessiontail"
((uid < 1000)) || fail "sessiontail is not a system user (uid $uid)"
[[ $home == /var/lib/sessiontail ]] || fail "home of sessiontail is $home"
[[ $shell == */nologin ]] || fail "sessiontail has a login shell: $shell"
id -nG sessiontail | tr ' ' '\n' | grep -qx adm || fail "sessiontail is not in group adm: $(id -nG sessiontail)"
ok "system user sessiontail (uid $uid, home $home, shell $shell), groups: $(id -nG sessiontail)"
[[ $(stat -c '%U %G %a' /var/lib/sessiontail) == "sessiontail adm 750" ]] \
    || fail "/var/lib/sessiontail is $(stat -c '%U %G %a' /var/lib/sessiontail)"
ok "/var/lib/sessiontail: sessiontail adm 750"
key=/etc/sessiontail/client.key
[[ $(stat -c '%U %G %a %s' "$key") == "root sessiontail 640 32" ]] \
    || fail "$key is $(stat -c '%U %G %a %s bytes' "$key" 2>&1)"
runuser -u sessiontail -- head -c 32 "$key" | cmp -s - "$key" || fail "the daemon's user cannot read $key"
runuser -u nobody -- cat "$key" >/dev/null 2>&1 && fail "nobody can read $key"
ok "$key: 32 random bytes, root:sessiontail 0640, readable by the daemon's user alone"

echo "== check-config on the installed conffile"
sessiontail check-config --config "$conffile" >"$work/check.out" || fail "check-config: $(cat "$work/check.out")"
grep -q "^# $conffile: valid" "$work/check.out" || fail "check-config printed: $(cat "$work/check.out")"
[[ -z $(runuser -u sessiontail -- sessiontail check-config --quiet --config "$conffile" 2>&1) ]] \
    || fail "check-config --quiet as sessiontail printed something"
ok "valid (also as user sessiontail, quietly)"

echo "== man sessiontail"
MANWIDTH=100 man -P cat sessiontail 2>"$work/man.err" | col -b >"$work/man.txt" || fail "man sessiontail: $(cat "$work/man.err")"
[[ ! -s $work/man.err ]] || fail "man sessiontail: $(cat "$work/man.err")"
for word in SYNOPSIS sessionize check-config status report "--config"; do
    grep -q -- "$word" "$work/man.txt" || fail "the man page does not mention $word"
done
man --warnings -E UTF-8 -l -Tutf8 -Z /usr/share/man/man1/sessiontail.1.gz >/dev/null 2>"$work/man.warn"
[[ ! -s $work/man.warn ]] || fail "groff warnings: $(cat "$work/man.warn")"
ok "renders ($(wc -l <"$work/man.txt") lines), no groff warnings"

echo "== systemd-analyze"
systemd-analyze security --offline=true "$unit" >"$work/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for sessiontail.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
[[ -n $exposure ]] || fail "systemd-analyze security: $(cat "$work/security.txt")"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0: $(grep '✗' "$work/security.txt")"
ok "systemd-analyze security --offline=true: exposure $exposure (≤ 2.0)"
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify: $verify"
ok "systemd-analyze verify: clean"

echo "== the installed daemon, run as the unit runs it"
# What the unit says, read from the installed file.
unit_value() { sed -n "s/^$1=//p" "$unit"; }
user=$(unit_value User)
group=$(unit_value Group)
umask_value=$(unit_value UMask)
start_pre=$(unit_value ExecStartPre)
start=$(unit_value ExecStart)
mapfile -t reload_lines < <(unit_value ExecReload)
[[ $user == sessiontail && $group == adm && -n $start && -n $start_pre && ${#reload_lines[@]} == 1 ]] \
    || fail "unexpected unit: User=$user Group=$group ExecStart=$start ExecReload=${reload_lines[*]}"
[[ $(unit_value Type) == notify && -n $(unit_value WatchdogSec) ]] || fail "the unit is not Type=notify with WatchdogSec="
# As systemd starts a service: the unit's user and group (supplementary groups from /etc/group), no
# capabilities, no new privileges, its umask, and an environment of its own.
# unit_argv COMMAND…: sets `argv` to COMMAND run that way (every step execs the next: one process).
unit_argv() {
    argv=(setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs --inh-caps=-all --bounding-set=-all
        -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/sessiontail USER="$user" LOGNAME="$user"
        SHELL=/usr/sbin/nologin LANG=C.UTF-8 "${extra_env[@]}"
        /bin/sh -c "umask $umask_value && exec \"\$@\"" sh "$@")
}
as_unit() {
    local argv
    unit_argv "$@"
    "${argv[@]}"
}
extra_env=()

# A log only group adm may read, as Debian's nginx and Apache write them.
mkdir -p "$logdir"
chown root:adm "$logdir"
chmod 0750 "$logdir"
log=$logdir/access.log
head -n 2000 "$elastic" >"$log"
chown root:adm "$log"
chmod 0640 "$log"
runuser -u nobody -- cat "$log" >/dev/null 2>&1 && fail "nobody can read $log: the test proves nothing"
ok "$log: root:adm 0640 in a 0750 directory (nobody cannot read it)"

metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_config() { # conninfo table [broken]
    cat >"$conffile" <<YAML
agent_id: package-test
state_dir: /var/lib/sessiontail
sources:
  - name: web
    paths: ["$log"]
    host: semicomplete.com
session:
  lateness: 0s
postgres:
  conninfo: "$1"
  table: $2
  batch_age: 200ms
metrics:
  listen: 127.0.0.1:$metrics_port
${3:-}
YAML
}
tcp="host=localhost port=$PGPORT dbname=postgres user=$PGUSER password=$PGPASSWORD"
write_config "$tcp" package_test_tcp

# systemd's side of sd_notify: a datagram socket the service user may write to.
python3 - "$work/notify" "$work/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
listener_pid=$!
wait_for 10 "the notify socket" test -S "$work/notify"

as_unit $start_pre >"$work/pre.out" 2>&1 || fail "ExecStartPre=$start_pre: $(cat "$work/pre.out")"
ok "ExecStartPre: $start_pre"
: >"$work/daemon.log"
# stderr as the journal's stream: JOURNAL_STREAM names its device and inode.
extra_env=(NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=2000000 "JOURNAL_STREAM=$(stat -c '%d:%i' "$work/daemon.log")")
unit_argv $start
"${argv[@]}" >>"$work/daemon.log" 2>&1 &
daemon_pid=$!
extra_env=()
wait_for 30 "READY=1 from the daemon" grep -q '^READY=1' "$work/notify.log"
ok "READY=1: $(grep -m1 '^READY=1' "$work/notify.log")"
events() { psql -X -tA -d "${2:-postgres}" -c "SELECT coalesce(sum(event_count), 0) FROM $1" 2>/dev/null; }
events_are() { [[ $(events "$1" "${3:-}") == "$2" ]]; } # table count [database]
wait_for 60 "2000 events in package_test_tcp" events_are package_test_tcp 2000
ok "read the adm-only log as $user and shipped its 2000 events over TCP"
kill -0 "$daemon_pid" || fail "the daemon exited"
grep -q '^<6>running agent_id=package-test' "$work/daemon.log" || fail "no journal-format start line"
ok "logs in the journal's format: $(head -n 1 "$work/daemon.log")"
wait_for 10 "WATCHDOG=1" grep -q '^WATCHDOG=1' "$work/notify.log"
wait_for 10 "STATUS= with 2000 lines read" grep -q '^STATUS=.*lines/s' "$work/notify.log"
ok "WATCHDOG=1 and STATUS=: $(grep '^STATUS=' "$work/notify.log" | tail -n 1)"

# The daemon rewrites status.json at most once a second.
size=$(stat -c %s "$log")
status_shows_file() {
    sessiontail status --config "$conffile" >"$work/status.txt" \
        && grep -q 'agent package-test: running' "$work/status.txt" \
        && grep -qE "^web +$log +$size +0 " "$work/status.txt"
}
wait_for 10 "status with $log at offset $size, lag 0" status_shows_file
sessiontail status --json --config "$conffile" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["running"] is True, s
assert s["sources"][0]["events"] == 2000, s
assert s["sources"][0]["files"][0]["lag_bytes"] == 0, s
' || fail "status --json"
ok "sessiontail status: running, $log at offset $size, lag 0 (table and --json)"
scrape() {
    python3 - "$metrics_port" "$version" <<'PY'

import sys, urllib.request
port, version = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
    text = r.read().decode()
for want in ['sessiontail_events_total{source="web"} 2000', f'sessiontail_build_info{{version="{version}"',
             'sessiontail_file_lag_bytes{source="web"', 'sessiontail_outbox_fragments 0']:
    assert want in text, want + " missing from:\n" + text
PY
}
wait_for 10 "metrics" scrape
ok "metrics on 127.0.0.1:$metrics_port: sessiontail_events_total{source=\"web\"} 2000"

echo "== systemctl reload: ExecReload= as the unit runs it"
run_reload() {
    local line
    for line in "${reload_lines[@]}"; do
        line=${line//\$MAINPID/$daemon_pid}
        as_unit $line || return 1
    done
}
cp "$conffile" "$work/good.yaml"
write_config "$tcp" package_test_tcp "unknown_key: 1"
run_reload >"$work/reload.out" 2>&1 && fail "ExecReload= accepted a broken file"
grep -q 'unknown_key: unknown key' "$work/reload.out" || fail "ExecReload= refused the broken file without saying why: $(cat "$work/reload.out")"
grep -q '^RELOADING=1' "$work/notify.log" && fail "the daemon was signalled for a broken file"
ok "a broken file is refused by ExecReload= before the daemon hears of it: $(head -n 1 "$work/reload.out")"

# The database moves to the Unix socket, with peer authentication as the service user.
psql -X -q -c "CREATE ROLE sessiontail LOGIN" -c "CREATE DATABASE sessiontail_package_test OWNER sessiontail" \
    || fail "cannot create role and database"
socket_dir=$(psql -X -tA -c "SHOW unix_socket_directories" | cut -d, -f1)
[[ -S $socket_dir/.s.PGSQL.$PGPORT ]] || fail "no PostgreSQL socket in '$socket_dir'"
write_config "host=$socket_dir port=$PGPORT dbname=sessiontail_package_test user=sessiontail" sessions
run_reload >"$work/reload.out" 2>&1 || fail "ExecReload=: $(cat "$work/reload.out")"
grep -q "reloaded $conffile" "$work/reload.out" || fail "ExecReload= did not wait for the daemon: $(cat "$work/reload.out")"
wait_for 30 "RELOADING=1 then READY=1" \
    sh -c "grep -A100 '^RELOADING=1' '$work/notify.log' | grep -q '^READY=1'"
grep -q 'MONOTONIC_USEC=' "$work/notify.log" || fail "RELOADING=1 without MONOTONIC_USEC="
ok "reload: ExecReload= waited for the daemon ($(cat "$work/reload.out")); RELOADING=1 (with MONOTONIC_USEC=), then READY=1"
sed -n '2001,2500p' "$elastic" >>"$log"
wait_for 60 "500 new events over the Unix socket" events_are sessions 500 sessiontail_package_test
[[ $(events package_test_tcp) == 2000 ]] || fail "the old table changed after the reload"
ok "after the reload, 500 new lines shipped over the Unix socket ($socket_dir) as role sessiontail (peer); the old table kept its 2000"
reloaded_status() {
    sessiontail status --json --config "$conffile" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["reloads"] == 1 and s["sources"][0]["events"] == 2500, s'
}
wait_for 10 "status with 1 reload and 2500 events" reloaded_status
ok "status: 1 reload, 2500 events since start"

echo "== SIGTERM"
[[ $(ps -o uid= -p "$daemon_pid" | tr -d ' ') == "$uid" && $(ps -o comm= -p "$daemon_pid") == sessiontail ]] \
    || fail "process $daemon_pid is not sessiontail run by user sessiontail: $(ps -o uid=,cmd= -p "$daemon_pid")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited with status $?"
daemon_pid=""
grep -q '^STOPPING=1' "$work/notify.log" || fail "no STOPPING=1"
sessiontail status --config "$conffile" >/dev/null && fail "status says running after the daemon stopped"
ok "STOPPING=1, exit 0; status exits non-zero once it stopped"
grep -vqE '^<[0-7]>' "$work/daemon.log" && fail "a log line without priority: $(grep -vE '^<[0-7]>' "$work/daemon.log")"
ok "every log line carries a priority"

echo "== reinstall (upgrade path): state and the edited conffile stay"
ls /var/lib/sessiontail >"$work/state.before"
key_before=$(od -An -tx1 /etc/sessiontail/client.key | tr -d ' \n')
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i again: $(cat "$work/dpkg.log")"
[[ $(od -An -tx1 /etc/sessiontail/client.key | tr -d ' \n') == "$key_before" ]] || fail "reinstalling replaced the key"
grep -q 'dbname=sessiontail_package_test' "$conffile" || fail "reinstalling replaced the edited conffile"
ls /var/lib/sessiontail | cmp -s - "$work/state.before" || fail "reinstalling changed the state directory"
[[ -s /var/lib/sessiontail/status.json ]] || fail "no status.json kept"
ok "edited $conffile and /var/lib/sessiontail ($(tr '\n' ' ' <"$work/state.before")) kept"

echo "== dpkg --purge"
dpkg --purge sessiontail >"$work/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$work/dpkg.log")"
for f in /usr/bin/sessiontail /etc/sessiontail /var/lib/sessiontail "$unit" /usr/share/doc/sessiontail \
    /usr/share/man/man1/sessiontail.1.gz /usr/lib/sysusers.d/sessiontail.conf /usr/lib/tmpfiles.d/sessiontail.conf \
    /etc/systemd/system/multi-user.target.wants/sessiontail.service; do
    [[ ! -e $f ]] || fail "$f is still there after purge"
done
dpkg-query -W sessiontail >/dev/null 2>&1 && [[ $(dpkg-query -W -f='${Status}' sessiontail) != *not-installed* ]] \
    && fail "dpkg still knows sessiontail: $(dpkg-query -W -f='${Status}' sessiontail)"
ok "no file left: binary, /etc/sessiontail, /var/lib/sessiontail, unit and its enablement, doc, man page"
getent passwd sessiontail >/dev/null && echo "  note: the system user sessiontail stays (Debian keeps system users; it has no password and no shell)"

echo "package-test: $checks passed, 0 failed"
