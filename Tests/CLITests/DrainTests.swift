import Foundation
import Testing

/// `sessiontail run --drain` against a real PostgreSQL: a one-shot backfill that reads rotated and
/// gzipped files, checkpoints, and resumes after files were rotated while it was stopped.
@Suite("run --drain")
struct DrainTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    func binary() throws -> String {
        try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found next to the test bundle")
    }

    func sh(_ command: String) throws {
        let out = try RealLogsTests.run("/bin/sh", ["-c", command], cwd: root)
        #expect(out.status == 0, "\(command): \(out.stderrText)")
    }

    func drain(_ config: String) throws -> RealLogsTests.Output {
        let out = try RealLogsTests.run(try binary(), ["run", "--drain", "--config", config], cwd: root)
        #expect(out.status == 0, "run --drain: \(out.stderrText)")
        return out
    }

    @Test func catchesUpAcrossRotationsWhileStoppedAndNeverCountsTwice() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let logs = dir.path("logs")
        // The real log in six pieces, in order: p0 … p5.
        try sh("mkdir -p \(logs) && cd \(dir.url.path) && split -n l/6 -d \(elastic) p")
        // As logrotate (compress, delaycompress) leaves it: p0 in .2.gz, p1 in .1, p2 in the live file.
        try sh(
            "cd \(dir.url.path) && gzip -c p00 > \(logs)/access.log.2.gz && cp p01 \(logs)/access.log.1 && cp p02 \(logs)/access.log"
        )
        let config = dir.path("sessiontail.yaml")
        try """
        agent_id: drain-test
        state_dir: \(dir.path("state"))
        sources:
          - name: web
            paths: ["\(logs)/access.log"]
            format: combined
            host: semicomplete.com
        postgres:
          table: \(table)
          batch_size: 500
        """.write(toFile: config, atomically: false, encoding: .utf8)

        let first = try drain(config)
        #expect(first.stderrText.contains("3 files"), "\(first.stderrText)")
        try expectTable(table, equalsBatchOf: ["p00", "p01", "p02"], in: dir)

        // While stopped: p3 is appended, then logrotate runs twice (rename + create, compress with
        // delaycompress), p4 and the first lines of p5 arrive in between.
        try sh(
            """
            cd \(dir.url.path) && cat p03 >> \(logs)/access.log && \
            mv \(logs)/access.log.2.gz \(logs)/access.log.3.gz && gzip -c \(logs)/access.log.1 > \(logs)/access.log.2.gz && \
            rm \(logs)/access.log.1 && mv \(logs)/access.log \(logs)/access.log.1 && cp p04 \(logs)/access.log && \
            mv \(logs)/access.log.3.gz \(logs)/access.log.4.gz && mv \(logs)/access.log.2.gz \(logs)/access.log.3.gz && \
            gzip -c \(logs)/access.log.1 > \(logs)/access.log.2.gz && rm \(logs)/access.log.1 && \
            mv \(logs)/access.log \(logs)/access.log.1 && cp p05 \(logs)/access.log
            """)
        let second = try drain(config)
        try expectTable(table, equalsBatchOf: ["p00", "p01", "p02", "p03", "p04", "p05"], in: dir)
        #expect(second.stderrText.contains("lines in"), "\(second.stderrText)")

        // Nothing new: nothing read, nothing changes.
        let before = try PostgresCLITests.snapshot(table)
        let third = try drain(config)
        #expect(third.stderrText.contains("0 lines in"), "\(third.stderrText)")
        #expect(try PostgresCLITests.snapshot(table) == before)
    }

    /// The table equals `sessionize` (CSV) over the concatenation of `pieces`.
    func expectTable(_ table: String, equalsBatchOf pieces: [String], in dir: ScratchDirectory) throws {
        let all = dir.path("expected.log")
        try sh("cd \(dir.url.path) && cat \(pieces.joined(separator: " ")) > \(all)")
        let batch = try RealLogsTests.run(try binary(), ["sessionize", "--host", "semicomplete.com", all], cwd: root)
        let expected = try RealLogsTests.project(
            RealLogsTests.parseCSV(batch.stdout), onto: PostgresCLITests.columns, what: "sessionize")
        let stored = try PostgresCLITests.tableRows(table)
        #expect(stored.count == expected.count)
        let identical = PostgresCLITests.sorted(stored) == PostgresCLITests.sorted(expected)
        #expect(identical, "\(PostgresCLITests.describeDifferences(database: stored, batch: expected))")
    }
}

@Suite("run --drain: many files, files appearing, partial lines")
struct ManyFilesTests {
    let root = RealLogsTests.packageRoot

