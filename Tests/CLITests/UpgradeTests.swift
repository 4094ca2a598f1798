import Foundation
import Testing

/// What sessiontail 0.1 left behind is taken over by this version: its write-ahead log (open sessions
/// and an outbox PostgreSQL never took) and its sessions table (schema version 1). The fixtures in
/// `Tests/Fixtures/upgrade-0.1` were written by 0.1's binary.
@Suite("Upgrade from 0.1", .serialized)
struct UpgradeTests {
    let fixtures = RealLogsTests.packageRoot.appendingPathComponent("Tests/Fixtures/upgrade-0.1").path

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(
            "/usr/bin/timeout", ["--kill-after=10", "120", try #require(RealLogsTests.sessiontailBinary())] + args,
            cwd: RealLogsTests.packageRoot)
    }

    /// 0.1 read `read-by-0.1.log` while PostgreSQL was down and was stopped: six sessions closed in its
    /// outbox, six open. This version reads its log, ships both, and the table holds the log's sessions.
    @Test func theWriteAheadLogOf01IsShipped() throws {
        let dir = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("state"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(fixtures)/wal", toPath: dir.path("state/wal"))
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let config = dir.path("sessiontail.yaml")
        // The log itself is gone (rotated away after 0.1 read it to its end).
        try """
        agent_id: upgrade-test
        state_dir: \(dir.path("state"))
        sources:
          - name: web
            paths: ["\(dir.path("logs"))/access.log"]
            format: combined
            host: upgrade.example
        postgres:
          table: \(table)
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let drain = try run(["run", "--drain", "--config", config])
        #expect(drain.status == 0, "\(drain.stderrText)")
        let expected = try run([
            "sessionize", "--no-classify", "--host", "upgrade.example", "\(fixtures)/read-by-0.1.log",
        ])
        let rows = RealLogsTests.parseCSV(expected.stdout).dropFirst().map { Array($0.prefix(10)) }
        #expect(rows.count == 12)
        #expect(try PostgresCLITests.psqlRows(PostgresCLITests.selectAll(table)) == Array(rows))
        // Sessions 0.1 sessionized say nothing of their visits.
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table) WHERE page_views IS NULL") == "12")
    }

    /// A table 0.1 created and filled is migrated in place; new fragments merge with its rows.
    @Test func aTableOf01IsMigratedAndItsRowsMerge() throws {
        let setup = try RealLogsTests.run(
            "/usr/bin/env", ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "\(fixtures)/sessions-0.1.sql"],
            cwd: RealLogsTests.packageRoot)
        try #require(setup.status == 0, "\(setup.stderrText) — run under pg_virtualenv / `make test`")
        defer { PostgresCLITests.dropTable("sessions_v01") }
        let dir = try ScratchDirectory()
        // A stylesheet for two of 0.1's visitors a minute after their last request (no page view), and a
        // page view of a new visitor.
        let chrome =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36"
        try """
        10.8.0.0 - - [14/Nov/2023:22:16:20 +0000] "GET /site.css HTTP/1.1" 200 10 "-" "\(chrome)"
        10.8.0.1 - - [14/Nov/2023:22:16:27 +0000] "GET /site.css HTTP/1.1" 200 10 "-" "\(chrome)"
        10.8.0.9 - - [14/Nov/2023:22:16:30 +0000] "GET /new.html?utm_source=mail HTTP/1.1" 200 10 "https://search.example/" "\(chrome)"

        """.write(toFile: dir.path("new.log"), atomically: false, encoding: .utf8)
        let ship = try run([
            "sessionize", "--host", "upgrade.example", "--output", "postgres", "--table", "sessions_v01",
            dir.path("new.log"),
        ])
        #expect(ship.status == 0, "\(ship.stderrText)")
        #expect(
            try PostgresCLITests.psqlValue("SELECT version FROM sessiontail_schema WHERE table_name = 'sessions_v01'")
                == "3")
        let rows = try PostgresCLITests.psqlRows(
            """
            SELECT ip, event_count, bytes, landing_path, first_path, page_views, is_bot, exit_path, referrer_host,
                   channel, utm_source, browser
            FROM sessions_v01 ORDER BY ip
            """)
        #expect(
            rows == [
                // 0.1's first request lands; the part 0.1 sessionized has no page count, the new part none.
                ["10.8.0.0", "4", "3010", "/page/0.html", "/page/0.html", "0", "f", "", "", "", "", ""],
                ["10.8.0.1", "4", "3010", "/page/0.html", "/page/0.html", "0", "f", "", "", "", "", ""],
                ["10.8.0.2", "3", "3000", "/page/0.html", "", "", "", "", "", "", "", ""],
                ["10.8.0.3", "3", "3000", "/page/0.html", "", "", "", "", "", "", "", ""],
                [
                    "10.8.0.9", "1", "10", "/new.html", "/new.html", "1", "f", "/new.html", "search.example",
                    "external", "mail", "Chrome",
                ],
            ])
        // The seed's query runs on the migrated table.
        #expect(
            try PostgresCLITests.psqlValue(
                "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions_v01 WHERE host LIKE '%upgrade.example';")
                == "3.00")
    }
}
