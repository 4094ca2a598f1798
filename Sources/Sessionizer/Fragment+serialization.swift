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
        func put<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
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
        out.append(cause.rawValue)
        out.append(contentsOf: text)
    }

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
        guard let cause = Cause(rawValue: bytes[p]) else { return nil }
        p += 1
        guard hostEnd <= clientEnd, clientEnd <= pathEnd, pathEnd <= referrerEnd, Int(referrerEnd) <= textCount,
            bytes.count - p >= textCount
        else { return nil }
        text = Array(bytes[p..<(p + textCount)])
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
        offset = p + textCount
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
