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
    /// Extensions that do not pack, longer than 8 bytes (`webmanifest`) or with a dot (`tar.gz`): each
    /// compared with the end of the path, lower-cased, with its leading dot. None by default.
    private let otherAssets: [[UInt8]]

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
        var other: [[UInt8]] = []
        for ext in classification.assetExtensions {
            let bytes = Array(ext.lowercased().utf8)
            if !bytes.contains(UInt8(ascii: ".")), let key = bytes.withUnsafeBytes({ RequestClassifier.pack($0) }) {
                packed.insert(key)
            } else {
                other.append([UInt8(ascii: ".")] + bytes)
            }
        }
        assets = packed
        otherAssets = other
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
        if !otherAssets.isEmpty && endsInOtherAsset(path) { return true }
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

    /// Whether the path's last segment ends in one of ``otherAssets`` (ASCII case-insensitive).
    func endsInOtherAsset(_ path: UnsafeRawBufferPointer) -> Bool {
        var segment = path.count
        while segment > 0 && path[segment - 1] != UInt8(ascii: "/") { segment -= 1 }
        for ext in otherAssets where path.count - segment >= ext.count {
            var k = 0
            let start = path.count - ext.count
            while k < ext.count {
                let b = path[start + k]
                let lower = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
                if lower != ext[k] { break }
                k += 1
            }
            if k == ext.count { return true }
        }
        return false
    }

    /// Whether a request that is no asset was a page view, by its method and status. A request of a
    /// format that logs no method (`methodLogged` false) passes on its status alone; where the format logs
    /// one, a request line that is empty, `-` or without a method is no page view.
    @inline(__always)
    static func isPageView(method: UnsafeRawBufferPointer, status: Int32, methodLogged: Bool) -> Bool {
        guard (200...299).contains(status) || status == 304 else { return false }
        return !methodLogged || isMethod(method, "GET") || isMethod(method, "POST")
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
