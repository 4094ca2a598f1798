import AccessLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Fragment {
    /// Bytes before the text in a serialized fragment.
    static let headerSize = 4 * 5 + 8 * 6 + 1

    /// Appends the fragment in a self-delimiting binary form (little-endian), read back by
    /// ``init(serialized:at:)``.
    public func serialize(into out: inout [UInt8]) {
        // The numbers are written into a small buffer and appended in one copy each, not one append per
        // number (a fragment has up to 23).
        withUnsafeTemporaryAllocation(byteCount: Fragment.headerSize + Fragment.visitSize + 2, alignment: 8) {
            buffer in
            var p = 0
            func put<T: FixedWidthInteger>(_ value: T) {
                buffer.storeBytes(of: value.littleEndian, toByteOffset: p, as: T.self)
                p += MemoryLayout<T>.size
            }
            func byte(_ value: UInt8) {
                buffer[p] = value
                p += 1
            }
            func flush() {
                out.appendBytes(UnsafeRawBufferPointer(rebasing: buffer[..<p]))
                p = 0
            }
            put(UInt32(text.count))
            put(UInt32(hostEnd))
            put(UInt32(clientEnd))
            put(UInt32(pathEnd))
            put(UInt32(referrerEnd))
            put(start)
            put(end)
            put(eventCount)
            put(bytes)
            put(errorCount)
            put(origin)
            // The high bit: a visit follows the text (fragments of sessiontail 0.1 have none); the next: the
            // country's two bytes come last.
            byte(cause.rawValue | (visit == nil ? 0 : 0x80) | (country == 0 ? 0 : 0x40))
            flush()
            out.append(contentsOf: text)
            if let visit {
                put(UInt32(userAgentEnd))
                for i in 0..<9 { put(UInt32(visitEnds[i])) }
                put(visit.pageViews)
                byte(visit.isBot ? 1 : 0)
                put(visit.landingAt ?? .min)
                put(visit.exitAt ?? .min)
                byte(visit.channel?.rawValue ?? 0)
            }
            if country != 0 { put(country) }
            flush()
        }
    }

    /// Bytes of a serialized visit, after the text.
    static let visitSize = 4 * 10 + 8 + 1 + 8 + 8 + 1

    /// Reads a fragment written by ``serialize(into:)`` at `offset`, advancing it; `nil` if the bytes
    /// there are not a whole, consistent fragment.
    public init?(serialized bytes: UnsafeRawBufferPointer, at offset: inout Int) {
        guard bytes.count - offset >= Fragment.headerSize else { return nil }
        var p = offset
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            defer { p += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: p, as: T.self))
        }
        let textCount = Int(get(UInt32.self))
        let hostEnd = get(UInt32.self)
        let clientEnd = get(UInt32.self)
        let pathEnd = get(UInt32.self)
        let referrerEnd = get(UInt32.self)
        let start = get(Int64.self)
        let end = get(Int64.self)
        let eventCount = get(Int64.self)
        let byteCount = get(Int64.self)
        let errorCount = get(Int64.self)
        let origin = get(UInt64.self)
        let hasVisit = bytes[p] & 0x80 != 0
        let hasCountry = bytes[p] & 0x40 != 0
        guard let cause = Cause(rawValue: bytes[p] & 0x3F) else { return nil }
        p += 1
        guard hostEnd <= clientEnd, clientEnd <= pathEnd, pathEnd <= referrerEnd, Int(referrerEnd) <= textCount,
            bytes.count - p >= textCount
        else { return nil }
        text = Array(bytes[p..<(p + textCount)])
        userAgentEnd = Int32(textCount)
        if hasVisit {
            var q = p + textCount
            guard bytes.count - q >= Fragment.visitSize else { return nil }
            func take<T: FixedWidthInteger>(_: T.Type) -> T {
                defer { q += MemoryLayout<T>.size }
                return T(littleEndian: bytes.loadUnaligned(fromByteOffset: q, as: T.self))
            }
            let agentEnd = take(UInt32.self)
            guard referrerEnd <= agentEnd, Int(agentEnd) <= textCount else { return nil }
            userAgentEnd = Int32(agentEnd)
            var previous = agentEnd
            for i in 0..<9 {
                let end = take(UInt32.self)
                guard previous <= end, Int(end) <= textCount else { return nil }
                visitEnds[i] = Int32(end)
                previous = end
            }
            guard Int(previous) == textCount else { return nil }
            var visit = Visit()
            visit.pageViews = take(Int64.self)
            visit.isBot = bytes[q] != 0
            q += 1
            let landingAt = take(Int64.self)
            let exitAt = take(Int64.self)
            visit.landingAt = landingAt == .min ? nil : landingAt
            visit.exitAt = exitAt == .min ? nil : exitAt
            visit.channel = bytes[q] == 0 ? nil : Visit.Channel(rawValue: bytes[q])
            guard bytes[q] == 0 || visit.channel != nil else { return nil }
            q += 1
            self.visit = visit
            offset = q
        } else {
            guard Int(referrerEnd) <= textCount else { return nil }
            offset = p + textCount
        }
        if hasCountry {
            guard bytes.count - offset >= 2 else { return nil }
            let code = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard Fragment.isCountry(code) else { return nil }
            country = code
            offset += 2
        }
        self.hostEnd = Int32(hostEnd)
        self.clientEnd = Int32(clientEnd)
        self.pathEnd = Int32(pathEnd)
        self.referrerEnd = Int32(referrerEnd)
        self.start = start
        self.end = end
        self.eventCount = eventCount
        self.bytes = byteCount
        self.errorCount = errorCount
        self.origin = origin
        self.cause = cause
    }

    /// The order sessions are listed and merged in: host, then client (bytewise), then start, then
    /// the first request's fields (see ``startsBefore(_:)``).
    public static func ordered(_ a: borrowing Fragment, _ b: borrowing Fragment) -> Bool {
        a.text.withUnsafeBytes { x in
            b.text.withUnsafeBytes { y in
                let host = compare(x, 0, Int(a.hostEnd), y, 0, Int(b.hostEnd))
                if host != 0 { return host < 0 }
                let client = compare(x, Int(a.hostEnd), Int(a.clientEnd), y, Int(b.hostEnd), Int(b.clientEnd))
                if client != 0 { return client < 0 }
                return a.startsBefore(b)
            }
        }
    }

    static func compare(
        _ x: UnsafeRawBufferPointer, _ xs: Int, _ xe: Int, _ y: UnsafeRawBufferPointer, _ ys: Int, _ ye: Int
    ) -> Int {
        let n = min(xe - xs, ye - ys)
        if n > 0 {
            let c = memcmp(x.baseAddress! + xs, y.baseAddress! + ys, n)
            if c != 0 { return Int(c) }
        }
        return (xe - xs) - (ye - ys)
    }
}

extension Fragment {
    /// Whether `code` is two upper-case ASCII letters (as ``country`` holds them).
    static func isCountry(_ code: UInt16) -> Bool {
        let a = UInt8(truncatingIfNeeded: code >> 8)
        let b = UInt8(truncatingIfNeeded: code)
        return (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(a)
            && (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    /// The country as text (`DE`); empty when unknown.
    public var countryText: [UInt8] {
        country == 0 ? [] : [UInt8(truncatingIfNeeded: country >> 8), UInt8(truncatingIfNeeded: country)]
    }
}
