#!/usr/bin/env bash
# make bench: throughput, gzip and memory figures against the targets of SPEC §8.
#
# Builds release, generates (once) synthetic logs into bench-data/ (loggen: traffic like real logs, its mix
# printed), then prints for each format: parse speed on one core (parsebench), batch `sessiontail
# sessionize` end to end on the plain file with classification on and off (`--no-classify`) and their
# ratio, on the gzip file, with peak RSS, and the gzip run against `zcat`; every figure beside the data's
# sessions per line (SPEC §8: 15–30 %). Then the cost of classifying one new user agent (uabench). Figures
# are printed beside their targets with PASS/MISS; a miss does not fail the run (exit 0 unless something
# errors).
#
# Environment:
#   BENCH_LINES       lines per generated log (default 10000000)
#   BENCH_SEED        loggen seed (default 1)
#   BENCH_FORMATS     formats to run (default "combined vhost_combined")
#   SWIFT_BUILD_ARGS  extra arguments for every `swift build`, e.g. "--scratch-path .build-bench"
#   BENCH_SHIP=0, BENCH_DAEMON=0, BENCH_UA=0  skip the PostgreSQL shipping, the daemon or the user-agent
#                     benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${BENCH_LINES:-10000000}
seed=${BENCH_SEED:-1}
read -r -a formats <<<"${BENCH_FORMATS:-combined vhost_combined}"
read -r -a build_args <<<"${SWIFT_BUILD_ARGS:-}"
data=bench-data
host=bench.example

