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
            // must see the sessions another agent committed meanwhile.
            try connection.execute(
                "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL jit = off; TRUNCATE sessiontail_staging")
            try connection.copy(
                "COPY sessiontail_staging (\(FragmentRows.columns)) FROM STDIN", data: rows.data)
            let result = try connection.execute(applyStatements)
            let applied = Int(result.rows.first?.first.flatMap { $0 } ?? "0") ?? 0
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

    /// Sessions that start before the retention period are recorded as applied and go no further (their
    /// partition was dropped, or is about to be).
    private var retentionStatement: String {
        guard let retention else { return "" }
        return
            "DELETE FROM sessiontail_staging WHERE start_ms < extract(epoch FROM now() - interval '\(retention)') * 1000;"
    }

    /// The statements after the COPY. Only the gap (an integer) and the validated table names are
    /// written into the SQL; every value arrives through COPY.
    private var applyStatements: String {
        let gap = "(\(gapMillis) * interval '1 millisecond')"
        let t = table.quoted
        // The first request decides the first-request texts and the families: rows of schema version 1
        // have no first_path, their landing_path is the first request's.
        let order =
            #"session_start, COALESCE(first_path, landing_path, '') COLLATE "C", COALESCE(referrer, '') COLLATE "C", COALESCE(user_agent, '') COLLATE "C""#
        // The landing page view is the earliest, the exit the latest (the larger path in one instant).
        // The landing's texts break a tie of one instant, in the order the agents compare them.
        let landing =
            "ORDER BY landing_at, "
            + ["landing_path", "referrer_host", "utm_source", "utm_medium", "utm_campaign"].map {
                "COALESCE(\($0), '') COLLATE \"C\""
            }.joined(separator: ", ") + ") FILTER (WHERE landing_at IS NOT NULL"
        let exit = #"ORDER BY exit_at DESC, exit_path COLLATE "C" DESC) FILTER (WHERE exit_at IS NOT NULL"#
        // The ledger's key: (host, fragment id); a ledger of 0.1 has the id alone.
        let ledger =
            ledgerHasHost
            ? """
            WITH fresh AS (
                INSERT INTO \(table.appliedQuoted) (host, fragment_id, agent_id)
                SELECT host, fragment_id, agent_id FROM sessiontail_staging ORDER BY host, fragment_id
                ON CONFLICT (host, fragment_id) DO NOTHING
                RETURNING host, fragment_id
            )
            DELETE FROM sessiontail_staging s
            WHERE NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.host = s.host AND fresh.fragment_id = s.fragment_id);
            """
            : """
            WITH fresh AS (
                INSERT INTO \(table.appliedQuoted) (fragment_id, agent_id)
                SELECT fragment_id, agent_id FROM sessiontail_staging ORDER BY fragment_id
                ON CONFLICT (fragment_id) DO NOTHING
                RETURNING fragment_id
            )
            DELETE FROM sessiontail_staging s WHERE NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.fragment_id = s.fragment_id);
            """
        return """
            \(ledger)
            \(retentionStatement)

            SELECT count(*) FROM (
                SELECT pg_advisory_xact_lock(7414, k) FROM (
                    SELECT DISTINCT hashtext(host || E'\\t' || ip) & 1023 AS k FROM sessiontail_staging ORDER BY k
                ) keys
            ) locked;

            WITH gone AS (
                DELETE FROM \(t) s USING sessiontail_staging f
                WHERE s.host = f.host AND s.ip = f.ip
                  AND s.session_end >= timestamptz 'epoch' + f.start_ms * interval '1 millisecond' - \(gap)
                  AND s.session_start <= timestamptz 'epoch' + f.end_ms * interval '1 millisecond' + \(gap)
                RETURNING s.host, s.ip, s.session_start, s.session_end, s.event_count, s.bytes, s.error_count,
                          s.landing_path, s.referrer, s.user_agent, s.client, s.page_views, s.is_bot, s.exit_path,
                          s.referrer_host, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.browser, s.os,
                          s.device, s.first_path, s.landing_at, s.exit_at, s.country
            ), pieces AS (
                SELECT * FROM gone
                UNION ALL
                SELECT host, ip, timestamptz 'epoch' + start_ms * interval '1 millisecond',
                       timestamptz 'epoch' + end_ms * interval '1 millisecond', event_count, bytes, error_count,
                       landing_path, referrer, user_agent, client, page_views, is_bot, exit_path, referrer_host,
                       channel, utm_source, utm_medium, utm_campaign, browser, os, device, first_path,
                       timestamptz 'epoch' + landing_ms * interval '1 millisecond',
                       timestamptz 'epoch' + exit_ms * interval '1 millisecond', country
                FROM sessiontail_staging
            ), marked AS (
                SELECT *, CASE WHEN session_start <= max(session_end) OVER before + \(gap) THEN 0 ELSE 1 END AS opens
                FROM pieces
                WINDOW before AS (PARTITION BY host, ip ORDER BY session_start, session_end
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            ), grouped AS (
                SELECT *, sum(opens) OVER (PARTITION BY host, ip ORDER BY session_start, session_end
                                           ROWS UNBOUNDED PRECEDING) AS island
                FROM marked
            )
            INSERT INTO \(t) (host, ip, session_start, session_end, event_count, bytes, error_count, landing_path,
                              referrer, user_agent, client, page_views, is_bot, exit_path, referrer_host, channel,
                              utm_source, utm_medium, utm_campaign, browser, os, device, first_path, landing_at,
                              exit_at, country)
            SELECT host, ip, min(session_start), max(session_end), sum(event_count), sum(bytes), sum(error_count),
                   COALESCE((array_agg(landing_path \(landing)))[1], (array_agg(landing_path ORDER BY \(order)))[1]),
                   (array_agg(referrer ORDER BY \(order)))[1],
                   (array_agg(user_agent ORDER BY \(order)))[1],
                   (array_agg(client))[1],
                   sum(page_views), bool_or(is_bot),
                   (array_agg(exit_path \(exit)))[1],
                   (array_agg(referrer_host \(landing)))[1],
                   (array_agg(channel \(landing)))[1],
                   (array_agg(utm_source \(landing)))[1],
                   (array_agg(utm_medium \(landing)))[1],
                   (array_agg(utm_campaign \(landing)))[1],
                   (array_agg(browser ORDER BY \(order)))[1],
                   (array_agg(os ORDER BY \(order)))[1],
                   (array_agg(device ORDER BY \(order)))[1],
                   (array_agg(COALESCE(first_path, landing_path) ORDER BY \(order)))[1],
                   min(landing_at), max(exit_at),
                   (array_agg(country ORDER BY \(order)))[1]
            FROM grouped
            GROUP BY host, ip, island;

            SELECT count(*) FROM sessiontail_staging;
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
