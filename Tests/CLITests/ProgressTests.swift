import Foundation
import Testing

/// The progress line of long reads, as an operator at a terminal sees it: the built binary on a
/// pseudo-terminal (util-linux `script`), against its standard error piped, and the daemon's other
/// modes, which never show it. The redraw interval is shortened by `SESSIONTAIL_PROGRESS_INTERVAL_MS`
/// (for tests only) so that a few hundred thousand lines draw it many times.
@Suite("progress on a terminal")
struct ProgressTests {
    let root = RealLogsTests.packageRoot
    static let erase = "\r\u{1B}[K"

    func binary() throws -> String {
        try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found next to the test bundle")
    }

    func sh(_ command: String) throws -> RealLogsTests.Output {
        try RealLogsTests.run("/bin/sh", ["-c", command], cwd: root)
    }

    /// Runs `command` (shell) on a pseudo-terminal, standard input from /dev/null; returns what the
    /// terminal showed, and the command's exit status.
    func onTerminal(_ command: String) throws -> (status: Int32, text: String) {
        let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let out = try sh("script -qefc \(quoted) /dev/null < /dev/null")
        return (out.status, String(decoding: out.stdout, as: UTF8.self))
    }

    /// 100 000 combined lines (7.5 MiB) from 512 visitors, 100 a second.
    func bigLog(_ dir: ScratchDirectory) throws -> String {
        let log = dir.path("access.log")
        let made = try sh(
            #"awk 'BEGIN { for (i = 0; i < 100000; i++) printf "10.0.%d.%d - - [10/Oct/2025:13:%02d:%02d +0000] \"GET /%d HTTP/1.1\" 200 %d \"-\" \"ua\"\n", int(i / 256) % 2, i % 256, 10 + int(i / 6000) % 50, int(i / 100) % 60, i % 7, i % 1000 }' > "#
                + log)
        try #require(made.status == 0, "\(made.stderrText)")
        return log
    }

    /// The lines drawn: what follows each erase, up to the next carriage return or newline (but the
    /// last erase, which the summary follows).
    static func draws(_ text: String) -> [String] {
        text.components(separatedBy: erase).dropFirst().dropLast().map {
            String($0.prefix { $0 != "\r" && $0 != "\n" })
        }
        .filter { !$0.isEmpty }
    }

    /// The share each drawn line says (`(34 %)`).
    static func percents(_ draws: [String]) -> [Int] {
        draws.compactMap { line in
            guard let close = line.range(of: " %)"), let open = line[..<close.lowerBound].lastIndex(of: "(") else {
                return nil
            }
            return Int(line[line.index(after: open)..<close.lowerBound])
        }
    }

