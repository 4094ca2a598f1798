import Foundation
import PostgresSink
import Sessionizer
import Testing

/// The sessions table partitioned by month of `session_start`: partitions made as sessions arrive, merges
/// across a month's end, retention dropping whole months and pruning the ledger, a populated plain table
/// taken over in place.
@Suite("Partitions by month", .serialized)
struct PartitionTests {
    /// Milliseconds of `2025-10-31T23:58:00Z` and friends.
    static func at(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970 * 1000)
    }

    static func partitions(_ table: SessionTable, _ db: PostgresConnection) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try db.execute(
            """
            SELECT c.relname
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1)
            """, parameters: [table.quoted]
        ).rows {
            let name = row[0]!
            let count = try db.execute("SELECT count(*) FROM \"\(name)\"").rows[0][0]!
            out[name] = Int(count)!
        }
        return out
    }

    @Test func monthsGetPartitionsAndSessionsMergeAcrossAMonthsEnd() throws {
        let db = try Database.connect()
        let table = try Database.freshTable("part")
        let bare = table.name
        // Two agents: one saw the end of October, the other the start of November; a third fragment
        // arrives later still, in December.
        let october = PartitionTests.at("2025-10-31T23:58:00Z")
        let november = PartitionTests.at("2025-11-01T00:02:00Z")
        let december = PartitionTests.at("2025-12-03T10:00:00Z")
        let late = shipper(table, agent: "late")
        let early = shipper(table, agent: "early")
        #expect(try late.shipOnce([fragment(start: november, end: november + minute, count: 3)]) == 1)
        #expect(try late.shipOnce([fragment(client: "10.0.0.2", start: december, count: 2)]) == 1)
        var parts = try PartitionTests.partitions(table, db)
        #expect(parts["\(bare)_p2025_11"] == 1 && parts["\(bare)_p2025_12"] == 1, "\(parts)")
        #expect(try early.shipOnce([fragment(start: october, end: october + minute, count: 2)]) == 1)
        // One session, from October: it moved into October's partition.
        let rows = try Database.rows(table, connection: db)
        #expect(rows.count == 2)
        #expect(rows[0].start == october && rows[0].end == november + minute && rows[0].count == 5)
        parts = try PartitionTests.partitions(table, db)
        #expect(parts["\(bare)_p2025_10"] == 1 && parts["\(bare)_p2025_11"] == 0 && parts["\(bare)_p2025_12"] == 1)
        // October to December, and this month and the next (made ahead): no other.
        let thisMonth = Partitions.month(ofMillis: Int64(Date().timeIntervalSince1970 * 1000))
        let months: Set = [
            Partitions.month(ofMillis: october), Partitions.month(ofMillis: november),
            Partitions.month(ofMillis: december), thisMonth, thisMonth + 1,
        ]
        #expect(parts.count == months.count, "\(parts)")
        // The seed's queries, verbatim but for the table's name.
        let average = try db.execute(
            "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM \(table.quoted) WHERE host LIKE '%a.example';")
        #expect(average.rows[0][0] == "3.50")
        let kind = try db.execute(
            "SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", parameters: [table.quoted])
        #expect(kind.rows[0][0] == "p")
    }

    /// Ready to distribute by `host` (Citus): every unique index of the table, its partitions and its ledger
    /// includes `host`.
    @Test func everyUniqueIndexIncludesTheHost() throws {
        let db = try Database.connect()
        let table = try Database.freshTable("uniq")
        try shipper(table).shipOnce([fragment(start: PartitionTests.at("2025-10-31T23:58:00Z"))])
        let unique = try db.execute(
            """
            SELECT c.relname, bool_or(a.attname = 'host')
            FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
            WHERE x.indisunique AND x.indrelid IN (
                SELECT to_regclass($1) UNION SELECT to_regclass($2)
                UNION SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass($1))
            GROUP BY c.relname
            """, parameters: [table.quoted, table.appliedQuoted]
        ).rows
        #expect(!unique.isEmpty)
        for row in unique { #expect(row[1] == "t", "\(row[0]!) has no host") }
        #expect(try Schema.ledgerHasHost(db, table))
        // A re-ship changes nothing, keyed so.
        #expect(try shipper(table).shipOnce([fragment(start: PartitionTests.at("2025-10-31T23:58:00Z"))]) == 0)
    }

    @Test func retentionDropsWholeMonthsAndForgetsTheLedger() throws {
        let db = try Database.connect()
        let table = try Database.freshTable("ret")
        let bare = table.name
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let old = now - 500 * 86_400_000  // some 16 months ago
        let recent = now - 86_400_000
        let keeper = shipper(table, agent: "a")
        #expect(try keeper.shipOnce([fragment(start: old), fragment(client: "10.0.0.9", start: recent)]) == 2)
        // The old fragment's ledger row, as if applied long ago.
        try db.execute("UPDATE \(table.appliedQuoted) SET applied_at = now() - interval '15 months'")
        let oldMonth = Partitions.month(ofMillis: old)
        let oldName = "\(bare)_p\(oldMonth / 12)_\(oldMonth % 12 + 1 < 10 ? "0" : "")\(oldMonth % 12 + 1)"
        #expect(try PartitionTests.partitions(table, db)[oldName] == 1)

        let retained = FragmentShipper(
            conninfo: "", table: table, gapMillis: gap, agentID: "b", retention: Partitions.retention("13 months"))
        try retained.connect()
        let notices = retained.takeNotices()
        #expect(notices.contains { $0.contains("dropped partition \(oldName)") }, "\(notices)")
        #expect(notices.contains { $0.contains("forgot 2 fragments") }, "\(notices)")
        let parts = try PartitionTests.partitions(table, db)
        #expect(parts[oldName] == nil)
        #expect(try Database.rows(table, connection: db).map(\.start) == [recent])
        // A fragment older than the retention goes no further (its ledger row stays, so a replay is a no-op).
        #expect(try retained.shipOnce([fragment(client: "10.0.0.7", start: old - 86_400_000)]) == 0)
        // Recorded, not applied.
        #expect(try db.execute("SELECT count(*) FROM \(table.appliedQuoted)").rows[0][0] == "1")
        #expect(try Database.rows(table, connection: db).count == 1)
        #expect(try PartitionTests.partitions(table, db)[oldName] == nil)
        #expect(Partitions.retention("2 years") == "2 years" && Partitions.retention("400days") == "400 days")
        #expect(Partitions.retention("forever") == nil && Partitions.retention("0 months") == nil)
    }

    /// A populated plain table (as an earlier version made it) is partitioned in place: no row lost or
    /// doubled, its sessions in `<table>_p0`, later months in their own partitions, merges across both.
    @Test func aPopulatedPlainTableIsTakenOverInPlace() throws {
        let db = try Database.connect()
        let table = try Database.freshTable("plain")
        let bare = table.name
        try db.execute(
            """
            CREATE TABLE \(table.quoted) (host text NOT NULL, ip text NOT NULL, session_start timestamptz NOT NULL,
                session_end timestamptz NOT NULL, event_count bigint NOT NULL, bytes bigint NOT NULL, landing_path text,
                referrer text, user_agent text, error_count bigint NOT NULL, client inet,
                CHECK (session_end >= session_start));
            CREATE INDEX "\(bare)_host_start" ON \(table.quoted) (host, session_start);
            CREATE INDEX "\(bare)_key_end" ON \(table.quoted) (host, ip, session_end);
            CREATE TABLE \(table.appliedQuoted) (fragment_id uuid PRIMARY KEY, agent_id text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO sessiontail_schema (table_name, version, gap_ms) VALUES ('\(table.name)', 1, 300000);
            INSERT INTO \(table.quoted) (host, ip, session_start, session_end, event_count, bytes, error_count)
            SELECT 'a.example', '10.1.' || (n / 250) || '.' || (n % 250),
                   timestamptz '2025-09-01' + n * interval '17 minutes',
                   timestamptz '2025-09-01' + n * interval '17 minutes' + interval '1 minute', n % 7 + 1, n, 0
            FROM generate_series(1, 5000) n;
            """)
        let before = try db.execute(
            "SELECT count(*), sum(event_count), max(session_start) FROM \(table.quoted)"
        ).rows[0]
        let last = try db.execute(
            "SELECT (extract(epoch FROM max(session_start)) * 1000)::bigint, max(ip) FROM \(table.quoted) WHERE session_start = (SELECT max(session_start) FROM \(table.quoted))"
        ).rows[0]
        let s = shipper(table)
        try s.connect()
        let after = try db.execute("SELECT count(*), sum(event_count), max(session_start) FROM \(table.quoted)").rows[0]
        #expect(after == before)
        let parts = try PartitionTests.partitions(table, db)
        #expect(parts["\(bare)_p0"] == 5000, "\(parts)")
        #expect(
            try db.execute("SELECT version FROM sessiontail_schema WHERE table_name = $1", parameters: [table.name])
                .rows[0][0] == "3")
        // A fragment continuing the plain table's last session merges with it; a later month gets its own.
        let lastStart = Int64(last[0]!)!
        #expect(try s.shipOnce([fragment(client: last[1]!, start: lastStart + 3 * minute, count: 4)]) == 1)
        let merged = try db.execute(
            "SELECT count(*), sum(event_count) FROM \(table.quoted) WHERE ip = $1", parameters: [last[1]!]
        ).rows[0]
        #expect(merged[0] == "1")
        let future = lastStart + 62 * 86_400_000
        #expect(try s.shipOnce([fragment(client: "10.9.9.9", start: future)]) == 1)
        let month = Partitions.month(ofMillis: future)
        let name = "\(bare)_p\(month / 12)_\(month % 12 + 1 < 10 ? "0" : "")\(month % 12 + 1)"
        #expect(try PartitionTests.partitions(table, db)[name] == 1)
        #expect(try db.execute("SELECT count(*) FROM \(table.quoted)").rows[0][0] == "5001")
    }
}
