import Foundation
import Testing

/// Cross-checks the classification of requests (issue 12: page views, bots, browser/OS/device) against an
/// independent reference, `scripts/reference_sessions.py --classify` (the rules written in Python, with
/// ua-parser's Python package on the same `regexes.yaml`): on the real logs in `data/real/` and on a
/// generated log of visits (`scripts/visits-log.py`: thousands of distinct user agents, a fifth of the
/// requests from bots, half for assets, `robots.txt`, HEAD, 304s and 404s, POSTs, no user agent, query
/// strings, upper-case extensions), row for row.
/// The cases run one after the other: each runs two processes at once already.
@Suite("Visits: sessiontail vs. reference_sessions.py --classify", .serialized)
struct VisitsReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        /// A file in `data/real/`, or nil for the generated log.
        let file: String?
        let format: String
        /// Bounds that say the case tests something: sessions, distinct user agents.
        let minimumSessions: Int
        let minimumUserAgents: Int
        var testDescription: String { file ?? "generated visits (scripts/visits-log.py)" }
    }

    static let cases: [Case] = [
        Case(
            file: "elastic-examples_apache_logs.log", format: "combined", minimumSessions: 3000, minimumUserAgents: 500),
        Case(file: "jul-yahi_biggersample.log", format: "combined", minimumSessions: 28, minimumUserAgents: 5),
        // No user agent in the common format: every request is a bot's by the rules (an empty user agent).
        Case(file: "nasa-aug95_sample_aman-panchal.log", format: "common", minimumSessions: 250, minimumUserAgents: 1),
        Case(file: nil, format: "combined", minimumSessions: 5000, minimumUserAgents: 2000),
    ]

    static let host = "www.Example.COM"
    /// What both say of a session: the key and extent that line the rows up, then the visit.
    static let columns = [
        "host", "ip", "session_start", "event_count", "page_views", "is_bot", "browser", "os", "device",
    ]

    @Test("page views, bots and the first event's families equal the reference, row for row", arguments: cases)
    func visitsMatchReference(_ c: Case) throws {
        let root = RealLogsTests.packageRoot
        let bin = try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found; set SESSIONTAIL_BIN")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("visits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let log: String
        if let file = c.file {
            log = root.appendingPathComponent("data/real").appendingPathComponent(file).path
        } else {
            let generated = try RealLogsTests.run(
                "/usr/bin/env", ["python3", root.appendingPathComponent("scripts/visits-log.py").path], cwd: root)
            try #require(generated.status == 0, "scripts/visits-log.py failed: \(generated.stderrText)")
            log = scratch.appendingPathComponent("visits.log").path
            try generated.stdout.write(to: URL(fileURLWithPath: log))
        }

        let outputs = try Self.runTogether(
            [
                (bin, ["sessionize", "--format", c.format, "--host", Self.host, log]),
                (
                    "/usr/bin/env",
                    [
                        "python3", root.appendingPathComponent("scripts/reference_sessions.py").path, "--classify",
                        "--format", c.format, "--host", Self.host, log,
                    ]
                ),
            ], cwd: root)
        let tool = outputs[0]
        let ref = outputs[1]
        try #require(tool.status == 0, "sessiontail exit status \(tool.status); stderr: \(tool.stderrText)")
        try #require(
            ref.status == 0,
            "reference exit status \(ref.status) (scripts/install-deps.sh installs ua-parser); stderr: \(ref.stderrText)"
        )

        let toolRows = try RealLogsTests.project(
            RealLogsTests.parseCSV(tool.stdout), onto: Self.columns, what: "sessiontail")
        let refRows = try RealLogsTests.project(
            RealLogsTests.parseCSV(ref.stdout), onto: Self.columns, what: "reference")
        #expect(toolRows.count >= c.minimumSessions, "only \(toolRows.count) sessions")
        let userAgents = RealLogsTests.number(before: " distinct user agents", in: ref.stderrText) ?? 0
        #expect(userAgents >= c.minimumUserAgents, "only \(userAgents) distinct user agents")
        if c.file == nil {
            // The generated log has every kind of session: bots and people, with and without page views.
            let isBot = Self.columns.firstIndex(of: "is_bot")!
            let pageViews = Self.columns.firstIndex(of: "page_views")!
            let bots = refRows.filter { $0[isBot] == "true" }.count
            #expect(bots * 10 > refRows.count && bots * 2 < refRows.count, "\(bots) of \(refRows.count) bot sessions")
            #expect(refRows.contains { $0[pageViews] == "0" } && refRows.contains { Int($0[pageViews]) ?? 0 > 3 })
        }
        let differences = Self.differences(tool: toolRows, reference: refRows)
        let identical = differences == nil  // a Bool, so that a failure shows the differences once
        #expect(identical, "sessions differ from the reference:\n\(differences ?? "")")
    }

    /// Nil when the rows are equal; otherwise the counts and the first differing rows, column by column.
    static func differences(tool: [[String]], reference: [[String]], limit: Int = 8) -> String? {
        if tool == reference { return nil }
        var out = ["sessiontail: \(tool.count) rows, reference: \(reference.count) rows; columns \(columns)"]
        var shown = 0
        var differing = 0
        for i in 0..<max(tool.count, reference.count) {
            let t = i < tool.count ? tool[i] : nil
            let r = i < reference.count ? reference[i] : nil
            if t == r { continue }
            differing += 1
            guard shown < limit else { continue }
            shown += 1
            let which = zip(columns.indices, columns).filter { k, _ in t?[k] != r?[k] }.map(\.1)
            out.append("  data row \(i + 1), differing in \(which.joined(separator: ", ")):")
            out.append("    sessiontail: \(t?.joined(separator: ",") ?? "(none)")")
            out.append("    reference:   \(r?.joined(separator: ",") ?? "(none)")")
        }
        let byColumn = columns.indices.map { k in
            (0..<min(tool.count, reference.count)).filter { tool[$0][k] != reference[$0][k] }.count
        }
        let columnCounts = zip(columns, byColumn).filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }
        out.append("\(differing) rows differ (by column: \(columnCounts.joined(separator: ", ")))")
        return out.joined(separator: "\n")
    }

    /// Runs the commands at the same time (both cores), output in temporary files, and waits for all.
    static func runTogether(_ commands: [(String, [String])], cwd: URL) throws -> [RealLogsTests.Output] {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("visits-run-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        var running: [(Process, [FileHandle], URL, URL)] = []
        for (n, (exe, args)) in commands.enumerated() {
            let outURL = tmp.appendingPathComponent("\(n).stdout")
            let errURL = tmp.appendingPathComponent("\(n).stderr")
            _ = fm.createFile(atPath: outURL.path, contents: nil)
            _ = fm.createFile(atPath: errURL.path, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
            p.currentDirectoryURL = cwd
            p.standardInput = FileHandle.nullDevice
            let handles = [try FileHandle(forWritingTo: outURL), try FileHandle(forWritingTo: errURL)]
            p.standardOutput = handles[0]
            p.standardError = handles[1]
            try p.run()
            running.append((p, handles, outURL, errURL))
        }
        return try running.map { p, handles, outURL, errURL in
            p.waitUntilExit()
            for handle in handles { try handle.close() }
            return RealLogsTests.Output(
                status: p.terminationStatus, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
        }
    }
}
