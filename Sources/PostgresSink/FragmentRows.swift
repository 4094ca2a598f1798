import AccessLog
import Sessionizer

#if canImport(Glibc)
    import Glibc
#endif

/// Fragments encoded as rows of `COPY … FROM STDIN` (text format), with their deterministic ids.
public struct FragmentRows {
    /// The encoded rows.
    public private(set) var data: [UInt8] = []
    /// Number of rows.
    public private(set) var count = 0
    private var ids = Set<IDWords>()
    /// The host's or client's bytes as written (``FieldText/appendPrintable(_:to:)``), reused row after row.
    private var printable: [UInt8] = []
    private let agentID: [UInt8]
    private let agentSeed: UInt64

    /// Starts an empty set of rows for fragments shipped by `agentID`.
    public init(agentID: String) {
        self.agentID = Array(agentID.utf8)
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in agentID.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        agentSeed = h
    }

    /// The columns, in the order rows are written.
    public static let columns =
        "fragment_id, agent_id, host, ip, client, start_ms, end_ms, event_count, bytes, error_count, landing_path, referrer, user_agent, "
        + "page_views, is_bot, exit_path, referrer_host, channel, utm_source, utm_medium, utm_campaign, browser, os, device, "
        + "first_path, landing_ms, exit_ms, country"

