import Foundation
import Testing

/// What real servers write, through `sessionize`: files in several formats, extra fields, glued lines.
@Suite("sessionize: real inputs")
struct RealInputsTests {
    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    func combined(_ client: String, second: Int) -> String {
        "\(client) - - [10/Oct/2025:13:00:\(String(format: "%02d", second)) +0000] \"GET /p HTTP/1.1\" 200 5 \"-\" \"ua\""
    }

    /// Two access_log directives writing every request into one file, in two formats: each line is
    /// read by the format that wrote it, and counted (the README says to fix the server instead).
    @Test func aFileOfTwoFormatsIsReadWithEachLinesOwn() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("mixed.log")
        var text = ""
        for i in 0..<20 {
            text += combined("10.0.0.\(i)", second: i) + "\n"
            text += "www.example.com:443 " + combined("10.0.0.\(i)", second: i) + "\n"
        }
        try text.write(toFile: log, atomically: false, encoding: .utf8)
        let out = try run([
            "sessionize", "--format", "combined", "--format", "vhost_combined", "--host", "example.com", log,
        ])
        #expect(out.status == 0, "\(out.stderrText)")
        #expect(
            out.stderrText.contains("40 lines in 1 file: 40 events, 0 malformed; by format: #1 20, #2 20"),
            "\(out.stderrText)")
        let hosts = Set(
            String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").dropFirst().map {
                String($0.split(separator: ",")[0])
            })
        #expect(hosts == ["example.com", "www.example.com"])
        // With one format, the other's lines are malformed, not absorbed.
        let one = try run(["sessionize", "--format", "combined", "--host", "example.com", log])
        #expect(one.stderrText.contains("40 lines in 1 file: 20 events, 20 malformed"), "\(one.stderrText)")
    }

    @Test func extraFieldsAreReadCountedAndSaidOnce() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("timed.log")
        try (0..<5).map { combined("10.0.1.\($0)", second: $0) + " 0.00\($0)\n" }.joined().write(
            toFile: log, atomically: false, encoding: .utf8)
        let out = try run(["sessionize", "--host", "example.com", log])
        #expect(out.status == 0)
        #expect(out.stderrText.contains("5 events, 0 malformed; 5 with extra fields"), "\(out.stderrText)")
        #expect(out.stderrText.components(separatedBy: "the format may be out of date").count == 2)
        #expect(out.stderrText.contains("timed.log:1: 10.0.1.0 - -"))
    }

    /// A lost newline glues a line to half of the next: a raw quote inside the user agent ends the
    /// field early, so the line is damaged and refused, never one event holding the next line.
    @Test func aGluedLineIsRefused() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("glued.log")
        let first = combined("10.0.2.1", second: 1)
        let second = combined("10.0.2.2", second: 2)
        try (first.dropLast(3) + String(second.dropFirst(20)) + "\n" + combined("10.0.2.3", second: 3) + "\n").write(
            toFile: log, atomically: false, encoding: .utf8)
        let out = try run(["sessionize", "--host", "example.com", log])
        #expect(
            out.stderrText.contains("2 lines in 1 file: 1 event, 1 malformed (unexpected_text 1)"), "\(out.stderrText)")
    }

    @Test func nginxsJSONEscapingIsUndone() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("json.log")
        try #"10.0.3.1 [10/Oct/2025:13:00:00 +0000] "GET /a HTTP/1.1" 200 "Mozilla \"quoted\"\tand\u0001""#.appending(
            "\n"
        )
        .write(toFile: log, atomically: false, encoding: .utf8)
        let out = try run([
            "sessionize", "--output", "jsonl", "--host", "example.com", "--log-format",
            #"escape=json $remote_addr [$time_local] "$request" $status "$http_user_agent""#, log,
        ])
        #expect(out.status == 0, "\(out.stderrText)")
        let text = String(decoding: out.stdout, as: UTF8.self)
        // Undone, then written as output writes control characters: \xHH.
        #expect(text.contains(#""user_agent":"Mozilla \"quoted\"\\x09and\\x01""#), "\(text)")
    }
}
