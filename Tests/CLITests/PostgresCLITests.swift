import Foundation
import Testing

/// `sessiontail sessionize --output postgres` and `sessiontail report` run as an operator runs them:
/// the built binary, the real log in `data/real/`, several agents shipping at once into a real
/// PostgreSQL (libpq's PG* environment, which `make test` points at a throwaway cluster made by
/// pg_virtualenv), and the table read back with `psql`. Each test uses a table of its own, so the
/// tests run in parallel with each other and with the rest of the suite.
@Suite("PostgresCLI: sessionize --output postgres and report against a real PostgreSQL")
struct PostgresCLITests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }
    static let host = "semicomplete.com"
    static let agents = 3
    /// Every run of the binary is bounded: a deadlock between agents fails the test instead of hanging it.
    static let timeoutSeconds = 300

    // MARK: - 1. three agents shipping concurrently equal the batch sessions of the whole file

    enum Split: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// Line i goes to agent i mod 3: nearly every session is cut into fragments across agents
        /// that the database must merge.
        case roundRobin = "round-robin by line"
        /// Agent chosen by a hash of the client IP (first field): each key lives on one agent.
        case clientIPHash = "hash of the client IP"
        var testDescription: String { rawValue }
    }

    @Test("three agents shipping at once give the batch sessions of the whole log", arguments: Split.allCases)
    func concurrentAgentsEqualBatch(_ split: Split) throws {
        let dir = try ScratchDirectory()
        let table = Self.freshTable()
        defer { Self.dropTable(table) }
        let parts = try Self.split(elastic, into: Self.agents, by: split, in: dir)

        let runs = try startConcurrently(
            parts.enumerated().map { i, part in
                [
                    "sessionize", "--output", "postgres", "--table", table, "--agent-id", "web-\(i + 1)",
                    "--batch-size", "50", "--host", Self.host, part,
                ]
            }, in: dir)
        var transactions = 0
        for (i, run) in runs.enumerated() {
            #expect(run.status == 0, "agent web-\(i + 1) exit status \(run.status); stderr: \(run.stderrText)")
            let shipped = Self.shipSummary(run.stderrText)
            #expect(shipped != nil, "agent web-\(i + 1): no 'shipped … sessions' line in stderr: \(run.stderrText)")
            if let shipped {
                #expect(shipped.sessions > 50, "agent web-\(i + 1) shipped only \(shipped.sessions) fragments")
                #expect(shipped.new == shipped.sessions, "first shipment of web-\(i + 1): \(run.stderrText)")
                transactions += shipped.transactions
            }
        }
        #expect(transactions >= 3 * 10, "expected many interleaved transactions, got \(transactions)")

        let batch = try run(["sessionize", "--host", Self.host, elastic])
        try #require(batch.status == 0, "batch sessionize: \(batch.stderrText)")
        let expected = try RealLogsTests.project(
            RealLogsTests.parseCSV(batch.stdout), onto: Self.columns, what: "sessiontail sessionize (CSV)")
        #expect(expected.count == 3052)

        let stored = try Self.tableRows(table)
        #expect(stored.count == expected.count, "rows in \(table): \(stored.count), batch CSV: \(expected.count)")
        let diff = Self.describeDifferences(database: stored, batch: expected)
        let identical = Self.sorted(stored) == Self.sorted(expected)  // a Bool: a failure prints the diff only
        #expect(identical, "\(split.rawValue): table \(table) differs from the batch CSV:\n\(diff)")

        // NULL in the table is an empty CSV field; an empty string must not stand in for NULL.
        let emptyStrings = try Self.psqlValue(
            "SELECT count(*) FROM \(table) WHERE landing_path = '' OR referrer = '' OR user_agent = ''")
        #expect(emptyStrings == "0", "rows with '' instead of NULL: \(emptyStrings)")
        // Every agent's fragments are in the ledger, under its own id.
        let ledgerAgents = try Self.psqlValue(
            "SELECT string_agg(DISTINCT agent_id, ',' ORDER BY agent_id) FROM \(table)_applied")
        #expect(ledgerAgents == "web-1,web-2,web-3")
    }

    // MARK: - 2. shipping the same files again changes nothing

    @Test("shipping the same files again changes nothing and says 0 new")
    func reshippingChangesNothing() throws {
        let dir = try ScratchDirectory()
        let table = Self.freshTable()
        defer { Self.dropTable(table) }
        let parts = try Self.split(elastic, into: Self.agents, by: .roundRobin, in: dir)
        let commands = parts.enumerated().map { i, part in
            [
                "sessionize", "--output", "postgres", "--table", table, "--agent-id", "web-\(i + 1)",
                "--batch-size", "50", "--host", Self.host, part,
            ]
        }
        for (i, first) in try startConcurrently(commands, in: dir).enumerated() {
            #expect(first.status == 0, "first run of web-\(i + 1): \(first.stderrText)")
            #expect(
                (Self.shipSummary(first.stderrText)?.new ?? 0) > 0, "first run of web-\(i + 1): \(first.stderrText)")
        }
        let before = try Self.snapshot(table)
        let ledgerBefore = try Self.psqlValue("SELECT count(*) FROM \(table)_applied")
        #expect(before.count > 100_000)

        // Again, all three at once, then one of them alone once more, and once more in transactions of
        // another size: the ledger knows each fragment, however the batches fall.
        var again = try startConcurrently(commands, in: dir)
        again.append(try run(commands[1]))
        again.append(try run(commands[2].map { $0 == "50" ? "7" : $0 }))
        for (i, second) in again.enumerated() {
            #expect(second.status == 0, "second run #\(i + 1): \(second.stderrText)")
            #expect(second.stderrText.contains(" 0 new"), "second run #\(i + 1): \(second.stderrText)")
            let shipped = Self.shipSummary(second.stderrText)
            #expect(shipped?.new == 0, "second run #\(i + 1): \(second.stderrText)")
        }
        let after = try Self.snapshot(table)
        let ledgerAfter = try Self.psqlValue("SELECT count(*) FROM \(table)_applied")
        let unchanged = before == after
        #expect(
            unchanged,
            "table \(table) changed on re-shipping:\n\(Self.describeDifferences(database: Self.parse(after), batch: Self.parse(before)))"
        )
        #expect(ledgerAfter == ledgerBefore)
    }

    // MARK: - 3. report agrees with the seed's SQL

    @Test("report --format json gives the seed query's average and per-host counts, of people by default")
    func reportMatchesSQL() throws {
        let dir = try ScratchDirectory()
        let table = Self.freshTable()
        defer { Self.dropTable(table) }
        // Three hosts: two match '%complete.com', one does not.
        let parts = try Self.split(elastic, into: 2, by: .roundRobin, in: dir)
        let shipments: [(host: String, file: String)] = [
            (Self.host, elastic), ("WWW.SemiComplete.com", parts[0]), ("example.org", parts[1]),
        ]
        for (i, s) in shipments.enumerated() {
            let shipped = try run([
                "sessionize", "--output", "postgres", "--table", table, "--agent-id", "agent-\(i)", "--host", s.host,
                s.file,
            ])
            #expect(shipped.status == 0, "shipping \(s.host): \(shipped.stderrText)")
        }

        let pattern = "%complete.com"
        let sqlAverage = try Self.psqlValue(
            "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM \(table) WHERE host LIKE '\(pattern)'")
        // The pattern matters: the average over all hosts is another number.
        let allAverage = try Self.psqlValue("SELECT ROUND(AVG(event_count), 2) FROM \(table)")
        #expect(allAverage != sqlAverage)
        // With --include-bots the comparison is the seed's GROUP BY over every session; by default, over
        // people's. The seed's average is over every session either way.
        for (flags, people) in [(["--include-bots"], "true"), ([], "is_bot IS NOT TRUE")] {
            let report = try run(["report", "--table", table, "--host-like", pattern, "--format", "json"] + flags)
            try #require(report.status == 0, "report: \(report.stderrText)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: report.stdout) as? [String: Any],
                "report output is not a JSON object: \(String(decoding: report.stdout, as: UTF8.self))")
            let average = (json["avg_events"] as? NSNumber)?.doubleValue
            #expect(
                average != nil && average == Double(sqlAverage),
                "report avg_events \(String(describing: json["avg_events"])), SQL \(sqlAverage)")
            #expect(json["host_like"] as? String == pattern)

            let perHost = try Self.psqlRows(
                "SELECT host, count(*), ROUND(AVG(event_count), 2) FROM \(table) WHERE \(people) GROUP BY host ORDER BY host"
            )
            #expect(perHost.map { $0[0] } == ["example.org", Self.host, "www.semicomplete.com"])
            let reported = try #require(json["hosts"] as? [[String: Any]], "no hosts array in \(json)")
            var byHost: [String: [String: Any]] = [:]
            for h in reported { if let name = h["host"] as? String { byHost[name] = h } }
            #expect(Set(byHost.keys) == Set(perHost.map { $0[0] }))
            for row in perHost {
                let h = byHost[row[0]]
                #expect(
                    (h?["sessions"] as? NSNumber)?.intValue == Int(row[1]),
                    "\(flags) \(row[0]): report \(String(describing: h)), SQL count \(row[1])")
                #expect(
                    (h?["avg_events"] as? NSNumber)?.doubleValue == Double(row[2]),
                    "\(flags) \(row[0]): report \(String(describing: h)), SQL avg \(row[2])")
            }
            let counts = reported.compactMap { ($0["sessions"] as? NSNumber)?.intValue }
            #expect(counts == counts.sorted(by: >), "hosts not ordered by sessions: \(counts)")

            // The visit figures, each by its definition: pages and median events over the sessions shown;
            // bounce rate and median duration (first to last page view) over those with a page view; the
            // bot share over every session of the host.
            let figures: [(key: String, sql: String)] = [
                ("avg_pages", "SELECT host, ROUND(AVG(page_views), 2) FROM \(table) WHERE \(people) GROUP BY host"),
                (
                    "median_events",
                    "SELECT host, percentile_cont(0.5) WITHIN GROUP (ORDER BY event_count) FROM \(table) "
                        + "WHERE \(people) GROUP BY host"
                ),
                (
                    "bounce_rate",
                    "SELECT host, ROUND(100.0 * SUM(CASE WHEN page_views = 1 THEN 1 ELSE 0 END) / count(*), 1) "
                        + "FROM \(table) WHERE \(people) AND page_views > 0 GROUP BY host"
                ),
                (
                    "median_duration_s",
                    "SELECT host, ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY "
                        + "EXTRACT(EPOCH FROM exit_at) - EXTRACT(EPOCH FROM landing_at))::numeric, 1) "
                        + "FROM \(table) WHERE \(people) AND page_views > 0 GROUP BY host"
                ),
                (
                    "bot_share",
                    "SELECT host, ROUND(100.0 * SUM(CASE WHEN is_bot THEN 1 ELSE 0 END) / count(*), 1) "
                        + "FROM \(table) GROUP BY host"
                ),
            ]
            for figure in figures {
                let rows = try Self.psqlRows(figure.sql)
                #expect(rows.count == 3, "\(figure.key): \(rows)")
                for row in rows {
                    let value = byHost[row[0]]?[figure.key] as? NSNumber
                    #expect(
                        value != nil && value?.doubleValue == Double(row[1]),
                        "\(flags) \(row[0]) \(figure.key): report \(String(describing: value)), SQL \(row[1])")
                }
            }
            // The bundled log has bots: leaving them out changes the counts.
            let bots = try Self.psqlValue("SELECT count(*) FROM \(table) WHERE host LIKE '\(pattern)' AND is_bot")
            #expect((Int(bots) ?? 0) > 0 && (json["bot_sessions"] as? NSNumber)?.intValue == Int(bots))

            // Top lists: sessions per value, most first, ties bytewise, NULL last; shares of all counted.
            let counted = "FROM \(table) WHERE host LIKE '\(pattern)' AND \(people)"
            let total = Double(try Self.psqlValue("SELECT count(*) \(counted)")) ?? .nan
            #expect((json["sessions"] as? NSNumber)?.doubleValue == total)
            for (section, column, value) in [
                ("landing_pages", "landing_path", "CASE WHEN page_views > 0 THEN landing_path END"),
                ("browsers", "browser", "browser"), ("channels", "channel", "channel"),
            ] {
                let expected = try Self.psqlRows(
                    "SELECT v, count(*), ROUND(100.0 * count(*) / (SELECT count(*) \(counted)), 1) "
                        + "FROM (SELECT \(value) AS v \(counted)) AS s "
                        + "GROUP BY v ORDER BY count(*) DESC, v COLLATE \"C\" NULLS LAST LIMIT 5")
                let rows = try #require(
                    (try JSONSerialization.jsonObject(
                        with: try run(
                            ["report", "--table", table, "--host-like", pattern, "--top", "5", "--format", "json"]
                                + flags
                        ).stdout) as? [String: Any])?[section] as? [[String: Any]],
                    "no \(section) in the report")
                #expect(
                    rows.map { [$0[column] as? String ?? "", String(($0["sessions"] as? NSNumber)?.intValue ?? -1)] }
                        == expected.map { Array($0.prefix(2)) }, "\(flags) \(section)")
                for (row, sql) in zip(rows, expected) {
                    #expect(
                        (row["share"] as? NSNumber)?.doubleValue == Double(sql[2]), "\(flags) \(section) \(sql)")
                }
            }
        }

        // --since and --until select by session_start: from since, before until.
        let range = try run([
            "report", "--table", table, "--host-like", pattern, "--since", "2015-05-18", "--until",
            "2015-05-19T12:00:00+02:00", "--format", "json",
        ])
        let rangeJSON = try JSONSerialization.jsonObject(with: range.stdout) as? [String: Any]
        let inRange = try Self.psqlValue(
            "SELECT count(*) FROM \(table) WHERE host LIKE '\(pattern)' AND is_bot IS NOT TRUE "
                + "AND session_start >= '2015-05-18T00:00:00Z' AND session_start < '2015-05-19T10:00:00Z'")
        let everything = try Self.psqlValue(
            "SELECT count(*) FROM \(table) WHERE host LIKE '\(pattern)' AND is_bot IS NOT TRUE")
        #expect((rangeJSON?["sessions"] as? NSNumber)?.intValue == Int(inRange) && inRange != everything)
        #expect((Int(inRange) ?? 0) > 0)

        // --hosts limits the comparison to the hosts named.
        let limited = try run(["report", "--table", table, "--hosts", "example.org,\(Self.host)", "--format", "json"])
        #expect(limited.status == 0, "report --hosts: \(limited.stderrText)")
        let limitedJSON = try JSONSerialization.jsonObject(with: limited.stdout) as? [String: Any]
        let limitedHosts = (limitedJSON?["hosts"] as? [[String: Any]])?.compactMap { $0["host"] as? String }
        #expect(Set(limitedHosts ?? []) == ["example.org", Self.host])
    }

    // MARK: - 4. a wrong password fails loudly and never shows the password

    @Test("a bad password exits non-zero, says what failed, never prints the password")
    func badPasswordIsReportedWithoutThePassword() throws {
        let table = Self.freshTable()
        let conninfos = [
            "host=localhost user=nobody password=hunter2",
            "postgresql://nobody:hunter2@localhost/postgres?connect_timeout=10",
        ]
        for conninfo in conninfos {
            let commands = [
                [
                    "sessionize", "--output", "postgres", "--postgres", conninfo, "--table", table, "--host", Self.host,
                    elastic,
                ],
                ["report", "--postgres", conninfo, "--table", table],
            ]
            for args in commands {
                let out = try run(args)
                let stdout = String(decoding: out.stdout, as: UTF8.self)
                let what = "\(args[0]) --postgres '\(conninfo)'"
                #expect(
                    out.status != 124,
                    "\(what) did not finish within \(Self.timeoutSeconds) s (retrying a permanent failure?)")
                #expect(out.status != 0, "\(what) exited 0; stderr: \(out.stderrText)")
                #expect(!out.stderrText.contains("hunter2"), "\(what) printed the password: \(out.stderrText)")
                #expect(!stdout.contains("hunter2"), "\(what) printed the password: \(stdout)")
                let says = out.stderrText.lowercased()
                #expect(
                    says.contains("cannot connect to postgresql"),
                    "\(what): stderr does not say what failed: \(out.stderrText)")
                #expect(
                    says.contains("nobody")
                        && (says.contains("authentication") || says.contains("password") || says.contains("role")),
                    "\(what): stderr does not say why: \(out.stderrText)")
            }
        }
        // Nothing was created under the name.
        let exists = try Self.psqlValue("SELECT to_regclass('\(table)') IS NOT NULL")
        #expect(exists == "f")
    }

    // MARK: - running the binary

    func binary() throws -> String {
        try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found next to the test bundle")
    }

    /// Runs `sessiontail args` to completion, bounded by `timeout` (status 124 when it ran out).
    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(
            "/usr/bin/timeout", ["--kill-after=10", String(Self.timeoutSeconds), try binary()] + args, cwd: root)
    }

    /// Starts one `sessiontail` process per argument list, all before waiting for any, then waits for all.
    func startConcurrently(_ argLists: [[String]], in dir: ScratchDirectory) throws -> [RealLogsTests.Output] {
        let bin = try binary()
        var started: [(Process, URL, URL, FileHandle, FileHandle)] = []
        for args in argLists {
            let id = UUID().uuidString
            let outURL = URL(fileURLWithPath: dir.path("stdout-\(id)"))
            let errURL = URL(fileURLWithPath: dir.path("stderr-\(id)"))
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            let out = try FileHandle(forWritingTo: outURL)
            let err = try FileHandle(forWritingTo: errURL)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            p.arguments = ["--kill-after=10", String(Self.timeoutSeconds), bin] + args
            p.currentDirectoryURL = root
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = out
            p.standardError = err
            try p.run()
            started.append((p, outURL, errURL, out, err))
        }
        return try started.map { p, outURL, errURL, out, err in
            p.waitUntilExit()
            try out.close()
            try err.close()
            return RealLogsTests.Output(
                status: p.terminationStatus, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
        }
    }

    /// `shipped 1234 sessions to T as web-1: 1234 new, 0 already there; 25 transactions, 0 retries`
    static func shipSummary(_ stderr: String) -> (sessions: Int, new: Int, transactions: Int)? {
        for line in stderr.split(separator: "\n").reversed() where line.contains("shipped ") {
            let s = String(line)
            guard let sessions = RealLogsTests.number(before: " sessions to ", in: s),
                let new = RealLogsTests.number(before: " new", in: s),
                let transactions = RealLogsTests.number(before: " transaction", in: s)
            else { continue }
            return (sessions, new, transactions)
        }
        return nil
    }

    // MARK: - splitting the log among agents

    /// Writes `file`'s lines (bytes, unchanged, in order) to `n` files, one per agent.
    static func split(_ file: String, into n: Int, by split: Split, in dir: ScratchDirectory) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        var outputs = [Data](repeating: Data(), count: n)
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 10).map { data.index(after: $0) } ?? data.endIndex
            let line = data[start..<end]
            let agent: Int
            switch split {
            case .roundRobin:
                agent = lineNumber % n
            case .clientIPHash:
                var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the first field
                for b in line.prefix(while: { $0 != 32 && $0 != 9 && $0 != 10 }) {
                    h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
                }
                agent = Int(h % UInt64(n))
            }
            outputs[agent].append(line)
            lineNumber += 1
            start = end
        }
        return try outputs.enumerated().map { i, content in
            #expect(!content.isEmpty, "agent \(i + 1) of \(n) got no lines")
            let path = dir.path("agent-\(i + 1).log")
            try content.write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    // MARK: - the database

    static let columns = [
        "host", "ip", "session_start", "session_end", "event_count", "bytes", "landing_path", "referrer",
        "user_agent", "error_count",
    ]

    /// A table name of this test's own.
    static func freshTable() -> String {
        "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    }

    static func dropTable(_ table: String) {
        _ = try? psql(
            "DROP TABLE IF EXISTS \(table), \(table)_applied CASCADE; "
                + "DELETE FROM sessiontail_schema WHERE table_name = '\(table)'")
    }

    /// `psql` with the PG* environment: no psqlrc, stop on the first error, unaligned tuples only. A
    /// failure is an issue of the test unless `mayFail` (polling for a table not made yet, say).
    static func psql(_ sql: String, mayFail: Bool = false) throws -> RealLogsTests.Output {
        let out = try RealLogsTests.run(
            "/usr/bin/env", ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", ",", "-c", sql],
            cwd: RealLogsTests.packageRoot)
        if out.status != 0 && !mayFail {
            Issue.record(
                "psql failed (\(out.status)) on \(sql): \(out.stderrText) — run under pg_virtualenv / `make test`")
        }
        return out
    }

    /// The single value `sql` returns, as text.
    static func psqlValue(_ sql: String, mayFail: Bool = false) throws -> String {
        String(decoding: try psql(sql, mayFail: mayFail).stdout, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    /// The rows `sql` returns, as CSV fields (through COPY, so quoting is exact).
    static func psqlRows(_ sql: String) throws -> [[String]] {
        RealLogsTests.parseCSV(try psql("COPY (\(sql)) TO STDOUT WITH CSV").stdout)
    }

    /// A timestamptz as the CSV writes it: ISO-8601 UTC, milliseconds only when not zero.
    static func iso(_ column: String) -> String {
        """
        to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') \
        || CASE WHEN (extract(microseconds FROM \(column))::bigint / 1000) % 1000 <> 0 \
        THEN to_char(\(column) AT TIME ZONE 'UTC', '.MS') ELSE '' END || 'Z'
        """
    }

    static func selectAll(_ table: String) -> String {
        """
        SELECT host, ip, \(iso("session_start")), \(iso("session_end")), event_count, bytes, landing_path, referrer,
               user_agent, error_count
        FROM \(table) ORDER BY host COLLATE "C", ip COLLATE "C", session_start
        """
    }

    /// The whole table as CSV text (NULL is an empty field).
    static func snapshot(_ table: String) throws -> Data {
        try psql("COPY (\(selectAll(table))) TO STDOUT WITH CSV").stdout
    }

    static func tableRows(_ table: String) throws -> [[String]] {
        parse(try snapshot(table))
    }

    static func parse(_ csv: Data) -> [[String]] { RealLogsTests.parseCSV(csv) }

    // MARK: - comparing

    /// Rows in a fixed bytewise order (host, ip, start, then the rest), whatever order they came in.
    static func sorted(_ rows: [[String]]) -> [[String]] {
        rows.sorted { a, b in
            for (x, y) in zip(a, b) where x != y { return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) }
            return a.count < b.count
        }
    }

    /// The rows that differ, grouped by (host, ip) and shown column by column for keys on both sides.
    static func describeDifferences(database: [[String]], batch: [[String]], limit: Int = 12) -> String {
        func key(_ r: [String]) -> String { r.prefix(2).joined(separator: " ") }
        let dbSet = Set(database.map { $0.joined(separator: "\u{1F}") })
        let batchSet = Set(batch.map { $0.joined(separator: "\u{1F}") })
        let onlyDB = sorted(database.filter { !batchSet.contains($0.joined(separator: "\u{1F}")) })
        let onlyBatch = sorted(batch.filter { !dbSet.contains($0.joined(separator: "\u{1F}")) })
        var out = [
            "table rows: \(database.count), batch rows: \(batch.count); only in table: \(onlyDB.count), only in batch: \(onlyBatch.count)"
        ]
        let keys = Array(Set(onlyDB.map(key) + onlyBatch.map(key))).sorted()
        out.append("keys (host ip) with differing sessions: \(keys.count)")
        for k in keys.prefix(limit) {
            out.append("  \(k):")
            let d = onlyDB.filter { key($0) == k }
            let b = onlyBatch.filter { key($0) == k }
            for (i, r) in b.enumerated() {
                if i < d.count {
                    let changed = columns.indices.dropFirst(2).filter { r[$0] != d[i][$0] }
                        .map { "\(columns[$0]): batch \(r[$0].debugDescription) table \(d[i][$0].debugDescription)" }
                    out.append(
                        "    batch \(r[2])…\(r[3]) n=\(r[4]) vs table \(d[i][2])…\(d[i][3]) n=\(d[i][4]): "
                            + changed.joined(separator: "; "))
                } else {
                    out.append("    only in batch: \(r.joined(separator: " | "))")
                }
            }
            for r in d.dropFirst(b.count) { out.append("    only in table: \(r.joined(separator: " | "))") }
        }
        if onlyDB.isEmpty && onlyBatch.isEmpty && database.count != batch.count {
            out.append("  same distinct rows, duplicate counts differ")
        }
        return out.joined(separator: "\n")
    }
}
