import ClientAddress

#if canImport(Glibc)
    import Glibc
#endif

/// Why a request was dropped before sessionizing (`drop:`); dropped lines are counted, never malformed.
public enum DropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    case method = 0, status, path, asset, bot, client

    public var description: String {
        switch self {
        case .method: "method"
        case .status: "status"
        case .path: "path"
        case .asset: "asset"
        case .bot: "bot"
        case .client: "client"
        }
    }
}

/// What a source drops before sessionizing: requests that are not events at all (health checks, a
/// bot's, assets). The default drops nothing, so that `event_count` counts every request.
///
/// ```yaml
/// drop:
///   bots: true
///   paths: ["/healthz", "/wp-admin/*"]
///   methods: [HEAD, OPTIONS]
///   statuses: ["3xx", 404]
///   clients: [192.0.2.10, 10.0.0.0/8]   # the office, the uptime monitor
/// ```
public struct DropRules: Sendable, Equatable {
    /// A bot's requests (by the classification's rules).
    public var bots = false
    /// Requests for assets (by the classification's asset extensions).
    public var assets = false
    /// Paths (without query, as logged): exact, or with `*` standing for any run of bytes.
    public var paths: [String] = []
    /// Methods (compared without regard to case).
    public var methods: [String] = []
    /// Statuses: `404`, or a class `3xx`.
    public var statuses: [String] = []
    /// Visitors (after a forwarding header is resolved, before their address is truncated or hashed):
    /// addresses or networks.
    public var clients: [String] = []

    public init(
        bots: Bool = false, assets: Bool = false, paths: [String] = [], methods: [String] = [],
        statuses: [String] = [], clients: [String] = []
    ) {
        self.clients = clients
        self.bots = bots
        self.assets = assets
        self.paths = paths
        self.methods = methods
        self.statuses = statuses
    }

    /// Whether anything is dropped.
    public var dropsAnything: Bool {
        bots || assets || !paths.isEmpty || !methods.isEmpty || !statuses.isEmpty || !clients.isEmpty
    }

    /// The status ranges of `statuses`, or the first one that is neither a status nor a class.
    public static func statusRanges(_ statuses: [String]) -> Result<[ClosedRange<Int32>], DropRuleError> {
        var ranges: [ClosedRange<Int32>] = []
        for text in statuses {
            let t = text.lowercased()
            if t.count == 3, t.hasSuffix("xx"), let digit = Int32(t.prefix(1)), (1...5).contains(digit) {
                ranges.append(digit * 100...digit * 100 + 99)
            } else if t.count == 3, let status = Int32(t), (100...599).contains(status) {
                ranges.append(status...status)
            } else {
                return .failure(DropRuleError("'\(text)' is no status: write one like 404, or a class like 3xx."))
            }
        }
        return .success(ranges)
    }
}

/// A drop rule that cannot be applied.
public struct DropRuleError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `DropRules` made ready for the hot path: bytes to compare, no `String` per request.
struct CompiledDropRules {
    let bots: Bool
    let assets: Bool
    private let exactPaths: [[UInt8]]
    /// Patterns split at `*`.
    private let globPaths: [[[UInt8]]]
    private let methods: [[UInt8]]
    private let statuses: [ClosedRange<Int32>]
    /// Visitors dropped (empty: none).
    let clients: [IPNetwork]
    /// Whether any rule looks at method, status or path.
    let hasRequestRules: Bool

    init(_ rules: DropRules) throws(DropRuleError) {
        bots = rules.bots
        assets = rules.assets
        var exact: [[UInt8]] = []
        var globs: [[[UInt8]]] = []
        for path in rules.paths {
            guard path.hasPrefix("/") || path.hasPrefix("*") else {
                throw DropRuleError("'\(path)' is no path: paths start with / (or *).")
            }
            let bytes = Array(path.utf8)
            if bytes.contains(UInt8(ascii: "*")) {
                globs.append(
                    bytes.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init))
            } else {
                exact.append(bytes)
            }
        }
        exactPaths = exact
        globPaths = globs
        methods = rules.methods.map { Array($0.uppercased().utf8) }
        switch DropRules.statusRanges(rules.statuses) {
        case .success(let ranges): statuses = ranges
        case .failure(let error): throw error
        }
        var networks: [IPNetwork] = []
        for text in rules.clients {
            guard let network = IPNetwork(text) else {
                throw DropRuleError("'\(text)' is no address or network such as 192.0.2.10 or 10.0.0.0/8.")
            }
            networks.append(network)
        }
        clients = networks
        hasRequestRules = !exact.isEmpty || !globs.isEmpty || !methods.isEmpty || !statuses.isEmpty
    }

    /// The reason to drop a request by its method, status or path; nil to keep it.
    @inline(__always)
    func reason(method: UnsafeRawBufferPointer, status: Int32, path: UnsafeRawBufferPointer) -> DropReason? {
        guard hasRequestRules else { return nil }
        for m in methods where CompiledDropRules.equalsUppercased(method, m) { return .method }
        for range in statuses where range.contains(status) { return .status }
        for p in exactPaths
        where p.count == path.count && p.withUnsafeBytes({ memcmp($0.baseAddress!, path.baseAddress!, p.count) == 0 }) {
            return .path
        }
        for pattern in globPaths where CompiledDropRules.matches(path, pattern) { return .path }
        return nil
    }

    /// Whether a visitor is dropped (IPv4-mapped addresses compared as IPv4).
    @inline(__always)
    func dropsClient(_ address: IPAddress) -> Bool {
        let plain = address.unmapped
        for network in clients where network.contains(plain) { return true }
        return false
    }

    static func equalsUppercased(_ bytes: UnsafeRawBufferPointer, _ upper: [UInt8]) -> Bool {
        guard bytes.count == upper.count else { return false }
        for i in 0..<upper.count {
            let b = bytes[i]
            if (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b & 0xDF : b) != upper[i] { return false }
        }
        return true
    }

    /// Whether `text` matches a pattern split at its `*`s: the first piece a prefix, the last a suffix,
    /// the others found in order between them.
    static func matches(_ text: UnsafeRawBufferPointer, _ pieces: [[UInt8]]) -> Bool {
        let first = pieces[0]
        let last = pieces[pieces.count - 1]
        guard text.count >= first.count + last.count else { return false }
        guard text.starts(with: first) else { return false }
        guard text[(text.count - last.count)...].elementsEqual(last) else { return false }
        var at = first.count
        let end = text.count - last.count
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            var found = false
            while at + piece.count <= end {
                if text[at..<(at + piece.count)].elementsEqual(piece) {
                    at += piece.count
                    found = true
                    break
                }
                at += 1
            }
            if !found { return false }
        }
        return true
    }
}
