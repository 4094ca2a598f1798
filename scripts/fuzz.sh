#!/usr/bin/env bash
# libFuzzer targets for the access-log parser and the write-ahead log (see Fuzz/).
#
#   scripts/fuzz.sh parser [SECONDS]    build, then fuzz the parser for SECONDS (default 600)
#   scripts/fuzz.sh journal [SECONDS]   build, then fuzz write-ahead log recovery and the state decoders
#   scripts/fuzz.sh build [parser|journal]
#   scripts/fuzz.sh seeds               rewrite the seed corpora under Fuzz/corpus/
#
# The targets are not SwiftPM targets (libFuzzer brings its own `main`): each module they need is
# compiled with `swiftc -sanitize=fuzzer,address` into .build-fuzz/, then linked with the target.
# A run uses one core (one process, no -jobs/-workers). It reads the committed seeds in
# Fuzz/corpus/<target>/ and keeps what it finds in .build-fuzz/corpus/<target>/ (not committed); a crash
# is written to .build-fuzz/artifacts/<target>/ and makes the script fail. Replay one input with
# `.build-fuzz/<target>-fuzzer FILE`.
#
# Environment: FUZZ_ARGS, extra libFuzzer options (e.g. "-max_len=8192 -seed=1").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/opt/swift/usr/bin
# Let libFuzzer report a trap (with the input that caused it), not the Swift runtime's backtracer.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

out=.build-fuzz
flags=(-O -wmo -parse-as-library -sanitize=fuzzer,address -swift-version 6)
# lld: gold warns about every ASan helper symbol it cannot export.
link=(-use-ld=lld)

