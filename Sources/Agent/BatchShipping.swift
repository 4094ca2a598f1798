import PostgresSink
import Sessionizer

/// Ships a batch run's sessions to PostgreSQL (`sessionize --output postgres`).
public enum BatchShipping {
    /// What shipping did.
    public struct Outcome: Sendable {
        /// Fragments new to the database (0 when the same batch was shipped before).
        public var applied: Int
        /// Transactions committed.
        public var batches: Int
        /// Failed attempts that were retried.
        public var retries: Int
    }

    /// Ships `sessions` in transactions of `batchSize`, retrying transient failures forever; a
    /// permanent failure (authentication, permissions, a schema or gap mismatch) is thrown. Batches
    /// already committed stay; shipping again is idempotent.
    public static func ship(
        _ sessions: [Fragment], conninfo: String, table: SessionTable, gapMillis: Int64, agentID: String,
        batchSize: Int, log: @escaping (String) -> Void
    ) throws(PostgresError) -> Outcome {
        let shipper = FragmentShipper(
            conninfo: conninfo, table: table, gapMillis: gapMillis, agentID: agentID, log: log)
        var applied = 0
        var start = 0
        // Connect first, so that a wrong password or table fails before any work.
        _ = try shipper.connect()
        while start < sessions.count {
            let end = min(start + max(batchSize, 1), sessions.count)
            applied += try shipper.ship(Array(sessions[start..<end]))
            start = end
        }
        return Outcome(applied: applied, batches: shipper.shippedBatches, retries: shipper.retries)
    }
}
