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
/// nothing.
final class ClassCache {
    let capacity: Int
    private let slotCount: Int
    private let mask: Int
    /// One slot: all a lookup reads besides the user agent's bytes, together (24 bytes), so that a
    /// lookup in a table too large for the cache misses it once, not once per field.
    private struct Slot {
        /// 0 for an empty slot (a real hash is made odd).
        var hash: UInt64
        var offset: UInt32
        var length: UInt32
        var value: UserAgentClass

        static let empty = Slot(
            hash: 0, offset: 0, length: 0,
            value: UserAgentClass(isBot: false, browser: .other, os: .other, device: .other))
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let arena: UnsafeMutableRawPointer
    let arenaCapacity: Int
    private var arenaUsed = 0
    private(set) var count = 0
    /// Times the cache was emptied because it was full.
    private(set) var clears = 0

    /// A cache of at most `capacity` user agents (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        var size = 2
        while size < 2 * self.capacity { size <<= 1 }
        slotCount = size
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot.empty, count: size)
        arenaCapacity = min(self.capacity * 256, Int(UInt32.max))
        arena = .allocate(byteCount: arenaCapacity, alignment: 16)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
    }

    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        ByteHash.hash(key) | 1
    }

    /// The class cached for `key` (whose ``hash(_:)`` is `hash`), if any.
    @inline(__always)
    func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UserAgentClass? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let h = slots[slot].hash
            if h == 0 { return nil }
            if h == hash && Int(slots[slot].length) == key.count {
                if key.count == 0 || memcmp(arena + Int(slots[slot].offset), key.baseAddress!, key.count) == 0 {
                    return slots[slot].value
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Remembers `value` for `key` (not already present), emptying the cache first if it is full. A key
    /// longer than the whole arena is not kept.
    func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, value: UserAgentClass) {
        guard key.count <= arenaCapacity else { return }
        if count == capacity || arenaUsed + key.count > arenaCapacity { clear() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot].hash != 0 { slot = (slot + 1) & mask }
        if key.count > 0 { (arena + arenaUsed).copyMemory(from: key.baseAddress!, byteCount: key.count) }
        slots[slot] = Slot(hash: hash, offset: UInt32(arenaUsed), length: UInt32(key.count), value: value)
        arenaUsed += key.count
        count += 1
    }

    /// Forgets every entry.
    func clear() {
        slots.update(repeating: Slot.empty, count: slotCount)
        arenaUsed = 0
        count = 0
        clears += 1
    }
}
