/// The family names one classifier has seen, each with a ``FamilyID``: names are kept once, ids are stable
/// for the classifier's life.
///
/// Group-1 families (device models such as `SM-G960F`) make the set open-ended, so it is bounded: past
/// ``capacity`` names, a new name gets ``FamilyID/other`` and is counted in ``overflows``.
@usableFromInline
final class FamilyTable {
    /// The most names a table holds (ids are 16 bits).
    static let capacity = Int(UInt16.max)

    private(set) var names: [String] = []
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// Open addressing: id + 1, 0 for an empty slot; at most half full (it doubles).
    private var slots: [UInt32]
    private var hashes: [UInt64]
    private var mask: Int
    /// Names refused because the table was full.
    private(set) var overflows = 0
    /// Each id's name bytes, in memory that neither moves nor is freed while the table lives: a request
    /// reads its families with a load each, no closure and no exclusivity check. Room for every id is
    /// reserved up front (pages are touched only as ids are given).
    @usableFromInline let views: UnsafeMutablePointer<UnsafeRawBufferPointer>

    init() {
        let size = 1 << 12
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
        views = .allocate(capacity: Self.capacity)
        _ = intern(Array("Other".utf8))
    }

    deinit {
        for i in 0..<names.count { views[i].deallocate() }
        views.deallocate()
    }

    /// The bytes of family `id`'s name (an id of this table), valid while the table lives.
    @inlinable
    func bytes(of id: FamilyID) -> UnsafeRawBufferPointer {
        views[Int(id.rawValue)]
    }

    var count: Int { names.count }

    func name(_ id: FamilyID) -> String {
        Int(id.rawValue) < names.count ? names[Int(id.rawValue)] : "Other"
    }

    /// The bytes of three names, valid in `body`.
    func withBytes<R>(
        _ a: FamilyID, _ b: FamilyID, _ c: FamilyID,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            func slice(_ id: FamilyID) -> UnsafeRawBufferPointer {
                let i = Int(id.rawValue) < names.count ? Int(id.rawValue) : 0
                return UnsafeRawBufferPointer(rebasing: all[starts[i]..<starts[i + 1]])
            }
            return try body(slice(a), slice(b), slice(c))
        }
    }

    func intern(_ name: [UInt8]) -> FamilyID {
        name.withUnsafeBytes { intern($0) }
    }

    /// The id of `name`, a new one when it is new. Allocates only for a new name.
    func intern(_ name: UnsafeRawBufferPointer) -> FamilyID {
        let hash = ByteHash.hash(name)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let id = Int(slots[slot] - 1)
            if hashes[slot] == hash && equal(id, name) { return FamilyID(rawValue: UInt16(id)) }
            slot = (slot + 1) & mask
        }
        guard names.count < Self.capacity else {
            overflows += 1
            return .other
        }
        if 2 * (names.count + 1) > slots.count {
            grow()
            slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
        }
        let id = names.count
        bytes.append(contentsOf: name)
        starts.append(bytes.count)
        names.append(String(decoding: name, as: UTF8.self))
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(name.count, 1), alignment: 1)
        if name.count > 0 { copy.baseAddress!.copyMemory(from: name.baseAddress!, byteCount: name.count) }
        views[id] = UnsafeRawBufferPointer(start: copy.baseAddress, count: name.count)
        slots[slot] = UInt32(id + 1)
        hashes[slot] = hash
        return FamilyID(rawValue: UInt16(id))
    }

    private func grow() {
        let oldSlots = slots
        let oldHashes = hashes
        let size = slots.count * 2
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for (k, entry) in oldSlots.enumerated() where entry != 0 {
            var slot = Int(truncatingIfNeeded: oldHashes[k]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
            hashes[slot] = oldHashes[k]
        }
    }

    private func equal(_ id: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        let start = starts[id]
        let end = starts[id + 1]
        guard end - start == name.count else { return false }
        for k in 0..<name.count where bytes[start + k] != name[k] { return false }
        return true
    }
}
