#!/usr/bin/env bash
# The Debian package under a real systemd (make systemd-test, and make package-test after
# scripts/package-test.sh; as root): a Debian 12 guest booted by systemd-nspawn, with systemd as its
# PID 1 and PostgreSQL as one of its services, no network but loopback. In the guest:
#   dpkg -i (every dependency is in the guest's tree) → started by the package before its database
#   role exists, the daemon exits 2 and the unit ends failed, not restarting → a role and database →
#   systemctl start: a log only group adm may read, shipped over TCP; the table equals `sessiontail
#   sessionize` on the same log → the sandbox: the daemon's own mount namespace, entered with its
#   credentials, lets it write its state directory and its private /tmp and /var/tmp, nothing else
#   (/run/lock, /dev/shm…) → systemctl reload with a broken file and with a database the daemon
#   refuses (both fail, the daemon keeps running its old configuration) and with a good one (the Unix
#   socket, peer authentication, another table: in force) → the watchdog (WatchdogSec=4s for this
#   check): pings reach systemd; SIGSTOP gets the daemon killed and restarted, and nothing is shipped
#   twice → a configuration ExecStartPre= refuses at every start: the start limit gives up →
#   systemd-analyze security on the running unit (exposure ≤ 2.0) → no EPERM, EACCES, SIGSYS or
#   "Permission denied" in its journal → systemctl stop.
# Any failed check stops it with "FAIL:", the unit's journal and a non-zero exit status.
#
# The guest's tree is made once by debootstrap in $SESSIONTAIL_SYSTEMD_TEST_CACHE (by default
# /var/cache/sessiontail-systemd-test), keyed by its package list, which takes the package's Depends:
# a new dependency makes a new tree. Each run boots an overlay on it (a copy where overlayfs is not
# available), so the tree stays as debootstrap left it; whatever happens, the guest is stopped and
# everything it mounted, started or wrote is removed.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
deb=${1:-dist/sessiontail_${version}_${arch}.deb}
suite=bookworm
mirror=${SESSIONTAIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${SESSIONTAIL_SYSTEMD_TEST_CACHE:-/var/cache/sessiontail-systemd-test}
elastic=$root/data/real/elastic-examples_apache_logs.log
machine=sessiontail-test-$$
logdir=/var/log/sessiontail-systemd-test
conffile=/etc/sessiontail/sessiontail.yaml

checks=0
ok() {
    checks=$((checks + 1))
    echo "  ok: $*"
}
fail() {
    [[ $BASHPID == "$$" ]] || exit 1 # in a subshell: its caller says what failed
    echo "systemd-test: FAIL: $*" >&2
    if [[ -n ${init_pid:-} ]] && kill -0 "$init_pid" 2>/dev/null; then
        echo "--- systemctl status sessiontail; journalctl -u sessiontail (last 40 lines):" >&2
        guest timeout 10 systemctl status --no-pager --lines=0 sessiontail >&2 || true
        guest journalctl -u sessiontail --no-pager -n 40 >&2 || true
    fi
    exit 1
}
# A command that fails where no check expected it: said as a failed check.
trap 'fail "$BASH_COMMAND exited with status $? (line $LINENO)"' ERR
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

[[ $(id -u) == 0 ]] || fail "run as root (it mounts and boots a guest)"
[[ -f $deb ]] || fail "$deb not found: make deb"
for tool in systemd-nspawn debootstrap nsenter flock findmnt pgrep; do
    command -v "$tool" >/dev/null || fail "$tool not found: scripts/install-deps.sh package"
done

work=""
building=""
nspawn_pid=""
init_pid=""
own_cgroups=()
scope=""
# unmount_below DIR: unmounts whatever is mounted on or below DIR, deepest first.
unmount_below() {
    local target
    findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r \
        | while read -r target; do umount "$target" 2>/dev/null || umount -l "$target"; done
}
cleanup() {
    trap - ERR
    set +e
    if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid" # an orderly poweroff of the guest
        for ((i = 0; i < 150; i++)); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            echo "systemd-test: the guest did not power off within 15 s: killed" >&2
            [[ -n $init_pid ]] && kill -KILL "$init_pid"
            kill -KILL "$nspawn_pid"
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    # Whatever is left in the cgroups of the guest is killed, and the cgroups removed.
    [[ -n $scope ]] && systemctl stop "$scope" 2>/dev/null
    local cgroup
    for cgroup in "${own_cgroups[@]}"; do
        if [[ -e $cgroup/cgroup.kill ]]; then
            echo 1 >"$cgroup/cgroup.kill"
        else
            find "$cgroup" -name cgroup.procs -exec cat {} + | xargs -r kill -KILL 2>/dev/null
        fi
        for ((i = 0; i < 50; i++)); do
            find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
            [[ -d $cgroup ]] || break
            sleep 0.1
        done
        [[ -d $cgroup ]] && echo "systemd-test: could not remove the cgroup $cgroup" >&2
    done
    local dir
    for dir in "$work" "$building"; do
        [[ -n $dir && -d $dir ]] || continue
        unmount_below "$dir"
        if findmnt -rn -o TARGET | grep -q "^$dir"; then
            echo "systemd-test: still mounted below $dir; not removed" >&2
        else
            rm -rf --one-file-system "$dir"
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

echo "== the guest's tree"
# systemd as PID 1, PostgreSQL, and every package the package depends on (the first of alternatives):
# the guest has no network, so dpkg -i must find them all installed.
depends=$(dpkg-deb -f "$deb" Pre-Depends Depends | sed 's/^[A-Za-z-]*://' | tr ',' '\n' \
    | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' || true)
[[ -n $depends ]] || fail "no Depends in $deb"
packages=$(printf '%s\n' systemd systemd-sysv dbus postgresql $depends | sort -u | paste -sd, -)
# What makes the tree: a change in any of it makes another one.
recipe="debootstrap --variant=minbase --arch=$arch --include=$packages $suite; PostgreSQL on port 5432"
key=$(printf '%s\n' "$recipe" | sha256sum | cut -c1-16)
tree=$cache/$suite-$key
mkdir -p "$cache"
# One lock for the cache: exclusive to build (and remove older trees), shared while a guest runs on a tree.
exec {lock}>"$cache/lock"
flock -x "$lock"
# Left by a run killed while it built a tree.
for old in "$cache"/.build.*; do
    [[ -d $old ]] && unmount_below "$old" && rm -rf --one-file-system "$old"
done
if [[ -f $tree/ready ]]; then
    tree_note="cached in $tree"
else
    echo "  building $tree: $recipe" >&2
    tree_started=$SECONDS
    building=$(mktemp -d "$cache/.build.XXXXXX")
    debootstrap --variant=minbase --arch="$arch" --include="$packages" "$suite" "$building/root" "$mirror" \
        >"$building/debootstrap.log" 2>&1 || fail "debootstrap: $(tail -n 20 "$building/debootstrap.log")"
    # The cluster Debian's postgresql made starts with the guest. It took the first port free on this
    # machine, but the guest has a network of its own: PostgreSQL's own port.
    compgen -G "$building/root/etc/postgresql/*/main/postgresql.conf" >/dev/null || fail "debootstrap made no PostgreSQL cluster"
    sed -i 's/^port = .*/port = 5432/' "$building"/root/etc/postgresql/*/main/postgresql.conf
    printf '%s\n' "$recipe" >"$building/recipe"
    touch "$building/ready"
    for old in "$cache/$suite"-*; do
        [[ -d $old && $old != "$tree" ]] && echo "  removing the older tree $old" >&2 && rm -rf --one-file-system "$old"
    done
    rm -rf --one-file-system "$tree"
    mv "$building" "$tree"
    building=""
    tree_note="built in $((SECONDS - tree_started)) s ($(du -sh "$tree" | cut -f1)) in $tree"
fi
flock -s "$lock"
ok "guest tree ($packages) $tree_note"

echo "== boot"
work=$(mktemp -d /var/tmp/sessiontail-systemd-test.XXXXXX)
mkdir "$work/upper" "$work/overlay-work" "$work/root"
if mount -t overlay overlay -o "lowerdir=$tree/root,upperdir=$work/upper,workdir=$work/overlay-work" \
    "$work/root" 2>"$work/mount.err"; then
    how="an overlay on the cached tree"
else
    cp -a "$tree/root/." "$work/root/"
    how="a copy of the cached tree (no overlayfs: $(cat "$work/mount.err"))"
fi
install -m 0644 "$deb" "$work/root/root/sessiontail.deb"
# systemd-nspawn splits the cgroup it starts in into payload/ and supervisor/, and leaves them: it gets
# a cgroup of its own (a delegated scope under a systemd host), which cleanup removes.
launcher=()
if [[ -d /run/systemd/system ]]; then
    scope=$machine.scope
    launcher=(systemd-run --quiet --scope --collect --property=Delegate=yes --unit="$scope")
else
    while IFS=: read -r _ controllers path; do
        mount=""
        case $controllers in
            "") mount=$(findmnt -rn -t cgroup2 -o TARGET | head -n 1) ;;
            name=systemd) mount=$(findmnt -rn -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /name=systemd/ { print $1; exit }') ;;
        esac
        [[ -n $mount ]] || continue
        mkdir "$mount${path%/}/$machine" 2>/dev/null || continue
        own_cgroups+=("$mount${path%/}/$machine")
    done </proc/self/cgroup
    launcher=(sh -c 'for c in $CGROUPS; do echo $$ >"$c/cgroup.procs"; done; unset CGROUPS; exec "$@"' sh)
fi
# --keep-unit --register=no: no systemd-machined needed on the host (nor a system bus).
CGROUPS="${own_cgroups[*]}" SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 "${launcher[@]}" systemd-nspawn --quiet \
    --directory="$work/root" --machine="$machine" --keep-unit --register=no --private-network \
    --console=read-only --boot </dev/null >"$work/boot.log" 2>&1 &
nspawn_pid=$!
boot_started=$SECONDS
until init_pid=$(pgrep -P "$nspawn_pid" -x systemd); do
    kill -0 "$nspawn_pid" 2>/dev/null || fail "systemd-nspawn exited: $(tail -n 20 "$work/boot.log")"
    ((SECONDS - boot_started < 30)) || fail "no systemd in the guest within 30 s: $(tail -n 20 "$work/boot.log")"
    sleep 0.1
done
# guest COMMAND…: runs COMMAND in the guest (all its namespaces), with an environment of its own.
guest() {
    nsenter --target="$init_pid" --all -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
}
wait_for 30 "systemd in the guest" guest test -S /run/systemd/private
state=$(guest timeout 60 systemctl is-system-running --wait || true)
case $state in
    running) state_note="" ;;
    # Units that failed for reasons of the guest, not of the package: said, and PostgreSQL checked below.
    degraded) state_note=" (degraded: $(guest systemctl --failed --no-legend --plain --no-pager | awk '{ print $1 }' | paste -sd' ' -))" ;;
    *) fail "the guest is '$state': $(guest systemctl --failed --no-legend --no-pager)" ;;
esac
ok "booted $how in $((SECONDS - boot_started)) s$state_note: $(guest systemctl --version | head -n 1) is PID 1 of $(guest sh -c '. /etc/os-release && echo "$PRETTY_NAME"')"
wait_for 30 "PostgreSQL in the guest" guest pg_isready -q -p 5432
ok "PostgreSQL runs in the guest: $(guest systemctl list-units --no-legend --plain 'postgresql@*' | awk '{ print $1 }')"

echo "== dpkg -i (no network: dependencies from the guest's tree)"
guest dpkg -i /root/sessiontail.deb >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
[[ $(guest dpkg-query -W -f='${Status}' sessiontail) == "install ok installed" ]] \
    || fail "sessiontail is $(guest dpkg-query -W -f='${Status}' sessiontail): $(cat "$work/dpkg.log")"
[[ $(guest systemctl is-enabled sessiontail) == enabled ]] || fail "sessiontail.service is not enabled"
# No man-db in the guest: scripts/package-test.sh checks the man page.
verify=$(guest systemd-analyze verify --man=no sessiontail.service 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify: $verify"
ok "installed $(guest dpkg-query -W -f='${Package} ${Version}' sessiontail), sessiontail.service enabled, systemd-analyze verify clean"

# unit PROPERTY: the value of one of sessiontail.service's properties.
unit() { guest systemctl show -P "$1" sessiontail; }
unit_failed() { [[ $(unit ActiveState) == failed && $(unit SubState) == failed ]]; }
echo "== a permanent error: the database role does not exist yet"
# The package started the service with the default configuration (the local PostgreSQL, role and
# database sessiontail), before anyone made that role: the daemon says so and exits 2.
wait_for 15 "sessiontail.service failed, not waiting to restart (SubState=failed, not auto-restart)" unit_failed
[[ $(unit ExecMainStatus) == 2 && $(unit Result) == exit-code && $(unit NRestarts) == 0 ]] \
    || fail "ExecMainStatus=$(unit ExecMainStatus) Result=$(unit Result) NRestarts=$(unit NRestarts)"
[[ -z $(guest systemctl list-jobs --no-legend sessiontail.service) ]] || fail "a job is queued: $(guest systemctl list-jobs)"
guest journalctl -u sessiontail -p err -o cat --no-pager | grep -q 'role "sessiontail" does not exist' \
    || fail "no error about the role in the journal (at error priority)"
ok "exit status 2, failed, no restart scheduled (RestartPreventExitStatus=2); the journal says: $(guest journalctl -u sessiontail -p err -o cat --no-pager | grep -m1 'does not exist' | sed 's/.*FATAL: *//')"

echo "== systemctl start: a log only group adm may read, shipped over TCP"
password=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
guest runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE sessiontail LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE sessiontail OWNER sessiontail" || fail "cannot create the role and database"
sql() { guest runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -tA -d sessiontail "$@"; }
mkdir -p "$work/root$logdir"
head -n 2000 "$elastic" >"$work/root$logdir/a.log"
guest sh -c "chown root:adm $logdir $logdir/a.log && chmod 0750 $logdir && chmod 0640 $logdir/a.log"
guest runuser -u nobody -- cat "$logdir/a.log" >/dev/null 2>&1 && fail "nobody can read $logdir/a.log: the test proves nothing"
metrics_port=9464
# write_config CONNINFO TABLE [SOURCES] [EXTRA]
write_config() {
    cat >"$work/root$conffile" <<YAML
agent_id: systemd-test
state_dir: /var/lib/sessiontail
sources:
  - name: web
    paths: ["$logdir/a.log"]
    host: semicomplete.com
${3:-}
session:
  gap: 5m
  lateness: 0s
postgres:
  conninfo: "$1"
  table: $2
  batch_age: 200ms
metrics:
  listen: 127.0.0.1:$metrics_port
${4:-}
YAML
}
tcp="host=127.0.0.1 dbname=sessiontail user=sessiontail password=$password"
write_config "$tcp" sessions_tcp
guest systemctl start sessiontail || fail "systemctl start sessiontail"
pid=$(unit MainPID)
[[ $(unit ActiveState) == active && $(unit SubState) == running && $pid != 0 ]] || fail "not running after systemctl start"
read -r _ uid _ < <(guest grep '^Uid:' "/proc/$pid/status")
read -r _ gid _ < <(guest grep '^Gid:' "/proc/$pid/status")
groups=$(guest sed -n 's/^Groups:[[:space:]]*//p' "/proc/$pid/status" | xargs | tr ' ' ,)
[[ $uid == $(guest id -u sessiontail) && $gid == $(guest getent group adm | cut -d: -f3) && $groups == "$gid" ]] \
    || fail "the daemon runs as uid $uid, gid $gid, groups $groups"
[[ $(guest sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status") == 0000000000000000 ]] || fail "the daemon has capabilities"
[[ $(guest sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$pid/status") == 1 ]] || fail "NoNewPrivs is not set"
[[ $(guest sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status") == 2 ]] || fail "no seccomp filter"
ok "started (Type=notify: ready); main PID $pid: user sessiontail ($uid), group adm ($gid) alone, no capabilities, no new privileges, a seccomp filter"

# compare TABLE HOST LOG: "batch-rows table-rows batch-events table-events differing-rows", the batch
# being `sessiontail sessionize` on LOG in the guest, loaded into PostgreSQL as it is written.
columns="host, ip, session_start, session_end, event_count, bytes, landing_path, referrer, user_agent, error_count,
    page_views, is_bot, exit_path, referrer_host, channel, utm_source, utm_medium, utm_campaign, browser, os, device, country"
compare() {
    local table=$1 host=$2 log=$3
    if ! guest sh -c "sessiontail sessionize --host $host --gap 5m --lateness 0s $log >/tmp/batch.csv 2>/tmp/batch.err"; then
        echo "sessiontail sessionize $log: $(guest cat /tmp/batch.err)" >&2
        return 1
    fi
    sql <<SQL
CREATE TEMP TABLE batch (host text, ip text, session_start timestamptz, session_end timestamptz, event_count bigint,
    bytes bigint, landing_path text, referrer text, user_agent text, error_count bigint, page_views bigint,
    is_bot boolean, exit_path text, referrer_host text, channel text, utm_source text, utm_medium text,
    utm_campaign text, browser text, os text, device text, country text);
\\copy batch FROM '/tmp/batch.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP VIEW stored AS SELECT $columns FROM $table;
SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM stored),
       (SELECT coalesce(sum(event_count), 0) FROM batch), (SELECT coalesce(sum(event_count), 0) FROM stored),
       (SELECT count(*) FROM ((TABLE batch EXCEPT ALL TABLE stored) UNION ALL (TABLE stored EXCEPT ALL TABLE batch)) d);
SQL
}
# shipped TABLE HOST LOG: every event of LOG is in TABLE.
shipped() {
    local c
    c=$(compare "$@" | tr '|' ' ') || return 1
    read -r _ _ batch_events table_events _ <<<"$c"
    [[ $batch_events == "$table_events" ]]
}
# equals_batch TABLE HOST LOG: fails unless TABLE holds exactly the sessions the batch finds in LOG.
equals_batch() {
    local c
    wait_for 60 "the events of $3 in $1" shipped "$@"
    c=$(compare "$@" 2>"$work/compare.err" | tr '|' ' ') || fail "comparing $1 with sessionize on $3: $(cat "$work/compare.err")"
    read -r batch_rows table_rows batch_events table_events differing <<<"$c"
    [[ $batch_rows == "$table_rows" && $differing == 0 ]] \
        || fail "$1 differs from sessionize on $3: $batch_rows vs $table_rows rows, $differing differ: $(sql -c \
            "SELECT $columns FROM $1 ORDER BY host, ip, session_start LIMIT 5")"
    summary="$table_rows sessions, $table_events events"
}
equals_batch sessions_tcp semicomplete.com "$logdir/a.log"
ok "$logdir/a.log (root:adm 0640) shipped over TCP: sessions_tcp = sessionize on the same log, column by column ($summary)"
[[ -n $(unit StatusText) ]] || fail "no status line (STATUS=)"
guest sessiontail status >"$work/status.txt" || fail "sessiontail status: $(cat "$work/status.txt")"
grep -q 'agent systemd-test: running' "$work/status.txt" || fail "sessiontail status: $(cat "$work/status.txt")"
# The metrics, over the loopback of the guest (bash's /dev/tcp: the guest has no HTTP client).
scrape() {
    guest timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$metrics_port && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3"
}
metrics_count_events() { scrape | grep -q '^sessiontail_events_total{source="web"} 2000$'; }
wait_for 10 "sessiontail_events_total{source=\"web\"} 2000 in the metrics" metrics_count_events
ok "systemctl status: \"$(unit StatusText)\"; sessiontail status: running; metrics served on 127.0.0.1:$metrics_port"

echo "== the sandbox, seen from the daemon's own mount namespace with its credentials"
# in_sandbox COMMAND…: runs COMMAND in the running daemon's mount namespace, as its user and groups.
in_sandbox() {
    local pid
    pid=$(unit MainPID)
    guest nsenter --target="$pid" --mount -- setpriv --reuid="$uid" --regid="$gid" --groups="$groups" -- "$@"
}
in_sandbox find / \( -path /proc -o -path /sys \) -prune -o -type d -writable -print 2>/dev/null \
    | sort >"$work/writable.txt" || true
unexpected=$(grep -vxE '/tmp|/var/tmp|/var/lib/sessiontail(/.*)?' "$work/writable.txt" || true)
[[ -z $unexpected ]] || fail "the service may write to: $(paste -sd' ' - <<<"$unexpected")"
grep -qx /var/lib/sessiontail "$work/writable.txt" || fail "the service cannot write its state directory"
for dir in /run/lock /run /dev/shm /var/log /etc /var/lib; do
    in_sandbox touch "$dir/.sessiontail-probe" 2>/dev/null && fail "the service can write to $dir"
done
for dir in /tmp /var/tmp; do
    in_sandbox touch "$dir/.sessiontail-probe" || fail "cannot write the private $dir"
    guest test -e "$dir/.sessiontail-probe" && fail "$dir is not private to the service"
done
in_sandbox test -S /run/postgresql/.s.PGSQL.5432 || fail "the PostgreSQL socket is not visible to the service"
in_sandbox cat "$logdir/a.log" >/dev/null || fail "the service cannot read $logdir/a.log"
ok "writable: $(paste -sd' ' "$work/writable.txt") (/tmp and /var/tmp private); not /run/lock, /run, /dev/shm, /var/log, /etc; /run/postgresql's socket visible"

echo "== systemctl reload"
pid=$(unit MainPID)
still_running() { # what: the same main PID, active
    [[ $(unit MainPID) == "$pid" && $(unit ActiveState) == active ]] || fail "$1: the daemon is $(unit ActiveState), main PID $(unit MainPID) (was $pid)"
}
write_config "$tcp" sessions_tcp "" "unknown_key: 1"
guest systemctl reload sessiontail 2>"$work/reload.err" && fail "systemctl reload accepted a broken file"
still_running "after a broken file"
guest journalctl -u sessiontail -o cat --no-pager | grep -q 'unknown_key: unknown key' || fail "the journal does not say why the reload failed"
ok "a broken file: systemctl reload fails ($(guest journalctl -u sessiontail -o cat --no-pager | grep -m1 'unknown_key')), main PID $pid runs on"
write_config "host=/run/postgresql dbname=no_such_database user=sessiontail" sessions
guest systemctl reload sessiontail 2>"$work/reload.err" && fail "systemctl reload accepted a database that does not exist"
still_running "after a database the daemon refuses"
guest journalctl -u sessiontail -o cat --no-pager | grep -q 'reload refused' || fail "the daemon did not say it refused the reload"
# The old configuration is in force: new lines of a.log go to sessions_tcp over TCP.
sed -n '2001,2500p' "$elastic" >>"$work/root$logdir/a.log"
equals_batch sessions_tcp semicomplete.com "$logdir/a.log"
ok "a database the daemon cannot use: it refuses the reload, systemctl reload fails, the old configuration stays in force (500 new lines in sessions_tcp: $summary)"
# The good file: the Unix socket (peer authentication), another table, a second source.
: >"$work/root$logdir/b.log"
guest sh -c "chown root:adm $logdir/b.log && chmod 0640 $logdir/b.log"
write_config "host=/run/postgresql dbname=sessiontail user=sessiontail" sessions "  - name: shop
    paths: [\"$logdir/b.log\"]
    host: shop.example.org"
guest systemctl reload sessiontail || fail "systemctl reload with a good file"
still_running "after a good file"
sed -n '2501,4500p' "$elastic" >>"$work/root$logdir/b.log"
equals_batch sessions shop.example.org "$logdir/b.log"
b_summary=$summary
equals_batch sessions_tcp semicomplete.com "$logdir/a.log"
ok "a good file: in force at once (b.log over the Unix socket into sessions: $b_summary); sessions_tcp unchanged"

# dropin NAME [TEXT]: writes TEXT (printf's format) as the runtime drop-in NAME.conf of the unit in the
# guest (its /run, a tmpfs of the guest's own), or removes it; then daemon-reload.
dropin() {
    local file=/run/systemd/system/sessiontail.service.d/$1.conf
    if (($# > 1)); then
        guest sh -c "mkdir -p ${file%/*} && printf '$2' >$file"
    else
        guest rm "$file"
    fi
    guest systemctl daemon-reload
}
echo "== the watchdog"
# WatchdogSec=5min (the unit's) would take over 5 minutes to fire: for this check a runtime drop-in
# makes it 4 s. The daemon pings at half that; SIGSTOP stops the pings, not the watchdog.
dropin watchdog-test '[Service]\nWatchdogSec=4s\n'
guest systemctl restart sessiontail || fail "systemctl restart with WatchdogSec=4s"
[[ $(unit WatchdogUSec) == 4s ]] || fail "WatchdogUSec=$(unit WatchdogUSec)"
pid=$(unit MainPID)
restarts=$(unit NRestarts)
first_ping=$(unit WatchdogTimestampMonotonic)
sleep 5
[[ $(unit MainPID) == "$pid" && $(unit NRestarts) == "$restarts" ]] || fail "killed by the watchdog while running normally"
[[ $(unit WatchdogTimestampMonotonic) != "$first_ping" ]] || fail "no WATCHDOG=1 reached systemd in 5 s"
# Lines read just before the daemon hangs (shipped or not yet), and lines written while it hangs: read
# after the restart from its last commit, none of them twice.
sed -n '4501,5000p' "$elastic" >>"$work/root$logdir/b.log"
read_500() { scrape | grep -q '^sessiontail_events_total{source="shop"} 500$'; }
wait_for 10 "500 new lines read" read_500
guest sh -c 'kill -STOP "$1"' sh "$pid"
stopped_at=$SECONDS
sed -n '5001,6000p' "$elastic" >>"$work/root$logdir/b.log"
restarted() {
    [[ $(unit NRestarts) == $((restarts + 1)) && $(unit MainPID) != "$pid" && $(unit MainPID) != 0 && $(unit ActiveState) == active ]]
}
wait_for 30 "a restart after the watchdog" restarted
guest journalctl -u sessiontail -o cat --no-pager | grep -q 'Watchdog timeout' || fail "no watchdog timeout in the journal"
equals_batch sessions shop.example.org "$logdir/b.log"
b_summary=$summary
equals_batch sessions_tcp semicomplete.com "$logdir/a.log"
ok "SIGSTOP: \"$(guest journalctl -u sessiontail -o cat --no-pager | grep -m1 'Watchdog timeout')\", killed and running again in $((SECONDS - stopped_at)) s (RestartSec=10s); the lines read before and written meanwhile shipped once: sessions = sessionize ($b_summary), sessions_tcp unchanged"
dropin watchdog-test

echo "== the start limit: a configuration refused at every start"
cp "$work/root$conffile" "$work/good.yaml"
write_config "host=/run/postgresql dbname=sessiontail user=sessiontail" sessions "" "unknown_key: 1"
# RestartSec=3s for this check: 5 starts take 12 s, more than systemd's default 10 s interval, so
# only the unit's own StartLimitIntervalSec= can stop them.
dropin restart-test '[Service]\nRestartSec=3s\n'
[[ $(unit StartLimitBurst) == 5 && $(unit StartLimitIntervalUSec) == 2min ]] \
    || fail "StartLimitBurst=$(unit StartLimitBurst) StartLimitIntervalUSec=$(unit StartLimitIntervalUSec)"
# Starts by hand count too: reset-failed (as the daemon-reload did) forgets those of the earlier checks.
guest systemctl reset-failed sessiontail
guest systemctl restart sessiontail 2>/dev/null && fail "started with a broken configuration"
gave_up() { unit_failed && guest journalctl -u sessiontail -o cat --no-pager | grep -q 'Start request repeated too quickly'; }
wait_for 40 "the start limit" gave_up
restarts=$(unit NRestarts)
sleep 4 # longer than RestartSec
[[ $(unit NRestarts) == "$restarts" ]] && unit_failed || fail "restarted after giving up"
# Fixed: the start limit still refuses a start (a daemon-reload would forget it) until reset-failed.
cp "$work/good.yaml" "$work/root$conffile"
guest systemctl start sessiontail 2>/dev/null && fail "started again before systemctl reset-failed"
guest systemctl reset-failed sessiontail
guest systemctl start sessiontail || fail "systemctl start after reset-failed"
dropin restart-test
ok "ExecStartPre= refused the file at each start; after $restarts restarts systemd gave up (StartLimitBurst=5 in 2min) and the unit stays failed; once fixed, start is refused until reset-failed, then runs"

echo "== systemd-analyze security on the running unit"
guest systemd-analyze security --no-pager sessiontail >"$work/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for sessiontail.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
[[ -n $exposure ]] || fail "systemd-analyze security: $(cat "$work/security.txt")"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0: $(grep '✗' "$work/security.txt")"
ok "exposure $exposure (≤ 2.0)"

echo "== the journal"
guest journalctl -u sessiontail -o cat --no-pager >"$work/journal.txt"
denied=$(grep -E 'EPERM|EACCES|SIGSYS|[Pp]ermission denied|[Oo]peration not permitted' "$work/journal.txt" || true)
[[ -z $denied ]] || fail "the journal says: $denied"
ok "$(wc -l <"$work/journal.txt") lines from sessiontail.service, none with EPERM, EACCES, SIGSYS, Permission denied or Operation not permitted"
guest systemctl stop sessiontail
[[ $(unit ActiveState) == inactive && $(unit Result) == success ]] || fail "systemctl stop: $(unit ActiveState), $(unit Result)"
ok "systemctl stop: inactive, result success"

echo "systemd-test: $checks passed, 0 failed ($((SECONDS - started)) s; guest tree $tree_note)"
