import Journal
import Sessionizer
import Tailing

extension Daemon {
    /// Appends a commit of the checkpoints, the fragments emitted and the open sessions changed
    /// since the last one, and makes it durable; nothing when nothing changed.
    func commit() throws {
        var changes: [(String, DaemonJournal.SourceChange)] = []
        for name in Set(pipelines.keys).union(pending.keys).sorted() {
            var change = DaemonJournal.SourceChange()
            change.emitted = pending[name] ?? []
            if var pipeline = pipelines.removeValue(forKey: name) {
                change.changed = pipeline.takeChanges()
                pipelines[name] = pipeline
            }
            if !change.emitted.isEmpty || !change.changed.isEmpty { changes.append((name, change)) }
        }
        guard !changes.isEmpty || checkpointsChanged else { return }
        let sequence: UInt64
        if durable {
            sequence = try journal.append(
                kind: DaemonJournal.commit,
                payload: DaemonJournal.encodeCommit(
                    agentID: configuration.agentID, checkpoints: checkpoints, changes: changes))
            try journal.sync()
        } else {
            volatileSequence += 1
            sequence = volatileSequence
        }
        let emitted = changes.flatMap(\.1.emitted)
        if !emitted.isEmpty {
            outbox.append((sequence, configuration.agentID, emitted))
            outboxBytes += Daemon.memoryEstimate(emitted)
            if outboxSince == nil { outboxSince = clock() }
        }
        pending = [:]
        checkpointsChanged = false
        if durable { try compactJournal() }
    }

    /// Once the current segment is full: a new one, starting with a snapshot, and the segments that
    /// hold nothing unshipped before the snapshot removed.
    func compactJournal() throws {
        // A snapshot needs every source's open sessions: not while one is being read.
        guard journal.needsNewSegment, pipelines.count == configuration.sources.count else { return }
        try journal.startSegment()
        let snapshot = try writeSnapshot()
        journal.removeSegments(before: min(outbox.first?.sequence ?? snapshot, snapshot))
        try journal.sync()
    }

    @discardableResult
    func writeSnapshot() throws -> UInt64 {
        guard durable else { return 0 }
        // Written a part at a time: a large store is never held twice over in memory.
        let part = Daemon.snapshotPart
        let names = pipelines.keys.sorted()
        let parts = names.reduce(0) { $0 + (pipelines[$1]!.openSessions + part - 1) / part }
        let sequence = try journal.append(
            kind: DaemonJournal.snapshot,
            payload: DaemonJournal.encodeSnapshot(
                shippedThrough: shippedThrough, checkpoints: checkpoints, open: [], parts: parts))
        var written = 0
        for name in names {
            let pipeline = pipelines[name]!
            var position = pipeline.oldestOpen
            while position >= 0 {
                let fragments = pipeline.openFragments(from: &position, limit: part)
                try journal.append(
                    kind: DaemonJournal.snapshotPart,
                    payload: DaemonJournal.encodeSnapshotPart(source: name, fragments: fragments))
                written += 1
            }
        }
        precondition(written == parts, "a snapshot wrote \(written) parts of \(parts)")
        try journal.sync()
        lastSnapshot = sequence
        return sequence
    }

    /// Open sessions per snapshot part record.
    static let snapshotPart = 4096
}
