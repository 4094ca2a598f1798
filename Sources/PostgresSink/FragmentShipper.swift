import Sessionizer

#if canImport(Glibc)
    import Glibc
#endif

/// Ships fragments into the sessions table, merging them with the sessions already there.
///
/// One batch is one transaction: `COPY` into a temporary staging table, then set-based statements
/// that (a) record each fragment id in the ledger and keep only those not applied before, so that a
/// batch shipped twice changes nothing, (b) lock the batch's (host, ip) keys, hashed into 1024 buckets
/// (a lock per key would exhaust PostgreSQL's lock table on large batches), in a fixed order, so that
/// agents shipping the same keys at once serialise instead of losing or double-counting, and (c) pull
/// out the sessions within the gap of a new fragment and put back the merged sessions (a fragment
/// may bridge two). Any failure rolls the whole batch back; it is sent again whole.
///
/// Blocking, one connection: use from one thread.
public final class FragmentShipper {
    public let table: SessionTable
    public let gapMillis: Int64
    public let agentID: String
    /// What the agent keeps of clients' addresses: the table must record the same.
    public let client: ClientSetting
    /// How long sessions are kept (`13 months`, as ``Partitions/retention(_:)`` reads it); nil: forever.
    public let retention: String?
    private let conninfo: String
    /// Whether the ledger is keyed by (host, fragment id) (``Schema/ledgerHasHost(_:_:)``).
    private var ledgerHasHost = true
    /// Months whose partition is known to exist (or to be covered) on this connection.
    private var knownMonths: Set<Partitions.Month> = []
    /// When retention was last applied (seconds since the epoch).
    private var retentionAppliedAt = 0
    /// What happened that the operator should read (partitions dropped), since the last ``takeNotices()``.
    private var notices: [String] = []
    private var connection: PostgresConnection? = nil
    private var rows: FragmentRows
    private var backoff = Backoff()

    /// Fragments applied (new to the database) and batches committed since creation.
    public private(set) var appliedFragments = 0
    public private(set) var shippedBatches = 0
    /// Failed attempts since creation.
    public private(set) var retries = 0
    /// Failed attempts that were permanent (authentication, permissions, schema): an operator must act.
    public private(set) var permanentFailures = 0

    public init(
        conninfo: String, table: SessionTable, gapMillis: Int64, agentID: String, client: ClientSetting = .keep,
        retention: String? = nil, backoff: Backoff = Backoff()
    ) {
        self.client = client
        self.retention = retention
        self.conninfo = conninfo
        self.table = table
        self.gapMillis = gapMillis
        self.agentID = agentID
        self.rows = FragmentRows(agentID: agentID)
        self.backoff = backoff
    }

    /// Connects (if not connected), prepares the schema and the session's staging tables: a wrong
    /// password, table or gap fails here.
    public func connect() throws(PostgresError) {
        _ = try openConnection()
    }

