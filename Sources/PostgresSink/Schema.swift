/// The agent's schema in PostgreSQL: created and migrated by the agent itself, versioned in
/// `sessiontail_schema`, one row per sessions table.
public enum Schema {
    /// The schema version this binary writes.
    public static let version = 3

    /// Creates or checks the schema of `table` under a lock, so that agents starting together do not
    /// race. Refuses a schema newer than this binary, a table that merges with another gap, and one whose
    /// agents keep another form of the client's address (``ClientSetting``).
    public static func prepare(
        _ connection: PostgresConnection, table: SessionTable, gapMillis: Int64, client: ClientSetting = .keep
    ) throws(PostgresError) {
        try connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        do throws(PostgresError) {
            // One lock for all schema work: agents starting together create `sessiontail_schema` once.
            try connection.execute("SELECT pg_advisory_xact_lock(7413, 0)")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS sessiontail_schema (
                    table_name text PRIMARY KEY,
                    version integer NOT NULL,
                    gap_ms bigint NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    migrated_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            // Added by schema version 3; altered only when missing (an agent may share the table, owned by
            // another role, with SELECT, INSERT and UPDATE granted: packaging/sql/roles.sql).
            let columns = try connection.execute(
                """
                SELECT count(*) FROM pg_attribute
                WHERE attrelid = 'sessiontail_schema'::regclass AND attname IN ('client_mode', 'key_fingerprint')
                """)
            if columns.rows.first?[0] != "2" {
                try connection.execute(
                    """
                    ALTER TABLE sessiontail_schema
                        ADD COLUMN IF NOT EXISTS client_mode text NOT NULL DEFAULT 'keep',
                        ADD COLUMN IF NOT EXISTS key_fingerprint text
                    """)
            }
            let found = try connection.execute(
                "SELECT version, gap_ms, client_mode, key_fingerprint FROM sessiontail_schema WHERE table_name = $1",
                parameters: [table.name])
            if let row = found.rows.first {
                let existing = Int(row[0] ?? "") ?? 0
                let gap = Int64(row[1] ?? "") ?? 0
                let recorded = ClientSetting(mode: row[2] ?? "keep", keyFingerprint: row[3])
                if existing > version {
                    throw PostgresError(
                        kind: .permanent, sqlState: nil,
                        message:
                            "The table \(table) has schema version \(existing), newer than this sessiontail knows (\(version)). Upgrade sessiontail on this host."
                    )
                }
                if gap != gapMillis {
                    throw PostgresError(
                        kind: .permanent, sqlState: nil,
                        message:
                            "The table \(table) merges sessions with a gap of \(gap / 1000) s, but this agent is configured with \(gapMillis / 1000) s. Use the same gap on every agent, or another table."
                    )
                }
                if recorded != client {
                    throw PostgresError(
                        kind: .permanent, sqlState: nil,
                        message:
                            "The table \(table) holds clients as '\(recorded)', but this agent is configured with privacy '\(client)'. Use the same privacy setting (and key) on every agent; to change it, ship to a new table (postgres.table)."
                    )
                }
                // Migrations from older versions, one step at a time.
                if existing < 2 {
                    try connection.execute(migrationToVersion2(table))
                }
                if existing < 3 {
                    try connection.execute(migrationToVersion3(table))
                }
                if existing < version {
                    try connection.execute(
                        "UPDATE sessiontail_schema SET version = $2, migrated_at = now() WHERE table_name = $1",
                        parameters: [table.name, String(version)])
                }
            } else {
                try connection.execute(createStatements(table))
                try connection.execute(migrationToVersion2(table))
                try connection.execute(migrationToVersion3(table))
                try connection.execute(
                    """
                    INSERT INTO sessiontail_schema (table_name, version, gap_ms, client_mode, key_fingerprint)
                    VALUES ($1, $2, $3, $4, $5)
                    """,
                    parameters: [table.name, String(version), String(gapMillis), client.mode, client.keyFingerprint])
            }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Version 3: the visitor's country (ISO 3166 alpha-2, from the session's first event; NULL when
    /// unknown or not looked up), and a view of the sessions without the visitor's address, to grant
    /// analysts who need no address (`packaging/sql/roles.sql`).
    ///
    /// And the table partitioned by month of `session_start` (``Partitions``): a plain table of an earlier
    /// version is taken over in place, as the partition of everything up to the end of the month of its
    /// latest session (`<table>_p0`, attached, no row moved); new months get
    /// partitions of their own as sessions arrive.
    static func migrationToVersion3(_ table: SessionTable) -> String {
        let t = table.quoted
        let legacy = table.sibling("_p0")
        return """
            DO $partition$
            DECLARE
                bound timestamptz;
            BEGIN
                IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('\(t)')) = 'r' THEN
                    ALTER TABLE \(t) RENAME TO "\(table.bareName)_p0";
                    DROP INDEX IF EXISTS \(table.sibling("_host_start"));
                    DROP INDEX IF EXISTS \(table.sibling("_key_end"));
                    CREATE TABLE \(t) (LIKE \(legacy) INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
                        PARTITION BY RANGE (session_start);
                    CREATE INDEX "\(table.bareName)_host_start" ON \(t) (host, session_start);
                    CREATE INDEX "\(table.bareName)_key_end" ON \(t) (host, ip, session_end);
                    SELECT (date_trunc('month', COALESCE(max(session_start), now()) AT TIME ZONE 'UTC') + interval '1 month')
                           AT TIME ZONE 'UTC' INTO bound FROM \(legacy);
                    EXECUTE format('ALTER TABLE \(t) ATTACH PARTITION \(legacy) FOR VALUES FROM (MINVALUE) TO (%L)', bound);
                END IF;
            END
            $partition$;
            ALTER TABLE \(table.quoted) ADD COLUMN IF NOT EXISTS country text;
            CREATE OR REPLACE VIEW \(table.withoutIPQuoted) AS
                SELECT host, session_start, session_end, event_count, bytes, error_count, landing_path, referrer,
                       user_agent, page_views, is_bot, exit_path, referrer_host, channel, utm_source, utm_medium,
                       utm_campaign, browser, os, device, country
                FROM \(table.quoted);
            COMMENT ON VIEW \(table.withoutIPQuoted) IS 'The sessions without the visitor''s address (ip, client)';
            """
    }

    /// Version 2: what each session was as a visit (page views, bot, landing and exit, where the visitor
    /// came from, browser, OS and device), NULL in rows shipped before; and, for merging, the first
    /// request's path (version 1's `landing_path`) and when the landing and exit page views were.
    static func migrationToVersion2(_ table: SessionTable) -> String {
        let t = table.quoted
        return """
            ALTER TABLE \(t)
                ADD COLUMN IF NOT EXISTS page_views bigint,
                ADD COLUMN IF NOT EXISTS is_bot boolean,
                ADD COLUMN IF NOT EXISTS exit_path text,
                ADD COLUMN IF NOT EXISTS referrer_host text,
                ADD COLUMN IF NOT EXISTS channel text,
                ADD COLUMN IF NOT EXISTS utm_source text,
                ADD COLUMN IF NOT EXISTS utm_medium text,
                ADD COLUMN IF NOT EXISTS utm_campaign text,
                ADD COLUMN IF NOT EXISTS browser text,
                ADD COLUMN IF NOT EXISTS os text,
                ADD COLUMN IF NOT EXISTS device text,
                ADD COLUMN IF NOT EXISTS first_path text,
                ADD COLUMN IF NOT EXISTS landing_at timestamptz,
                ADD COLUMN IF NOT EXISTS exit_at timestamptz;
            COMMENT ON COLUMN \(t).landing_path IS 'Path of the first page view (of the first request when there is none; before schema version 2: of the first request)';
            COMMENT ON COLUMN \(t).first_path IS 'Path of the first request (NULL in rows of schema version 1, where landing_path holds it)';
            """
    }

    /// Version 1: the sessions table (the columns the seed's queries read, plus the session's first
    /// request and an `inet` copy of the client), its indexes, and the ledger of applied fragments.
    static func createStatements(_ table: SessionTable) -> String {
        """
        CREATE TABLE \(table.quoted) (
            host text NOT NULL,
            ip text NOT NULL,
            session_start timestamptz NOT NULL,
            session_end timestamptz NOT NULL,
            event_count bigint NOT NULL,
            bytes bigint NOT NULL,
            landing_path text,
            referrer text,
            user_agent text,
            error_count bigint NOT NULL,
            client inet,
            CHECK (session_end >= session_start)
        ) PARTITION BY RANGE (session_start);
        COMMENT ON TABLE \(table.quoted) IS 'Visitor sessions per (ip, host), merged across agents by sessiontail';
        CREATE INDEX "\(table.bareName)_host_start" ON \(table.quoted) (host, session_start);
        CREATE INDEX "\(table.bareName)_key_end" ON \(table.quoted) (host, ip, session_end);
        CREATE TABLE \(table.appliedQuoted) (
            host text NOT NULL,
            fragment_id uuid NOT NULL,
            agent_id text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (host, fragment_id)
        );
        """
    }

    /// Whether the ledger of applied fragments is keyed by (host, fragment id), as tables made by this
    /// version are (every unique index leads with `host`, ready to distribute by it); a ledger made by
    /// 0.1 is keyed by the fragment id alone, and stays so.
    public static func ledgerHasHost(_ connection: PostgresConnection, _ table: SessionTable) throws(PostgresError)
        -> Bool
    {
        let found = try connection.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'host' AND NOT attisdropped",
            parameters: [table.appliedQuoted])
        return found.rows.first?[0] == "1"
    }
}
