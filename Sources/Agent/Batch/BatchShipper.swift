import Operations
import PostgresSink
import Sessionizer

/// Ships a batch run's sessions to PostgreSQL (`sessionize --output postgres`) in transactions of a
/// fixed size, as they come.
public final class BatchShipper {
    private let shipper: FragmentShipper
    private let log: Log
    private let batchSize: Int
    private var batch: [Fragment] = []
    /// Sessions taken, and those new to the database (0 when the same batch was shipped before).
    public private(set) var sessions = 0
    public private(set) var applied = 0

    /// Connects at once, so that a wrong password, table or gap fails before any work.
    public init(
        conninfo: String, table: SessionTable, gapMillis: Int64, agentID: String, client: ClientSetting = .keep,
        batchSize: Int, log: @escaping Log
    ) throws(PostgresError) {
        shipper = FragmentShipper(
            conninfo: conninfo, table: table, gapMillis: gapMillis, agentID: agentID, client: client)
        self.log = log
        self.batchSize = max(batchSize, 1)
        try shipper.connect()
    }

    /// Takes one session; ships a transaction when the batch is full. Transient failures are retried
    /// forever; a permanent one is thrown (batches already committed stay; shipping again is idempotent).
    public func add(_ session: Fragment) throws(PostgresError) {
        batch.append(session)
        sessions += 1
        if batch.count >= batchSize { try flush() }
    }

    /// Ships what is left.
    public func flush() throws(PostgresError) {
        guard !batch.isEmpty else { return }
        applied += try shipper.ship(batch) { [log] failure in
            log(.warning, failure.description)
            return FragmentShipper.waitAndRetry(failure)
        }
        batch.removeAll(keepingCapacity: true)
    }

    /// Transactions committed and failed attempts retried.
    public var transactions: Int { shipper.shippedBatches }
    public var retries: Int { shipper.retries }
}
