/// The analysis of the sessions table: the replaced Flink job's average events per session for hosts
/// matching a pattern, a per-host comparison, top-N lists of what the visits looked like, pages per session and
/// sessions over time.
///
/// About people by default: sessions with `is_bot` true are left out unless the selection includes
/// bots (rows shipped before schema version 2, `is_bot` NULL, count as people). The figures that say
/// so are over all sessions: the seed's average and each host's share of bot sessions. Every query runs
/// in one read-only snapshot, so the figures agree with each other while agents ship.
///
/// ```swift
/// let report = try SessionReport.run(connection, table: try SessionTable("sessions"),
///                                    selection: .init(hostPattern: "%example.com", top: 5))
/// ```
public struct SessionReport: Sendable {
    /// Which sessions the report is about. Every value is bound as a parameter, never written into SQL.
    public struct Selection: Sendable, Equatable {
        /// SQL `LIKE` pattern: the hosts of the averages and of the top lists.
        public var hostPattern: String
        /// When not empty, the only hosts of the comparison and of the top lists.
        public var hosts: [String]
        /// Sessions that start at or after this time (milliseconds since the epoch, UTC), if set.
        public var sinceMillis: Int64?
        /// Sessions that start before this time, if set.
        public var untilMillis: Int64?
        /// Whether bot sessions are counted; they are not by default.
        public var includeBots: Bool
        /// Rows of each top list.
        public var top: Int

        public init(
            hostPattern: String = "%", hosts: [String] = [], sinceMillis: Int64? = nil, untilMillis: Int64? = nil,
            includeBots: Bool = false, top: Int = 10
        ) {
            self.hostPattern = hostPattern
            self.hosts = hosts
            self.sinceMillis = sinceMillis
            self.untilMillis = untilMillis
            self.includeBots = includeBots
            self.top = top
        }
    }

    /// One host's figures over the sessions shown (people, or everyone with `includeBots`); `nil`
    /// where there is nothing to average.
    public struct HostRow: Sendable, Equatable {
        public var host: String
        public var sessions: Int
        public var averageEvents: String?
        /// Average `page_views`: pages per session.
        public var averagePages: String?
        public var medianEvents: String?
        /// Median time from the first page view to the last (`exit_at - landing_at`), in seconds, of the
        /// sessions with at least one page view.
        public var medianDurationSeconds: String?
        /// Percent of the sessions with at least one page view that have exactly one.
        public var bounceRate: String?
        /// Percent of all the host's sessions that are bots', whether bots are shown or not.
        public var botShare: String?
    }

    /// A top-N list: sessions per value of some columns, most first.
    public struct Section: Sendable, Equatable {
        /// `landing_pages`, `exit_pages`, `channels`, `referrer_hosts`, `utm_campaigns`, `browsers`, `os`, `devices`, `countries`.
        public var name: String
        /// The sessions-table columns a row is a value of.
        public var columns: [String]
        public var rows: [Row]

        public struct Row: Sendable, Equatable {
            /// One value per column; `nil` where the column is NULL (no referrer, no page view, an old row).
            public var values: [String?]
            public var sessions: Int
            /// Percent of ``SessionReport/sessions``.
            public var share: String
        }
    }

    /// The top lists, in the order they are shown, each with the columns it groups by: a name and the SQL
    /// that computes it from a row of the sessions table (constants, never user text: they are written
    /// into the SQL). A session without a page view has no landing page, as it has no exit page
    /// (`landing_path` then holds its first request's path); rows from before schema version 2, whose
    /// page views are unknown, keep theirs.
    public static let sectionColumns: [(name: String, columns: [(name: String, sql: String)])] = [
        ("landing_pages", [("landing_path", "CASE WHEN page_views = 0 THEN NULL ELSE landing_path END")]),
        ("exit_pages", [("exit_path", "exit_path")]), ("channels", [("channel", "channel")]),
        ("referrer_hosts", [("referrer_host", "referrer_host")]),
        (
            "utm_campaigns",
            [("utm_source", "utm_source"), ("utm_medium", "utm_medium"), ("utm_campaign", "utm_campaign")]
        ),
        ("browsers", [("browser", "browser")]), ("os", [("os", "os")]), ("devices", [("device", "device")]),
        ("countries", [("country", "country")]),
    ]

    /// Sessions and page views per hour, day, week or month of `session_start` (UTC), from the first counted
    /// session's to the last's, every step in between present (zero when empty): the report over time.
    public struct Timeline: Sendable, Equatable {
        /// The width of a point, as `date_trunc` names it; weeks start on Monday.
        public enum Step: String, Sendable {
            case hour, day, week, month
        }

        /// Chosen by ``step(forSpan:)``.
        public var step: Step
        public var points: [Point]

        public struct Point: Sendable, Equatable {
            /// Start of the step, milliseconds since the epoch (UTC).
            public var startMillis: Int64
            /// Counted sessions starting in it.
            public var sessions: Int
            /// Their page views (sessions whose page views are unknown, from before schema version 2, add none).
            public var pageViews: Int
        }

