import AccessLog

/// The sessions table's monthly partitions (of `session_start`, UTC): made ahead of the sessions that need
/// them, under an advisory lock so that agents do not race, and dropped past a retention period.
///
/// A month is `<table>_pYYYY_MM`. A month already covered (by `<table>_p0`, the plain table of an earlier
/// version taken over) gets no partition: its sessions stay where they are, and every query and merge sees
/// them there. There is no default partition: every session's month is made before the session is
/// shipped, and one fewer partition is one fewer index a merge looks into.
public enum Partitions {
    /// A month as `year * 12 + month - 1`.
    public typealias Month = Int

    /// The month (UTC) of `millis` since the epoch.
    public static func month(ofMillis millis: Int64) -> Month {
        let days = Int(millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000)
        let date = Timestamp.civil(fromDays: days)
        return date.year * 12 + date.month - 1
    }

    /// `2025-10-01 00:00:00+00`.
    static func firstDay(_ month: Month) -> String {
        let year = month / 12
        let m = month % 12 + 1
        return "\(year)-\(m < 10 ? "0" : "")\(m)-01 00:00:00+00"
    }

    /// `_p2025_10`.
    static func suffix(_ month: Month) -> String {
        let m = month % 12 + 1
        return "_p\(month / 12)_\(m < 10 ? "0" : "")\(m)"
    }

    /// One statement that makes the partitions of `months` that are missing, under the lock: a month
    /// that overlaps a partition (`<table>_p0`) is left as it is (its sessions go there), and
    /// so is one wholly past `retention` (its sessions go no further).
    static func creating(_ months: some Sequence<Month>, of table: SessionTable, retention: String? = nil) -> String {
        var body = ""
        for month in Set(months).sorted() {
            let kept = retention.map { "timestamptz '\(firstDay(month + 1))' > now() - interval '\($0)'" } ?? "true"
            body += """
                    IF \(kept) THEN
                        BEGIN
                            CREATE TABLE IF NOT EXISTS \(table.sibling(suffix(month))) PARTITION OF \(table.quoted)
                                FOR VALUES FROM ('\(firstDay(month))') TO ('\(firstDay(month + 1))');
                        EXCEPTION WHEN invalid_object_definition OR check_violation THEN NULL;
                        END;
                    END IF;

                """
        }
        return """
            DO $partitions$
            BEGIN
                PERFORM pg_advisory_xact_lock(7413, 1);
            \(body)END
            $partitions$
            """
    }

    /// The table's partitions whose sessions all started before `now() - retention`, in order.
    static func expired(_ connection: PostgresConnection, _ table: SessionTable, retention: String)
        throws(PostgresError) -> [String]
    {
        let rows = try connection.execute(
            """
            SELECT c.oid::regclass::text
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1)
              AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz
                  <= now() - $2::interval
            ORDER BY 1
            """, parameters: [table.quoted, retention]
        ).rows
        return rows.compactMap { $0[0] }
    }

    /// Drops the partitions past `retention` and forgets the ledger's fragments applied before it, under
    /// the lock; returns what was dropped and how many ledger rows went.
    static func applyRetention(_ connection: PostgresConnection, _ table: SessionTable, retention: String)
        throws(PostgresError) -> (partitions: [String], ledgerRows: Int)
    {
        try connection.execute("BEGIN")
        do throws(PostgresError) {
            try connection.execute("SELECT pg_advisory_xact_lock(7413, 1)")
            let gone = try expired(connection, table, retention: retention)
            for partition in gone { try connection.execute("DROP TABLE \(partition)") }
            let pruned = try connection.execute(
                "WITH gone AS (DELETE FROM \(table.appliedQuoted) WHERE applied_at < now() - $1::interval RETURNING 1) SELECT count(*) FROM gone",
                parameters: [retention])
            try connection.execute("COMMIT")
            return (gone, Int(pruned.rows.first?[0] ?? "") ?? 0)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// `13 months`, `90 days`, `2 years` (spaces optional): the interval PostgreSQL reads; nil otherwise.
    public static func retention(_ text: String) -> String? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).trimmingPrefix(" ").lowercased()
        guard let count = Int(digits), count > 0, digits.count <= 5 else { return nil }
        switch unit {
        case "month", "months": return "\(count) months"
        case "day", "days", "d": return "\(count) days"
        case "year", "years", "y": return "\(count) years"
        default: return nil
        }
    }
}
