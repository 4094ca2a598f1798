import Sessionizer

#if canImport(Glibc)
    import Glibc
#endif

/// Collects a batch run's fragments in bounded memory and hands them back joined into sessions, in
/// order: an external merge sort. Fragments are kept in memory up to a budget; past it they are sorted
/// and written to an anonymous temporary file (a run), and at the end the runs are merged.
final class FragmentSpool {
    private let memoryBudget: Int
    private let gapMillis: Int64
    private var pending: [Fragment] = []
    private var pendingBytes = 0
    private var runs: [Run] = []
    /// Fragments taken in.
    private(set) var count = 0

    init(memoryBudget: Int, gapMillis: Int64) {
        self.memoryBudget = memoryBudget
        self.gapMillis = gapMillis
    }

    /// Takes fragments; may write a run.
    func append(_ fragments: [Fragment]) throws(SpoolError) {
        for fragment in fragments {
            pendingBytes += fragment.textSize + 120
            pending.append(fragment)
        }
        count += fragments.count
        if pendingBytes > memoryBudget { try spill() }
    }

    private func spill() throws(SpoolError) {
        guard let file = tmpfile() else { throw SpoolError(errno: errno) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        for i in FragmentMerger.sortedIndices(pending) {
            pending[i].serialize(into: &buffer)
            if buffer.count >= 1 << 20 { try write(buffer, to: file); buffer.removeAll(keepingCapacity: true) }
        }
        try write(buffer, to: file)
        rewind(file)
        runs.append(Run(file: file))
        pending = []
        pendingBytes = 0
        if runs.count >= FragmentSpool.maximumRuns { try compact() }
    }

    /// At most this many runs are merged at once; more are first merged into one (a second pass), so
    /// that memory and the cost of picking the next fragment stay bounded however small the budget.
    static let maximumRuns = 16

    private func compact() throws(SpoolError) {
        guard let file = tmpfile() else { throw SpoolError(errno: errno) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        do {
            try FragmentSpool.merge(runs, gapMillis: gapMillis) { session in
                session.serialize(into: &buffer)
                if buffer.count >= 1 << 20 {
                    try write(buffer, to: file)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        } catch let error as SpoolError {
            throw error
        } catch {
            throw SpoolError(message: "\(error)")
        }
        try write(buffer, to: file)
        rewind(file)
        runs = [Run(file: file)]
    }

    /// Merges sorted runs, joining fragments into sessions, in order.
    private static func merge(_ runs: [Run], gapMillis: Int64, _ body: (Fragment) throws -> Void) throws {
        var joiner = FragmentMerger.Joiner(gapMillis: gapMillis)
        var heads: [Fragment?] = try runs.map { run throws(SpoolError) in try run.next() }
        while true {
            var best = -1
            for (i, head) in heads.enumerated() {
                guard let head else { continue }
                if best < 0 || Fragment.ordered(head, heads[best]!) { best = i }
            }
            if best < 0 { break }
            if let session = joiner.add(heads[best]!) { try body(session) }
            heads[best] = try runs[best].next()
        }
        if let last = joiner.finish() { try body(last) }
    }

    private func write(_ bytes: [UInt8], to file: UnsafeMutablePointer<FILE>) throws(SpoolError) {
        guard !bytes.isEmpty else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != bytes.count { throw SpoolError(errno: errno) }
    }

    /// Calls `body` with each session (fragments joined), sorted by host, client and start.
    func drain(_ body: (Fragment) throws -> Void) throws {
        if runs.isEmpty {
            var joiner = FragmentMerger.Joiner(gapMillis: gapMillis)
            for i in FragmentMerger.sortedIndices(pending) {
                if let session = joiner.add(pending[i]) { try body(session) }
            }
            if let last = joiner.finish() { try body(last) }
        } else {
            if !pending.isEmpty { try spill() }
            // Few runs, so the smallest head is found by a scan.
            try FragmentSpool.merge(runs, gapMillis: gapMillis, body)
        }
        pending = []
        runs = []
    }

    /// One sorted run on disk, read back through a buffer.
    final class Run {
        let file: UnsafeMutablePointer<FILE>
        var buffer: [UInt8] = []
        var position = 0
        var atEnd = false

        init(file: UnsafeMutablePointer<FILE>) { self.file = file }
        deinit { fclose(file) }

        func next() throws(SpoolError) -> Fragment? {
            while true {
                var offset = position
                let fragment = buffer.withUnsafeBytes { Fragment(serialized: $0, at: &offset) }
                if let fragment {
                    position = offset
                    return fragment
                }
                if atEnd {
                    if position < buffer.count { throw SpoolError(message: "a temporary sort file is damaged") }
                    return nil
                }
                // Keep the partial record, read more.
                buffer.removeFirst(position)
                position = 0
                let old = buffer.count
                let chunk = 1 << 16
                buffer.append(contentsOf: repeatElement(0, count: chunk))
                let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + old, 1, chunk, file) }
                buffer.removeLast(chunk - n)
                if n == 0 {
                    if ferror(file) != 0 { throw SpoolError(errno: errno) }
                    atEnd = true
                }
            }
        }
    }
}
