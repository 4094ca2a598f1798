import Journal
import Sessionizer
import Tailing
import Testing

@testable import Agent

/// Recovery from the daemon's write-ahead log records: a snapshot counts only with all its parts,
/// commits after it bring it up to date, and the outbox is what was committed and not shipped.
@Suite("Daemon journal recovery")
struct DaemonJournalTests {
    func fragment(_ client: String, start: Int64, count: Int64 = 1) -> Fragment {
        Fragment(
            host: Array("h.example".utf8), client: Array(client.utf8), start: start, end: start + 1_000,
            eventCount: count, bytes: 1, errorCount: 0, landingPath: Array("/".utf8), referrer: Array("-".utf8),
            userAgent: Array("ua".utf8), origin: UInt64(start), cause: .flushed)
    }

    func record(_ sequence: UInt64, _ kind: UInt8, _ payload: [UInt8]) -> WriteAheadLog.Record {
        WriteAheadLog.Record(sequence: sequence, kind: kind, payload: payload)
    }

    @Test func aSnapshotCutShortDoesNotCount() throws {
        let a = fragment("10.0.0.1", start: 0)
        let b = fragment("10.0.0.2", start: 0)
        let closed = fragment("10.0.0.3", start: 0)
        let grown = fragment("10.0.0.1", start: 0, count: 5)
        let records = [
            record(
                1, DaemonJournal.snapshot,
                DaemonJournal.encodeSnapshot(shippedThrough: 0, checkpoints: Checkpoints(), open: [], parts: 2)),
            record(2, DaemonJournal.snapshotPart, DaemonJournal.encodeSnapshotPart(source: "web", fragments: [a])),
            record(
                3, DaemonJournal.snapshotPart, DaemonJournal.encodeSnapshotPart(source: "web", fragments: [b, closed])),
            // A commit: 10.0.0.3 closed (emitted), 10.0.0.1 grew.
            record(
                4, DaemonJournal.commit,
                DaemonJournal.encodeCommit(
                    agentID: "one", checkpoints: Checkpoints(),
                    changes: [("web", DaemonJournal.SourceChange(emitted: [closed], changed: [grown]))])),
            // A later snapshot whose second part never made it to disk.
            record(
                5, DaemonJournal.snapshot,
                DaemonJournal.encodeSnapshot(shippedThrough: 0, checkpoints: Checkpoints(), open: [], parts: 2)),
            record(6, DaemonJournal.snapshotPart, DaemonJournal.encodeSnapshotPart(source: "web", fragments: [])),
        ]
        let state = try DaemonJournal.recover(records, path: "test")
        let open = DaemonJournal.ordered(state.open["web"] ?? [:])
        #expect(Set(open.map { String(decoding: $0.client, as: UTF8.self) }) == ["10.0.0.1", "10.0.0.2"])
        #expect(open.first { $0.client.elementsEqual("10.0.0.1".utf8) }?.eventCount == 5)
        #expect(state.outbox.count == 1 && state.outbox[0].sequence == 4 && state.outbox[0].agentID == "one")
        // Shipped: the outbox empties.
        let shipped = try DaemonJournal.recover(
            records + [record(7, DaemonJournal.shipped, DaemonJournal.encodeShipped(4))], path: "test")
        #expect(shipped.outbox.isEmpty)
    }

    @Test func noWholeSnapshotIsAClearError() {
        let records = [
            record(
                1, DaemonJournal.snapshot,
                DaemonJournal.encodeSnapshot(shippedThrough: 0, checkpoints: Checkpoints(), open: [], parts: 1))
        ]
        #expect {
            _ = try DaemonJournal.recover(records, path: "state/wal")
        } throws: { error in
            "\(error)".contains("no whole snapshot") && "\(error)".contains("move the state directory away")
        }
    }
}