    /// The connection, made (and the schema and staging tables prepared) if there is none.
    func openConnection() throws(PostgresError) -> PostgresConnection {
        if let connection, connection.isUsable { return connection }
        connection = nil
        let fresh = try PostgresConnection(conninfo: conninfo)
        try Schema.prepare(fresh, table: table, gapMillis: gapMillis, client: client)
        ledgerHasHost = try Schema.ledgerHasHost(fresh, table)
        try fresh.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS sessiontail_staging (
                fragment_id uuid, agent_id text, host text, ip text, client inet, start_ms bigint, end_ms bigint,
                event_count bigint, bytes bigint, error_count bigint, landing_path text, referrer text,
                user_agent text, page_views bigint, is_bot boolean, exit_path text, referrer_host text, channel text,
                utm_source text, utm_medium text, utm_campaign text, browser text, os text, device text,
                first_path text, landing_ms bigint, exit_ms bigint, country text
            );
            """)
        connection = fresh
        knownMonths = []
        // This month's partition and the next one's, ahead of the sessions that need them.
        let now = Partitions.month(ofMillis: Int64(time(nil)) * 1000)
        try ensurePartitions([now, now + 1], on: fresh)
        retentionAppliedAt = 0
        try applyRetentionIfDue(on: fresh)
        return fresh
    }

    /// Makes the partitions of `months` that are not known to exist.
    private func ensurePartitions(_ months: Set<Partitions.Month>, on connection: PostgresConnection)
        throws(PostgresError)
    {
        let missing = months.subtracting(knownMonths)
        guard !missing.isEmpty else { return }
        try connection.execute(Partitions.creating(missing, of: table, retention: retention))
        knownMonths.formUnion(missing)
    }

    /// Drops partitions past the retention period, at most once an hour.
    private func applyRetentionIfDue(on connection: PostgresConnection) throws(PostgresError) {
        guard let retention else { return }
        let now = time(nil)
        guard now - retentionAppliedAt >= 3600 else { return }
        let (partitions, ledgerRows) = try Partitions.applyRetention(connection, table, retention: retention)
        retentionAppliedAt = now
        knownMonths = []
        for partition in partitions {
            notices.append(
                "retention \(retention): dropped partition \(partition) of \(table) (all its sessions older)")
        }
        if ledgerRows > 0 {
            notices.append("retention \(retention): forgot \(ledgerRows) fragments applied to \(table) before it")
        }
    }

    /// What happened that the operator should read (partitions dropped by retention), once.
    public func takeNotices() -> [String] {
        defer { notices.removeAll() }
        return notices
    }

    /// Ships one batch in one transaction, once. Returns the number of fragments that were new.
    /// On failure the connection is dropped and nothing of the batch is applied.
    @discardableResult
    public func shipOnce(_ fragments: some Sequence<Fragment>) throws(PostgresError) -> Int {
        rows.removeAll()
        // Each id once: the ledger keeps the first of a batch's duplicates, and staging must not keep two.
        for fragment in fragments { rows.append(fragment, unlessShipped: true) }
        if rows.count == 0 { return 0 }
        let connection = try openConnection()
        do {
            try applyRetentionIfDue(on: connection)
            try ensurePartitions(Set(rows.startMonths), on: connection)
            // JIT compiling the merge costs more than it saves (the table's statistics lag behind it).
            // READ COMMITTED whatever the database's default: after waiting for a key's lock, the merge
            // must see the sessions another agent committed meanwhile. Staging is never analysed: a
            // hash or merge join would read the whole sessions table (or ledger) to match a batch that
            // an index probe per fragment finds. A batch's rows are sorted in memory (about 1 KiB each).
            try connection.execute(
                """
                BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL jit = off;
                SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
                SET LOCAL work_mem = '\(max(4, rows.count / 1000 + 1)) MB';
                TRUNCATE sessiontail_staging
                """)
            try connection.copy(
                "COPY sessiontail_staging (\(FragmentRows.columns)) FROM STDIN", data: rows.data)
            let applied = try recordInLedger(rows.count, on: connection)
            if applied > 0 { try connection.execute(mergeStatements) }
            try connection.execute("COMMIT")
            appliedFragments += applied
            shippedBatches += 1
            return applied
        } catch {
            _ = try? connection.execute("ROLLBACK")
            self.connection = nil
            throw error
        }
    }

    /// Ships one batch, retrying transient failures forever with backoff and full jitter; a permanent
    /// failure is thrown unless `retryPermanent`, then retried slowly. After each failed attempt
    /// `afterFailure` is told what failed and how long to wait: it reports the failure, waits (it may
    /// end the wait early) and returns whether to try again; when it says no, the error is thrown.
    /// Nothing is dropped: the batch is only let go once committed.
    @discardableResult
    public func ship(
        _ fragments: [Fragment], retryPermanent: Bool = false,
        afterFailure: (ShipFailure) -> Bool = FragmentShipper.waitAndRetry
    ) throws(PostgresError) -> Int {
        while true {
            do {
                let applied = try shipOnce(fragments)
                backoff.reset()
                return applied
            } catch {
                retries += 1
                if error.kind == .permanent { permanentFailures += 1 }
                if error.kind == .permanent && !retryPermanent { throw error }
                let delay = backoff.nextDelay(after: error.kind, random: Double.random(in: 0..<1))
                let failure = ShipFailure(
                    error: error, fragments: fragments.count, table: table, attempt: backoff.failures, delay: delay)
                if !afterFailure(failure) { throw error }
            }
        }
    }

    /// Waits the failure's delay and tries again: for a batch run, which nothing interrupts.
    public static func waitAndRetry(_ failure: ShipFailure) -> Bool {
        var request = timespec(
            tv_sec: Int(failure.delay), tv_nsec: Int((failure.delay - Double(Int(failure.delay))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
        return true
    }

    /// Records the staged fragments in the ledger and keeps in staging only those new to the table (and,
    /// with retention, still kept); returns how many are left. The ledger's key is (host, fragment id); a
    /// ledger of 0.1 has the id alone. Only the validated table names and the retention period are
    /// written into the SQL; every value arrives through COPY.
    private func recordInLedger(_ staged: Int, on connection: PostgresConnection) throws(PostgresError) -> Int {
        let key = ledgerHasHost ? "host, fragment_id" : "fragment_id"
        let inserted = try connection.execute(
            """
            WITH fresh AS (
                INSERT INTO \(table.appliedQuoted) (\(key), agent_id)
                SELECT \(key), agent_id FROM sessiontail_staging ORDER BY \(key)
                ON CONFLICT (\(key)) DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM fresh
            """)
        var left = Int(inserted.rows.first?.first.flatMap { $0 } ?? "0") ?? 0
        // Fragments applied before (a batch shipped again): their ledger rows are another transaction's.
        if left < staged {
            let match =
                ledgerHasHost ? "a.host = s.host AND a.fragment_id = s.fragment_id" : "a.fragment_id = s.fragment_id"
            try connection.execute(
                """
                DELETE FROM sessiontail_staging s USING \(table.appliedQuoted) a
                WHERE \(match) AND a.xmin <> pg_current_xact_id()::xid
                """)
        }
        // Sessions that start before the retention period are recorded as applied and go no further
        // (their partition was dropped, or is about to be).
        if let retention {
            try connection.execute(
                "DELETE FROM sessiontail_staging WHERE start_ms < extract(epoch FROM now() - interval '\(retention)') * 1000"
            )
            let counted = try connection.execute("SELECT count(*) FROM sessiontail_staging")
            left = Int(counted.rows.first?.first.flatMap { $0 } ?? "0") ?? 0
        }
        return left
    }

    /// The statements that apply the new fragments in staging. Only the gap (an integer) and the
    /// validated table names are written into the SQL.
    ///
    /// Most fragments touch nothing: no stored session and no other fragment of the batch is within the
    /// gap of them. Those go into the table as they are (one probe of the `(host, ip, session_end)`
    /// index each, then a plain insert); only the others are merged, with the sessions they touch
    /// taken out and put back whole.
    private var mergeStatements: String {
        let gap = "(\(gapMillis) * interval '1 millisecond')"
        let t = table.quoted
        let columns = """
            host, ip, session_start, session_end, event_count, bytes, error_count, landing_path, referrer,
            user_agent, client, page_views, is_bot, exit_path, referrer_host, channel, utm_source, utm_medium,
            utm_campaign, browser, os, device, first_path, landing_at, exit_at, country
            """
        let staged = """
            host, ip, timestamptz 'epoch' + start_ms * interval '1 millisecond',
                   timestamptz 'epoch' + end_ms * interval '1 millisecond', event_count, bytes, error_count,
                   landing_path, referrer, user_agent, client, page_views, is_bot, exit_path, referrer_host,
                   channel, utm_source, utm_medium, utm_campaign, browser, os, device, first_path,
                   timestamptz 'epoch' + landing_ms * interval '1 millisecond',
                   timestamptz 'epoch' + exit_ms * interval '1 millisecond', country
            """
        // The first request decides the first-request texts and the families: rows of schema version 1
        // have no first_path, their landing_path is the first request's.
        let order =
            #"session_start, COALESCE(first_path, landing_path, '') COLLATE "C", COALESCE(referrer, '') COLLATE "C", COALESCE(user_agent, '') COLLATE "C""#
        // The landing page view is the earliest, the exit the latest (the larger path in one instant).
        // The landing's texts break a tie of one instant, in the order the agents compare them.
        let landing =
            "landing_at, "
            + ["landing_path", "referrer_host", "utm_source", "utm_medium", "utm_campaign"].map {
                "COALESCE(\($0), '') COLLATE \"C\""
            }.joined(separator: ", ")
        let exit = #"exit_at DESC NULLS LAST, exit_path COLLATE "C" DESC"#
        // Each merged session's values come from one of its pieces: the first request's, the landing's
        // or the exit's, ranked once per session (a sort each) rather than once per value and session.
        let first = "FILTER (WHERE first_rank = 1)"
        let landed = "FILTER (WHERE landing_rank = 1 AND landing_at IS NOT NULL)"
        return """
            SELECT count(*) FROM (
                SELECT pg_advisory_xact_lock(7414, k) FROM (
                    SELECT DISTINCT hashtext(host || E'\\t' || ip) & 1023 AS k FROM sessiontail_staging ORDER BY k
                ) keys
            ) locked;

            WITH flagged AS MATERIALIZED (
                SELECT f.*,
                       COALESCE(max(f.end_ms) OVER before >= f.start_ms - \(gapMillis), false)
                       OR COALESCE(min(f.start_ms) OVER after <= f.end_ms + \(gapMillis), false)
                       OR EXISTS (
                           SELECT 1 FROM \(t) s
                           WHERE s.host = f.host AND s.ip = f.ip
                             AND s.session_end >= timestamptz 'epoch' + f.start_ms * interval '1 millisecond' - \(gap)
                             AND s.session_start <= timestamptz 'epoch' + f.end_ms * interval '1 millisecond' + \(gap)
                       ) AS touches
                FROM sessiontail_staging f
                WINDOW before AS (PARTITION BY f.host, f.ip ORDER BY f.start_ms, f.end_ms
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                       after AS (PARTITION BY f.host, f.ip ORDER BY f.start_ms, f.end_ms
                                 ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
            ), alone AS (
                INSERT INTO \(t) (\(columns))
                SELECT \(staged) FROM flagged WHERE NOT touches
            ), gone AS (
                DELETE FROM \(t) s USING flagged f
                WHERE f.touches AND s.host = f.host AND s.ip = f.ip
                  AND s.session_end >= timestamptz 'epoch' + f.start_ms * interval '1 millisecond' - \(gap)
                  AND s.session_start <= timestamptz 'epoch' + f.end_ms * interval '1 millisecond' + \(gap)
                RETURNING s.host, s.ip, s.session_start, s.session_end, s.event_count, s.bytes, s.error_count,
                          s.landing_path, s.referrer, s.user_agent, s.client, s.page_views, s.is_bot, s.exit_path,
                          s.referrer_host, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.browser, s.os,
                          s.device, s.first_path, s.landing_at, s.exit_at, s.country
            ), pieces AS (
                SELECT * FROM gone
                UNION ALL
                SELECT \(staged) FROM flagged WHERE touches
            ), marked AS (
                SELECT *, CASE WHEN session_start <= max(session_end) OVER before + \(gap) THEN 0 ELSE 1 END AS opens
                FROM pieces
                WINDOW before AS (PARTITION BY host, ip ORDER BY session_start, session_end
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            ), grouped AS (
                SELECT *, sum(opens) OVER (PARTITION BY host, ip ORDER BY session_start, session_end
                                           ROWS UNBOUNDED PRECEDING) AS island
                FROM marked
            ), ranked AS (
                SELECT *,
                       row_number() OVER (PARTITION BY host, ip, island ORDER BY \(order)) AS first_rank,
                       row_number() OVER (PARTITION BY host, ip, island ORDER BY \(landing)) AS landing_rank,
                       row_number() OVER (PARTITION BY host, ip, island ORDER BY \(exit)) AS exit_rank
                FROM grouped
            )
            INSERT INTO \(t) (\(columns))
            SELECT host, ip, min(session_start), max(session_end), sum(event_count), sum(bytes), sum(error_count),
                   COALESCE(min(landing_path) \(landed), min(landing_path) \(first)),
                   min(referrer) \(first),
                   min(user_agent) \(first),
                   min(client),
                   sum(page_views), bool_or(is_bot),
                   min(exit_path) FILTER (WHERE exit_rank = 1 AND exit_at IS NOT NULL),
                   min(referrer_host) \(landed),
                   min(channel) \(landed),
                   min(utm_source) \(landed),
                   min(utm_medium) \(landed),
                   min(utm_campaign) \(landed),
                   min(browser) \(first),
                   min(os) \(first),
                   min(device) \(first),
                   min(COALESCE(first_path, landing_path)) \(first),
                   min(landing_at), max(exit_at),
                   min(country) \(first)
            FROM ranked
            GROUP BY host, ip, island;
            """
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}

/// One failed attempt to ship a batch, as ``FragmentShipper/ship(_:retryPermanent:afterFailure:)``
/// retries it.
public struct ShipFailure: Sendable, CustomStringConvertible {
    public let error: PostgresError
    /// Fragments in the batch.
    public let fragments: Int
    public let table: SessionTable
    /// Consecutive failed attempts, this one included.
    public let attempt: Int
    /// Seconds until the next attempt.
    public let delay: Double

    public init(error: PostgresError, fragments: Int, table: SessionTable, attempt: Int, delay: Double) {
        self.error = error
        self.fragments = fragments
        self.table = table
        self.attempt = attempt
        self.delay = delay
    }

    public var description: String {
        "cannot ship \(fragments) fragments to \(table) (attempt \(attempt)): \(error); retrying in \(String(format1: delay)) s"
    }
}
