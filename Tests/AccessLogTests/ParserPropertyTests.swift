import AccessLog
import PropertyBased
import Testing

/// Parts of a valid combined line, and the fields the parser must find in it.
struct LinePieces: Sendable, CustomStringConvertible {
    var client: String
    var dayOffsetSeconds: Int
    var method: String
    var path: String
    var query: String
    var status: Int
    var bytes: Int?
    var referrer: [UInt8]
    var userAgent: [UInt8]

    var line: [UInt8] {
        let seconds = 1_700_000_000 + dayOffsetSeconds
        // Build the time in UTC with Timestamp's own calendar (round-trip tested separately).
        let iso = Timestamp.iso8601(millis: Int64(seconds) * 1_000)  // 2023-11-14T22:13:20Z
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let p = Array(iso.utf8)
        func s(_ r: Range<Int>) -> String { String(decoding: p[r], as: UTF8.self) }
        let clf = "\(s(8..<10))/\(months[Int(s(5..<7))! - 1])/\(s(0..<4)):\(s(11..<19)) +0000"
        var out = Array(
            "\(client) - - [\(clf)] \"\(method) \(path)\(query) HTTP/1.1\" \(status) \(bytes.map(String.init) ?? "-") \""
                .utf8)
        out += referrer
        out += Array("\" \"".utf8)
        out += userAgent
        out += [UInt8(ascii: "\"")]
        return out
    }

    var expected: Fields {
        Fields(
            client: client, time: Int64(1_700_000_000 + dayOffsetSeconds) * 1_000, method: method, path: path,
            protocolVersion: "HTTP/1.1", status: Int32(status), bytes: Int64(bytes ?? 0),
            referrer: String(decoding: referrer, as: UTF8.self), userAgent: String(decoding: userAgent, as: UTF8.self))
    }

    var description: String { String(decoding: line, as: UTF8.self) }
}

