/// The analysis the replaced Flink job answered, on the sessions table: average events per session for
/// hosts matching a pattern, and a per-host comparison.
public struct SessionReport: Sendable {
    /// One host's figures.
    public struct HostRow: Sendable, Equatable {
        public var host: String
        public var sessions: Int
        public var averageEvents: String
        public var medianEvents: String
        /// Median of `session_end - session_start`, in seconds.
        public var medianDurationSeconds: String
        /// Share of one-event sessions, percent.
        public var bounceRate: String
    }

    /// The pattern of the first analysis (SQL `LIKE`).
    public var hostPattern: String
    /// `ROUND(AVG(event_count), 2)` over hosts matching the pattern; `nil` when none match.
    public var averageEvents: String?
    /// Per host, most sessions first.
    public var hosts: [HostRow]

    /// Runs both analyses. `hosts`, when not empty, limits the comparison to those hosts.
    public static func run(
        _ connection: PostgresConnection, table: SessionTable, hostPattern: String, hosts: [String]
    ) throws(PostgresError) -> SessionReport {
        let t = table.quoted
        let average = try connection.execute(
            "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM \(t) WHERE host LIKE $1", parameters: [hostPattern])
        let filter = hosts.isEmpty ? "" : "WHERE host = ANY($1::text[])"
        let sql = """
            SELECT host,
                   COUNT(*) AS sessions,
                   ROUND(AVG(event_count), 2) AS avg_events,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY event_count) AS median_events,
                   ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM session_end - session_start))::numeric, 1) AS median_duration_s,
                   ROUND(100.0 * COUNT(*) FILTER (WHERE event_count = 1) / COUNT(*), 1) AS bounce_rate
            FROM \(t) \(filter)
            GROUP BY host
            ORDER BY sessions DESC, host
            """
        let perHost =
            hosts.isEmpty
            ? try connection.execute(sql)
            : try connection.execute(sql, parameters: ["{" + hosts.map(arrayElement).joined(separator: ",") + "}"])
        return SessionReport(
            hostPattern: hostPattern, averageEvents: average.rows.first?.first ?? nil,
            hosts: perHost.rows.map { row in
                HostRow(
                    host: row[0] ?? "", sessions: Int(row[1] ?? "0") ?? 0, averageEvents: row[2] ?? "",
                    medianEvents: row[3] ?? "", medianDurationSeconds: row[4] ?? "", bounceRate: row[5] ?? "")
            })
    }

    /// An element of a PostgreSQL array literal, quoted.
    static func arrayElement(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
