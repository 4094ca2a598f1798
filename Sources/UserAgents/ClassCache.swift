#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bounded map from user-agent bytes to their ``UserAgentClass``, so that each distinct user agent is
/// classified once: at most `capacity` entries and `capacity` × 256 bytes of user agents, in memory
/// allocated up front. When either is full, the whole cache is emptied (the simplest eviction, and a rare
/// one: real traffic has a few thousand user agents) and filling starts over.
///
/// A lookup hashes the bytes, probes an open-addressing table and compares the bytes exactly; it allocates
/// nothing. The table holds 8 bytes a slot (part of the hash, and where the entry is), small enough to
/// stay in the CPU's cache; each entry keeps its full hash and class beside its bytes, so that a lookup
/// reads one place in memory that is likely not in the cache, not two.
final class ClassCache {
    let capacity: Int
    private let slotCount: Int
    private let mask: Int
    /// One slot: 0 when empty, else the hash's high 32 bits (made odd) above the entry's arena offset.
    private let slots: UnsafeMutablePointer<UInt64>
    /// Entries back to back, each 8-byte aligned: ``Header``, then the user agent's bytes.
    private let arena: UnsafeMutableRawPointer
    /// Bytes of user agents the arena holds at most (besides the headers).
    let arenaCapacity: Int
    private let arenaSize: Int
    private var arenaUsed = 0
    private(set) var count = 0
    /// Times the cache was emptied because it was full.
    private(set) var clears = 0

    private struct Header {
        var hash: UInt64
        var value: UserAgentClass
        var length: Int
    }

    private static let headerSize = MemoryLayout<Header>.stride

    /// A cache of at most `capacity` user agents (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        var size = 2
        while size < 2 * self.capacity { size <<= 1 }
        slotCount = size
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        arenaCapacity = min(self.capacity * 256, Int(UInt32.max) / 2)
        // Room for every entry's header and alignment besides the bytes.
        arenaSize = min(arenaCapacity + self.capacity * (ClassCache.headerSize + 8), Int(UInt32.max))
        arena = .allocate(byteCount: arenaSize, alignment: 16)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
    }

    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        ByteHash.hash(key) | 1
    }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 {
        (hash | 1 << 32) & 0xFFFF_FFFF_0000_0000
    }

    /// The class cached for `key` (whose ``hash(_:)`` is `hash`), if any.
    @inline(__always)
    func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UserAgentClass? {
        let tag = ClassCache.tag(hash)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let at = arena + Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
                let header = at.load(as: Header.self)
                if header.hash == hash && header.length == key.count
                    && (key.count == 0
                        || memcmp(at + ClassCache.headerSize, key.baseAddress!, key.count) == 0)
                {
                    return header.value
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Remembers `value` for `key` (not already present), emptying the cache first if it is full. A key
    /// longer than the whole arena is not kept.
    func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, value: UserAgentClass) {
        guard key.count <= arenaCapacity else { return }
        let size = (ClassCache.headerSize + key.count + 7) & ~7
        if count == capacity || arenaUsed + size > arenaSize { clear() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        let at = arena + arenaUsed
        at.storeBytes(of: Header(hash: hash, value: value, length: key.count), as: Header.self)
        if key.count > 0 { (at + ClassCache.headerSize).copyMemory(from: key.baseAddress!, byteCount: key.count) }
        slots[slot] = ClassCache.tag(hash) | UInt64(arenaUsed)
        arenaUsed += size
        count += 1
    }

    /// Forgets every entry.
    func clear() {
        slots.update(repeating: 0, count: slotCount)
        arenaUsed = 0
        count = 0
        clears += 1
    }
}
