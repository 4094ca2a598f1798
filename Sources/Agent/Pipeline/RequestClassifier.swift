import AccessLog
import UserAgents

#if canImport(Glibc)
    import Glibc
#endif

/// How requests are classified: page views by method, status and path; bots and families by
/// ua-parser's regexes (Debian's `uap-core`).
public struct Classification: Sendable, Equatable {
    /// Off (`--no-classify`): sessions carry no visit.
    public var enabled: Bool
    /// ua-parser's `regexes.yaml`.
    public var regexes: String
    /// More user-agent patterns (PCRE2, case-insensitive) that make a request a bot's.
    public var botPatterns: [String]
    /// Last-segment extensions of assets (lower-case, without the dot): their requests are no page views.
    public var assetExtensions: [String]

    /// The asset extensions sessiontail knows by default.
    public static let defaultAssetExtensions = [
        "css", "js", "mjs", "map", "gif", "jpg", "jpeg", "png", "bmp", "ico", "svg", "svgz", "webp", "avif", "tif",
        "tiff", "ttf", "otf", "eot", "woff", "woff2", "swf", "class", "xml", "rss", "txt", "mp4", "webm", "mp3", "ogg",
        "wav", "m4a",
    ]

    /// Debian's `uap-core` file.
    public static let defaultRegexes = UserAgentRules.debianPath

    public init(
        enabled: Bool = true, regexes: String = UserAgentRules.debianPath, botPatterns: [String] = [],
        assetExtensions: [String] = Classification.defaultAssetExtensions
    ) {
        self.enabled = enabled
        self.regexes = regexes
        self.botPatterns = botPatterns
        self.assetExtensions = assetExtensions
    }

    /// Asset extensions as a setting gives them: the list replaces the defaults, unless its first item is
    /// `default` (then they are added to the defaults).
    public static func assetExtensions(_ given: [String]) -> [String] {
        let lowered = given.map { $0.lowercased().drop(while: { $0 == "." }) }.map(String.init)
        guard lowered.first == "default" else { return lowered }
        return defaultAssetExtensions + lowered.dropFirst().filter { !defaultAssetExtensions.contains($0) }
    }
}

/// Says what each request was: a page view (method `GET` or `POST`, status 200–299 or 304, a path whose
/// last segment has no asset extension), a bot's (by ua-parser's device family `Spider`, an empty or
/// `-` user agent, an operator's pattern, or the request `GET /robots.txt`), and its user agent's
/// browser, OS and device families. Each distinct user agent is classified once (a bounded cache).
///
/// Not thread-safe: one per thread (the daemon's sources share one, reading one file at a time).
public final class RequestClassifier {
    let agents: UserAgentClassifier
    /// Extensions packed into integers (up to 8 bytes, lower-cased): no `String` per request.
    private let assets: Set<UInt64>

    /// Loads the regexes and compiles the patterns (lazily: a pattern is compiled when first needed).
    public init(_ classification: Classification) throws(UsageError) {
        let rules: UserAgentRules
        do {
            rules = try UserAgentRules.load(path: classification.regexes)
        } catch {
            throw UsageError(
                "\(error) Install Debian's uap-core (or name ua-parser's regexes.yaml in session.ua_regexes), or turn classification off."
            )
        }
        var options = UserAgentClassifier.Options()
        options.extraBotPatterns = classification.botPatterns
        do {
            agents = try UserAgentClassifier(rules: rules, options: options)
        } catch {
            throw UsageError("\(error)")
        }
        var packed = Set<UInt64>()
        for ext in classification.assetExtensions {
            let bytes = Array(ext.lowercased().utf8)
            if let key = bytes.withUnsafeBytes({ RequestClassifier.pack($0) }) { packed.insert(key) }
        }
        assets = packed
    }

    /// Up to 8 bytes as one integer, ASCII lower-cased; nil for longer.
    @inline(__always)
    static func pack(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var key: UInt64 = 0
        for b in bytes {
            let lower = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            key = key << 8 | UInt64(lower)
        }
        return key | UInt64(bytes.count) << 60
    }

    /// Whether a path's last segment ends in an asset extension.
    @inline(__always)
    func isAsset(_ path: UnsafeRawBufferPointer) -> Bool {
        var i = path.count
        while i > 0 {
            let b = path[i - 1]
            if b == UInt8(ascii: "/") { return false }
            if b == UInt8(ascii: ".") {
                guard let key = RequestClassifier.pack(UnsafeRawBufferPointer(rebasing: path[i...])) else {
                    return false
                }
                return assets.contains(key)
            }
            i -= 1
        }
        return false
    }

    /// Whether a request that is no asset was a page view, by its method and status. A format without
    /// a method (nothing logged) passes on its status alone.
    @inline(__always)
    static func isPageView(method: UnsafeRawBufferPointer, status: Int32) -> Bool {
        guard (200...299).contains(status) || status == 304 else { return false }
        return method.isEmpty || isMethod(method, "GET") || isMethod(method, "POST")
    }

    @inline(__always)
    static func isMethod(_ method: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        method.count == name.utf8CodeUnitCount
            && memcmp(method.baseAddress!, name.utf8Start, method.count) == 0
    }

    static let robots = Array("/robots.txt".utf8)

    /// Whether the request is `GET /robots.txt` (a crawler's, whatever its user agent says).
    @inline(__always)
    static func isRobots(method: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer) -> Bool {
        isMethod(method, "GET") && path.elementsEqual(robots)
    }

    /// The user agent's class (bot, families).
    @inline(__always)
    func classify(userAgent: UnsafeRawBufferPointer) -> UserAgentClass {
        agents.classify(uaBytes: userAgent)
    }
}