/// Bytes as a web server writes them inside quotes: printable ASCII with `"` and `\` escaped Apache-style
/// (`\"`, `\\`) or nginx-style (`\x22`, `\x5C`), and arbitrary high bytes.
let quotedBytes = Gen.uint8(in: 0...255).array(of: 0...60).map { raw -> [UInt8] in
    var out: [UInt8] = []
    for (i, b) in raw.enumerated() {
        switch b {
        case UInt8(ascii: "\""): out += i % 2 == 0 ? Array(#"\""#.utf8) : Array(#"\x22"#.utf8)
        case UInt8(ascii: "\\"): out += i % 2 == 0 ? Array(#"\\"#.utf8) : Array(#"\x5C"#.utf8)
        case 0..<0x20, 0x7F: out += Array(#"\x0A"#.utf8)
        default: out.append(b)
        }
    }
    return out
}

let linePieces = zip(
    zip(
        Gen.element(of: ["1.2.3.4", "2001:db8::7", "::1", "crawl-66-249-73-135.googlebot.com", "10.0.0.254"]).map {
            $0!
        },
        Gen.int(in: 0...400_000_000),
        Gen.element(of: ["GET", "POST", "HEAD", "PROPFIND"]).map { $0! },
        Gen.element(of: ["/", "/a/b.html", "/%E2%9C%93", "/x;y"]).map { $0! },
        Gen.element(of: ["", "?q=1", "?", "?a=b&c=d"]).map { $0! }
    ),
    zip(Gen.int(in: 100...599), Gen.int(in: 0...10_000_000).optional, quotedBytes, quotedBytes)
).map { a, b in
    LinePieces(
        client: a.0, dayOffsetSeconds: a.1, method: a.2, path: a.3, query: a.4, status: b.0, bytes: b.1,
        referrer: b.2, userAgent: b.3)
}

@Suite("Parser properties")
struct ParserPropertyTests {
    let combined = preset("combined")

    @Test func validLinesParseExactly() async {
        await propertyCheck(count: 400, input: linePieces) { pieces in
            #expect(parse(pieces.line, format: combined) == .event(pieces.expected))
        }
    }

    @Test func everyStrictPrefixOfACombinedLineIsMalformed() async {
        await propertyCheck(count: 100, input: linePieces) { pieces in
            let line = pieces.line
            for cut in 0..<line.count {
                if case .event = parse(Array(line[..<cut]), format: combined) {
                    Issue.record("prefix of \(cut) bytes parsed as an event: \(pieces)")
                }
            }
        }
    }

    @Test func extraFieldsAfterAValidLineAreReported() async {
        let extra = Gen.uint8(in: 0...255).array(of: 0...40).map { bytes in
            [UInt8(ascii: " ")] + bytes.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: "?") : $0 }
        }
        await propertyCheck(count: 300, input: linePieces, extra) { pieces, extra in
            var expected = pieces.expected
            expected.hasExtraFields = true
            #expect(parse(pieces.line + extra, format: combined) == .event(expected))
        }
    }

    /// A line cut anywhere after its client's field and glued to the next (a lost newline) is refused.
    @Test func gluedLinesAreRefused() async {
        await propertyCheck(count: 300, input: linePieces, linePieces, Gen.int(in: 0...1_000)) { a, b, at in
            let first = a.line
            let clientEnd = first.firstIndex(of: UInt8(ascii: " "))!
            let cut = clientEnd + 1 + at % (first.count - clientEnd)
            let glued = Array(first[..<cut]) + b.line
            if case .event = parse(glued, format: combined) {
                Issue.record("glued at \(cut): \(String(decoding: glued, as: UTF8.self))")
            }
        }
    }

    @Test func mutatedLinesNeverTrapAndStayInBounds() async {
        await propertyCheck(
            count: 300, input: linePieces, Gen.int(in: 0...1_000).array(of: 1...8), Gen.uint8(in: 0...255).array(of: 8)
        ) { pieces, positions, values in
            var line = pieces.line
            for (p, v) in zip(positions, values) { line[p % line.count] = v }
            checkInBounds(line)
        }
    }

    @Test func garbageNeverTraps() async {
        await propertyCheck(count: 1_000, input: Gen.uint8(in: 0...255).array(of: 0...400)) { bytes in
            checkInBounds(bytes)
        }
    }

    static let formats: [LogFormat] = [
        preset("combined"), preset("common"), preset("vhost_combined"),
        try! LogFormat(
            string:
                #"escape=json $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
        ),
        try! LogFormat(
            string: #"escape=none $host $remote_addr [$time_iso8601] "$request" $status "$http_x_forwarded_for""#,
            clientHeader: "X-Forwarded-For"),
        try! LogFormat(string: #"%h %t \"%r\" %>s %b \"%{CF-Connecting-IP}i\" %D"#, clientHeader: "cf-connecting-ip"),
    ]

    func checkInBounds(_ bytes: [UInt8]) {
        var outcomes: [(reason: MalformedReason?, extra: Bool)] = []
        for format in Self.formats {
            let parser = LineParser(plan: format.plan)
            var out = ParsedLine()
            bytes.withUnsafeBytes { buffer in
                let reason = parser.parse(buffer, into: &out)
                outcomes.append((reason, out.hasExtraFields))
                guard reason == nil else { return }
                for r in [
                    out.client, out.host, out.method, out.path, out.protocolVersion, out.referrer, out.userAgent,
                    out.forwardedFor, out.clientHeader,
                ] {
                    #expect(r.lowerBound >= 0 && r.lowerBound <= r.upperBound && r.upperBound <= buffer.count)
                }
            }
        }
        // The formats together: the first that reads the line whole, else the first with extra fields,
        // else the first format's reason.
        let whole = outcomes.firstIndex { $0.reason == nil && !$0.extra }
        let withExtra = outcomes.firstIndex { $0.reason == nil }
        var out = ParsedLine()
        let reason = bytes.withUnsafeBytes { (try! MultiFormatParser(formats: Self.formats)).parse($0, into: &out) }
        if let index = whole ?? withExtra {
            #expect(reason == nil && out.formatIndex == index && out.hasExtraFields == (whole == nil))
        } else {
            #expect(reason == outcomes[0].reason)
        }
    }
}
