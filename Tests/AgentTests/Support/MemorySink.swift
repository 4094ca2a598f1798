import PostgresSink
import Sessionizer

@testable import Agent

/// The sessions table kept in memory, as PostgreSQL keeps it: fragments recorded by id (shipping one
/// again changes nothing), merged into sessions when asked.
final class MemoryTable {
    private(set) var fragments: [String: Fragment] = [:]
    /// Batches taken, and fragments in them that were already there.
    private(set) var batches = 0
    private(set) var repeats = 0
    /// The most fragments one batch held.
    private(set) var largestBatch = 0

    /// Records a batch; returns how many fragments were new.
    func apply(_ batch: [Fragment], agentID: String) -> Int {
        let rows = FragmentRows(agentID: agentID)
        var new = 0
        for fragment in batch {
            let id = rows.id(of: fragment)
            if fragments[id] == nil {
                fragments[id] = fragment
                new += 1
            } else {
                repeats += 1
            }
        }
        batches += 1
        largestBatch = max(largestBatch, batch.count)
        return new
    }

    /// The sessions the table holds: every fragment, merged within the gap.
    func sessions(gapMillis: Int64) -> [Fragment] {
        FragmentMerger.merge(Array(fragments.values), gapMillis: gapMillis)
    }

    /// Events of each client (host and client joined by a space), over every session.
    func eventsByClient() -> [String: Int64] {
        var out: [String: Int64] = [:]
        for fragment in fragments.values {
            out[
                String(decoding: fragment.host, as: UTF8.self) + " " + String(decoding: fragment.client, as: UTF8.self),
                default: 0] += fragment.eventCount
        }
        return out
    }
}

/// A ``FragmentSink`` over a ``MemoryTable``, which can be made to fail.
final class MemorySink: FragmentSink {
    let agentID: String
    let table: MemoryTable
    private(set) var retries = 0
    private(set) var permanentFailures = 0
    /// While set, every attempt fails as a lost connection does (transient).
    var down: () -> Bool
    /// Attempts so far, failed or not.
    private(set) var attempts = 0

    init(agentID: String, table: MemoryTable, down: @escaping () -> Bool = { false }) {
        self.agentID = agentID
        self.table = table
        self.down = down
    }

    static let unreachable = PostgresError(kind: .transient, sqlState: "08006", message: "the server went away")

    func connect() throws(PostgresError) {
        if down() { throw Self.unreachable }
    }

    func ship(_ fragments: [Fragment], retryPermanent: Bool, afterFailure: (ShipFailure) -> Bool)
        throws(PostgresError) -> Int
    {
        var failures = 0
        while true {
            attempts += 1
            if !down() { return table.apply(fragments, agentID: agentID) }
            retries += 1
            failures += 1
            let failure = ShipFailure(
                error: Self.unreachable, fragments: fragments.count, table: try! SessionTable("sessions"),
                attempt: failures, delay: 0.01)
            if !afterFailure(failure) { throw Self.unreachable }
        }
    }
}

/// A stop token the test holds: stop and reload when it says.
final class TestStopToken: StopToken {
    var stopRequested = false
    var reloadRequested = false
    /// Called at every wait (a test may stop or reload the daemon from there).
    var onWait: () -> Void = {}

    func takeReload() -> Bool {
        defer { reloadRequested = false }
        return reloadRequested
    }

    func wait(millis: Int64, orReadable descriptor: Int32?) { onWait() }
}

/// A wall clock the test moves.
final class TestClock {
    var millis: Int64
    init(_ millis: Int64) { self.millis = millis }
    func now() -> Int64 { millis }
}

/// A small deterministic random number generator (SplitMix64), so that a seed replays a run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