    /// The id of `fragment` when shipped by this agent: a UUID (version 8) derived from the agent id,
    /// the key, the fragment's first event's origin, and its extent, so that shipping the same fragment again is
    /// recognised and two agents never collide.
    public func id(of fragment: Fragment) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        FragmentRows.appendHex(idWords(of: fragment), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The id's 128 bits, high word first.
    func idWords(of fragment: Fragment) -> IDWords {
        var high = agentSeed ^ 0x5EED_0000_0000_0001
        var low = agentSeed ^ 0x0000_5EED_0000_0002
        for value in [fragment.origin, UInt64(bitPattern: fragment.end), UInt64(bitPattern: fragment.eventCount)] {
            high = FragmentRows.mix(high ^ value)
            low = FragmentRows.mix(low &+ value &* 0x9E37_79B9_7F4A_7C15)
        }
        // The agent id and the key feed the low half: ids of different keys differ even if an origin
        // were reused.
        for b in agentID { low = FragmentRows.mix(low ^ UInt64(b)) }
        low = FragmentRows.mix(low ^ 0xFF)
        for b in fragment.host { low = FragmentRows.mix(low ^ UInt64(b)) }
        low = FragmentRows.mix(low ^ 0xFF)
        for b in fragment.client { low = FragmentRows.mix(low ^ UInt64(b)) }
        // Time first (the fragment's end, as in UUIDv7), so that ids of one batch land near each other in
        // the ledger's index instead of all over it.
        high = (UInt64(bitPattern: fragment.end) << 16) | (high & 0xFFFF)
        high = (high & ~0xF000) | 0x8000  // version 8
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        return IDWords(high: high, low: low)
    }

    /// A fragment id's two 64-bit halves.
    struct IDWords: Hashable {
        var high: UInt64
        var low: UInt64
    }

    /// Writes `id` in the UUID's text form (8-4-4-4-12 hexadecimal digits).
    static func appendHex(_ id: IDWords, to out: inout [UInt8]) {
        for position in 0..<32 {
            let word = position < 16 ? id.high : id.low
            if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
            out.append(hexDigits[Int((word >> UInt64(60 - 4 * (position & 15))) & 15)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// Appends one fragment as a row. With `unlessShipped`, a fragment whose id is already among the
    /// rows is left out.
    public mutating func append(_ fragment: Fragment, unlessShipped: Bool = false) {
        let id = idWords(of: fragment)
        if unlessShipped && !ids.insert(id).inserted { return }
        startMonths.insert(Partitions.month(ofMillis: fragment.start))
        FragmentRows.appendHex(id, to: &data)
        separator()
        field(agentID)
        printable.removeAll(keepingCapacity: true)
        fragment.host.withUnsafeBytes { FieldText.appendPrintable($0, to: &printable) }
        field(printable)
        printable.removeAll(keepingCapacity: true)
        fragment.client.withUnsafeBytes { FieldText.appendPrintable($0, to: &printable) }
        field(printable)
        if FragmentRows.isAddress(printable) { field(printable) } else { null() }
        number(fragment.start)
        number(fragment.end)
        number(fragment.eventCount)
        number(fragment.bytes)
        number(fragment.errorCount)
        optional(fragment.landingPath)
        optional(fragment.referrer)
        optional(fragment.userAgent)
        if let visit = fragment.visit {
            number(visit.pageViews)
            data.append(visit.isBot ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            separator()
        } else {
            null()
            null()
        }
        optional(fragment.exitPath)
        optional(fragment.referrerHost)
        switch fragment.visit?.channel {
        case .direct: word("direct")
        case .internal: word("internal")
        case .external: word("external")
        case nil: null()
        }
        optional(fragment.utmSource)
        optional(fragment.utmMedium)
        optional(fragment.utmCampaign)
        optional(fragment.browser)
        optional(fragment.os)
        optional(fragment.device)
        // Never NULL: NULL marks rows of schema version 1, whose landing_path is the first request's.
        field(fragment.firstPath)
        if let at = fragment.visit?.landingAt { number(at) } else { null() }
        if let at = fragment.visit?.exitAt { number(at) } else { null() }
        if fragment.country != 0 {
            data.append(UInt8(truncatingIfNeeded: fragment.country >> 8))
            data.append(UInt8(truncatingIfNeeded: fragment.country))
            separator()
        } else {
            null()
        }
        data[data.count - 1] = UInt8(ascii: "\n")
        count += 1
    }

    /// The months (``Partitions/month(ofMillis:)``) the rows' sessions start in.
    public private(set) var startMonths: Set<Partitions.Month> = []

    /// Forgets the rows (keeping the buffer).
    public mutating func removeAll() {
        startMonths.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        count = 0
    }

    private mutating func separator() {
        data.append(UInt8(ascii: "\t"))
    }

    /// A text field in COPY's text format: backslash, tab, newline and carriage return escaped. Runs
    /// without them are copied whole.
    private mutating func field(_ bytes: some Collection<UInt8>) {
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            var runStart = 0
            for (i, b) in buffer.enumerated() {
                let escaped: UInt8
                switch b {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                default: continue
                }
                data.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i]))
                data.append(UInt8(ascii: "\\"))
                data.append(escaped)
                runStart = i + 1
            }
            data.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...]))
        }
        if copied == nil { field(Array(bytes)) } else { separator() }
    }

    /// A constant word (no byte to escape).
    private mutating func word(_ text: StaticString) {
        data.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        separator()
    }

    private mutating func optional(_ bytes: ArraySlice<UInt8>) {
        if bytes.isEmpty {
            null()
        } else {
            field(bytes)
        }
    }

    private mutating func null() {
        data.append(UInt8(ascii: "\\"))
        data.append(UInt8(ascii: "N"))
        separator()
    }

    /// A decimal number, written without a `String`.
    private mutating func number(_ value: Int64) {
        if value < 0 { data.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var n = 0
            repeat {
                buffer[23 - n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            return n
        }
        withUnsafeBytes(of: &digits) { buffer in
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
        separator()
    }

    /// Whether `text` is an IPv4 or IPv6 address PostgreSQL's `inet` accepts (checked with
    /// `inet_pton`, so that a host name written by Apache's `%h` stays out of the `inet` column).
    /// Whether `text` is an address, or a network (`203.0.113.0/24`, as a truncated client is stored), that
    /// PostgreSQL's `inet` takes.
    static func isAddress(_ text: [UInt8]) -> Bool {
        guard !text.isEmpty, text.count < 64 else { return false }
        var address = text[...]
        var maxLength = 128
        let slash = text.firstIndex(of: UInt8(ascii: "/"))
        if let slash {
            let digits = text[(slash + 1)...]
            guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            maxLength = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            address = text[..<slash]
        }
        // inet_pton reads a C string: the address and a NUL, on the stack.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: address.count + 1) { string in
            for (i, b) in address.enumerated() { string[i] = CChar(bitPattern: b) }
            string[address.count] = 0
            var buffer: (UInt64, UInt64) = (0, 0)
            if inet_pton(AF_INET, string.baseAddress, &buffer) == 1 { return slash == nil || maxLength <= 32 }
            return inet_pton(AF_INET6, string.baseAddress, &buffer) == 1 && maxLength <= 128
        }
    }
}
