/// Joins fragments into sessions: fragments of one (host, client) key whose gap is at most the session
/// gap are one session. The same rule the database applies centrally.
public enum FragmentMerger {
    /// Sorts `fragments` by host, client and start, and joins those of a key that are within
    /// `gapMillis` of each other. The result is sorted the same way.
    public static func merge(_ fragments: [Fragment], gapMillis: Int64) -> [Fragment] {
        var out: [Fragment] = []
        out.reserveCapacity(fragments.count)
        var joiner = Joiner(gapMillis: gapMillis)
        for i in sortedIndices(fragments) {
            if let done = joiner.add(fragments[i]) { out.append(done) }
        }
        if let last = joiner.finish() { out.append(last) }
        return out
    }

    /// The positions of `fragments` in ``Fragment/ordered(_:_:)`` order (sorting positions, not
    /// fragments, moves no fragment).
    public static func sortedIndices(_ fragments: [Fragment]) -> [Int] {
        var indices = Array(fragments.indices)
        fragments.withUnsafeBufferPointer { all in
            indices.sort { Fragment.ordered(all[$0], all[$1]) }
        }
        return indices
    }

    /// Joins a stream of fragments that arrives in ``Fragment/ordered(_:_:)`` order.
    public struct Joiner {
        public let gapMillis: Int64
        private var current: Fragment? = nil

        public init(gapMillis: Int64) { self.gapMillis = gapMillis }

        /// Takes the next fragment; returns a session once it is complete.
        public mutating func add(_ fragment: Fragment) -> Fragment? {
            if current != nil, current!.sameKey(as: fragment), fragment.start - current!.end <= gapMillis {
                current!.absorb(fragment)
                return nil
            }
            defer { current = fragment }
            return current
        }

        /// The last session, at the end of the stream.
        public mutating func finish() -> Fragment? {
            defer { current = nil }
            return current
        }
    }

    /// Order by host, then client (bytewise), then start time, then the first request's fields.
    public static func ordered(_ a: Fragment, _ b: Fragment) -> Bool { Fragment.ordered(a, b) }
}
