/// Joins fragments into sessions: fragments of one (host, client) key whose gap is at most the session
/// gap are one session. The same rule the database applies centrally.
public enum FragmentMerger {
    /// Sorts `fragments` by host, client and start, and joins those of a key that are within
    /// `gapMillis` of each other. The result is sorted the same way.
    public static func merge(_ fragments: [Fragment], gapMillis: Int64) -> [Fragment] {
        var sorted = fragments
        sorted.sort(by: ordered)
        var out: [Fragment] = []
        out.reserveCapacity(sorted.count)
        for fragment in sorted {
            if var last = out.last, last.sameKey(as: fragment), fragment.start - last.end <= gapMillis {
                out.removeLast()
                last.absorb(fragment)
                out.append(last)
            } else {
                out.append(fragment)
            }
        }
        return out
    }

    /// Order by host, then client (bytewise), then start time, then input position.
    public static func ordered(_ a: Fragment, _ b: Fragment) -> Bool {
        if !a.host.elementsEqual(b.host) { return a.host.lexicographicallyPrecedes(b.host) }
        if !a.client.elementsEqual(b.client) { return a.client.lexicographicallyPrecedes(b.client) }
        return a.startsBefore(b)
    }
}