[[ $lines =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_LINES must be a positive integer" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# awk does the arithmetic: bash has no floating point.
calc() { awk "BEGIN { printf \"%s\", $1 }"; }
verdict() { # value op target
    if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then echo PASS; else echo MISS; fi
}
now_ns() { date +%s%N; }

echo "== Building (release)"
swift build -c release "${build_args[@]}"
bin=$(swift build -c release "${build_args[@]}" --show-bin-path)
for tool in sessiontail loggen parsebench uabench; do
    [[ -x $bin/$tool ]] || { echo "bench: $bin/$tool was not built" >&2; exit 1; }
done

if [[ ! -x /usr/bin/time ]]; then
    echo "== Installing GNU time (for /usr/bin/time -v)"
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq time >/dev/null 2>&1 \
        || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq time; }
fi

# Generate once: a .meta file names the generator version and arguments and records the sizes; it is
# written last, so an interrupted run regenerates.
echo "== Test data ($lines lines per format, seed $seed)"
mkdir -p "$data"
for format in "${formats[@]}"; do
    file=$data/$format-$lines.log
    want="$("$bin/loggen" --version) format=$format lines=$lines seed=$seed"
    if [[ -f $file && -f $file.gz && -f $file.meta ]] \
        && [[ $(sed -n 1p "$file.meta") == "$want" ]] \
        && [[ $(sed -n 2p "$file.meta") == "$(stat -c %s "$file") $(stat -c %s "$file.gz")" ]]; then
        echo "  $file: present; $(sed -n 3p "$file.meta" | sed 's/^loggen: //')"
        continue
    fi
    rm -f "$file" "$file.gz" "$file.meta"
    start=$(now_ns)
    "$bin/loggen" --format "$format" --lines "$lines" --seed "$seed" --stats >"$file.tmp" 2>"$tmp/loggen.err"
    mv "$file.tmp" "$file"
    mid=$(now_ns)
    gzip -k -6 -f "$file"
    end=$(now_ns)
    printf '%s\n%s %s\n%s\n' "$want" "$(stat -c %s "$file")" "$(stat -c %s "$file.gz")" \
        "$(grep '^loggen: ' "$tmp/loggen.err")" >"$file.meta"
    echo "  $file: $(sed -n 3p "$file.meta" | sed 's/^loggen: //')"
    echo "  $file: $(calc "$(stat -c %s "$file") / 1048576" | xargs printf '%.0f') MiB" \
        "generated in $(calc "($mid - $start) / 1e9" | xargs printf '%.1f') s," \
        "gzip -6 in $(calc "($end - $mid) / 1e9" | xargs printf '%.1f') s"
done

# run_timed NAME CMD…: runs CMD with stdout to /dev/null under /usr/bin/time -v; sets `seconds`
# (wall clock), `cpu_seconds` (user + system: steadier on a shared machine) and `rss_kib` (peak RSS), keeps
# its stderr in $tmp/NAME.err.
run_timed() {
    local name=$1
    shift
    local start end status=0
    start=$(now_ns)
    /usr/bin/time -v -o "$tmp/$name.time" "$@" >/dev/null 2>"$tmp/$name.err" || status=$?
    end=$(now_ns)
    if ((status != 0)); then
        echo "bench: '$*' failed (exit $status):" >&2
        tail -n 20 "$tmp/$name.err" >&2
        exit 1
    fi
    seconds=$(calc "($end - $start) / 1e9")
    cpu_seconds=$(awk -F': *' '/(User|System) time \(seconds\)/ { t += $2 } END { print t }' "$tmp/$name.time")
    rss_kib=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$tmp/$name.time")
}

# sessions_of NAME: the session count of sessiontail's summary in $tmp/NAME.err.
sessions_of() { sed -n 's/.*; \([0-9]*\) sessions\?$/\1/p' "$tmp/$1.err" | tail -1; }

results=()
spl="" # the format's sessions per line, printed beside each of its figures
row() { # format measure value target verdict
    results+=("$(printf '%-15s %-36s %22s   %-16s %-5s %s' "$@" "$spl")")
    printf '  %-36s %22s   %-16s %-5s %s\n' "$2" "$3" "$4" "$5" "$spl"
}

for format in "${formats[@]}"; do
    file=$data/$format-$lines.log
    echo
    echo "== $format: $file"

    # Parse alone, one core.
    "$bin/parsebench" --format "$format" --repeat 3 "$file" >"$tmp/parse.out"
    grep -v '^RESULT ' "$tmp/parse.out" | sed 's/^/  /'
    result=$(grep '^RESULT ' "$tmp/parse.out")
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
    lps=$(field lines_per_s)
    mbps=$(field mb_per_s)
    malformed=$(field malformed)
    malformed_share=$(calc "100 * $malformed / $lines")

    # Batch end to end, plain file: classification off, then on.
    cat "$file" >/dev/null # into the page cache
    run_timed off "$bin/sessiontail" sessionize --no-classify --format "$format" --host "$host" --output csv "$file"
    off_seconds=$seconds
    off_cpu=$cpu_seconds
    run_timed plain "$bin/sessiontail" sessionize --format "$format" --host "$host" --output csv "$file"
    plain_seconds=$seconds
    plain_cpu=$cpu_seconds
    plain_rss=$rss_kib
    grep -v '^sessiontail: malformed line' "$tmp/plain.err" | sed 's/^sessiontail: /  sessiontail: /'
    sessions=$(sessions_of plain)
    [[ -n $sessions ]] || { echo "bench: no session count in sessiontail's summary" >&2; exit 1; }
    spl="$(calc "100 * $sessions / $lines" | xargs printf '%.1f') % sess/line"

    # The same on the .gz, and zcat on it for comparison.
    cat "$file.gz" >/dev/null
    run_timed zcat zcat "$file.gz"
    zcat_seconds=$seconds
    run_timed gz "$bin/sessiontail" sessionize --format "$format" --host "$host" --output csv "$file.gz"
    gz_seconds=$seconds
    gz_rss=$rss_kib

    echo
    e2e=$(calc "$lines / $plain_seconds")
    gz_lps=$(calc "$lines / $gz_seconds")
    ratio=$(calc "$zcat_seconds / $gz_seconds")
    off_lps=$(calc "$lines / $off_seconds")
    classify_ratio=$(calc "$off_seconds / $plain_seconds")
    classify_cpu_ratio=$(calc "$off_cpu / $plain_cpu")
    row "$format" "parse, one core (lines/s)" "$(calc "$lps / 1e6" | xargs printf '%.2f M')" "≥ 4 M" \
        "$(verdict "$lps" '>=' 4000000)"
    row "$format" "parse, one core (MB/s)" "$(printf '%.0f MB/s' "$mbps")" "≈ 800 MB/s" \
        "$(verdict "$mbps" '>=' 800)"
    row "$format" "malformed lines" "$(printf '%d (%.3f %%)' "$malformed" "$malformed_share")" "≈ 0.1 %" \
        "$(verdict "$malformed_share" '<=' 0.15)"
    row "$format" "sessionize end to end (lines/s)" \
        "$(calc "$e2e / 1e6" | xargs printf '%.2f M') ($(printf '%.2f' "$plain_seconds") s)" "≥ 2 M" \
        "$(verdict "$e2e" '>=' 2000000)"
    row "$format" "sessionize, --no-classify (lines/s)" \
        "$(calc "$off_lps / 1e6" | xargs printf '%.2f M') ($(printf '%.2f' "$off_seconds") s)" "" ""
    row "$format" "classify on / off, wall clock" "$(printf '%.2f×' "$classify_ratio")" "≥ 0.85×" \
        "$(verdict "$classify_ratio" '>=' 0.85)"
    row "$format" "classify on / off, CPU time" \
        "$(printf '%.2f× (%.1f / %.1f s)' "$classify_cpu_ratio" "$off_cpu" "$plain_cpu")" "≥ 0.85×" \
        "$(verdict "$classify_cpu_ratio" '>=' 0.85)"
    row "$format" "sessions per line" "$(printf '%d sessions' "$sessions")" "15–30 %" \
        "$(if awk -v s="$sessions" -v n="$lines" 'BEGIN { exit !(s / n >= 0.15 && s / n <= 0.30) }'; then
            echo PASS
        else echo MISS; fi)"
    row "$format" "peak RSS, plain" "$(calc "$plain_rss / 1024" | xargs printf '%.1f MiB')" "≤ 64 MiB" \
        "$(verdict "$plain_rss" '<=' 65536)"
    row "$format" "sessionize .gz (lines/s)" \
        "$(calc "$gz_lps / 1e6" | xargs printf '%.2f M') ($(printf '%.2f' "$gz_seconds") s)" "" ""
    row "$format" "gz: zcat time / sessiontail time" \
        "$(printf '%.2f× (zcat %.2f s)' "$ratio" "$zcat_seconds")" "≥ 0.9×" "$(verdict "$ratio" '>=' 0.9)"
    row "$format" "peak RSS, .gz" "$(calc "$gz_rss / 1024" | xargs printf '%.1f MiB')" "≤ 64 MiB" \
        "$(verdict "$gz_rss" '<=' 65536)"