        /// The step for counted sessions whose starts span `span` milliseconds: hourly up to three days, daily up
        /// to 120, weekly up to two years, else monthly; at most a few hundred points whatever the span.
        public static func step(forSpan span: Int64) -> Step {
            let day: Int64 = 86_400_000
            return span <= 3 * day ? .hour : span <= 120 * day ? .day : span <= 731 * day ? .week : .month
        }
    }

    /// The buckets of the pages-per-session histogram, in order: a label and the least `page_views` it holds.
    public static let pageBuckets: [(label: String, least: Int)] = [
        ("0", 0), ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5-9", 5), ("10+", 10),
    ]

    public var selection: Selection
    /// The seed's `ROUND(AVG(event_count), 2)` over every session of the hosts matching the pattern,
    /// bots included; `nil` when none match.
    public var averageEvents: String?
    /// The same over people's sessions.
    public var averageEventsOfPeople: String?
    /// Sessions the top lists count (the base of their shares).
    public var sessions: Int
    /// Bot sessions among the selected ones, counted in ``sessions`` only when bots are included.
    public var botSessions: Int
    /// Per host, most sessions first.
    public var hosts: [HostRow]
    public var sections: [Section]
    /// Sessions by page views (`pages_per_session`, column `pages`), of the sessions the top lists count: every
    /// bucket of ``pageBuckets``, empty ones too, then a NULL row for the sessions whose page views are
    /// unknown, when there are any.
    public var pagesPerSession: Section
    /// The counted sessions over time.
    public var timeline: Timeline

    /// People's sessions among the selected ones (unclassified rows count as people).
    public var people: Int { selection.includeBots ? sessions - botSessions : sessions }

