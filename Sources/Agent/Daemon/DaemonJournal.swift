import Journal
import Sessionizer
import Tailing

/// The daemon's state as records of its write-ahead log (`state_dir/wal`).
///
/// - A **snapshot** holds everything: the checkpoints, every source's open sessions, and the last
///   commit shipped. One begins every segment. Open sessions may follow in **snapshot part**
///   records (the snapshot says how many), so that a large store is written a piece at a time; a
///   snapshot cut short by a crash does not count.
/// - A **commit** holds what a pass changed: the agent id, the checkpoints, the fragments emitted (closed,
///   evicted or flushed sessions: the outbox), and the open sessions of every key that changed. A
///   commit is durable before any of its fragments is shipped, and describes one instant: its
///   offsets and open sessions account for every line read, and every session emitted is in its
///   fragments. So a crash at any moment comes back to the last durable commit; lines read after it
///   are read again; what it emitted and was not shipped is shipped (again: shipping is idempotent).
///   Decisions made by the wall clock (idle sessions closed) or by memory pressure (evictions) are
///   in it as their fragments, so replay never decides them differently.
/// - A **shipped** record notes that every commit up to a sequence is in PostgreSQL.
///
/// Recovery: the last snapshot, then every commit after it in order; the outbox is every commit's
/// fragments not yet shipped, wherever it is.
enum DaemonJournal {
    static let snapshot: UInt8 = 1
    static let commit: UInt8 = 2
    static let shipped: UInt8 = 3
    /// More of a snapshot's open sessions: a snapshot counts only with all its parts.
    static let snapshotPart: UInt8 = 4

    /// What a pass changed in one source.
    struct SourceChange {
        var emitted: [Fragment] = []
        var changed: [Fragment] = []
    }

    /// The state recovered from the log.
    struct Recovered {
        var checkpoints = Checkpoints()
        /// Open sessions by source, then by key (host and client).
        var open: [String: [[UInt8]: [Fragment]]] = [:]
        var shippedThrough: UInt64 = 0
        /// Commits not yet shipped, oldest first, with the agent id they were committed under (a
        /// fragment's id derives from it: shipped under another, a re-ship would not be a no-op).
        var outbox: [(sequence: UInt64, agentID: String, fragments: [Fragment])] = []
        var hasSnapshot = false
    }

    static func key(_ f: Fragment) -> [UInt8] { Array(f.host) + [0] + Array(f.client) }

    // MARK: - Encoding

    /// A snapshot record; `parts` more records of ``encodeSnapshotPart(source:fragments:)`` must follow.
    static func encodeSnapshot(
        shippedThrough: UInt64, checkpoints: Checkpoints, open: [(String, [Fragment])], parts: Int = 0
    ) -> [UInt8] {
        var out: [UInt8] = []
        put(shippedThrough, &out)
        putBytes(checkpoints.encoded(), &out)
        put(UInt32(open.count), &out)
        for (name, fragments) in open {
            putBytes(Array(name.utf8), &out)
            putFragments(fragments, &out)
        }
        put(UInt32(parts), &out)
        return out
    }

    static func encodeSnapshotPart(source: String, fragments: [Fragment]) -> [UInt8] {
        var out: [UInt8] = []
        putBytes(Array(source.utf8), &out)
        putFragments(fragments, &out)
        return out
    }

    static func encodeCommit(agentID: String, checkpoints: Checkpoints, changes: [(String, SourceChange)]) -> [UInt8] {
        var out: [UInt8] = []
        putBytes(Array(agentID.utf8), &out)
        putBytes(checkpoints.encoded(), &out)
        put(UInt32(changes.count), &out)
        for (name, change) in changes {
            putBytes(Array(name.utf8), &out)
            putFragments(change.emitted, &out)
            putFragments(change.changed, &out)
        }
        return out
    }

    static func encodeShipped(_ through: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        put(through, &out)
        return out
    }

    // MARK: - Recovery

