import Foundation
import Testing

/// `sessionize --geoip` and `enrich.geoip`: each session's country is its first event's, looked up before the
/// address is truncated or hashed, and equals maxminddb's pure-Python reader on the same `.mmdb` (written by
/// the GeoIP tests' fixture script with mmdb-writer: no downloaded database).
@Suite("country per session")
struct CountryTests {
    static let fixture = RealLogsTests.packageRoot.appendingPathComponent("Tests/GeoIPTests/Fixtures/mmdb_fixture.py")
        .path

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    func python(_ command: String) throws -> String {
        let out = try RealLogsTests.run("/bin/sh", ["-c", command], cwd: RealLogsTests.packageRoot)
        #expect(out.status == 0, "\(command): \(out.stderrText)")
        return String(decoding: out.stdout, as: UTF8.self)
    }

    /// Clients in the fixture's networks (nested, without a usable country, IPv6, IPv4-mapped), and outside.
    static let clients = [
        "1.0.0.5", "2.16.1.1", "2.1.1.1", "5.0.0.1", "8.8.8.8", "203.0.113.9", "2001:db8:1::7", "2001:db8:5::1",
        "192.0.2.5", "::ffff:8.8.4.4", "100.64.1.1", "10.1.2.3", "2a00:1450::1", "9.9.9.9", "2c0f:f000::1",
    ]

    static func log(_ path: String) throws {
        var text = ""
        for i in 0..<300 {
            let client = clients[i * 7 % clients.count]
            text +=
                "\(client) - - [10/Oct/2025:13:\(String(format: "%02d:%02d", i / 5 % 60, i % 5 * 11)) +0000] \"GET /p\(i % 4) HTTP/1.1\" 200 9 \"-\" \"ua\"\n"
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func eachSessionsCountryIsMaxminddbsForItsFirstEvent() throws {
        let dir = try ScratchDirectory()
        let db = dir.path("country.mmdb")
        _ = try python("python3 \(CountryTests.fixture) write \(db) 6")
        let log = dir.path("access.log")
        try CountryTests.log(log)
        let out = try run(["sessionize", "--host", "x", "--geoip", db, log])
        #expect(out.status == 0, "\(out.stderrText)")
        let rows = RealLogsTests.parseCSV(out.stdout)
        let header = try #require(rows.first)
        #expect(header.last == "country")
        let sessions = rows.dropFirst()
        #expect(sessions.count >= CountryTests.clients.count)
        let ips = sessions.map { $0[1] }
        let reference = try python(
            "printf '%s\\n' \(ips.joined(separator: " ")) | python3 \(CountryTests.fixture) lookup \(db)"
        ).split(separator: "\n").map { $0 == "-" ? "" : String($0) }
        #expect(sessions.map { $0.last! } == reference)
        #expect(Set(reference).isSuperset(of: ["AU", "DE", "FR", "US", "JP", "BE", "NL", "IT", "ZA", ""]))
        // Looked up before the address is hashed: the same countries, session for session.
        let key = try PrivacyTests.key(in: dir)
        let hashed = try run(["sessionize", "--host", "x", "--geoip", db, "--privacy", "hash", "--key-file", key, log])
        #expect(
            RealLogsTests.parseCSV(hashed.stdout).dropFirst().map { $0.last! }.sorted() == reference.sorted())
        // No database: no country; a file that is no database: refused, saying which.
        let none = try run(["sessionize", "--host", "x", log])
        #expect(RealLogsTests.parseCSV(none.stdout).dropFirst().allSatisfy { $0.last == "" })
        let bad = try run(["sessionize", "--host", "x", "--geoip", log, log])
        #expect(bad.status != 0 && bad.stderrText.contains(log), "\(bad.stderrText)")
    }

    /// Shipped, merged and restored: the table's `country` is the CSV's.
    @Test func theTableHoldsTheCountryOfEachSession() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let db = dir.path("country.mmdb")
        _ = try python("python3 \(CountryTests.fixture) write \(db) 6")
        let log = dir.path("access.log")
        try CountryTests.log(log)
        let csv = try run(["sessionize", "--host", "x", "--geoip", db, log])
        // Shipped in two halves by two agents: sessions spanning them are merged in the database.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        try (lines[..<150].joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try lines[150...].joined(separator: "\n").write(toFile: dir.path("b.log"), atomically: false, encoding: .utf8)
        for (part, agent) in [("a.log", "one"), ("b.log", "two")] {
            let shipped = try run([
                "sessionize", "--host", "x", "--geoip", db, "--output", "postgres", "--table", table, "--agent-id",
                agent, dir.path(part),
            ])
            #expect(shipped.status == 0, "\(shipped.stderrText)")
        }
        let expected = RealLogsTests.parseCSV(csv.stdout).dropFirst().map { "\($0[1]) \($0[2]) \($0.last!)" }
        let stored = try PostgresCLITests.psqlRows(
            """
            SELECT ip, to_char(session_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), coalesce(country, '')
            FROM \(table) ORDER BY host, ip, session_start
            """
        ).map { $0.joined(separator: " ") }
        #expect(stored == expected)
        // The report groups by country, as the table does.
        let report = try run(["report", "--table", table, "--format", "json", "--include-bots", "--top", "50"])
        #expect(report.status == 0, "\(report.stderrText)")
        let json = try #require(try JSONSerialization.jsonObject(with: report.stdout) as? [String: Any])
        let listed = try #require(json["countries"] as? [[String: Any]])
        var reported: [String: Int] = [:]
        for entry in listed { reported[(entry["country"] as? String) ?? "-"] = entry["sessions"] as? Int }
        var counted: [String: Int] = [:]
        for row in try PostgresCLITests.psqlRows(
            "SELECT coalesce(country, '-'), count(*) FROM \(table) GROUP BY 1")
        {
            counted[row[0]] = Int(row[1])
        }
        #expect(reported == counted)
        #expect(counted.count >= 8)
    }
}
