/// A fast, non-cryptographic hash of a few bytes, for the window store's tables.
@usableFromInline
enum ByteHash {
    @usableFromInline static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inlinable @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        let x = (h ^ v) &* multiplier
        return x ^ (x >> 29)
    }

    /// Hashes `bytes`, eight at a time.
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return mix(h, 0) }
        while i + 8 <= n {
            h = mix(h, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        return mix(mix(h, tail), 0x5151_5151)
    }

    /// Hashes `bytes` with ASCII letters folded to lower case.
    @inlinable
    static func hashLowercased(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ UInt64(bytes.count)
        var word: UInt64 = 0
        var shift: UInt64 = 0
        for b in bytes {
            word |= UInt64(lower(b)) << shift
            shift += 8
            if shift == 64 {
                h = mix(h, word)
                word = 0
                shift = 0
            }
        }
        return mix(mix(h, word), 0x5151_5151)
    }

    @inlinable @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 {
        b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
    }
}
