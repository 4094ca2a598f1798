import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `privacy.client: hash` and `truncate` in the daemon, against a real PostgreSQL: killed with SIGKILL half-way
/// and drained, its sessions equal `sessionize` keyed the same way, and no address of any visitor it saw (behind a
/// trusted proxy, in a malformed line, with extra fields) is anywhere in its state directory, its output or the
/// database. The table records the setting and refuses an agent with another.
@Suite("run: privacy on disk and in PostgreSQL")
struct PrivacyDaemonTests {
    static let format =
        #"$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#

    /// Visitors: through the trusted proxy 10.0.0.2 (X-Forwarded-For), direct, IPv6.
    static func visitors() -> [(remote: String, forwarded: String, visitor: String)] {
        var out: [(String, String, String)] = []
        for i in 1...40 { out.append(("10.0.0.2", "203.0.113.\(i), 10.0.0.9", "203.0.113.\(i)")) }
        for i in 1...30 { out.append(("198.51.100.\(100 + i)", "-", "198.51.100.\(100 + i)")) }
        for i in 1...20 { out.append(("2001:db8:7:\(i)::5", "-", "2001:db8:7:\(i)::5")) }
        return out
    }

    /// Lines 4 s apart from `start` on (seconds since the epoch; 10 October 2025, 13:00 UTC by default).
    static func lines(from: Int, count: Int, start: Int = 1_760_101_200) -> String {
        let visitors = visitors()
        var text = ""
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss"
        for n in from..<(from + count) {
            let v = visitors[(n * 31) % visitors.count]
            let time = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(start + n * 4)))
            text +=
                "\(v.remote) - - [\(time) +0000] \"GET /page/\(n % 17) HTTP/1.1\" 200 \(n) \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/\(100 + n % 9).0\" \"\(v.forwarded)\"\n"
        }
        return text
    }

    func config(_ dir: ScratchDirectory, log: String, table: String, mode: String, key: String) throws -> String {
        let path = dir.path("sessiontail-\(mode).yaml")
        try """
        state_dir: \(dir.path("state"))
        sources:
          - name: web
            paths: ["\(log)"]
            host: www.example.com
            log_format: '\(PrivacyDaemonTests.format)'
            client_ip:
              from: x_forwarded_for
              trusted_proxies: [10.0.0.0/8]
        session:
          lateness: 0s
        privacy:
          client: \(mode)
          key_file: \(key)
        postgres:
          table: \(table)
          batch_age: 100ms
        """.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Every file under `directory`, concatenated.
    static func contents(of directory: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: directory) else { return [] }
        for case let name as String in walker {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + name
            if fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                bytes += Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        return bytes
    }

    static func holds(_ haystack: [UInt8], _ needle: String) -> Bool {
        Data(haystack).range(of: Data(needle.utf8)) != nil
    }

    @Test(arguments: ["hash", "truncate"])
    func noRawAddressAnywhereAndSessionsEqualTheBatch(mode: String) throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let key = try PrivacyTests.key(in: dir)
        let log = dir.path("access.log")
        // A malformed line and one with extra fields, each naming a visitor.
        let malformed = "203.0.113.250 - - [10/Oct/2025:13:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"broken\n"
        let extra =
            "198.51.100.250 - - [10/Oct/2025:13:00:01 +0000] \"GET /x HTTP/1.1\" 200 5 \"-\" \"ua\" \"-\" 198.51.100.251\n"
        try (malformed + extra + PrivacyDaemonTests.lines(from: 0, count: 1500))
            .write(toFile: log, atomically: false, encoding: .utf8)
        let config = try self.config(dir, log: log, table: table, mode: mode, key: key)
        let output = dir.path("daemon.log")
        // Killed half-way: its write-ahead log holds open sessions and perhaps an outbox.
        let daemon = try startDaemon(config, log: output)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline
            && (try? PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)", mayFail: true)).flatMap(Int.init)
                ?? 0 == 0
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(PrivacyDaemonTests.lines(from: 1500, count: 700).utf8))
        try handle.close()
        let drained = try DrainTests().drain(config)
        #expect(drained.status == 0, "\(drained.stderrText)")

        // Where a raw address could be: the state directory (write-ahead log, status.json), what the daemon
        // said, and every text of the database's rows.
        var everything = try PrivacyDaemonTests.contents(of: dir.path("state"))
        everything += Array(try Data(contentsOf: URL(fileURLWithPath: output)))
        everything += Array(drained.stderr)
        everything += Array(
            try PostgresCLITests.psql(
                "SELECT t::text FROM \(table) t; SELECT t::text FROM \(table)_applied t; SELECT t::text FROM sessiontail_schema t WHERE table_name = '\(table)'"
            ).stdout)
        let sent = PrivacyDaemonTests.visitors().map(\.visitor) + ["203.0.113.250", "198.51.100.250", "198.51.100.251"]
        for address in sent {
            #expect(!PrivacyDaemonTests.holds(everything, address), "\(address) found on disk or in PostgreSQL")
        }
        // It did say something about the malformed line, as stored.
        let said = try String(contentsOfFile: output, encoding: .utf8) + drained.stderrText
        #expect(said.contains("malformed"), "\(said)")

        // The sessions equal the batch keyed the same way.
        let batch = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()),
            [
                "sessionize", "--log-format", PrivacyDaemonTests.format, "--host", "www.example.com", "--lateness",
                "0s",
                "--client-ip", "x_forwarded_for", "--trusted-proxy", "10.0.0.0/8", "--privacy", mode, "--key-file", key,
                log,
            ], cwd: RealLogsTests.packageRoot)
        #expect(batch.status == 0, "\(batch.stderrText)")
        let expected = RealLogsTests.parseCSV(batch.stdout).dropFirst().map { "\($0[1]) \($0[2]) \($0[4]) \($0[5])" }
        let stored = try PostgresCLITests.psqlRows(
            """
            SELECT ip, to_char(session_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), event_count, bytes
            FROM \(table) ORDER BY host, ip, session_start
            """
        ).map { $0.joined(separator: " ") }
        #expect(stored.count > (mode == "hash" ? 50 : 2))
        #expect(stored == expected)
        // `client` is the network when truncated, NULL when hashed.
        let clients = try PostgresCLITests.psqlValue(
            "SELECT count(*) FILTER (WHERE client IS NULL) || ' ' || count(*) FROM \(table)")
        #expect(clients == (mode == "hash" ? "\(stored.count) \(stored.count)" : "0 \(stored.count)"))

        // The table records the setting; an agent with another key, or another mode, is refused.
        let recorded = try PostgresCLITests.psqlValue(
            "SELECT client_mode || ' ' || coalesce(key_fingerprint, '-') FROM sessiontail_schema WHERE table_name = '\(table)'"
        )
        #expect(recorded.hasPrefix(mode == "hash" ? "hash " : "truncate /24 /48 -"), "\(recorded)")
        #expect(mode != "hash" || recorded.count > "hash ".count + 8)
        let otherKey = try PrivacyTests.key(in: dir, name: "other.key")
        let other = try self.config(dir, log: log, table: table, mode: mode, key: otherKey)
        let refused = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()), ["run", "--drain", "--config", other],
            cwd: RealLogsTests.packageRoot)
        if mode == "hash" {
            #expect(refused.status != 0 && refused.stderrText.contains("holds clients as"), "\(refused.stderrText)")
        }
        let kept = try self.config(dir, log: log, table: table, mode: "keep", key: key)
        let keptRun = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()), ["run", "--drain", "--config", kept],
            cwd: RealLogsTests.packageRoot)
        #expect(keptRun.status != 0 && keptRun.stderrText.contains("holds clients as"), "\(keptRun.stderrText)")
    }

    /// A state directory written with addresses kept, then the daemon started with `hash`: what its write-ahead
    /// log held is re-keyed before it is shipped, and the old segments go.
    @Test func stateWrittenWithAddressesKeptIsReKeyedAtStart() throws {
        let dir = try ScratchDirectory()
        let keptTable = PostgresCLITests.freshTable()
        let hashedTable = PostgresCLITests.freshTable()
        defer {
            PostgresCLITests.dropTable(keptTable)
            PostgresCLITests.dropTable(hashedTable)
        }
        let key = try PrivacyTests.key(in: dir)
        let log = dir.path("access.log")
        // Up to a minute ago: the last sessions are still open when the first run stops.
        let start = Int(Date().timeIntervalSince1970) - 900 * 4 - 60
        try PrivacyDaemonTests.lines(from: 0, count: 900, start: start)
            .write(toFile: log, atomically: false, encoding: .utf8)
        // Addresses kept; stopped with open sessions in the write-ahead log (SIGTERM: no drain).
        let first = try startDaemon(
            try config(dir, log: log, table: keptTable, mode: "keep", key: key), log: dir.path("first.log"))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline
            && !((try? String(contentsOfFile: dir.path("first.log"), encoding: .utf8)) ?? "").contains("running")
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 1.0)
        first.terminate()
        first.waitUntilExit()
        #expect(PrivacyDaemonTests.holds(try PrivacyDaemonTests.contents(of: dir.path("state")), "203.0.113.1"))
        // Hashed into a new table, as the README says to.
        let drained = try DrainTests().drain(try config(dir, log: log, table: hashedTable, mode: "hash", key: key))
        #expect(drained.stderrText.contains("held clients kept otherwise"), "\(drained.stderrText)")
        let state = try PrivacyDaemonTests.contents(of: dir.path("state"))
        let stored = try PostgresCLITests.psql("SELECT t::text FROM \(hashedTable) t").stdout
        for address in PrivacyDaemonTests.visitors().map(\.visitor) {
            #expect(!PrivacyDaemonTests.holds(state, address), "\(address) in the state directory")
            #expect(!PrivacyDaemonTests.holds(Array(stored), address), "\(address) in \(hashedTable)")
        }
        // Every event read, once: the kept table's and the hashed table's together hold the log's 900.
        let events = try PostgresCLITests.psqlValue(
            "SELECT (SELECT coalesce(sum(event_count), 0) FROM \(keptTable)) + (SELECT coalesce(sum(event_count), 0) FROM \(hashedTable))"
        )
        #expect(events == "900")
    }
}
