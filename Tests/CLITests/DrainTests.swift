import Foundation
import Testing

/// `sessiontail run --drain` against a real PostgreSQL: a one-shot backfill that reads rotated and
/// gzipped files, checkpoints, and resumes after files were rotated while it was stopped.
@Suite("run --drain")
struct DrainTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { root.appendingPathComponent("data/real/elastic-examples_apache_logs.log").path }

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
        try sh("cd \(dir.url.path) && gzip -c p00 > \(logs)/access.log.2.gz && cp p01 \(logs)/access.log.1 && cp p02 \(logs)/access.log")
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
