// libFuzzer target for the access-log parser and the format-string compilers.
//
// Input: the first byte picks a format, the rest is lines separated by `\n`.
// - below 0xE0: one of `formats` (the presets and some nginx/Apache custom formats);
// - 0xE0…0xEF, 0xF0…0xF7, 0xF8…0xFF: the first line is itself a format string, compiled as
//   `LogFormat(string:)`, `LogFormat(nginx:)` or `LogFormat(apache:)`; the lines after it are parsed with
//   it when it compiles.
// Every line is parsed and the invariants below are checked, and parsed again by a MultiFormatParser of
// every format in `formats`, which must pick the format the rule says; a broken one aborts with a message.
//
// Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address -parse-as-library`.

import AccessLog

#if canImport(Glibc)
    import Glibc
#endif

let formats: [LogFormat] = {
    var out = LogFormat.presetNames.map { try! LogFormat.preset(named: $0) }
    let custom = [
        #"$host $remote_addr - $remote_user [$time_iso8601] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time $upstream_addr"#,
        #"${msec} ${remote_addr} ${host} "${request}" ${status}"#,
        #"$remote_addr $time_local "$request" $status"#,
        #"$time_local $remote_addr $status"#,
        #"$remote_addr - [$time_local] "$request_method $request_uri" $status $bytes_sent "$http_user_agent""#,
        #"%{Host}i %a %l %u %t \"%r\" %>s %B %D \"%{User-agent}i\""#,
        #"%a %{msec}t %m %U %s %b"#,
        #"%v %h %{X-Forwarded-For}i %t "%r" %>s %O "%{Referer}i""#,
        // Selectors 11…: nginx's escape=json and escape=none, RHEL's ssl_request_log.
        #"escape=json $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
        #"escape=json {"ip":"$remote_addr","t":"$time_iso8601","r":"$request","s":$status,"ua":"$http_user_agent"}"#,
        #"escape=none $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
        #"%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x \"%r\" %b"#,
    ]
    out += custom.map { try! LogFormat(string: $0) }
    // Client headers, in both syntaxes.
    out.append(
        try! LogFormat(
            string: #"$remote_addr [$time_local] "$request" $status "$http_x_forwarded_for" "$http_cf_connecting_ip""#,
            clientHeader: "CF-Connecting-IP"))
    out.append(try! LogFormat(string: #"%h %t \"%r\" %>s \"%{X-Forwarded-For}i\" %D"#, clientHeader: "x_forwarded_for"))
    return out
}()

/// Every format above, tried in order.
let multiFormat = try! MultiFormatParser(formats: formats)
let lineParsers = formats.map { LineParser(plan: $0.plan) }

/// Writes to standard error (the C `stderr` is shared mutable state to Swift 6).
func printError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress!, $0.count) }
}

func fail(_ message: String, _ line: UnsafeRawBufferPointer) -> Never {
    let text = FieldText.printable(Array(line))
    printError("invariant broken: \(message)\n  line: \(text)\n")
    abort()
}

/// Everything a parse produced, for comparing two parses.
struct Outcome: Equatable {
    var reason: MalformedReason?
    var ranges: [ByteRange]
    var time: Int64
    var status: Int32
    var bytes: Int64
    var extra: Bool

    init(_ reason: MalformedReason?, _ p: ParsedLine) {
        self.reason = reason
        // Fields are only meaningful for a line that parses.
        if reason == nil {
            ranges = [
                p.client, p.host, p.method, p.path, p.protocolVersion, p.referrer, p.userAgent, p.forwardedFor,
                p.clientHeader,
            ]
            time = p.timeMillis
            status = p.status
            bytes = p.bytes
            extra = p.hasExtraFields
        } else {
            ranges = []
            time = 0
            status = 0
            bytes = 0
            extra = false
        }
    }
}

// From 1 Jan 0000 less a day (the largest UTC offset) to below 10^15 ms (15-digit epoch milliseconds,
// or 12-digit epoch seconds with a fraction).
let earliest = Int64(Timestamp.daysFromCivil(year: 0, month: 1, day: 1) - 1) * 86_400_000
let latest: Int64 = 1_000_000_000_000_000

