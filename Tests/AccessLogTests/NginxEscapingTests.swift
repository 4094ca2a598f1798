import AccessLog
import Foundation
import Testing

/// The lines of `Fixtures/nginx-1.22/` (see its README): seven requests as nginx 1.22.1 logged them through
/// `combined`, `escape=json`, a JSON object with `escape=json`, `escape=none`, and a format with headers and
/// `$request_time` after the user agent.
enum NginxFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nginx-1.22")

    static func lines(_ name: String) throws -> [[UInt8]] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return Array(data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map(Array.init)
    }

    static let combinedFields =
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
    static let json = "escape=json " + combinedFields
    static let jsonObject =
        #"escape=json {"remote_addr":"$remote_addr","time_local":"$time_local","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"http_referer":"$http_referer","http_user_agent":"$http_user_agent"}"#
    static let none = "escape=none " + combinedFields
    static let xff =
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" "$http_cf_connecting_ip" $request_time"#

    /// Path, referrer and user agent of each request as display text: what the requests sent (control
    /// bytes and the byte that is not UTF-8 written `\xHH`).
    static let display: [(path: String, referrer: String, userAgent: String)] = [
        ("/", "", "plain/1.0"),
        ("/q", #"http://r.example/"quoted"\back"#, #"say "hi" \ bye"#),
        ("/café", "", #"tab\x09here\x01ctl\x7Fdel ✓ \xFF"#),
        ("/", "", #"ends with backslash \"#),
        ("/", "", ""),
        (#"/a%22b\x41"#, #"lit\x41eral"#, #"bs\x08ff\x0Cus\x1Fend"#),
        ("/p", "", #"Mozilla/5.0 (X11; Linux x86_64) "quoted" \"esc\""#),
    ]
    static let times: [Int64] = [
        1_796_126_583_000, 1_796_126_583_000, 1_796_126_583_000, 1_796_126_583_000,
        1_796_126_583_000, 1_796_126_607_000, 1_796_126_607_000,
    ]
}

/// A line's outcome and its path, referrer and user agent as display text, read as `format` escapes them.
struct Displayed: Equatable, CustomStringConvertible {
    var reason: MalformedReason?
    var time: Int64 = 0
    var path = ""
    var referrer = ""
    var userAgent = ""
    var hasExtraFields = false

    init(_ line: [UInt8], format: LogFormat) {
        var out = ParsedLine()
        let parser = LineParser(plan: format.plan)
        let escaping = format.plan.escaping
        reason = line.withUnsafeBytes { parser.parse($0, into: &out) }
        guard reason == nil else { return }
        line.withUnsafeBytes { buffer in
            time = out.timeMillis
            path = FieldText.text(out.path.slice(of: buffer), escaping: escaping)
            referrer = FieldText.text(out.referrer.slice(of: buffer), escaping: escaping)
            userAgent = FieldText.text(out.userAgent.slice(of: buffer), escaping: escaping)
        }
        hasExtraFields = out.hasExtraFields
    }

    init(time: Int64, path: String, referrer: String, userAgent: String, hasExtraFields: Bool = false) {
        self.time = time
        self.path = path
        self.referrer = referrer
        self.userAgent = userAgent
        self.hasExtraFields = hasExtraFields
    }

    var description: String {
        "\(reason.map(String.init(describing:)) ?? "event") \(time) \(path) ref=\(referrer) ua=\(userAgent) extra=\(hasExtraFields)"
    }
}

@Suite("nginx's escape= parameter, on lines nginx 1.22 wrote")
struct NginxEscapingTests {
    func expected(_ i: Int, extra: Bool = false) -> Displayed {
        let d = NginxFixtures.display[i]
        return Displayed(
            time: NginxFixtures.times[i], path: d.path, referrer: d.referrer, userAgent: d.userAgent,
            hasExtraFields: extra)
    }

    @Test func theFormatStringsParameterIsRead() throws {
        #expect(try LogFormat(string: NginxFixtures.json).plan.escaping == .json)
        #expect(try LogFormat(string: NginxFixtures.none).plan.escaping == .raw)
        #expect(try LogFormat(string: "escape=default " + NginxFixtures.combinedFields).plan.escaping == .default)
        #expect(try LogFormat(string: NginxFixtures.combinedFields).plan.escaping == .default)
        #expect(try LogFormat(nginx: "escape=json\t $remote_addr [$time_local]").plan.fieldNames.count == 2)
        let json = try LogFormat(string: NginxFixtures.json)
        #expect(json.dialect == .nginx && json.source == NginxFixtures.json)
        #expect(try LogFormat.preset(named: "combined").plan.escaping == .default)
        #expect(try LogFormat(string: #"%h %t \"%r\""#).plan.escaping == .default)
        #expect(throws: LogFormatError.self) { try LogFormat(string: "escape=xml $remote_addr [$time_local]") }
        #expect(throws: LogFormatError.self) { try LogFormat(string: "escape=json$remote_addr [$time_local]") }
        do {
            _ = try LogFormat(string: "escape=JSON $remote_addr [$time_local]")
            Issue.record("escape=JSON compiled")
        } catch {
            #expect(error.description.contains("unknown log format escaping 'JSON'"))
        }
    }

    @Test func defaultEscapesAsCombinedReadsThem() throws {
        let lines = try NginxFixtures.lines("default.log")
        #expect(lines.count == 7)
        for (i, line) in lines.enumerated() {
            #expect(Displayed(line, format: try .preset(named: "combined")) == expected(i), "line \(i + 1)")
        }
    }

    @Test func escapeJSON() throws {
        let lines = try NginxFixtures.lines("json.log")
        #expect(lines.count == 7)
        let format = try LogFormat(string: NginxFixtures.json)
        for (i, line) in lines.enumerated() {
            #expect(Displayed(line, format: format) == expected(i), "line \(i + 1)")
        }
        // The same lines read as if nginx's default escaping applied: `\\` and `\"` are undone alike, but
        // `\t`, `\u0001`… stay as written.
        let asDefault = try LogFormat(string: NginxFixtures.combinedFields)
        #expect(Displayed(lines[2], format: asDefault).userAgent == #"tab\there\u0001ctl\x7Fdel ✓ \xFF"#)
    }

    @Test func escapeJSONInAJSONObject() throws {
        let lines = try NginxFixtures.lines("jsonobj.log")
        #expect(lines.count == 7)
        let format = try LogFormat(string: NginxFixtures.jsonObject)
        for (i, line) in lines.enumerated() {
            #expect(Displayed(line, format: format) == expected(i), "line \(i + 1)")
        }
    }

    @Test func escapeNoneReadsBareQuotesWhereTheyAreUnambiguous() throws {
        let lines = try NginxFixtures.lines("none.log")
        #expect(lines.count == 7)
        let format = try LogFormat(string: NginxFixtures.none)
        for i in [0, 2, 3, 4, 5] {
            #expect(Displayed(lines[i], format: format) == expected(i), "line \(i + 1)")
        }
        // A bare quote followed by what follows the field in the format cannot be told from the end of the
        // field: `"GET /q?a="x" HTTP/1.1"` ends at `x"`, and the rest of the line then does not fit; the
        // user agent `… "quoted" \"esc\"` ends at `quoted"`, and the rest is taken for extra fields. nginx
        // gives no way to tell; its other escapings do.
        #expect(Displayed(lines[1], format: format).reason == .unexpectedText)
        let last = Displayed(lines[6], format: format)
        #expect(last.userAgent == #"Mozilla/5.0 (X11; Linux x86_64) "quoted"# && last.hasExtraFields)
        // Read as strict formats, those lines are refused.
        let strict = try LogFormat(string: NginxFixtures.combinedFields)
        #expect(Displayed(lines[1], format: strict).reason == .unexpectedText)
        #expect(Displayed(lines[6], format: strict).reason == .unexpectedText)
    }

    @Test func extraFieldsAfterCombinedAreReported() throws {
        let lines = try NginxFixtures.lines("xff.log")
        #expect(lines.count == 7)
        for (i, line) in lines.enumerated() {
            #expect(
                Displayed(line, format: try .preset(named: "combined")) == expected(i, extra: true), "line \(i + 1)")
            #expect(Displayed(line, format: try LogFormat(string: NginxFixtures.xff)) == expected(i), "line \(i + 1)")
        }
    }
}