    static func recover(_ records: [WriteAheadLog.Record], path: String) throws -> Recovered {
        var state = Recovered()
        guard !records.isEmpty else { return state }
        // A snapshot being read (its parts still to come), and how many parts it still needs.
        var candidate: Recovered? = nil
        var partsDue = 0
        func add(_ fragments: [Fragment], of name: String, to target: inout Recovered) {
            var byKey = target.open[name] ?? [:]
            for f in fragments { byKey[key(f), default: []].append(f) }
            target.open[name] = byKey
        }
        for record in records {
            var reader = Reader(bytes: record.payload, path: path, sequence: record.sequence)
            if record.kind != snapshotPart && partsDue > 0 {
                candidate = nil  // a snapshot without all its parts does not count
                partsDue = 0
            }
            switch record.kind {
            case snapshot:
                var next = Recovered()
                next.shippedThrough = try reader.u64()
                state.shippedThrough = max(state.shippedThrough, next.shippedThrough)
                next.checkpoints = try Checkpoints.decode(try reader.field(), path: path)
                for _ in 0..<(try reader.u32()) {
                    let name = String(decoding: try reader.field(), as: UTF8.self)
                    add(try reader.fragments(), of: name, to: &next)
                }
                partsDue = reader.p < reader.bytes.count ? try reader.u32() : 0
                if partsDue == 0 {
                    adopt(next, into: &state)
                } else {
                    candidate = next
                }
            case snapshotPart:
                guard partsDue > 0, var next = candidate else { continue }  // of a snapshot that did not count
                let name = String(decoding: try reader.field(), as: UTF8.self)
                add(try reader.fragments(), of: name, to: &next)
                partsDue -= 1
                if partsDue == 0 {
                    adopt(next, into: &state)
                    candidate = nil
                } else {
                    candidate = next
                }
            case commit:
                let agentID = String(decoding: try reader.field(), as: UTF8.self)
                let checkpoints = try reader.field()
                var emitted: [Fragment] = []
                var changes: [(String, [Fragment], [Fragment])] = []
                for _ in 0..<(try reader.u32()) {
                    let name = String(decoding: try reader.field(), as: UTF8.self)
                    let gone = try reader.fragments()
                    let changed = try reader.fragments()
                    emitted += gone
                    changes.append((name, gone, changed))
                }
                state.outbox.append((record.sequence, agentID, emitted))
                // Before the first snapshot (damage), a commit only adds to the outbox.
                guard state.hasSnapshot else { continue }
                state.checkpoints = try Checkpoints.decode(checkpoints, path: path)
                for (name, gone, changed) in changes {
                    var byKey = state.open[name] ?? [:]
                    for f in gone { byKey[key(f)] = nil }
                    var replaced: [[UInt8]: [Fragment]] = [:]
                    for f in changed { replaced[key(f), default: []].append(f) }
                    for (k, list) in replaced { byKey[k] = list }
                    state.open[name] = byKey
                }
            case shipped:
                state.shippedThrough = max(state.shippedThrough, try reader.u64())
            default:
                throw InputError(
                    path: path,
                    problem:
                        "record \(record.sequence) is of a kind (\(record.kind)) this sessiontail does not know; upgrade sessiontail"
                )
            }
        }
        guard state.hasSnapshot else {
            throw InputError(
                path: path,
                problem:
                    "the write-ahead log has no whole snapshot to start from (damaged); move the state directory away to start afresh"
            )
        }
        state.outbox.removeAll { $0.sequence <= state.shippedThrough || $0.fragments.isEmpty }
        return state
    }

    /// A whole snapshot replaces the state (the commits before it are in it); the outbox stays.
    static func adopt(_ snapshot: Recovered, into state: inout Recovered) {
        state.checkpoints = snapshot.checkpoints
        state.open = snapshot.open
        state.shippedThrough = max(state.shippedThrough, snapshot.shippedThrough)
        state.hasSnapshot = true
    }

    /// Open sessions in the order ``WindowStore/restore(_:)`` wants: least recently active first.
    static func ordered(_ byKey: [[UInt8]: [Fragment]]) -> [Fragment] {
        byKey.values.flatMap { $0 }.sorted { ($0.end, $0.start) < ($1.end, $1.start) }
    }

    // MARK: - Bytes

    static func put(_ value: UInt64, _ out: inout [UInt8]) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    static func put(_ value: UInt32, _ out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    static func putBytes(_ bytes: [UInt8], _ out: inout [UInt8]) {
        put(UInt32(bytes.count), &out)
        out += bytes
    }

    static func putFragments(_ fragments: [Fragment], _ out: inout [UInt8]) {
        put(UInt32(fragments.count), &out)
        for f in fragments { f.serialize(into: &out) }
    }

    struct Reader {
        let bytes: [UInt8]
        let path: String
        let sequence: UInt64
        var p = 0

        init(bytes: [UInt8], path: String, sequence: UInt64) {
            self.bytes = bytes
            self.path = path
            self.sequence = sequence
        }

        func damaged() -> InputError {
            InputError(
                path: path,
                problem:
                    "record \(sequence) of the write-ahead log passed its checksum but does not decode (written by another version?); move the state directory away to start afresh"
            )
        }

        mutating func u64() throws -> UInt64 {
            guard bytes.count - p >= 8 else { throw damaged() }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[p + i]) << (8 * UInt64(i)) }
            p += 8
            return v
        }

        mutating func u32() throws -> Int {
            guard bytes.count - p >= 4 else { throw damaged() }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[p + i]) << (8 * UInt32(i)) }
            p += 4
            return Int(v)
        }

        mutating func field() throws -> ArraySlice<UInt8> {
            let n = try u32()
            guard bytes.count - p >= n else { throw damaged() }
            defer { p += n }
            return bytes[p..<(p + n)]
        }

        mutating func fragments() throws -> [Fragment] {
            let n = try u32()
            var out: [Fragment] = []
            out.reserveCapacity(min(n, 1 << 16))
            for _ in 0..<n {
                let f = bytes.withUnsafeBytes { raw in Fragment(serialized: raw, at: &p) }
                guard let f else { throw damaged() }
                out.append(f)
            }
            return out
        }
    }
}
