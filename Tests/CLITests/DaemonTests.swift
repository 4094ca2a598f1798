import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Starts `sessiontail run` polling every 50 ms, its output appended to `log`.
func startDaemon(_ config: String, log: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(RealLogsTests.sessiontailBinary()))
    process.arguments = ["run", "--config", config, "--poll-interval", "50ms"]
    if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    handle.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
}

/// `sessiontail run` as a process: live tailing through real logrotate, stopped and restarted with
/// SIGTERM along the way; in the end the table equals the batch result over every line written.
@Suite("run (live)", .serialized)
struct DaemonTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    func sh(_ command: String) throws {
        let out = try RealLogsTests.run("/bin/sh", ["-c", command], cwd: root)
        #expect(out.status == 0, "\(command): \(out.stderrText)")
    }

    func stop(_ process: Process) {
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// Repeated `TORTURE_REPETITIONS` times (``TortureBudget``) by `make torture`.
    @Test(arguments: ["create", "create\n        compress\n        delaycompress", "copytruncate"])
    func liveTailingThroughLogrotateAndRestarts(mode: String) throws {
        _ = TortureBudget.deadline
        let label = mode.contains("compress") ? "compress" : mode
        for n in 1...TortureBudget.repetitions where n == 1 || TortureBudget.hasTimeLeft {
            let started = Date()
            let ok = try liveTailingThroughLogrotateAndRestartsOnce(mode: mode, label: label)
            if TortureBudget.repetitions > 1 {
                print(
                    "liveTailingThroughLogrotateAndRestarts \(label) \(n)/\(TortureBudget.repetitions): "
                        + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(ok ? "ok" : "FAIL")")
                fflush(nil)
            }
        }
    }

    /// One run of ``liveTailingThroughLogrotateAndRestarts(mode:)``; a failing one is kept in
    /// `.build/torture-failures/live-<mode>/`.
    func liveTailingThroughLogrotateAndRestartsOnce(mode: String, label: String) throws -> Bool {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let logs = dir.path("logs")
        let log = "\(logs)/access.log"
        try sh("mkdir -p \(logs) && touch \(log) && cd \(dir.url.path) && split -n l/8 -d \(elastic) p")
        let config = dir.path("sessiontail.yaml")
        try """
        agent_id: live-test
        state_dir: \(dir.path("state"))
        sources:
          - name: web
            paths: ["\(log)"]
            host: semicomplete.com
        session:
          lateness: 0s
        postgres:
          table: \(table)
          batch_age: 100ms
        """.write(toFile: config, atomically: false, encoding: .utf8)
        try """
        \(log) {
            rotate 20
            missingok
            nomail
            \(mode)
        }
        """.write(toFile: dir.path("logrotate.conf"), atomically: false, encoding: .utf8)
        let rotate = "logrotate -f -s \(dir.path("logrotate.state")) \(dir.path("logrotate.conf"))"

        var daemon = try startDaemon(config, log: dir.path("daemon.log"))
        for piece in 0..<8 {
            // Each piece goes in as a few appends; then logrotate; the daemon polls meanwhile.
            try sh(
                "cd \(dir.url.path) && split -n l/4 p0\(piece) q && for q in qaa qab qac qad; do cat $q >> \(log); sleep 0.03; done; rm qa?"
            )
            Thread.sleep(forTimeInterval: 0.15)
            // copytruncate loses what is written between its copy and its truncate; wait for the daemon
            // to have read everything first, as a quiet log would be.
            try sh(rotate)
            if piece == 3 {
                stop(daemon)  // SIGTERM in the middle; the restart resumes open sessions and offsets
                daemon = try startDaemon(config, log: dir.path("daemon.log"))
            }
        }
        Thread.sleep(forTimeInterval: 0.3)
        stop(daemon)
        // Close what is still open, as at the end of input.
        let drain = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()), ["run", "--drain", "--config", config], cwd: root)
        #expect(drain.status == 0, "\(drain.stderrText)")

        let batch = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()), ["sessionize", "--host", "semicomplete.com", elastic],
            cwd: root)
        let expected = try RealLogsTests.project(
            RealLogsTests.parseCSV(batch.stdout), onto: PostgresCLITests.columns, what: "sessionize")
        let stored = try PostgresCLITests.tableRows(table)
        let daemonLog = (try? String(contentsOfFile: dir.path("daemon.log"), encoding: .utf8)) ?? ""
        #expect(stored.count == expected.count, "\(daemonLog)")
        let identical = PostgresCLITests.sorted(stored) == PostgresCLITests.sorted(expected)
        #expect(identical, "\(PostgresCLITests.describeDifferences(database: stored, batch: expected))\n\(daemonLog)")
        let ok = drain.status == 0 && stored.count == expected.count && identical
        if !ok {
            let kept = TortureBudget.failureDirectory("live-\(label)")
            _ = system("cp -a '\(dir.url.path)' '\(kept)'")
            try? PostgresCLITests.snapshot(table).write(to: URL(fileURLWithPath: kept + "/table.csv"))
            Issue.record("mode \(mode): kept in \(kept)")
        }
        return ok
    }
}