    /// Drawn several times, shares that only grow from near 0 to near 100, and erased before the
    /// summary: the text after the last erase is the summary line.
    func expectProgress(_ text: String, summary: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let draws = Self.draws(text)
        #expect(draws.count >= 3, "\(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(
            draws.allSatisfy { $0.contains(" lines/s") && $0.contains(" %)") }, "\(draws)",
            sourceLocation: sourceLocation)
        #expect(draws.contains { $0.hasSuffix(" left") }, "\(draws)", sourceLocation: sourceLocation)
        let percents = Self.percents(draws)
        #expect(percents.count == draws.count, "\(draws)", sourceLocation: sourceLocation)
        #expect(percents == percents.sorted(), "\(percents)", sourceLocation: sourceLocation)
        #expect(
            (percents.first ?? 100) < 50 && (percents.last ?? 0) >= 90, "\(percents)", sourceLocation: sourceLocation)
        let after = text.components(separatedBy: Self.erase).last ?? ""
        #expect(
            after.hasPrefix("sessiontail: ") && after.contains(summary), "\(after.debugDescription)",
            sourceLocation: sourceLocation)
    }

    @Test func sessionizeDrawsOnATerminalAndNeverIntoAPipe() throws {
        let dir = try ScratchDirectory()
        let log = try bigLog(dir)
        let bin = try binary()
        let shown = try onTerminal(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) sessionize --host example.com \(log) > \(dir.path("out.csv"))")
        #expect(shown.status == 0, "\(shown.text)")
        expectProgress(shown.text, summary: "100000 lines in 1 file")

        // Gzip: the share is of the compressed bytes read, so it still goes from near 0 to near 100.
        #expect(try sh("gzip -k \(log)").status == 0)
        let gzip = try onTerminal(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) sessionize --host example.com \(log).gz > \(dir.path("gz.csv"))")
        #expect(gzip.status == 0, "\(gzip.text)")
        expectProgress(gzip.text, summary: "100000 lines in 1 file")

        // Standard error piped: not one carriage return; the same sessions.
        let piped = try sh(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) sessionize --host example.com \(log) > \(dir.path("piped.csv")) 2> \(dir.path("piped.err"))"
        )
        #expect(piped.status == 0)
        let stderr = try String(contentsOfFile: dir.path("piped.err"), encoding: .utf8)
        #expect(stderr.contains("100000 lines in 1 file"), "\(stderr)")
        #expect(!stderr.contains("\r") && !stderr.contains("\u{1B}"), "\(stderr.debugDescription)")
        let csv = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.csv")))
        #expect(csv.count > 50_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("piped.csv"))) == csv)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("gz.csv"))) == csv)
    }

    /// A configuration reading `log`, state in `state`, shipping to `table`.
    func config(_ dir: ScratchDirectory, _ name: String, log: String, table: String) throws -> String {
        let path = dir.path(name + ".yaml")
        try """
        agent_id: progress-test
        state_dir: \(dir.path(name + "-state"))
        sources:
          - name: web
            paths: ["\(log)*"]
            host: example.com
        postgres:
          table: \(table)
        """.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func drainDrawsOnATerminalOnlyAndNeverForTheJournalOrTheLiveDaemon() throws {
        let dir = try ScratchDirectory()
        let log = try bigLog(dir)
        // A rotated set: the older half compressed, the newer half plain.
        #expect(
            try sh(
                "cd \(dir.url.path) && split -n l/2 -d \(log) half && gzip -c half00 > \(log).1.gz && mv half01 \(log) && rm half00"
            ).status == 0)
        let bin = try binary()
        let tables = (0..<4).map { _ in PostgresCLITests.freshTable() }
        defer { for table in tables { PostgresCLITests.dropTable(table) } }

        let drained = try onTerminal(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) run --drain --config \(try config(dir, "tty", log: log, table: tables[0]))"
        )
        #expect(drained.status == 0, "\(drained.text)")
        expectProgress(drained.text, summary: "100000 lines in 2 files")

        // Standard error piped: no carriage return.
        let pipedConfig = try config(dir, "piped", log: log, table: tables[1])
        let piped = try sh(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) run --drain --config \(pipedConfig) 2> \(dir.path("piped.err"))")
        #expect(piped.status == 0)
        let stderr = try String(contentsOfFile: dir.path("piped.err"), encoding: .utf8)
        #expect(stderr.contains("100000 lines in 2 files"), "\(stderr)")
        #expect(!stderr.contains("\r") && !stderr.contains("\u{1B}"), "\(stderr.debugDescription)")

        // Standard error the journal's stream (a terminal here, but $JOURNAL_STREAM names it): none.
        let journal = try onTerminal(
            "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) SESSIONTAIL_PROGRESS_INTERVAL_MS=1 \(bin) run --drain --config \(try config(dir, "journal", log: log, table: tables[2]))"
        )
        #expect(journal.status == 0, "\(journal.text)")
        #expect(journal.text.contains("<6>100000 lines in 2 files"), "\(journal.text)")
        #expect(!journal.text.contains("\u{1B}"), "\(journal.text.debugDescription)")

        // The live daemon, on a terminal: never, however much it has to read.
        let live = try onTerminal(
            "SESSIONTAIL_PROGRESS_INTERVAL_MS=1 timeout -s INT 5 \(bin) run --config \(try config(dir, "live", log: log, table: tables[3]))"
        )
        #expect(live.text.contains("running agent_id=progress-test"), "\(live.text)")
        #expect(live.text.contains(" lines in "), "\(live.text)")
        #expect(!live.text.contains("\u{1B}"), "\(live.text.debugDescription)")
    }
}