# module NAME "DEPENDENCIES" [extra swiftc arguments]; called in dependency order.
module() {
    local name=$1 deps=$2
    shift 2
    local sources=(Sources/"$name"/*.swift)
    # A stamp, not the object: swiftc leaves an object alone when it comes out the same.
    local stamp=$out/$name.stamp inputs=("${sources[@]}") dep
    for dep in $deps; do inputs+=("$out/$dep.stamp"); done
    # Rebuild only when a source, or a module it imports, changed since its last build.
    if [[ -f $stamp ]] && [[ -z $(find "${inputs[@]}" -newer "$stamp" | head -1) ]]; then
        return
    fi
    echo "fuzz: compiling $name" >&2
    swiftc "${flags[@]}" -module-name "$name" -I "$out" "$@" -emit-module -emit-module-path "$out/$name.swiftmodule" \
        -emit-object -o "$out/$name.o" "${sources[@]}"
    touch "$stamp"
}

build() {
    mkdir -p "$out"
    case $1 in
    parser)
        module AccessLog ""
        echo "fuzz: linking $out/parser-fuzzer" >&2
        swiftc "${flags[@]}" "${link[@]}" -module-name ParserFuzzer -I "$out" "$out/AccessLog.o" \
            Fuzz/ParserFuzzer/*.swift -o "$out/parser-fuzzer"
        ;;
    journal)
        module AccessLog ""
        module Sessionizer AccessLog
        module Journal ""
        module Tailing "" -I Sources/CZlib
        echo "fuzz: linking $out/journal-fuzzer" >&2
        # DaemonJournal is internal to Agent, whose other files need libpq: compile it into the target.
        swiftc "${flags[@]}" "${link[@]}" -module-name JournalFuzzer -I "$out" -I Sources/CZlib \
            "$out/AccessLog.o" "$out/Sessionizer.o" "$out/Journal.o" "$out/Tailing.o" -lz \
            Fuzz/JournalFuzzer/*.swift Sources/Agent/DaemonJournal.swift -o "$out/journal-fuzzer"
        ;;
    *)
        echo "fuzz: unknown target '$1' (parser or journal)" >&2
        exit 2
        ;;
    esac
}

parser_seeds() {
    local dir=Fuzz/corpus/parser
    rm -rf "$dir"
    mkdir -p "$dir"
    # Five-line slices of the bundled real logs, with the selector of their format (0 combined, 1 common).
    local f name selector start
    for f in data/real/*.log; do
        name=$(basename "$f" .log)
        selector='\x00'
        [[ $name == nasa* ]] && selector='\x01'
        for start in 1 501 1401; do
            { printf "$selector"; sed -n "${start},$((start + 4))p" "$f"; } >"$dir/$name-$start"
        done
    done
    # The real malformed line (a truncated User-Agent) and its neighbours.
    { printf '\x00'; sed -n '8897,8901p' data/real/elastic-examples_apache_logs.log; } >"$dir/elastic-malformed-8899"
    # One line for each custom format of the target (selectors 3…10: see `formats` in ParserFuzzer).
    printf '\x02%s\n' 'blog.example:443 192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] "GET /x?y=1 HTTP/1.1" 200 2326 "-" "curl/8.0"' >"$dir/vhost-combined"
    printf '\x03%s\n' 'shop.example.org 10.0.0.5 - - [2025-07-15T20:29:43+02:00] "GET /cart?id=3 HTTP/1.1" 200 17 "-" "ua" "203.0.113.9, 10.0.0.5" 0.012 127.0.0.1:8080' >"$dir/nginx-iso-xff"
    printf '\x04%s\n' '1752611383.123 ::1 a.example "GET / HTTP/1.1" 204' >"$dir/nginx-msec"
    printf '\x05%s\n' '10.0.0.1 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.1" 200' >"$dir/nginx-time-local"
    printf '\x06%s\n' '10/Oct/2000:13:55:36 -0700 ::1 404' >"$dir/nginx-time-first"
    printf '\x07%s\n' '10.0.0.1 - [29/Feb/2024:23:59:60 +0530] "POST /login?next=%2F" 302 0 "Mozilla/5.0 \"quoted\" \x22hex\x22"' >"$dir/nginx-method-uri"
    printf '\x08%s\n' 'Blog.Example.NET 192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 404 0 1234 "bot"' >"$dir/apache-host-header"
    printf '\x09%s\n' '2001:db8::1 971211336000 GET /index.html 200 -' >"$dir/apache-msec"
    printf '\x0a%s\n' 'www.example 10.1.1.1 203.0.113.5,10.1.1.1 [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.0" 200 - "-"' >"$dir/apache-xff"
    # escape=json, a JSON object, escape=none, RHEL's ssl_request_log, client headers (selectors 11…16),
    # and a line glued to half of the next.
    printf '\x0b%s\n' '127.0.0.1 -  [01/Dec/2026:12:03:03 +0000] "GET /q?a=\"x\" HTTP/1.1" 200 3 "" "tab\there\u0001 \\ bye"' >"$dir/nginx-json"
    printf '\x0c%s\n' '{"ip":"::1","t":"2025-07-15T20:29:43+02:00","r":"GET / HTTP/1.1","s":200,"ua":"say \"hi\""}' >"$dir/nginx-json-object"
    printf '\x0d%s\n' '127.0.0.1 -  [01/Dec/2026:12:03:03 +0000] "GET /q?a="x HTTP/1.1" 200 3 "" "say "hi" \ bye"' >"$dir/nginx-none"
    printf '\x0e%s\n' '[10/Oct/2000:13:55:36 -0700] 192.0.2.7 TLSv1.3 TLS_AES_256_GCM_SHA384 "GET / HTTP/1.1" 2326' >"$dir/rhel-ssl"
    printf '\x0f%s\n' '10.0.0.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 "203.0.113.9, 10.0.0.1" "198.51.100.7"' >"$dir/nginx-client-header"
    printf '\x10%s\n' '::1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 "203.0.113.9" 1234 0.5' >"$dir/apache-client-header"
    printf '\x00%s\n' '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0 (X1110.0.0.2 - - [10/Oct/2000:13:55:37 -0700] "GET /b HTTP/1.1" 404 7 "-" "curl/8.0"' >"$dir/combined-glued"
    # Format strings (0xE0 any syntax, 0xF0 nginx, 0xF8 Apache) with a line in that format.
    printf '\xe0%s\n%s\n' '$remote_addr [$time_local] "$request" $status $body_bytes_sent' '10.0.0.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12' >"$dir/format-auto"
    printf '\xf0%s\n%s\n' '${remote_addr}|${msec}|"${http_user_agent}"' '10.0.0.1|1752611383.5|"a \"b\" c"' >"$dir/format-nginx"
    printf '\xf8%s\n%s\n' '%h %{msec}t %>s \"%{User-Agent}i\" %{Referer}i' '::1 1752611383123 500 "ua" -' >"$dir/format-apache"
}

case ${1:-} in
parser | journal)
    target=$1
    seconds=${2:-600}
    [[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a positive integer" >&2; exit 2; }
    build "$target"
    mkdir -p "$out/corpus/$target" "$out/artifacts/$target"
    read -r -a extra <<<"${FUZZ_ARGS:-}"
    # The first corpus directory receives new inputs; the committed seeds are only read.
    "$out/$target-fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target/" "${extra[@]}" "$out/corpus/$target" "Fuzz/corpus/$target"
    ;;
build)
    build "${2:-parser}"
    ;;
seeds)
    parser_seeds
    build journal
    rm -rf Fuzz/corpus/journal
    SESSIONTAIL_FUZZ_WRITE_SEEDS=Fuzz/corpus/journal "$out/journal-fuzzer"
    du -sh Fuzz/corpus
    ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
