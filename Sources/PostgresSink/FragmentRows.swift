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
    private var ids = Set<String>()
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
        let material = [fragment.origin, UInt64(bitPattern: fragment.end), UInt64(bitPattern: fragment.eventCount)]
        var high = agentSeed ^ 0x5EED_0000_0000_0001
        var low = agentSeed ^ 0x0000_5EED_0000_0002
        for value in material {
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
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, word) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let position = i * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
                out.append(hex[Int((word >> UInt64(60 - 4 * nibble)) & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// Appends one fragment as a row. With `unlessShipped`, a fragment whose id is already among the
    /// rows is left out.
    public mutating func append(_ fragment: Fragment, unlessShipped: Bool = false) {
        let id = id(of: fragment)
        if unlessShipped && !ids.insert(id).inserted { return }
        startMonths.insert(Partitions.month(ofMillis: fragment.start))
        var host: [UInt8] = []
        fragment.host.withUnsafeBytes { FieldText.appendPrintable($0, to: &host) }
        var ip: [UInt8] = []
        fragment.client.withUnsafeBytes { FieldText.appendPrintable($0, to: &ip) }
        field(Array(id.utf8))
        field(agentID)
        field(host)
        field(ip)
        if FragmentRows.isAddress(ip) { field(ip) } else { null() }
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
            field(visit.isBot ? Array("t".utf8) : Array("f".utf8))
        } else {
            null()
            null()
        }
        optional(fragment.exitPath)
        optional(fragment.referrerHost)
        if let channel = fragment.visit?.channel { field(Array(channel.description.utf8)) } else { null() }
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
        optional(fragment.countryText[...])
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

    private mutating func separator(_ last: Bool) {
        data.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }

    private mutating func field(_ bytes: some Collection<UInt8>, last: Bool = false) {
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): data += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): data += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): data += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): data += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: data.append(b)
            }
        }
        separator(last)
    }

    private mutating func optional(_ bytes: ArraySlice<UInt8>, last: Bool = false) {
        if bytes.isEmpty {
            null(last: last)
        } else {
            field(bytes, last: last)
        }
    }

    private mutating func null(last: Bool = false) {
        data += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
        separator(last)
    }

    private mutating func number(_ value: Int64) {
        data += Array(String(value).utf8)
        separator(false)
    }

    /// Whether `text` is an IPv4 or IPv6 address PostgreSQL's `inet` accepts (checked with
    /// `inet_pton`, so that a host name written by Apache's `%h` stays out of the `inet` column).
    /// Whether `text` is an address, or a network (`203.0.113.0/24`, as a truncated client is stored), that
    /// PostgreSQL's `inet` takes.
    static func isAddress(_ text: [UInt8]) -> Bool {
        guard !text.isEmpty, text.count < 64 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        var address = text[...]
        var maxLength = 128
        if let slash = text.firstIndex(of: UInt8(ascii: "/")) {
            let digits = text[(slash + 1)...]
            guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let length = Int(String(decoding: digits, as: UTF8.self))
            else { return false }
            address = text[..<slash]
            maxLength = length
        }
        let string = String(decoding: address, as: UTF8.self)
        if inet_pton(AF_INET, string, &buffer) == 1 { return maxLength <= 32 || !text.contains(UInt8(ascii: "/")) }
        return inet_pton(AF_INET6, string, &buffer) == 1 && maxLength <= 128
    }
}
