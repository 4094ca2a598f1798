/// A fast, non-cryptographic hash of bytes, eight at a time, for the cache and the family table.
enum ByteHash {
    static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        let x = (h ^ v) &* multiplier
        return x ^ (x >> 29)
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h = 0x243F_6A88_85A3_08D3 ^ UInt64(n)
        guard let base = bytes.baseAddress else { return mix(h, 0) }
        var i = 0
        // Two lanes of 8 bytes, independent of each other, so that their multiplications overlap.
        var g = 0x1319_8A2E_0370_7344 ^ UInt64(n)
        while i + 16 <= n {
            h = mix(h, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            g = mix(g, base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
            i += 16
        }
        h = mix(h, g)
        if i + 8 <= n {
            h = mix(h, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            // The last 8 bytes (overlapping what was mixed) when there are 8; else the few bytes one by one.
            var tail: UInt64 = 0
            if n >= 8 {
                tail = base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else {
                var shift: UInt64 = 0
                while i < n {
                    tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
                    shift += 8
                    i += 1
                }
            }
            h = mix(h, tail)
        }
        return mix(h, 0x5151_5151)
    }
}
