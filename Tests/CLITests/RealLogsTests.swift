import Foundation
import Testing

/// Cross-checks the batch sessionizer (`sessiontail sessionize`) against an independent reference
/// (`scripts/reference_sessions.py`, a CLF regex with strict quotes + Flink-style session windows written
/// from the SPEC alone) on the third-party logs in `data/real/` (see data/real/README.md).
///
/// The binary is found in the products directory that holds the test bundle (whatever the scratch
/// path), or via the `SESSIONTAIL_BIN` environment variable.
@Suite("Real logs: sessiontail vs. reference_sessions.py")
struct RealLogsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let format: String
        let lines: Int
        let events: Int
        let malformed: Int
        let sessions: Int
        /// Line numbers that both parsers must reject (a prefix of the list is enough: the tool
        /// reports only the first few malformed lines individually).
        let reportedMalformedLines: [Int]
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        // Line 8899: User-Agent truncated, no closing quote.
        Case(
            file: "elastic-examples_apache_logs.log", format: "combined",
            lines: 10000, events: 9999, malformed: 1, sessions: 3052, reportedMalformedLines: [8899]),
        // Five `"-" 400 0` lines (empty request) are valid events; exact 300 s gaps occur (gap ≤ G).
        Case(
            file: "jul-yahi_biggersample.log", format: "combined",
            lines: 1500, events: 1500, malformed: 0, sessions: 28, reportedMalformedLines: []),
        // Hard-wrapped records (89 physical lines don't match CLF, incl. the truncated last line).
        Case(
            file: "nasa-aug95_sample_aman-panchal.log", format: "common",
            lines: 1930, events: 1841, malformed: 89, sessions: 252, reportedMalformedLines: [38, 39, 77, 78]),
    ]

    static let host = "Example.COM"
    static let commonColumns = [
        "host", "ip", "session_start", "session_end", "event_count", "bytes", "error_count",
    ]

    @Test("sessions equal the reference; counts as expected", arguments: cases)
    func sessionsMatchReference(_ c: Case) throws {
        let root = Self.packageRoot
        let log = root.appendingPathComponent("data/real").appendingPathComponent(c.file).path
        let bin = try #require(Self.sessiontailBinary(), "sessiontail binary not found; set SESSIONTAIL_BIN")

        let tool = try Self.run(bin, ["sessionize", "--format", c.format, "--host", Self.host, log], cwd: root)
        #expect(tool.status == 0, "sessiontail exit status \(tool.status); stderr: \(tool.stderrText)")
        let ref = try Self.run(
            "/usr/bin/env",
            [
                "python3", root.appendingPathComponent("scripts/reference_sessions.py").path, "--host", Self.host,
                "--format", c.format, log,
            ],
            cwd: root)
        try #require(ref.status == 0, "reference exit status \(ref.status); stderr: \(ref.stderrText)")

        // --- counts printed by the tool: `N lines in 1 file: E events, M malformed (...); S sessions`
        let summary = try #require(
            Self.parseSummary(tool.stderrText), "no summary line in sessiontail stderr: \(tool.stderrText)")
        #expect(summary.lines == c.lines)
        #expect(summary.files == 1)
        #expect(summary.events == c.events)
        #expect(summary.malformed == c.malformed)
        #expect(summary.sessions == c.sessions)
        #expect(
            summary.reasons.values.reduce(0, +) == summary.malformed,
            "malformed reasons \(summary.reasons) do not add up to \(summary.malformed)")
        for n in c.reportedMalformedLines {
            #expect(
                tool.stderrText.contains("malformed line \(log):\(n):"),
                "sessiontail did not report line \(n) as malformed")
        }

        // --- counts printed by the reference: `N lines: E events, U unmatched, B bad time; S sessions`
        let refSummary = try #require(Self.parseReferenceSummary(ref.stderrText), "\(ref.stderrText)")
        #expect(refSummary.lines == c.lines)
        #expect(refSummary.events == c.events)
        #expect(refSummary.rejected == c.malformed)
        #expect(refSummary.sessions == c.sessions)

        // --- the sessions themselves, on the 7 columns both produce
        let toolRows = try Self.project(Self.parseCSV(tool.stdout), onto: Self.commonColumns, what: "sessiontail")
        let refRows = try Self.project(Self.parseCSV(ref.stdout), onto: Self.commonColumns, what: "reference")
        #expect(toolRows.count == c.sessions)
        #expect(refRows.count == c.sessions)
        let diff = Self.describeDifferences(tool: toolRows, reference: refRows)
        let identical = toolRows == refRows  // a Bool, so a failure prints the diff, not 3,000 rows
        #expect(identical, "sessions differ from the reference:\n\(diff)")
    }

    // MARK: - locating things

    /// The real Apache log most tests read (10 000 lines, one malformed).
    static var elastic: String { packageRoot.appendingPathComponent("data/real/elastic-examples_apache_logs.log").path }

    static var packageRoot: URL {
        // <root>/Tests/CLITests/RealLogsTests.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func sessiontailBinary() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SESSIONTAIL_BIN"], !env.isEmpty {
            return fm.isExecutableFile(atPath: env) ? env : nil
        }
        var candidates: [URL] = []
        // The products directory is the folder containing the `.xctest` bundle (on Linux the bundle
        // is an executable file; on macOS a directory whose executable is in Contents/MacOS).
        var starts: [URL] = [Bundle.main.bundleURL, Bundle.main.executableURL].compactMap { $0 }
        starts += Bundle.allBundles.map(\.bundleURL)
        if let arg0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: arg0).standardizedFileURL)
        }
        for start in starts {
            var url = start.standardizedFileURL
            for _ in 0..<6 {
                if url.pathExtension == "xctest" {
                    candidates.append(url.deletingLastPathComponent())
                    break
                }
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
            // The bundle URL may itself be the products directory (Linux: directory of the executable).
            candidates.append(start.hasDirectoryPath ? start : start.deletingLastPathComponent())
        }
        for dir in candidates {
            let bin = dir.appendingPathComponent("sessiontail").path
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: bin, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: bin) {
                return bin
            }
        }
        return nil
    }

    // MARK: - running processes

    struct Output {
        let status: Int32
        let stdout: Data
        let stderr: Data
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `exe args` with stdout and stderr redirected to temporary files (no pipe-buffer deadlock).
    static func run(_ exe: String, _ args: [String], cwd: URL) throws -> Output {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("reallogs-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout")
        let errURL = tmp.appendingPathComponent("stderr")
        _ = fm.createFile(atPath: outURL.path, contents: nil)
        _ = fm.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = cwd
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = outHandle
        p.standardError = errHandle
        try p.run()
        p.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: p.terminationStatus,
            stdout: try Data(contentsOf: outURL),
            stderr: try Data(contentsOf: errURL))
    }

    // MARK: - parsing the outputs

    struct Summary {
        var lines = 0, files = 0, events = 0, malformed = 0, sessions = 0
        var reasons: [String: Int] = [:]
    }

    /// `sessiontail: 1930 lines in 1 file: 1841 events, 89 malformed (missing_field 32, ...); 252 sessions`
    static func parseSummary(_ stderr: String) -> Summary? {
        for line in stderr.split(separator: "\n").reversed() {
            let s = String(line)
            guard s.contains(" lines in "), s.contains(" events, "), s.contains(" malformed"),
                s.hasSuffix(" sessions") || s.hasSuffix(" session")
            else { continue }
            var out = Summary()
            guard let lines = number(before: " lines in ", in: s),
                let files = number(before: " file", in: s),
                let events = number(before: " events, ", in: s),
                let malformed = number(before: " malformed", in: s),
                let sessions = number(before: " session", in: s)
            else { return nil }
            out.lines = lines
            out.files = files
            out.events = events
            out.malformed = malformed
            out.sessions = sessions
            if let open = s.range(of: " malformed ("), let close = s.range(of: ")", range: open.upperBound..<s.endIndex)
            {
                for item in s[open.upperBound..<close.lowerBound].split(separator: ",") {
                    let parts = item.split(separator: " ")
                    if parts.count == 2, let n = Int(parts[1]) { out.reasons[String(parts[0])] = n }
                }
            }
            return out
        }
        return nil
    }

    /// `1930 lines: 1841 events, 89 unmatched, 0 bad time; 252 sessions`
    static func parseReferenceSummary(_ stderr: String) -> (lines: Int, events: Int, rejected: Int, sessions: Int)? {
        for line in stderr.split(separator: "\n") {
            let s = String(line)
            guard s.contains(" lines: "), s.hasSuffix(" sessions"),
                let lines = number(before: " lines: ", in: s),
                let events = number(before: " events, ", in: s),
                let unmatched = number(before: " unmatched,", in: s),
                let badTime = number(before: " bad time", in: s),
                let sessions = number(before: " sessions", in: s)
            else { continue }
            return (lines, events, unmatched + badTime, sessions)
        }
        return nil
    }

    /// The integer immediately preceding the first occurrence of `marker` in `s`.
    static func number(before marker: String, in s: String) -> Int? {
        guard let r = s.range(of: marker) else { return nil }
        let digits = s[..<r.lowerBound].reversed().prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(String(digits.reversed()))
    }

    /// RFC 4180 CSV (quoted fields may hold commas, doubled quotes and newlines). Bytes that are not
    /// UTF-8 are decoded as ISO-8859-1 so that the comparison stays byte-faithful.
    static func parseCSV(_ data: Data) -> [[String]] {
        let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var fieldStarted = false
        var it = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        while let ch = next() {
            if inQuotes {
                if ch == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(ch)
                }
                continue
            }
            switch ch {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldStarted = true
            case ",":
                row.append(field)
                field = ""
                fieldStarted = true
            case "\r":
                break
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                fieldStarted = false
            default:
                field.unicodeScalars.append(ch)
                fieldStarted = true
            }
        }
        if fieldStarted || !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    struct MissingColumn: Error, CustomStringConvertible {
        let description: String
    }

    /// Data rows of `rows` (header first) restricted to `columns`, in that order.
    static func project(_ rows: [[String]], onto columns: [String], what: String) throws -> [[String]] {
        guard let header = rows.first else { throw MissingColumn(description: "\(what): empty CSV output") }
        var idx: [Int] = []
        for c in columns {
            guard let i = header.firstIndex(of: c) else {
                throw MissingColumn(description: "\(what): no column \(c) in header \(header)")
            }
            idx.append(i)
        }
        return try rows.dropFirst().enumerated().map { n, r in
            guard r.count == header.count else {
                throw MissingColumn(
                    description: "\(what): row \(n + 2) has \(r.count) fields, header \(header.count): \(r)")
            }
            return idx.map { r[$0] }
        }
    }

    static func describeDifferences(tool: [[String]], reference: [[String]], limit: Int = 10) -> String {
        let t = tool.map { $0.joined(separator: ",") }
        let r = reference.map { $0.joined(separator: ",") }
        let tSet = Set(t)
        let rSet = Set(r)
        var out: [String] = ["sessiontail rows: \(t.count), reference rows: \(r.count)"]
        let onlyRef = r.filter { !tSet.contains($0) }
        let onlyTool = t.filter { !rSet.contains($0) }
        out += onlyRef.prefix(limit).map { "  only in reference:   \($0)" }
        out += onlyTool.prefix(limit).map { "  only in sessiontail: \($0)" }
        if onlyRef.isEmpty && onlyTool.isEmpty && t != r {
            if let i = zip(t, r).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                out.append("  same rows, different order; first at data row \(i + 1): tool \(t[i]) / reference \(r[i])")
            } else {
                out.append("  same rows, duplicate counts differ")
            }
        }
        return out.joined(separator: "\n")
    }
}