done

echo
echo "== Summary: SPEC §8 targets, $lines lines per format, $(nproc) cores"
printf '%-15s %-36s %22s   %-16s %-5s %s\n' format measure value target verdict "data"
printf '%s\n' "${results[@]}"

# ---- User agents: ua-parser's regexes through PCRE2 (Benchmarks/uabench/main.swift) ------------------
# Start-up, µs per distinct user agent with every pattern in turn and with the prefilter, cache-hit cost
# per line, on the real logs' user agents, uap-core's test user agents and generated variants; the
# summary gives the cost of one new user agent (prefilter and every pattern in turn) beside a cache hit.
# Figures only; what classification costs end to end is the "classify on / off" row above. BENCH_UA=0
# skips it.
if [[ ${BENCH_UA:-1} != 0 ]]; then
    echo
    echo "== User agents (uabench)"
    "$bin/uabench" --repeat 3 | tee "$tmp/uabench.out" | sed 's/^/  /'
    ua_result=$(grep '^RESULT ' "$tmp/uabench.out")
    ua_field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$ua_result"; }
    spl=""
    echo
    echo "== Summary: the cost of a distinct user agent (all of uabench's user agents, thread CPU time)"
    row ua "classify a new user agent, prefilter" "$(ua_field all_prefilter_us | xargs printf '%.1f µs')" "" ""
    row ua "  every pattern in turn" "$(ua_field all_plain_us | xargs printf '%.1f µs')" "" ""
    row ua "a user agent seen before (cache hit)" "$(ua_field hit_ns | xargs printf '%.1f ns')" "" ""
fi
# ---- end of user agents -------------------------------------------------------------------------------

# ---- PostgreSQL shipping (SPEC §8: ≥ 200 k sessions/s; issue: ≥ 0.5× a plain COPY) ---------------
# Ships BENCH_SHIP_FRAGMENTS (default 1000000) deterministic fragments with FragmentShipper into a fresh
# table, then half-overlapping into another, and compares with `psql \copy` of the same rows into a table
# with the same indexes; see Benchmarks/shipbench/main.swift. Runs in a throwaway cluster of its own
# (`pg_virtualenv -t`: a temporary directory even as root, so it never meets another cluster). Prints
# its own summary; a miss does not fail the run, a failed correctness check does. BENCH_SHIP=0 skips it.
if [[ ${BENCH_SHIP:-1} != 0 ]]; then
    ship_fragments=${BENCH_SHIP_FRAGMENTS:-1000000}
    [[ $ship_fragments =~ ^[1-9][0-9]*$ ]] \
        || { echo "bench: BENCH_SHIP_FRAGMENTS must be a positive integer" >&2; exit 2; }
    echo
    echo "== PostgreSQL shipping ($ship_fragments fragments)"
    swift build -c release "${build_args[@]}" --product shipbench
    [[ -x $bin/shipbench ]] || { echo "bench: $bin/shipbench was not built" >&2; exit 1; }
    command -v pg_virtualenv >/dev/null || { echo "bench: pg_virtualenv not found (make deps)" >&2; exit 1; }
    pg_virtualenv -t "$bin/shipbench" --fragments "$ship_fragments" 2>&1 \
        | grep -v -e '^Creating new PostgreSQL cluster' -e '^Dropping cluster' | sed 's/^/  /'
fi
# ---- end of PostgreSQL shipping ------------------------------------------------------------------

# ---- The daemon: CPU, latency, write-ahead log overhead, flood RSS (scripts/daemon-bench.sh) --------
# BENCH_DAEMON=0 skips it; DAEMON_BENCH_SECONDS, DAEMON_BENCH_LINES, DAEMON_BENCH_FLOOD size it.
if [[ ${BENCH_DAEMON:-1} != 0 ]]; then
    command -v pg_virtualenv >/dev/null || { echo "bench: pg_virtualenv not found (make deps)" >&2; exit 1; }
    pg_virtualenv -t scripts/daemon-bench.sh "$bin" "$data" 2>&1 \
        | grep -v -e '^Creating new PostgreSQL cluster' -e '^Dropping cluster'
fi
