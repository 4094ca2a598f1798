#!/usr/bin/env bash
# make bench, the daemon part (issues: daemon and durability). Runs inside a throwaway PostgreSQL
# (scripts/bench.sh starts it with `pg_virtualenv -t`), with the release binary:
#   - CPU of `sessiontail run` idle, and at 5 000 lines/s (targets < 0.5 % and < 2 % of a core), with
#     the write-ahead log and with durability off; fsyncs per second; peak RSS;
#   - latency from a line written to its session in PostgreSQL (gap 10 s, lateness 2 s for the run);
#   - a drain of DAEMON_BENCH_LINES generated lines with the write-ahead log and without (overhead
#     target ≤ 15 %; both ship the same sessions to PostgreSQL);
#   - a flood of 2 M distinct client addresses under a memory cap of 8 MiB: peak RSS against the idle
#     daemon's + the cap + 8 MiB.
# Usage: scripts/daemon-bench.sh BIN_DIR DATA_DIR
set -euo pipefail
bin=$1
data=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
seconds=${DAEMON_BENCH_SECONDS:-30}
drain_lines=${DAEMON_BENCH_LINES:-1000000}
flood_lines=${DAEMON_BENCH_FLOOD:-2000000}
tmp=$(mktemp -d)
daemon=""
trap '[[ -n $daemon ]] && kill -9 $daemon 2>/dev/null; rm -rf "$tmp"' EXIT
hz=$(getconf CLK_TCK)
calc() { awk "BEGIN { printf \"%s\", $1 }"; }
verdict() { if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then echo PASS; else echo MISS; fi; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ms() { date +%s%3N; }
results=()
row() { results+=("$(printf '%-44s %22s   %-14s %s' "$@")"); printf '  %-44s %22s   %-14s %s\n' "$@"; }

# config NAME GAP LATENESS MEMORY [LOG]: a configuration with one source.
config() {
    mkdir -p "$tmp/$1"
    cat >"$tmp/$1.yaml" <<YAML
agent_id: bench
state_dir: $tmp/$1/state
sources:
  - name: web
    paths: ["${5:-$tmp/$1/access.log}"]
    format: combined
    host: bench.example
session:
  gap: $2
  lateness: $3
postgres:
  table: bench_$1
limits:
  memory: $4
YAML
}

# live NAME RATE [--no-durability]: the daemon on a log written at RATE lines/s for $seconds s;
# sets cpu (% of a core over the writing), syncs_per_s, rss_kib.
live() {
    local name=$1 rate=$2
    shift 2
    config "$name" 5m 60s 64MiB
    : >"$tmp/$name/access.log"
    "$bin/sessiontail" run --config "$tmp/$name.yaml" "$@" 2>"$tmp/$name.err" &
    daemon=$!
    sleep 2
    local writer=""
    if [[ $rate != 0 ]]; then
        python3 "$here/livewriter.py" --out "$tmp/$name/access.log" --rate "$rate" --seconds "$((seconds + 4))" &
        writer=$!
        sleep 2
    fi
    local t0 s0
    t0=$(ticks "$daemon")
    s0=$(now_ms)
    sleep "$seconds"
    cpu=$(calc "100 * ($(ticks "$daemon") - $t0) / $hz / (($(now_ms) - $s0) / 1000)")
    rss_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$daemon/status")
    [[ -n $writer ]] && wait "$writer"
    kill -TERM "$daemon"
    wait "$daemon" || true
    daemon=""
    local syncs
    syncs=$(sed -n 's/.*bytes, \([0-9]*\) syncs).*/\1/p' "$tmp/$name.err" | tail -1)
    syncs_per_s=$(calc "${syncs:-0} / ($seconds + 6)")
}

echo
echo "== Daemon: idle, ${seconds} s"
live idle 0
idle_rss_kib=$rss_kib
row "run: CPU idle (% of a core)" "$(printf '%.2f %%' "$cpu")" "< 0.5 %" "$(verdict "$cpu" '<' 0.5)"
row "run: peak RSS idle" "$(calc "$rss_kib / 1024" | xargs printf '%.1f MiB')" "" ""

echo "== Daemon: 5 000 lines/s for ${seconds} s, write-ahead log on"
live wal 5000
wal_cpu=$cpu
row "run: CPU at 5 000 lines/s (% of a core)" "$(printf '%.2f %%' "$cpu")" "< 2 %" "$(verdict "$cpu" '<' 2)"
row "run: fsyncs per second at 5 000 lines/s" "$(printf '%.1f' "$syncs_per_s")" "" ""
row "run: peak RSS at 5 000 lines/s" "$(calc "$rss_kib / 1024" | xargs printf '%.1f MiB')" "≤ 64 MiB" \
    "$(verdict "$rss_kib" '<=' 65536)"
if [[ ${DAEMON_BENCH_RSS_MINUTES:-0} != 0 ]]; then
    # Resident memory over a long run at 5 000 lines/s, sampled every 10 s: a heap that fragments
    # shows as a steady climb; a bounded one as a plateau.
    minutes=$DAEMON_BENCH_RSS_MINUTES
    echo "== Daemon: 5 000 lines/s for $minutes min, resident memory every 10 s"
    config rss 5m 60s 64MiB
    : >"$tmp/rss/access.log"
    "$bin/sessiontail" run --config "$tmp/rss.yaml" 2>"$tmp/rss.err" &
    daemon=$!
    sleep 2
    python3 "$here/livewriter.py" --out "$tmp/rss/access.log" --rate 5000 --seconds "$((minutes * 60 + 4))" &
    writer=$!
    samples=()
    for ((i = 0; i < minutes * 6; i++)); do
        sleep 10
        samples+=("$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")")
    done
    peak=$(awk '/VmHWM/ { print $2 }' "/proc/$daemon/status")
    wait "$writer"
    kill -TERM "$daemon"
    wait "$daemon" || true
    daemon=""
    first_minute=$(printf '%s\n' "${samples[@]:0:6}" | sort -n | tail -1)
    last_minute=$(printf '%s\n' "${samples[@]: -6}" | sort -n | tail -1)
    row "run: RSS after 1 min / after $minutes min at 5 000 lines/s" \
        "$(calc "$first_minute / 1024" | xargs printf '%.1f')/$(calc "$last_minute / 1024" | xargs printf '%.1f MiB')" "flat" ""
    row "run: peak RSS over $minutes min at 5 000 lines/s" "$(calc "$peak / 1024" | xargs printf '%.1f MiB')" "" ""
    echo "  RSS samples (KiB, every 10 s): ${samples[*]}"
fi

echo "== Daemon: 5 000 lines/s for ${seconds} s, durability off"
live volatile 5000 --no-durability
row "run: CPU at 5 000 lines/s, durability off" "$(printf '%.2f %%' "$cpu")" "" ""
row "run: CPU cost of the write-ahead log" "$(calc "$wal_cpu - $cpu" | xargs printf '%+.2f points')" "" ""

echo "== Daemon: latency from a line written to its session in PostgreSQL (gap 10 s, lateness 2 s)"
config latency 10s 2s 64MiB
: >"$tmp/latency/access.log"
"$bin/sessiontail" run --config "$tmp/latency.yaml" 2>"$tmp/latency.err" &
daemon=$!
sleep 2
python3 "$here/livewriter.py" --out "$tmp/latency/access.log" --rate 1000 --seconds 16 \
    --probes "$tmp/probes" --probe-every 2 &
writer=$!
wait "$writer"
deadline=$(($(now_ms) + 40000))
latencies=()
while read -r ip written; do
    while :; do
        if [[ $(psql -XAtqc "SELECT count(*) FROM bench_latency WHERE ip = '$ip'" 2>/dev/null) == 1 ]]; then
            latencies+=("$(($(now_ms) - written))")
            break
        fi
        (($(now_ms) > deadline)) && break
        sleep 0.1
    done
done <"$tmp/probes"
kill -TERM "$daemon"
wait "$daemon" || true
daemon=""
if ((${#latencies[@]} > 0)); then
    sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
    median=$(sed -n "$(((${#latencies[@]} + 1) / 2))p" <<<"$sorted")
    worst=$(tail -1 <<<"$sorted")
    row "latency, line → session row (median of ${#latencies[@]})" \
        "$(calc "$median / 1000" | xargs printf '%.1f s')" "≈ G+lateness+age" \
        "$(verdict "$median" '<=' 16000)"
    row "latency beyond gap + lateness (median, max)" \
        "$(calc "($median - 12000) / 1000" | xargs printf '%.1f s'), $(calc "($worst - 12000) / 1000" | xargs printf '%.1f s')" \
        "≤ batch age 2 s" "$(verdict "$median" '<=' 14500)"
else
    row "latency, line → session row" "no probe arrived" "" "MISS"
fi

echo "== Daemon: drain of $drain_lines generated lines, write-ahead log on and off"
drain_log=$data/combined-$drain_lines.log
if [[ ! -f $drain_log ]]; then
    "$bin/loggen" --format combined --lines "$drain_lines" --seed 1 >"$drain_log.tmp"
    mv "$drain_log.tmp" "$drain_log"
fi
cat "$drain_log" >/dev/null
drain() { # NAME LOG [--no-durability] (DRAIN_MEMORY: the memory cap, default 64MiB)
    local name=$1 log=$2
    shift 2
    config "$name" 5m 60s "${DRAIN_MEMORY:-64MiB}" "$log"
    local start end
    start=$(now_ms)
    /usr/bin/time -v -o "$tmp/$name.time" "$bin/sessiontail" run --drain --config "$tmp/$name.yaml" "$@" 2>"$tmp/$name.err"
    end=$(now_ms)
    drain_seconds=$(calc "($end - $start) / 1000")
    rss_kib=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$tmp/$name.time")
    grep -E 'lines in|shipped' "$tmp/$name.err" | sed 's/^/  /'
}
drain drain_volatile "$drain_log" --no-durability
off_seconds=$drain_seconds
drain drain_wal "$drain_log"
on_seconds=$drain_seconds
overhead=$(calc "100 * ($on_seconds - $off_seconds) / $off_seconds")
row "drain, write-ahead log on (lines/s)" "$(calc "$drain_lines / $on_seconds / 1e6" | xargs printf '%.2f M') ($(printf '%.1f' "$on_seconds") s)" "" ""
row "drain, durability off (lines/s)" "$(calc "$drain_lines / $off_seconds / 1e6" | xargs printf '%.2f M') ($(printf '%.1f' "$off_seconds") s)" "" ""
row "write-ahead log overhead on a drain" "$(printf '%+.1f %%' "$overhead")" "≤ 15 %" "$(verdict "$overhead" '<=' 15)"
row "drain peak RSS" "$(calc "$rss_kib / 1024" | xargs printf '%.1f MiB')" "≤ 64 MiB" "$(verdict "$rss_kib" '<=' 65536)"

echo "== Daemon: a flood of $flood_lines distinct client addresses (memory cap 8 MiB)"
flood_log=$data/flood-$flood_lines.log
if [[ ! -f $flood_log ]]; then
    awk -v n="$flood_lines" 'BEGIN {
        for (i = 0; i < n; i++)
            printf "%d.%d.%d.%d - - [25/Nov/2026:10:%02d:%02d +0000] \"GET /p%d HTTP/1.1\" 200 %d \"-\" \"flood/1.0\"\n",
                1 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256, int(i * 60 / n), int(i * 3600 / n) % 60, i % 97, 100 + i % 900
    }' >"$flood_log.tmp"
    mv "$flood_log.tmp" "$flood_log"
fi
cat "$flood_log" >/dev/null
DRAIN_MEMORY=8MiB drain flood "$flood_log"
row "flood: $flood_lines addresses, drain (lines/s)" "$(calc "$flood_lines / $drain_seconds / 1e3" | xargs printf '%.0f k') ($(printf '%.0f' "$drain_seconds") s)" "" ""
# The cap means what it says: no more than the idle daemon, the cap, and 8 MiB of slack.
flood_cap_kib=$((idle_rss_kib + 8192 + 8192))
row "flood: peak RSS (cap 8 MiB)" "$(calc "$rss_kib / 1024" | xargs printf '%.1f MiB')" \
    "≤ $(calc "$flood_cap_kib / 1024" | xargs printf '%.1f') MiB" "$(verdict "$rss_kib" '<=' "$flood_cap_kib")"

echo
echo "== Summary: the daemon, $(nproc) cores"
printf '%s\n' "${results[@]}"