func check(_ parser: LineParser, _ line: UnsafeRawBufferPointer) {
    var parsed = ParsedLine()
    let reason = parser.parse(line, into: &parsed)
    let outcome = Outcome(reason, parsed)

    // Deterministic, and independent of where the line lies in memory: parse a copy one byte further on,
    // reusing a ParsedLine that held another result.
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: line.count + 1, alignment: 16)
    defer { copy.deallocate() }
    copy[0] = 0x22
    if line.count > 0 { UnsafeMutableRawBufferPointer(rebasing: copy[1...]).copyMemory(from: line) }
    var again = parsed
    again.timeMillis = 42
    again.client = ByteRange(lowerBound: 1, upperBound: 2)
    let moved = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[1...])
    if Outcome(parser.parse(moved, into: &again), again) != outcome { fail("parsing again gives another result", line) }

    // A `\r` before the end of the line is ignored.
    if line.last != UInt8(ascii: "\r") {
        let withCR = UnsafeMutableRawBufferPointer.allocate(byteCount: line.count + 1, alignment: 1)
        defer { withCR.deallocate() }
        if line.count > 0 { withCR.copyMemory(from: line) }
        withCR[line.count] = UInt8(ascii: "\r")
        var crParsed = ParsedLine()
        if Outcome(parser.parse(UnsafeRawBufferPointer(withCR), into: &crParsed), crParsed) != outcome {
            fail("a trailing carriage return changes the result", line)
        }
    }

    guard reason == nil else { return }
    var n = line.count
    if n > 0 && line[n - 1] == UInt8(ascii: "\r") { n -= 1 }

    // Strict quotes: with escape=default or escape=json, a field between quotes holds no quote that a
    // backslash does not escape (a bare one would have ended it there).
    if parser.plan.escaping != .raw {
        for r in [
            parsed.client, parsed.host, parsed.referrer, parsed.userAgent, parsed.forwardedFor, parsed.clientHeader,
        ]
        where r.lowerBound > 0 && r.upperBound < n && line[r.lowerBound - 1] == 0x22 && line[r.upperBound] == 0x22 {
            var backslashes = 0
            for i in r.lowerBound..<r.upperBound {
                if line[i] == 0x22 && backslashes & 1 == 0 { fail("a bare quote inside a quoted field", line) }
                backslashes = line[i] == UInt8(ascii: "\\") ? backslashes + 1 : 0
            }
        }
    }

    // Extra fields: the line with ` x` after it parses to the same fields, and says it has extra fields.
    do {
        let longer = UnsafeMutableRawBufferPointer.allocate(byteCount: n + 2, alignment: 1)
        defer { longer.deallocate() }
        if n > 0 { longer.copyMemory(from: UnsafeRawBufferPointer(rebasing: line[..<n])) }
        longer[n] = UInt8(ascii: " ")
        longer[n + 1] = UInt8(ascii: "x")
        var more = ParsedLine()
        var expected = outcome
        expected.extra = true
        if Outcome(parser.parse(UnsafeRawBufferPointer(longer), into: &more), more) != expected {
            fail("a space and more after the line changes its fields or is not reported", line)
        }
    }
    for r in outcome.ranges where r.lowerBound < 0 || r.lowerBound > r.upperBound || r.upperBound > n {
        fail("field range \(r.lowerBound)..<\(r.upperBound) outside the line of \(n) bytes", line)
    }
    if parsed.client.isEmpty || parsed.client.isDash(in: line) { fail("a line parsed without a client", line) }
    let time = parsed.timeMillis
    if time < earliest || time >= latest { fail("implausible time \(time)", line) }
    // Times whose year has four digits format as ISO 8601 and parse back to themselves.
    let iso = Array(Timestamp.iso8601(millis: time).utf8)
    if time >= Int64(Timestamp.daysFromCivil(year: 0, month: 1, day: 1)) * 86_400_000
        && time < Int64(Timestamp.daysFromCivil(year: 10_000, month: 1, day: 1)) * 86_400_000
    {
        let back = iso.withUnsafeBytes { Timestamp.parseISO8601($0) }
        if back != time {
            fail("time \(time) formats as \(String(decoding: iso, as: UTF8.self)), read back as \(back as Any)", line)
        }
    }
    if !(0...999).contains(parsed.status) { fail("status \(parsed.status)", line) }
    if parsed.bytes < 0 { fail("bytes \(parsed.bytes)", line) }

    for useForwardedFor in [false, true] {
        let address = parsed.clientAddress(useForwardedFor: useForwardedFor, in: line)
        let within = { (outer: ByteRange) in
            address.lowerBound >= outer.lowerBound && address.upperBound <= outer.upperBound
        }
        if address.isEmpty || !(within(parsed.client) || within(parsed.forwardedFor)) {
            fail("client address \(address.lowerBound)..<\(address.upperBound) is not within the fields", line)
        }
    }

    // Display text, as a session's first request is shown: printable, valid UTF-8.
    var out: [UInt8] = []
    var scratch: [UInt8] = []
    for r in [parsed.client, parsed.host, parsed.path, parsed.referrer, parsed.userAgent] {
        let raw = r.slice(of: line)
        for escaping in [FieldEscaping.default, .json, .raw]
        where FieldText.unescape(raw, escaping: escaping).count > raw.count {
            fail("unescaping (\(escaping)) made a field longer", line)
        }
        out.removeAll(keepingCapacity: true)
        FieldText.appendDisplay(raw, escaping: parser.plan.escaping, to: &out, scratch: &scratch)
        if out.contains(where: { $0 < 0x20 || $0 == 0x7F }) { fail("display text holds a control character", line) }
        if String(validating: out, as: UTF8.self) == nil { fail("display text is not UTF-8", line) }
    }
}

