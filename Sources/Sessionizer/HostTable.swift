/// Interns virtual-host names (lower-cased) to small integers. Append-only: a web host serves a bounded
/// set of virtual hosts.
@usableFromInline
struct HostTable {
    @usableFromInline var names: [[UInt8]] = []
    @usableFromInline var hashes: [UInt64] = []
    @usableFromInline var index: [Int32] = Array(repeating: -1, count: 64)
    // The last host looked up: most lines of a file share one.
    @usableFromInline var lastID: Int32 = -1

    @usableFromInline init() {}

    /// The id of `host` (compared without regard to ASCII case), adding it if new.
    @inlinable
    mutating func intern(_ host: UnsafeRawBufferPointer) -> Int32 {
        if lastID >= 0 && equalsLowercased(names[Int(lastID)], host) { return lastID }
        let h = ByteHash.hashLowercased(host, seed: 0x686F_7374)
        let mask = index.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = index[slot]
            if id < 0 { break }
            if hashes[Int(id)] == h && equalsLowercased(names[Int(id)], host) {
                lastID = id
                return id
            }
            slot = (slot + 1) & mask
        }
        let id = Int32(names.count)
        names.append(host.map { ByteHash.lower($0) })
        hashes.append(h)
        index[slot] = id
        if names.count * 2 > index.count { rebuild(capacity: index.count * 2) }
        lastID = id
        return id
    }

    @usableFromInline
    mutating func rebuild(capacity: Int) {
        index = Array(repeating: -1, count: capacity)
        let mask = capacity - 1
        for (id, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while index[slot] >= 0 { slot = (slot + 1) & mask }
            index[slot] = Int32(id)
        }
    }

    @inlinable
    func equalsLowercased(_ stored: [UInt8], _ host: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == host.count else { return false }
        for i in 0..<stored.count where stored[i] != ByteHash.lower(host[i]) { return false }
        return true
    }
}
