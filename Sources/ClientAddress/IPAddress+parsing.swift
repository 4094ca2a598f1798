extension IPAddress {
    /// Parses an address written in ASCII, as a web server writes `$remote_addr` / `%h`; nil when the bytes are
    /// not exactly one address.
    ///
    /// - IPv4: a dotted quad of four decimal numbers 0–255 without leading zeros (`192.0.2.1`; `192.0.2.01` is
    ///   refused, as some parsers read it as octal and others as decimal, and Python's `ipaddress` refuses it).
    /// - IPv6: RFC 4291 §2.2: eight groups of one to four hexadecimal digits, either case, one `::` standing for
    ///   one or more zero groups, and an IPv4 dotted quad (same rules) as the last 32 bits
    ///   (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`).
    /// - Refused: anything else in the bytes, such as spaces, `[…]` brackets, a port (`192.0.2.1:80`), a zone
    ///   (`fe80::1%eth0`: it names an interface of the server, not the client, and a web server logs it only
    ///   for link-local peers), host names and `unknown` or `-`.
    ///
    /// Allocation-free; more than 45 bytes (the longest address) are refused without being read.
    public init?(_ text: UnsafeRawBufferPointer) {
        let count = text.count
        guard count >= 2 && count <= 45, let base = text.baseAddress else { return nil }
        var i = 0
        while i < count && base.load(fromByteOffset: i, as: UInt8.self) != UInt8(ascii: ":") { i += 1 }
        if i == count {
            guard let value = IPAddress.parseIPv4(base, from: 0, to: count) else { return nil }
            self.init(ipv4: value)
        } else {
            guard let (high, low) = IPAddress.parseIPv6(base, count: count) else { return nil }
            self.init(ipv6High: high, low: low)
        }
    }

    /// Parses an address from a string (configuration, tests); the same rules as the byte form.
    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ IPAddress(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = address
    }

    /// The 32-bit value of the dotted quad that fills `start..<end` exactly.
    static func parseIPv4(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> UInt32? {
        var value: UInt32 = 0
        var i = start
        for part in 0..<4 {
            if part > 0 {
                guard i < end, base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: ".") else { return nil }
                i += 1
            }
            guard i < end else { return nil }
            let first = base.load(fromByteOffset: i, as: UInt8.self) &- UInt8(ascii: "0")
            guard first <= 9 else { return nil }
            i += 1
            var octet = UInt32(first)
            // A part that starts with 0 is that 0 alone: a digit after it is refused by the check for `.`.
            if first != 0 {
                var digits = 1
                while digits < 3 && i < end {
                    let digit = base.load(fromByteOffset: i, as: UInt8.self) &- UInt8(ascii: "0")
                    guard digit <= 9 else { break }
                    octet = octet * 10 + UInt32(digit)
                    i += 1
                    digits += 1
                }
                guard octet <= 255 else { return nil }
            }
            value = value << 8 | octet
        }
        return i == end ? value : nil
    }

    /// The 128 bits of the IPv6 text that fills `0..<count` exactly.
    ///
    /// Groups before a `::` and after it are shifted into two accumulators; the head is moved into place
    /// once the number of groups is known.
    static func parseIPv6(_ base: UnsafeRawPointer, count: Int) -> (UInt64, UInt64)? {
        @inline(__always) func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        @inline(__always) func push(_ word: inout (UInt64, UInt64), _ group: UInt64) {
            word.0 = word.0 << 16 | word.1 >> 48
            word.1 = word.1 << 16 | group
        }
        var head: (UInt64, UInt64) = (0, 0)
        var tail: (UInt64, UInt64) = (0, 0)
        var headGroups = 0
        var tailGroups = 0
        var compressed = false
        var i = 0
        if byte(0) == UInt8(ascii: ":") {
            guard byte(1) == UInt8(ascii: ":") else { return nil }
            compressed = true
            i = 2
        }
        while i < count {
            let start = i
            var group: UInt64 = 0
            while i < count && i - start < 5 {
                let c = byte(i)
                let digit: UInt8
                if c &- UInt8(ascii: "0") <= 9 {
                    digit = c &- UInt8(ascii: "0")
                } else if (c | 0x20) &- UInt8(ascii: "a") <= 5 {
                    digit = (c | 0x20) &- UInt8(ascii: "a") &+ 10
                } else {
                    break
                }
                group = group << 4 | UInt64(digit)
                i += 1
            }
            if i < count && byte(i) == UInt8(ascii: ".") {
                // The last 32 bits as a dotted quad: it must run to the end.
                guard let v4 = parseIPv4(base, from: start, to: count) else { return nil }
                if compressed {
                    push(&tail, UInt64(v4 >> 16))
                    push(&tail, UInt64(v4 & 0xffff))
                    tailGroups += 2
                } else {
                    push(&head, UInt64(v4 >> 16))
                    push(&head, UInt64(v4 & 0xffff))
                    headGroups += 2
                }
                i = count
                break
            }
            guard i > start && i - start <= 4 else { return nil }
            if compressed {
                push(&tail, group)
                tailGroups += 1
            } else {
                push(&head, group)
                headGroups += 1
            }
            guard headGroups + tailGroups <= 8 else { return nil }
            if i == count { break }
            guard byte(i) == UInt8(ascii: ":") else { return nil }
            i += 1
            guard i < count else { return nil }  // a single trailing colon
            if byte(i) == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                i += 1
            }
        }
        let groups = headGroups + tailGroups
        if compressed {
            // `::` stands for at least one zero group (RFC 4291 §2.2, as Python's ipaddress reads it).
            guard groups <= 7 else { return nil }
        } else {
            guard groups == 8 else { return nil }
        }
        // Move the head groups to the top: shift left by 16 bits per group that follows them.
        let shift = 16 * (8 - headGroups)
        let shifted: (UInt64, UInt64)
        if shift == 0 {
            shifted = head
        } else if shift >= 128 {
            shifted = (0, 0)
        } else if shift >= 64 {
            shifted = (head.1 << (shift - 64), 0)
        } else {
            shifted = (head.0 << shift | head.1 >> (64 - shift), head.1 << shift)
        }
        return (shifted.0 | tail.0, shifted.1 | tail.1)
    }
}
