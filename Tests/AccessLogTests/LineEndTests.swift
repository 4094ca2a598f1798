import AccessLog
import Foundation
import PropertyBased
import Testing

/// The bundled real logs (data/real/), each with its format: the lines that parse, as bytes.
enum RealLogs {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/real")

    static let files: [(name: String, format: String)] = [
        ("elastic-examples_apache_logs.log", "combined"),
        ("jul-yahi_biggersample.log", "combined"),
        ("nasa-aug95_sample_aman-panchal.log", "common"),
    ]

    /// The lines of `name` that `format` reads whole.
    static func events(_ name: String, format: LogFormat) throws -> [[UInt8]] {
        let data = try Data(contentsOf: root.appendingPathComponent(name))
        return Array(data).split(separator: UInt8(ascii: "\n")).map(Array.init).filter {
            if case .event(let f) = parse($0, format: format) { return !f.hasExtraFields }
            return false
        }
    }
}

@Suite("Strict quotes and the end of the line")
struct LineEndTests {
    let combined = preset("combined")
    let common = preset("common")
    let head = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#

    /// A line lost its newline: one line cut at any byte after its client's field, then the next line
    /// whole. Built from the real logs, every such line is refused (today's servers escape every quote in a
    /// field, so the quotes of the second line cannot close a field of the first).
    @Test(arguments: RealLogs.files.map(\.name))
    func gluedLinesFromTheRealLogsAreRefused(_ name: String) async throws {
        let format = try LogFormat.preset(named: RealLogs.files.first { $0.name == name }!.format)
        let lines = try RealLogs.events(name, format: format)
        try #require(lines.count > 1000)
        let pick = Gen.int(in: 0...(lines.count - 2))
        await propertyCheck(count: 2_000, input: pick, Gen.int(in: 0...10_000)) { index, at in
            let first = lines[index]
            let second = lines[index + 1]
            // A cut inside the client's field glues two addresses into one; nothing in the line tells.
            let clientEnd = first.firstIndex(of: UInt8(ascii: " "))!
            let cut = clientEnd + 1 + at % (first.count - clientEnd)
            let glued = Array(first[..<cut]) + second
            if case .event(let f) = parse(glued, format: format) {
                Issue.record(
                    "glued line parsed (cut at \(cut)): \(String(decoding: glued, as: UTF8.self)) → \(f)")
            }
        }
    }

    @Test func gluedLinesWithEscapedQuotesAreRefusedToo() {
        let a = #"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "say \"hi\" \x22there\x22""#
        let b = #"10.0.0.2 - - [10/Oct/2000:13:55:37 -0700] "GET /b?q=\x22 HTTP/1.1" 404 7 "-" "curl/8.0""#
        #expect(parse(a, format: combined) != .malformed(.unexpectedText))
        #expect(parse(b, format: combined) != .malformed(.unexpectedText))
        let bytes = Array(a.utf8)
        for cut in 9...bytes.count {
            let glued = Array(bytes[..<cut]) + Array(b.utf8)
            if case .event = parse(glued, format: combined) {
                Issue.record("glued at \(cut): \(String(decoding: glued, as: UTF8.self))")
            }
        }
    }

    @Test func whatFollowsAQuotedFieldMustBeTheFormatsNextLiteral() {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1"x200 5 "-" "ua""#
        #expect(parse(line, format: combined) == .malformed(.unexpectedText))
        // As far as the line goes: a line cut just after the closing quote misses a field.
        #expect(
            parse(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1""#, format: combined)
                == .malformed(.missingField))
        #expect(
            parse(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1"#, format: combined)
                == .malformed(.unterminatedQuote))
    }

    @Test func afterTheLastLiteralOnlyExtraFieldsAfterASpace() {
        let line = head + #" "-" "ua""#
        #expect(parse(line, format: combined) != .malformed(.unexpectedText))
        #expect(parse(line + "x", format: combined) == .malformed(.unexpectedText))
        #expect(parse(line + "\"", format: combined) == .malformed(.unexpectedText))
        #expect(parse(line + "\t0.003", format: combined) == .malformed(.unexpectedText))
        guard case .event(let f) = parse(line + " 0.003", format: combined),
            case .event(let g) = parse(line + " ", format: combined)
        else {
            Issue.record("extra fields not read")
            return
        }
        #expect(f.hasExtraFields && g.hasExtraFields && f.userAgent == "ua")
        guard case .event(let whole) = parse(line + "\r", format: combined) else {
            Issue.record("CRLF")
            return
        }
        #expect(!whole.hasExtraFields)
    }

    @Test func anUnquotedLastFieldEndsAtTheFirstSpace() {
        guard case .event(let f) = parse(head + " 0.003 upstream", format: common),
            case .event(let g) = parse(head, format: common)
        else {
            Issue.record("not parsed")
            return
        }
        #expect(f.bytes == 5 && f.hasExtraFields)
        #expect(g.bytes == 5 && !g.hasExtraFields)
        #expect(parse(head + "k", format: common) == .malformed(.badBytes))
        // The time has a space inside: its width, not a space, ends it.
        let timeLast = try! LogFormat(nginx: "$remote_addr $time_local")
        guard case .event(let t) = parse("::1 10/Oct/2000:13:55:36 -0700 0.003", format: timeLast) else {
            Issue.record("time as the last field")
            return
        }
        #expect(t.time == apacheExampleMillis && t.hasExtraFields)
        #expect(parse("::1 10/Oct/2000:13:55:36 -07000", format: timeLast) == .malformed(.unexpectedText))
    }

    @Test func aJSONObjectFormatEndsAtItsBrace() throws {
        let format = try LogFormat(string: #"escape=json {"ip":"$remote_addr","t":"$time_iso8601","s":$status}"#)
        let line = #"{"ip":"::1","t":"2025-07-15T20:29:43+02:00","s":200}"#
        #expect(parse(line, format: format) == .event(Fields(client: "::1", time: 1_752_604_183_000, status: 200)))
        #expect(parse(line + "}", format: format) == .malformed(.unexpectedText))
        #expect(
            parse(#"{"ip":"::1\"","t":"2025-07-15T20:29:43+02:00","s":200}"#, format: format)
                == .event(Fields(client: #"::1\""#, time: 1_752_604_183_000, status: 200)))
        #expect(
            parse(#"{"ip":"::1"","t":"2025-07-15T20:29:43+02:00","s":200}"#, format: format)
                == .malformed(.unexpectedText))
    }
}