    @Test func twoHundredHostsNewFilesAndAPartialLine() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let logs = dir.path("logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        // 200 virtual hosts, one file each, named after the host; 3 requests a minute apart per host.
        func lines(_ client: String, minutes: [Int]) -> String {
            minutes.map {
                "\(client) - - [10/Oct/2025:13:\(String(format: "%02d", $0)):00 +0000] \"GET /p\($0) HTTP/1.1\" 200 10 \"-\" \"ua\"\n"
            }
            .joined()
        }
        for i in 0..<200 {
            try lines("10.0.\(i / 250).\(i % 250)", minutes: [0, 1, 2]).write(
                toFile: "\(logs)/site\(i).example.access.log", atomically: false, encoding: .utf8)
        }
        let config = dir.path("sessiontail.yaml")
        try """
        agent_id: many
        state_dir: \(dir.path("state"))
        sources:
          - name: sites
            paths: ["\(logs)/{host}.access.log"]
        postgres:
          table: \(table)
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let bin = try #require(RealLogsTests.sessiontailBinary())
        let first = try RealLogsTests.run(bin, ["run", "--drain", "--config", config], cwd: root)
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(
            try PostgresCLITests.psqlValue(
                "SELECT count(DISTINCT host) || ' ' || count(*) || ' ' || sum(event_count) FROM \(table)")
                == "200 200 600")
        #expect(try PostgresCLITests.psqlValue("SELECT host FROM \(table) ORDER BY host LIMIT 1") == "site0.example")

        // A new file under the glob, and a line still being written (no newline yet) in another.
        try lines("10.9.9.9", minutes: [5]).write(
            toFile: "\(logs)/new.example.access.log", atomically: false, encoding: .utf8)
        let partial = "10.0.0.0 - - [10/Oct/2025:13:04:00 +0000] \"GET /late HTTP/1.1\" 200 10 \"-\" \"ua\""
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(logs)/site0.example.access.log"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(partial.utf8))
        let second = try RealLogsTests.run(bin, ["run", "--drain", "--config", config], cwd: root)
        #expect(second.status == 0, "\(second.stderrText)")
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table) WHERE host = 'new.example'") == "1")
        #expect(
            try PostgresCLITests.psqlValue("SELECT sum(event_count) FROM \(table) WHERE host = 'site0.example'") == "3")

        // The newline arrives: the line is read once, and joins its session (2 minutes after the last).
        try handle.write(contentsOf: Data("\n".utf8))
        try handle.close()
        let third = try RealLogsTests.run(bin, ["run", "--drain", "--config", config], cwd: root)
        #expect(third.status == 0, "\(third.stderrText)")
        #expect(
            try PostgresCLITests.psqlValue(
                "SELECT count(*) || ' ' || sum(event_count) FROM \(table) WHERE host = 'site0.example'") == "1 4")
        #expect(try PostgresCLITests.psqlValue("SELECT sum(event_count) FROM \(table)") == "602")
    }
}

/// SIGTERM in the middle of a backfill: the drain stops with status 1 and says so; what it read is
/// committed, and the next drain goes on from there to the same table as one uninterrupted run.
@Suite("run --drain, interrupted")
struct InterruptedDrainTests {
    @Test func aSecondDrainFinishesTheFirst() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let log = try dir.writeVisitors(100_000, perMinute: 2_000)
        let config = try dir.writeConfig(log: log, host: "drain.example", table: table, postgres: ["batch_size: 2000"])
        let binary = try #require(RealLogsTests.sessiontailBinary())
        let first = try Child([binary, "run", "--drain", "--config", config], output: dir.path("first.log"))
        // Interrupt once some batches are in (the daemon creates the table first).
        var shipped = 0
        for _ in 0..<1_000 where shipped == 0 {
            Thread.sleep(forTimeInterval: 0.02)
            shipped = Int(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)", mayFail: true)) ?? 0
        }
        kill(first.pid, SIGTERM)
        var status: Int32 = 0
        waitpid(first.pid, &status, 0)
        let said = (try? String(contentsOfFile: dir.path("first.log"), encoding: .utf8)) ?? ""
        #expect(shipped > 0)
        #expect((status >> 8) & 0xFF == 1, "\(said)")
        #expect(said.contains("the drain was interrupted"), "\(said)")
        let partial = Int(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)")) ?? 0
        #expect(partial < 100_000, "the drain had finished before it was interrupted: the test proved nothing")
        _ = try DrainTests().drain(config)
        #expect(try PostgresCLITests.psqlValue("SELECT count(*), sum(event_count) FROM \(table)") == "100000,100000")
    }
}

/// The state file of an earlier sessiontail (before the write-ahead log) is taken over: its offsets
/// are honoured, nothing is read twice, and the file is removed once the log holds the state.
@Suite("run: the state of an earlier version")
struct LegacyStateTests {
    @Test func isTakenOverAndRemoved() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let elastic = RealLogsTests.elastic
        try DrainTests().sh("cd \(dir.url.path) && split -n l/2 -d \(elastic) p && cat p00 p01 > access.log")
        let log = dir.path("access.log")
        let read = try Data(contentsOf: URL(fileURLWithPath: dir.path("p00")))
        // The earlier format: a header, the checkpoint text's length and text, then no open sessions.
        let head = [UInt8](read.prefix(1024))
        var fingerprint: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in head { fingerprint = (fingerprint ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let checkpoints =
            "sessiontail-checkpoints 1\nweb\u{0}semicomplete.com\t\(String(fingerprint, radix: 16))\t\(head.count)\t\(read.count)\t\(log)\topen\n"
        let state = "sessiontail-state 1\n\(checkpoints.utf8.count)\n" + checkpoints
        try FileManager.default.createDirectory(atPath: dir.path("state"), withIntermediateDirectories: true)
        try state.write(toFile: dir.path("state/state"), atomically: false, encoding: .utf8)
        let config = try dir.writeConfig(log: log, host: "semicomplete.com", table: table)
        let out = try DrainTests().drain(config)
        #expect(out.stderrText.contains("\(10_000 - read.filter { $0 == 10 }.count) lines in"), "\(out.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("state/state")))
        #expect(FileManager.default.fileExists(atPath: dir.path("state/wal")))
        try DrainTests().expectTable(table, equalsBatchOf: [dir.path("p01")], in: dir)
    }
}