/// A MultiFormatParser of every format reads `line` with the first format that takes it whole, else the
/// first that takes it with extra fields, else refuses it with the first format's reason.
func checkMultiFormat(_ line: UnsafeRawBufferPointer) {
    var whole: Int? = nil
    var withExtra: Int? = nil
    var firstReason: MalformedReason? = nil
    var parsed = ParsedLine()
    for (index, parser) in lineParsers.enumerated() {
        let reason = parser.parse(line, into: &parsed)
        if index == 0 { firstReason = reason }
        if reason == nil {
            if !parsed.hasExtraFields && whole == nil { whole = index }
            if withExtra == nil { withExtra = index }
        }
    }
    var multi = ParsedLine()
    let reason = multiFormat.parse(line, into: &multi)
    if let expected = whole ?? withExtra {
        if reason != nil || multi.formatIndex != expected || multi.hasExtraFields != (whole == nil) {
            fail(
                "several formats: read by \(multi.formatIndex) (\(reason.map { "\($0)" } ?? "event")), not \(expected)",
                line)
        }
        var alone = ParsedLine()
        _ = lineParsers[expected].parse(line, into: &alone)
        alone.formatIndex = expected
        if Outcome(reason, multi) != Outcome(nil, alone) {
            fail("several formats: fields differ from the format's", line)
        }
    } else if reason != firstReason {
        fail("several formats: refused as \(reason.map { "\($0)" } ?? "event"), not as the first format", line)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let selector = input[0]
    var rest = UnsafeRawBufferPointer(rebasing: input[1...])
    let format: LogFormat
    if selector < 0xE0 {
        format = formats[Int(selector) % formats.count]
    } else {
        let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.count
        let string = String(decoding: rest[..<end], as: UTF8.self)
        rest = UnsafeRawBufferPointer(rebasing: rest[min(end + 1, rest.count)...])
        do {
            format =
                switch selector {
                case 0xE0..<0xF0: try LogFormat(string: string)
                case 0xF0..<0xF8: try LogFormat(nginx: string)
                default: try LogFormat(apache: string)
                }
        } catch {
            if error.description.isEmpty { fail("an error without a description", input) }
            return 0
        }
        // A compiled format has a client and a time, and names its fields.
        if format.plan.fieldNames.isEmpty { fail("a format compiled without fields", input) }
    }
    let parser = LineParser(plan: format.plan)
    var start = 0
    while start <= rest.count {
        let end = rest[start...].firstIndex(of: UInt8(ascii: "\n")) ?? rest.count
        check(parser, UnsafeRawBufferPointer(rebasing: rest[start..<end]))
        if selector < 0xE0 { checkMultiFormat(UnsafeRawBufferPointer(rebasing: rest[start..<end])) }
        start = end + 1
    }
    return 0
}
