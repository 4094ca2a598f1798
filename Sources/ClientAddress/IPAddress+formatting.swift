extension IPAddress: CustomStringConvertible {
    /// Writes the canonical text of the address into `buffer`, which must hold at least ``maxTextLength``
    /// bytes, and returns the number of bytes written. Allocation-free.
    ///
    /// IPv4 as a dotted quad; IPv6 as RFC 5952 recommends: lower case, no leading zeros in a group, the longest
    /// run of two or more zero groups written `::` (the first run when two are equally long; a single zero
    /// group stays `0`), and an IPv4-mapped address as `::ffff:192.0.2.1` (§5).
    public func write(to buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= IPAddress.maxTextLength, "buffer too small for an address")
        let out = buffer.baseAddress!
        if family == .ipv4 { return IPAddress.writeIPv4(UInt32(truncatingIfNeeded: low), to: out, at: 0) }
        if isIPv4Mapped {
            var n = 0
            for c in "::ffff:".utf8 {
                out.storeBytes(of: c, toByteOffset: n, as: UInt8.self)
                n += 1
            }
            return IPAddress.writeIPv4(UInt32(truncatingIfNeeded: low), to: out, at: n)
        }
        @inline(__always) func group(_ index: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (index < 4 ? high : low) >> (48 - 16 * UInt64(index & 3)))
        }
        // The longest run of zero groups; a strictly longer run replaces an earlier one.
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for index in 0..<8 {
            if group(index) == 0 {
                if runStart < 0 { runStart = index }
                if index - runStart + 1 > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart + 1
                }
            } else {
                runStart = -1
            }
        }
        var n = 0
        var index = 0
        var separate = false
        while index < 8 {
            if index == bestStart {
                // `::` stands for the run and the separators around it.
                out.storeBytes(of: UInt8(ascii: ":"), toByteOffset: n, as: UInt8.self)
                out.storeBytes(of: UInt8(ascii: ":"), toByteOffset: n + 1, as: UInt8.self)
                n += 2
                index += bestLength
                separate = false
                continue
            }
            if separate {
                out.storeBytes(of: UInt8(ascii: ":"), toByteOffset: n, as: UInt8.self)
                n += 1
            }
            n = IPAddress.writeHex(group(index), to: out, at: n)
            separate = true
            index += 1
        }
        return n
    }

    /// The canonical text, as ``write(to:)`` writes it: for output and messages, not for the hot path.
    public var description: String {
        String(unsafeUninitializedCapacity: IPAddress.maxTextLength) { buffer in
            write(to: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    static func writeIPv4(_ value: UInt32, to out: UnsafeMutableRawPointer, at offset: Int) -> Int {
        var n = offset
        for part in 0..<4 {
            if part > 0 {
                out.storeBytes(of: UInt8(ascii: "."), toByteOffset: n, as: UInt8.self)
                n += 1
            }
            let octet = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(part)))
            if octet >= 100 {
                out.storeBytes(of: UInt8(ascii: "0") + octet / 100, toByteOffset: n, as: UInt8.self)
                n += 1
            }
            if octet >= 10 {
                out.storeBytes(of: UInt8(ascii: "0") + octet / 10 % 10, toByteOffset: n, as: UInt8.self)
                n += 1
            }
            out.storeBytes(of: UInt8(ascii: "0") + octet % 10, toByteOffset: n, as: UInt8.self)
            n += 1
        }
        return n
    }

    static func writeHex(_ value: UInt16, to out: UnsafeMutableRawPointer, at offset: Int) -> Int {
        var n = offset
        var shift = 12
        while shift > 0 && value >> UInt16(shift) == 0 { shift -= 4 }
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0xf
            let digit = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            out.storeBytes(of: digit, toByteOffset: n, as: UInt8.self)
            n += 1
            shift -= 4
        }
        return n
    }
}