@Suite("run: a file deleted before it was read")
struct LostFileTests {
    static func config(_ dir: ScratchDirectory, log: String, table: String) throws -> String {
        let config = dir.path("sessiontail.yaml")
        try """
        state_dir: \(dir.path("state"))
        sources:
          - name: a
            paths: ["\(log)"]
            host: a.example
        postgres:
          table: \(table)
        """.write(toFile: config, atomically: false, encoding: .utf8)
        return config
    }

    /// Whether process `pid` has `path` open.
    func holdsOpen(_ pid: Int32, _ path: String) -> Bool {
        let fds = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
        return names.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\($0)")) == path }
    }

    static func line(_ client: String, _ second: Int) -> String {
        "\(client) - - [10/Oct/2025:13:00:\(second < 10 ? "0" : "")\(second) +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\""
    }

    /// A file deleted while the daemon has it open is finished through the descriptor it keeps: the
    /// last line, still without its newline when the file went, is read too.
    @Test func aFileDeletedWhileOpenIsFinished() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let log = dir.path("a.log")
        try (LostFileTests.line("10.0.0.1", 0) + "\n" + LostFileTests.line("10.0.0.2", 1))
            .write(toFile: log, atomically: false, encoding: .utf8)
        let config = try LostFileTests.config(dir, log: log, table: table)
        let output = dir.path("daemon.log")
        let process = try startDaemon(config, log: output)
        // Deleted once the daemon has it open (however loaded the machine).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && !holdsOpen(process.processIdentifier, log) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(holdsOpen(process.processIdentifier, log), "the daemon never opened \(log)")
        Thread.sleep(forTimeInterval: 0.3)
        try FileManager.default.removeItem(atPath: log)
        Thread.sleep(forTimeInterval: 1.2)
        process.terminate()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0)
        #expect(!text.contains("error:"), "\(text)")
        #expect(text.contains(": 2 events, 0 malformed"), "\(text)")
        #expect(!text.contains("vanished unread"), "\(text)")  // nothing lost: nothing said
    }

    /// A file rotated away unread while the daemon was stopped is reported loudly, with the bytes it
    /// is known to have taken with it, once.
    @Test func aFileGoneWhileStoppedIsReportedWithTheBytesLost() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let log = dir.path("a.log")
        // The last line is still being written when the first run stops: 28 bytes not yet read.
        try (LostFileTests.line("10.0.0.1", 0) + "\npartial line without newline")
            .write(toFile: log, atomically: false, encoding: .utf8)
        let config = try LostFileTests.config(dir, log: log, table: table)
        let first = try DrainTests().drain(config)
        #expect(first.status == 0, "\(first.stderrText)")
        try FileManager.default.removeItem(atPath: log)
        try (LostFileTests.line("10.0.0.3", 5) + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        let second = try DrainTests().drain(config)
        #expect(second.status == 0, "\(second.stderrText)")
        #expect(
            second.stderrText.contains("error: \(log) is gone before it was read to its end: at least 28 bytes lost"),
            "\(second.stderrText)")
        #expect(second.stderrText.contains("1 files vanished unread (at least 28 bytes lost)"), "\(second.stderrText)")
        let third = try DrainTests().drain(config)
        #expect(!third.stderrText.contains("error:"), "\(third.stderrText)")
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)") == "2")
    }
}

/// `delaycompress` by hand, slowly: the daemon reads `a.log.1` (and keeps it open), then it becomes
/// `a.log.2.gz` and `a.log.1` is deleted; finishing the deleted file must find the checkpoint that the
/// compressed copy took over, and read nothing twice.
@Suite("run: a rotated file compressed and deleted")
struct CompressedRotationTests {
    @Test func isReadOnce() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let elastic = RealLogsTests.elastic
        let log = dir.path("a.log")
        try DrainTests().sh("cd \(dir.url.path) && split -n l/2 -d \(elastic) p && cp p00 \(log)")
        let config = try dir.writeConfig(
            log: log, host: "semicomplete.com", table: table, postgres: ["batch_age: 50ms"])
        let process = try startDaemon(config, log: dir.path("daemon.log"))
        Thread.sleep(forTimeInterval: 0.6)
        try DrainTests().sh("mv \(log) \(log).1 && cp \(dir.path("p01")) \(log)")
        Thread.sleep(forTimeInterval: 0.6)
        try DrainTests().sh("gzip -c \(log).1 > \(log).2.gz && rm \(log).1")
        Thread.sleep(forTimeInterval: 0.8)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Read again, the lines might even give the same fragments (ids the database already has):
        // the count of lines read tells.
        let text = (try? String(contentsOfFile: dir.path("daemon.log"), encoding: .utf8)) ?? ""
        #expect(text.contains("sessiontail: 10000 lines in "), "\(text)")
        _ = try DrainTests().drain(config)
        try DrainTests().expectTable(table, equalsBatchOf: [dir.path("p00"), dir.path("p01")], in: dir)
    }
}