    /// Runs the report in one read-only transaction.
    public static func run(
        _ connection: PostgresConnection, table: SessionTable, selection: Selection
    ) throws(PostgresError) -> SessionReport {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do throws(PostgresError) {
            let report = try query(connection, table: table, selection: selection)
            try connection.execute("COMMIT")
            return report
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private static func query(
        _ connection: PostgresConnection, table: SessionTable, selection s: Selection
    ) throws(PostgresError) -> SessionReport {
        // $1 pattern, $2 hosts, $3 since, $4 until, $5 include bots; $6 rows of a top list, or the timeline's step.
        let parameters: [String?] = [
            s.hostPattern, "{" + s.hosts.map(arrayElement).joined(separator: ",") + "}",
            s.sinceMillis.map { String($0) }, s.untilMillis.map { String($0) }, s.includeBots ? "true" : "false",
        ]
        // Each query below uses it once, so PostgreSQL inlines it: the time range filters the scan itself.
        let selected = """
            WITH selected AS (
                SELECT *, host LIKE $1 AS matching,
                       (cardinality($2::text[]) = 0 OR host = ANY($2::text[])) AS listed,
                       ($5::boolean OR is_bot IS NOT TRUE) AS shown
                FROM \(table.quoted)
                WHERE ($3::bigint IS NULL
                       OR session_start >= timestamptz 'epoch' + $3::bigint * interval '1 millisecond')
                  AND ($4::bigint IS NULL
                       OR session_start < timestamptz 'epoch' + $4::bigint * interval '1 millisecond')
            )
            """
        let summary = try connection.execute(
            """
            \(selected)
            SELECT ROUND(AVG(event_count) FILTER (WHERE matching), 2),
                   ROUND(AVG(event_count) FILTER (WHERE matching AND is_bot IS NOT TRUE), 2),
                   COUNT(*) FILTER (WHERE matching AND listed AND shown),
                   COUNT(*) FILTER (WHERE matching AND listed AND is_bot),
                   (EXTRACT(EPOCH FROM MIN(session_start) FILTER (WHERE matching AND listed AND shown)) * 1000)::bigint,
                   (EXTRACT(EPOCH FROM MAX(session_start) FILTER (WHERE matching AND listed AND shown)) * 1000)::bigint
            FROM selected
            """, parameters: parameters
        ).rows[0]
        let perHost = try connection.execute(
            """
            \(selected)
            SELECT host,
                   COUNT(*) FILTER (WHERE shown) AS sessions,
                   ROUND(AVG(event_count) FILTER (WHERE shown), 2),
                   ROUND(AVG(page_views) FILTER (WHERE shown), 2),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY event_count) FILTER (WHERE shown),
                   ROUND((percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM exit_at - landing_at))
                          FILTER (WHERE shown AND page_views >= 1))::numeric, 1),
                   ROUND(100.0 * COUNT(*) FILTER (WHERE shown AND page_views = 1)
                         / NULLIF(COUNT(*) FILTER (WHERE shown AND page_views >= 1), 0), 1),
                   ROUND(100.0 * COUNT(*) FILTER (WHERE is_bot) / COUNT(*), 1)
            FROM selected
            WHERE listed
            GROUP BY host
            ORDER BY sessions DESC, host
            """, parameters: parameters)
        var sections: [Section] = []
        for (name, columns) in sectionColumns {
            let values = columns.map { "\($0.sql) AS \($0.name)" }.joined(separator: ", ")
            let list = columns.map(\.name).joined(separator: ", ")
            let order = columns.map { "\($0.name) COLLATE \"C\" NULLS LAST" }.joined(separator: ", ")
            // The share's base is every counted session: the window sums the groups before LIMIT.
            let result = try connection.execute(
                """
                \(selected)
                SELECT \(list), COUNT(*) AS sessions, ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 1)
                FROM (SELECT \(values) FROM selected WHERE matching AND listed AND shown) AS counted
                GROUP BY \(list)
                ORDER BY sessions DESC, \(order)
                LIMIT $6::bigint
                """, parameters: parameters + [String(s.top)])
            sections.append(
                Section(
                    name: name, columns: columns.map(\.name),
                    rows: result.rows.map { row in
                        Section.Row(
                            values: Array(row.prefix(columns.count)), sessions: Int(row[columns.count] ?? "") ?? 0,
                            share: row[columns.count + 1] ?? "")
                    }))
        }
        // The buckets are constants of this file, written into the SQL; a NULL `page_views` is a bucket of its own.
        let labels = pageBuckets.enumerated().map { k, b in "(\(k), '\(b.label)')" } + ["(\(pageBuckets.count), NULL)"]
        let bucket = pageBuckets.enumerated().reversed().map { k, b in "WHEN page_views >= \(b.least) THEN \(k)" }
        let histogram = try connection.execute(
            """
            \(selected)
            SELECT b.label, COUNT(c.k), ROUND(100.0 * COUNT(c.k) / GREATEST(SUM(COUNT(c.k)) OVER (), 1), 1)
            FROM (VALUES \(labels.joined(separator: ", "))) AS b(k, label)
            LEFT JOIN (
                SELECT CASE \(bucket.joined(separator: " ")) ELSE \(pageBuckets.count) END AS k
                FROM selected WHERE matching AND listed AND shown
            ) AS c ON c.k = b.k
            GROUP BY b.k, b.label
            HAVING b.k < \(pageBuckets.count) OR COUNT(c.k) > 0
            ORDER BY b.k
            """, parameters: parameters)
        let pagesPerSession = Section(
            name: "pages_per_session", columns: ["pages"],
            rows: histogram.rows.map { row in
                Section.Row(values: [row[0]], sessions: Int(row[1] ?? "") ?? 0, share: row[2] ?? "")
            })

        // The step by how far apart the first and last counted sessions start.
        let first = Int64(summary[4] ?? "")
        let last = Int64(summary[5] ?? "")
        let step = Timeline.step(forSpan: (last ?? 0) - (first ?? 0))
        let series = try connection.execute(
            """
            \(selected), counted AS (
                SELECT date_trunc($6::text, session_start AT TIME ZONE 'UTC') AS step, page_views
                FROM selected WHERE matching AND listed AND shown
            )
            SELECT (EXTRACT(EPOCH FROM steps.step) * 1000)::bigint, COUNT(counted.step),
                   COALESCE(SUM(counted.page_views), 0)
            FROM (SELECT MIN(step) AS first, MAX(step) AS last FROM counted) AS extent
            CROSS JOIN LATERAL generate_series(extent.first, extent.last, ('1 ' || $6::text)::interval) AS steps(step)
            LEFT JOIN counted ON counted.step = steps.step
            GROUP BY steps.step
            ORDER BY steps.step
            """, parameters: parameters + [step.rawValue])
        let timeline = Timeline(
            step: step,
            points: series.rows.map { row in
                Timeline.Point(
                    startMillis: Int64(row[0] ?? "") ?? 0, sessions: Int(row[1] ?? "") ?? 0,
                    pageViews: Int(row[2] ?? "") ?? 0)
            })

        return SessionReport(
            selection: s, averageEvents: summary[0], averageEventsOfPeople: summary[1],
            sessions: Int(summary[2] ?? "") ?? 0, botSessions: Int(summary[3] ?? "") ?? 0,
            hosts: perHost.rows.map { row in
                HostRow(
                    host: row[0] ?? "", sessions: Int(row[1] ?? "") ?? 0, averageEvents: row[2], averagePages: row[3],
                    medianEvents: row[4], medianDurationSeconds: row[5], bounceRate: row[6], botShare: row[7])
            },
            sections: sections, pagesPerSession: pagesPerSession, timeline: timeline)
    }

    /// An element of a PostgreSQL array literal, quoted.
    static func arrayElement(_ s: String) -> String {
        var quoted = "\""
        for c in s {
            if c == "\\" || c == "\"" { quoted.append("\\") }
            quoted.append(c)
        }
        return quoted + "\""
    }
}
