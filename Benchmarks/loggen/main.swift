// loggen: a deterministic generator of realistic access logs for the benchmarks.
//
//     loggen --format combined|vhost_combined --lines N [--seed S] [--bad-rate 0.001] [--rate R] [--hosts H]
//            [--stats] > access.log
//
// The same arguments give byte-identical output (xoshiro256** seeded by SplitMix64; no clock, no
// environment). Visitors are simulated in event time: each makes bursts of requests a few seconds
// apart (a page, then its assets), ends its session, and may come back after a gap spread around
// 300 s, some just under and some just over. Lines are written when the request ends, so their times
// are slightly out of order, as in real logs. About `--bad-rate` of the lines are damaged on purpose.
//
// The mix is that of real traffic (SPEC §8): many visitors make one request, crawlers come from many
// addresses for a page or a few, so that about a fifth to a quarter of the lines start a visit (fewer
// sessions, as sessiontail merges a client's visits within the gap); about a fifth of the requests are
// crawlers' (user agents ua-parser calls Spider), about half are for assets; the user agents are thousands
// of distinct ones (UserAgentPool.swift: real logs' and synthesised), drawn by popularity. --stats prints
// the mix of what was written.
//
// Only the standard library and Glibc: it must write well over a million lines per second.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Random numbers

/// xoshiro256**, seeded through SplitMix64.
struct Random {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var x = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x)
        s1 = splitMix(&x)
        s2 = splitMix(&x)
        s3 = splitMix(&x)
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (Lemire's multiply-shift; the tiny bias does not matter here).
    @inline(__always)
    mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(n).multipliedFullWidth(by: next()).high)
    }

    /// Uniform in `[0, 1)`.
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with probability `p`.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponentially distributed with the given mean.
    @inline(__always)
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
}

/// A stateless 64-bit mix, to derive fixed properties (an address, a user agent) from an index.
@inline(__always)
func mix64(_ v: UInt64) -> UInt64 {
    var z = v &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Zipf-distributed ranks `0..<n` (rank 0 the most frequent), by inverse CDF.
struct Zipf {
    let cdf: [Double]

    init(count: Int, exponent: Double) {
        var cdf = [Double](repeating: 0, count: count)
        var sum = 0.0
        for k in 0..<count {
            sum += 1 / pow(Double(k + 1), exponent)
            cdf[k] = sum
        }
        for k in 0..<count { cdf[k] /= sum }
        self.cdf = cdf
    }

    func sample(_ random: inout Random) -> Int { sample(unit: random.unit()) }

    /// The rank whose share of the distribution covers `u` in `[0, 1)`.
    func sample(unit u: Double) -> Int {
        var low = 0
        var high = cdf.count - 1
        while low < high {
            let mid = (low + high) >> 1
            if cdf[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

// MARK: - Output

/// A large buffer written out with `write(2)` when nearly full.
struct Output {
    static let capacity = 1 << 20
    /// Room kept free at the start of every line: longer than any line written.
    static let lineReserve = 16 << 10
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    init() { base = .allocate(capacity: Output.capacity) }

    mutating func flush() {
        var written = 0
        while written < count {
            let n = write(1, base + written, count - written)
            if n < 0 {
                if errno == EINTR { continue }
                let message = "loggen: cannot write: \(String(cString: strerror(errno)))\n"
                _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
                exit(1)
            }
            written += n
        }
        count = 0
    }

    @inline(__always)
    mutating func reserveLine() {
        if count > Output.capacity - Output.lineReserve { flush() }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func text(_ s: StaticString) {
        (base + count).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        count += s.utf8CodeUnitCount
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).update(from: p, count: n)
        count += n
    }

    mutating func decimal(_ value: Int) {
        var v = value
        if v < 0 {
            byte(UInt8(ascii: "-"))
            v = -v
        }
        var digits = 1
        var probe = v
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var i = count + digits - 1
        repeat {
            base[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i -= 1
        } while v > 0
        count += digits
    }

    @inline(__always)
    mutating func twoDigits(_ v: Int) {
        base[count] = UInt8(truncatingIfNeeded: v / 10) &+ 48
        base[count + 1] = UInt8(truncatingIfNeeded: v % 10) &+ 48
        count += 2
    }

    mutating func hex(_ value: UInt64, digits: Int) {
        let alphabet: StaticString = "0123456789abcdef"
        for k in stride(from: digits - 1, through: 0, by: -1) {
            byte(alphabet.utf8Start[Int((value >> (UInt64(k) * 4)) & 15)])
        }
    }

    /// Lower-case hex without leading zeros, as IPv6 groups are written.
    mutating func hexGroup(_ value: UInt64) {
        var digits = 1
        while digits < 4 && value >> (UInt64(digits) * 4) != 0 { digits += 1 }
        hex(value, digits: digits)
    }
}

// MARK: - Fixed tables

/// Strings built once (addresses, virtual hosts), stored at a fixed stride.
struct StringTable {
    let stride: Int
    let storage: UnsafeMutablePointer<UInt8>
    var lengths: [Int]

    init(count: Int, stride: Int, build: (Int, inout Output) -> Void) {
        self.stride = stride
        storage = .allocate(capacity: count * stride)
        lengths = []
        lengths.reserveCapacity(count)
        var scratch = Output()
        for i in 0..<count {
            scratch.count = 0
            build(i, &scratch)
            precondition(scratch.count <= stride)
            (storage + i * stride).update(from: scratch.base, count: scratch.count)
            lengths.append(scratch.count)
        }
        scratch.base.deallocate()
    }

    @inline(__always)
    func write(_ i: Int, to out: inout Output) {
        out.bytes(storage + i * stride, lengths[i])
    }
}

let loggenSearchWords: [StaticString] = [
    "shoes", "red", "running", "jacket", "winter", "sale", "laptop", "bag", "gift", "coffee", "mug", "linux",
    "swift", "nginx", "tutorial", "pricing", "free", "shipping", "size", "guide", "return", "policy", "login",
    "review", "best", "cheap", "blue", "black", "women", "men", "kids", "outdoor",
]

let loggenPageNames: [StaticString] = [
    "/", "/index.html", "/about", "/contact", "/pricing", "/blog/", "/products/", "/cart", "/checkout",
    "/login", "/account/orders", "/search", "/docs/getting-started", "/docs/api/v2/reference", "/news/2025/10/",
    "/category/shoes", "/category/outdoor/jackets", "/faq", "/terms", "/privacy", "/careers", "/support/tickets",
]

let loggenBlogSlugs: [StaticString] = [
    "how-we-cut-latency-in-half", "release-notes-4-2", "a-guide-to-winter-running", "postgres-vacuum-explained",
    "ten-tips-for-better-sleep", "why-we-moved-to-swift", "holiday-opening-hours", "meet-the-team",
    "the-state-of-http-3", "building-a-log-pipeline",
]

let loggenAssetNames: [StaticString] = [
    "/static/js/app.3f9c2a1b.js", "/static/js/vendor.8d1e77c0.js", "/static/css/main.8d7e6f5a.css",
    "/static/css/print.1a2b3c4d.css", "/images/logo.svg", "/fonts/inter-var.woff2", "/favicon.ico",
    "/images/hero-autumn.webp", "/static/js/analytics.js?v=20251001", "/apple-touch-icon.png",
]

let loggenExternalReferrers: [StaticString] = [
    "https://www.google.com/", "https://www.google.de/", "https://www.bing.com/search?q=winter+jacket+sale&form=QBLH",
    "https://duckduckgo.com/", "https://t.co/AbCdEf1234", "https://www.facebook.com/", "https://l.instagram.com/",
    "https://news.ycombinator.com/item?id=41822309", "https://www.reddit.com/r/programming/comments/1fz3xk/",
    "android-app://com.google.android.gm/", "https://search.yahoo.com/",
]

let loggenUserNames: [StaticString] = ["alice", "bob", "carol", "admin", "dave"]

let loggenHostWords: [StaticString] = [
    "shop", "blog", "news", "docs", "api", "cdn", "status", "mail", "app", "portal", "store", "forum", "wiki",
    "media", "help", "events", "jobs", "static", "beta", "intranet",
]
let loggenHostBrands: [StaticString] = [
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne",
    "aperture", "soylent", "vandelay", "gringotts", "oscorp", "monarch", "dunder", "pied-piper", "massive",
    "nakatomi", "virtucon", "zorg", "weyland", "rekall",
]
let loggenHostTLDs: [StaticString] = [".example", ".example.com", ".example.org", ".example.net", ".test"]

let loggenMonthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

// MARK: - Arguments

enum Format { case combined, vhostCombined }

func fail(_ message: String) -> Never {
    let text = "loggen: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

let usage = """
    usage: loggen --format combined|vhost_combined --lines N [--seed S] [--bad-rate P] [--rate R] [--hosts H]
                  [--stats]
      --lines N      lines to write
      --seed S       seed (default 1); the same arguments give byte-identical output
      --bad-rate P   share of damaged lines (default 0.001)
      --rate R       average lines per second of log time (default 1000)
      --hosts H      virtual hosts, the first ones the busiest (default 200)
      --stats        print the traffic's mix to standard error at the end (a line starting `loggen:`)
      --version      print the generator version (changes whenever the output would)
    """

/// Bumped whenever the output for the same arguments changes, so that cached data is regenerated.
let generatorVersion = "loggen 2"

struct Options {
    var format: Format
    var lines: Int
    var seed: UInt64 = 1
    var badRate = 0.001
    var rate = 1000.0
    var hosts = 200
    var stats = false
}

func parseArguments() -> Options {
    var format: Format? = nil
    var lines = -1
    var options = Options(format: .combined, lines: 0)
    var arguments = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let v = arguments.popFirst() else { fail("\(name) needs a value\n\(usage)") }
        return v
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--format":
            switch value(argument) {
            case "combined": format = .combined
            case "vhost_combined": format = .vhostCombined
            case let other: fail("unknown format '\(other)'; use combined or vhost_combined")
            }
        case "--lines":
            guard let n = Int(value(argument)), n >= 0 else { fail("--lines needs a count") }
            lines = n
        case "--seed":
            guard let s = UInt64(value(argument)) else { fail("--seed needs an unsigned integer") }
            options.seed = s
        case "--bad-rate":
            guard let p = Double(value(argument)), p >= 0, p <= 1 else { fail("--bad-rate needs a number in 0...1") }
            options.badRate = p
        case "--rate":
            guard let r = Double(value(argument)), r > 0 else { fail("--rate needs a positive number") }
            options.rate = r
        case "--hosts":
            guard let h = Int(value(argument)), h > 0, h <= 10_000 else { fail("--hosts needs a count in 1...10000") }
            options.hosts = h
        case "--stats":
            options.stats = true
        case "--version":
            print(generatorVersion)
            exit(0)
        case "-h", "--help":
            print(usage)
            exit(0)
        default:
            fail("unknown argument '\(argument)'\n\(usage)")
        }
    }
    guard let format else { fail("--format is required\n\(usage)") }
    guard lines >= 0 else { fail("--lines is required\n\(usage)") }
    options.format = format
    options.lines = lines
    return options
}

// MARK: - The simulated site

/// What a request asks for: pages are sessions' landing and navigation steps, assets follow pages.
enum Kind: UInt8 {
    case page, product, blogPost, search, api, asset, image, login, robots
}

enum Method: UInt8 {
    case get, post, head
}

struct Visitor {
    /// A crawler (its requests are a Spider's to ua-parser), or a person's browser or client.
    var isCrawler = false
    var address: Int32 = 0
    var host: Int32 = 0
    var agent: Int32 = 0
    /// Page requests left in the current session.
    var left: Int32 = 0
    /// Sessions this visitor will still come back for.
    var returns: Int32 = 0
    /// Assets still to fetch for the last page.
    var assets: Int32 = 0
    /// The previous page (for the referrer); `hasPrevious` false at the start of a session.
    var hasPrevious = false
    var previousKind: Kind = .page
    var previousParameter: Int32 = 0
    var user: Int32 = -1
    /// A visitor who makes one request and is gone.
    var single = false
}

/// Cached `dd/Mon/yyyy:hh:mm:ss ±hhmm` for one offset, since most lines of a second share it.
struct TimeCache {
    var second = Int.min
    var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
}

/// Seconds since the epoch of 10/Oct/2025:13:55:36 +0000, where the logs start.
let startSeconds: Int = {
    let y = 2025, m = 10, d = 10
    let yy = m <= 2 ? y - 1 : y
    let era = yy / 400
    let yoe = yy - era * 400
    let mp = m > 2 ? m - 3 : m + 9
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    return days * 86_400 + 13 * 3_600 + 55 * 60 + 36
}()

struct Generator {
    let options: Options
    var random: Random
    var out = Output()
    let addresses: StringTable
    /// Crawlers' addresses (they come from many, each seldom).
    let crawlerAddresses: StringTable
    let hosts: StringTable
    let addressZipf: Zipf
    let hostZipf: Zipf
    /// User agents: browsers and other clients, then crawlers (from `crawlerAgentBase` on).
    let agents: StringTable
    let crawlerAgentBase: Int
    let browserZipf: Zipf
    let crawlerZipf: Zipf
    // The tables, held here so that the hot loop does not go through global accessors.
    let searchWords = loggenSearchWords
    let pageNames = loggenPageNames
    let blogSlugs = loggenBlogSlugs
    let assetNames = loggenAssetNames
    let externalReferrers = loggenExternalReferrers
    let userNames = loggenUserNames
    var visitors: [Visitor]
    /// Min-heap of (event time in ms since the start) << 24 | visitor slot.
    var heap: [UInt64] = []
    var timeCaches = [TimeCache](repeating: TimeCache(), count: 3)
    // For --stats.
    var agentSeen: [Bool]
    var visitStarts = 0
    var crawlerLines = 0
    var assetLines = 0

    init(options: Options) {
        self.options = options
        random = Random(seed: options.seed)
        let seed = options.seed
        // Client addresses; about one in ten is IPv6 (documentation prefix 2001:db8::/32).
        addresses = StringTable(count: Generator.addressCount, stride: 40) { i, out in
            let h = mix64(seed ^ 0xA11D_0000 ^ UInt64(i))
            if h % 10 == 0 {
                out.text("2001:db8:")
                let g = mix64(h)
                out.hexGroup(g & 0xFFFF)
                out.byte(UInt8(ascii: ":"))
                out.hexGroup((g >> 16) & 0xFFFF)
                if (g >> 60) & 3 == 0 {
                    // The full form, now and then.
                    for k in 0..<4 {
                        out.byte(UInt8(ascii: ":"))
                        out.hexGroup((g >> (UInt64(k) * 8 + 24)) & 0xFFFF)
                    }
                } else {
                    out.text("::")
                    out.hexGroup((g >> 32) & 0xFFFF)
                }
            } else {
                // Public-looking IPv4: first octet 1…223, never 10 or 127.
                var first = Int(h >> 8 & 0xFF) % 223 + 1
                if first == 10 || first == 127 { first += 1 }
                out.decimal(first)
                for k in 1...3 {
                    out.byte(UInt8(ascii: "."))
                    out.decimal(Int(h >> (UInt64(k) * 8 + 8) & 0xFF))
                }
            }
        }
        hosts = StringTable(count: options.hosts, stride: 64) { i, out in
            if i == 0 {
                out.text("www.acme.example")
                return
            }
            let h = mix64(seed ^ 0x4057_0000 ^ UInt64(i))
            out.text(loggenHostWords[Int(h % UInt64(loggenHostWords.count))])
            out.byte(UInt8(ascii: "."))
            out.text(loggenHostBrands[Int((h >> 16) % UInt64(loggenHostBrands.count))])
            out.decimal(i)
            out.text(loggenHostTLDs[Int((h >> 32) % UInt64(loggenHostTLDs.count))])
        }
        crawlerAddresses = StringTable(count: Generator.crawlerAddressCount, stride: 40) { i, out in
            // A few crawler networks, addresses spread inside each.
            let h = mix64(0xC2A3_0000 ^ UInt64(i))
            let networks: [(Int, Int)] = [(66, 249), (40, 77), (157, 55), (207, 46), (5, 255), (54, 36), (85, 208)]
            let (a, b) = networks[Int(h % UInt64(networks.count))]
            out.decimal(a)
            out.byte(UInt8(ascii: "."))
            out.decimal(b)
            out.byte(UInt8(ascii: "."))
            out.decimal(Int(h >> 8 & 0xFF))
            out.byte(UInt8(ascii: "."))
            out.decimal(Int(h >> 16 & 0xFF))
        }
        addressZipf = Zipf(count: Generator.addressCount, exponent: 0.5)
        hostZipf = Zipf(count: options.hosts, exponent: 1.0)
        let browsers = agentPool(
            hand: handBrowserAgents, real: realBrowserAgents, realEvery: 5, count: Generator.browserAgentCount,
            synthetic: syntheticBrowser)
        let crawlers = agentPool(
            hand: handCrawlerAgents, real: realCrawlerAgents, realEvery: 4, count: Generator.crawlerAgentCount,
            synthetic: syntheticCrawler)
        let allAgents = browsers + crawlers
        agents = StringTable(count: allAgents.count, stride: 512) { i, out in
            allAgents[i].withUnsafeBufferPointer { out.bytes($0.baseAddress!, $0.count) }
        }
        crawlerAgentBase = browsers.count
        browserZipf = Zipf(count: browsers.count, exponent: 1.0)
        crawlerZipf = Zipf(count: crawlers.count, exponent: 1.0)
        agentSeen = [Bool](repeating: false, count: allAgents.count)

        // Enough visitors in flight for the line rate: their mean delay between requests is about 20 s.
        let count = max(1, min(1 << 22, Int(options.rate * 20)))
        visitors = [Visitor](repeating: Visitor(), count: count)
        heap.reserveCapacity(count)
        for i in 0..<count {
            visitors[i] = newVisitor()
            // Start at random points of the first minute.
            heapPush(UInt64(random.below(60_000)) << 24 | UInt64(i))
        }
    }

    /// Offset of a host's local time from UTC, in minutes: a few hosts log in another zone.
    func offsetMinutes(host: Int) -> Int {
        switch host % 10 {
        case 3: -420
        case 7: 120
        default: 0
        }
    }

    static let addressCount = 400_000
    static let crawlerAddressCount = 50_000
    static let browserAgentCount = 5_000
    static let crawlerAgentCount = 1_200
    /// Shares of new visitors: crawlers, and people who make one request (no assets, no return).
    static let crawlerShare = 0.58
    static let oneRequestShare = 0.3

    mutating func heapPush(_ v: UInt64) {
        heap.append(v)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if heap[parent] <= v { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = v
    }

    mutating func heapReplaceTop(_ v: UInt64) {
        let n = heap.count
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && heap[child + 1] < heap[child] { child += 1 }
            if heap[child] >= v { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = v
    }

    mutating func newVisitor() -> Visitor {
        var v = Visitor()
        v.host = Int32(hostZipf.sample(&random))
        if random.chance(Generator.crawlerShare) {
            // A crawler: from one of many addresses, a page or a few, no assets, no return.
            v.isCrawler = true
            v.address = Int32(random.below(Generator.crawlerAddressCount))
            v.agent = Int32(crawlerAgentBase + crawlerZipf.sample(&random))
            v.left = random.chance(0.7) ? 1 : Int32(2 + random.below(4))
            v.returns = 0
            return v
        }
        let address = addressZipf.sample(&random)
        v.address = Int32(address)
        // An address mostly keeps its browser.
        let h = mix64(UInt64(address) ^ 0xA6E7)
        v.agent = Int32(browserZipf.sample(unit: random.chance(0.85) ? Double(h >> 11) * 0x1p-53 : random.unit()))
        v.user = random.chance(0.03) ? Int32(random.below(userNames.count)) : -1
        if random.chance(Generator.oneRequestShare) {
            // One request: a feed reader, an API client, a link preview, a visitor who leaves at once.
            v.left = 1
            v.returns = 0
            v.single = true
            return v
        }
        v.returns = random.chance(0.35) ? Int32(1 + random.below(4)) : 0
        startSession(&v)
        return v
    }

    mutating func startSession(_ v: inout Visitor) {
        // Page views per session: mostly a few, some many.
        v.left = Int32(1 + min(200, Int(random.exponential(mean: random.chance(0.9) ? 1.5 : 12))))
        v.hasPrevious = false
        v.assets = 0
    }

    mutating func writeTime(_ utcSeconds: Int, offsetMinutes: Int) {
        let slot = offsetMinutes == 0 ? 0 : offsetMinutes < 0 ? 1 : 2
        if timeCaches[slot].second != utcSeconds {
            let local = utcSeconds + offsetMinutes * 60
            let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
            let secondOfDay = local - days * 86_400
            // Howard Hinnant's civil_from_days.
            let z = days + 719468
            let era = (z >= 0 ? z : z - 146096) / 146097
            let doe = z - era * 146097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp < 10 ? mp + 3 : mp - 9
            let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
            let start = out.count
            out.twoDigits(day)
            out.byte(UInt8(ascii: "/"))
            out.bytes(loggenMonthNames.utf8Start + (month - 1) * 3, 3)
            out.byte(UInt8(ascii: "/"))
            out.decimal(year)
            out.byte(UInt8(ascii: ":"))
            out.twoDigits(secondOfDay / 3600)
            out.byte(UInt8(ascii: ":"))
            out.twoDigits(secondOfDay / 60 % 60)
            out.byte(UInt8(ascii: ":"))
            out.twoDigits(secondOfDay % 60)
            out.byte(UInt8(ascii: " "))
            out.byte(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.twoDigits(abs(offsetMinutes) / 60)
            out.twoDigits(abs(offsetMinutes) % 60)
            precondition(out.count - start == 26)
            withUnsafeMutableBytes(of: &timeCaches[slot].text) {
                $0.baseAddress!.copyMemory(from: out.base + start, byteCount: 26)
            }
            timeCaches[slot].second = utcSeconds
            return
        }
        withUnsafeBytes(of: timeCaches[slot].text) {
            out.bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 26)
        }
    }

    mutating func writePath(_ kind: Kind, _ parameter: Int32, query: Bool) {
        let p = Int(parameter)
        switch kind {
        case .page:
            out.text(pageNames[p % pageNames.count])
            if query {
                switch p % 3 {
                case 0: out.text("?utm_source=newsletter&utm_medium=email&utm_campaign=oct25")
                case 1: out.text("?ref=home&lang=en")
                default: out.text("?gclid=Cj0KCQjw8--2BhCHARIsAF_w1gx")
                }
            }
        case .product:
            out.text("/products/")
            out.decimal(p)
            if query {
                out.text("?color=")
                out.text(searchWords[p % searchWords.count])
                out.text("&size=")
                out.decimal(36 + p % 12)
            }
        case .blogPost:
            out.text("/blog/2025/")
            out.twoDigits(1 + p % 10)
            out.byte(UInt8(ascii: "/"))
            out.text(blogSlugs[p % blogSlugs.count])
            out.byte(UInt8(ascii: "/"))
        case .search:
            out.text("/search?q=")
            out.text(searchWords[p % searchWords.count])
            out.byte(UInt8(ascii: "+"))
            out.text(searchWords[(p / 32) % searchWords.count])
            if p % 4 == 0 {
                out.text("&page=")
                out.decimal(2 + p % 5)
            }
        case .api:
            out.text("/api/v1/items?page=")
            out.decimal(1 + p % 50)
            out.text("&per_page=20&sort=")
            out.text(p % 2 == 0 ? "desc" : "asc")
        case .asset:
            out.text(assetNames[p % assetNames.count])
        case .image:
            out.text("/images/p/")
            out.decimal(p)
            out.text(".webp?w=")
            out.decimal(p % 3 == 0 ? 320 : p % 3 == 1 ? 640 : 1280)
        case .login:
            out.text("/login?next=%2Faccount%2Forders")
        case .robots:
            out.text(p % 2 == 0 ? "/robots.txt" : "/wp-login.php")
        }
    }

    mutating func run() {
        let vhost = options.format == .vhostCombined
        let badRate = options.badRate
        for _ in 0..<options.lines {
            out.reserveLine()
            let top = heap[0]
            let slot = Int(top & 0xFF_FFFF)
            let now = Int(top >> 24)
            var v = visitors[slot]

            // The request.
            var kind: Kind
            var parameter: Int32
            var method = Method.get
            let isAsset = v.assets > 0
            if v.isCrawler {
                // Pages, now and then robots.txt first.
                method = .get
                switch random.below(100) {
                case 0..<12 where !v.hasPrevious:
                    kind = .robots
                    parameter = 0
                case 0..<40:
                    kind = .page
                    parameter = Int32(random.below(pageNames.count * 3))
                case 40..<80:
                    kind = .product
                    parameter = Int32(1 + random.below(50_000))
                default:
                    kind = .blogPost
                    parameter = Int32(random.below(100))
                }
            } else if isAsset {
                v.assets -= 1
                if random.chance(0.5) {
                    kind = .asset
                    parameter = Int32(random.below(assetNames.count))
                } else {
                    kind = .image
                    parameter = Int32(random.below(5000))
                }
            } else {
                switch random.below(100) {
                case 0..<30:
                    kind = .page
                    parameter = Int32(random.below(pageNames.count * 3))
                case 30..<55:
                    kind = .product
                    parameter = Int32(1 + random.below(50_000))
                case 55..<67:
                    kind = .blogPost
                    parameter = Int32(random.below(100))
                case 67..<77:
                    kind = .search
                    parameter = Int32(random.below(32 * 32))
                case 77..<90:
                    kind = .api
                    parameter = Int32(random.below(100))
                    if random.chance(0.3) { method = .post }
                case 90..<95:
                    kind = .login
                    parameter = 0
                    if random.chance(0.6) { method = .post }
                default:
                    // A scanner's probe (robots.txt is the crawlers').
                    kind = .robots
                    parameter = 1
                }
                if random.chance(0.02) { method = .head }
            }

            // Status and size.
            var status = 200
            var size = 0
            let statusRoll = random.below(1000)
            if method == .post && kind == .login {
                status = statusRoll < 700 ? 302 : statusRoll < 950 ? 200 : 401
                size = status == 302 ? 0 : 2_000 + random.below(3_000)
            } else if isAsset {
                status = statusRoll < 600 ? 200 : statusRoll < 990 ? 304 : 404
                if status == 200 {
                    size = 500 + random.below(kind == .image ? 300_000 : 120_000)
                } else if status == 404 {
                    size = 153
                }
            } else {
                switch statusRoll {
                case 0..<880: status = 200
                case 880..<930: status = 304
                case 930..<960: status = 404
                case 960..<975: status = 301
                case 975..<985: status = 302
                case 985..<993: status = 500
                case 993..<997: status = 503
                default: status = 403
                }
                switch status {
                case 200: size = 1_500 + Int(random.exponential(mean: 25_000))
                case 304, 301, 302: size = 0
                default: size = 150 + random.below(800)
                }
            }
            if method == .head { size = 0 }

            // Logged when the request ends, stamped with when it started: slightly out of order.
            let duration = random.chance(0.1) ? random.below(3_500) : random.below(300)
            let utcSeconds = startSeconds + max(0, now - duration) / 1000

            // The line.
            let lineStart = out.count
            if vhost {
                hosts.write(Int(v.host), to: &out)
                out.text(random.chance(0.85) ? ":443 " : ":80 ")
            }
            if v.isCrawler {
                crawlerAddresses.write(Int(v.address), to: &out)
                crawlerLines += 1
            } else {
                addresses.write(Int(v.address), to: &out)
            }
            if isAsset { assetLines += 1 }
            if !v.hasPrevious && !isAsset { visitStarts += 1 }
            agentSeen[Int(v.agent)] = true
            out.text(" - ")
            if v.user >= 0 && (kind == .login || kind == .api || kind == .page) {
                out.text(userNames[Int(v.user)])
            } else {
                out.byte(UInt8(ascii: "-"))
            }
            out.text(" [")
            let timeAt = out.count
            writeTime(utcSeconds, offsetMinutes: offsetMinutes(host: Int(v.host)))
            switch method {
            case .get: out.text("] \"GET ")
            case .post: out.text("] \"POST ")
            case .head: out.text("] \"HEAD ")
            }
            writePath(kind, parameter, query: !isAsset && random.chance(0.15))
            out.text(random.chance(0.7) ? " HTTP/1.1\" " : random.chance(0.95) ? " HTTP/2.0\" " : " HTTP/1.0\" ")
            out.decimal(status)
            out.byte(UInt8(ascii: " "))
            if vhost {
                // %O: bytes sent, headers included.
                out.decimal(size + 180 + random.below(260))
            } else if size == 0 {
                out.byte(UInt8(ascii: "-"))
            } else {
                out.decimal(size)
            }
            out.text(" \"")
            if v.hasPrevious && random.chance(0.7) {
                out.text(v.host % 4 == 0 ? "http://" : "https://")
                hosts.write(Int(v.host), to: &out)
                writePath(v.previousKind, v.previousParameter, query: false)
            } else {
                let r = random.below(100)
                if v.hasPrevious || r < 55 {
                    out.byte(UInt8(ascii: "-"))
                } else {
                    out.text(externalReferrers[r % externalReferrers.count])
                }
            }
            out.text("\" \"")
            agents.write(Int(v.agent), to: &out)
            out.byte(UInt8(ascii: "\""))

            // Damage about `badRate` of the lines.
            if badRate > 0 && random.chance(badRate) {
                switch random.below(4) {
                case 0:
                    // Cut short (a crash mid-write), before the closing quote.
                    let length = out.count - lineStart
                    out.count = lineStart + 8 + random.below(length - 10)
                case 1:
                    // Garbage, anything but a newline.
                    out.count = lineStart
                    for _ in 0..<(20 + random.below(180)) {
                        var b = UInt8(truncatingIfNeeded: random.next())
                        if b == 10 { b = 0 }
                        out.byte(b)
                    }
                case 2:
                    // A date that is not one: day 32, month "Okt", hour 27, or a T for the colon.
                    switch random.below(4) {
                    case 0:
                        out.base[timeAt] = UInt8(ascii: "3")
                        out.base[timeAt + 1] = UInt8(ascii: "2")
                    case 1:
                        out.base[timeAt + 4] = UInt8(ascii: "k")
                    case 2:
                        out.base[timeAt + 12] = UInt8(ascii: "2")
                        out.base[timeAt + 13] = UInt8(ascii: "7")
                    default:
                        out.base[timeAt + 11] = UInt8(ascii: "T")
                    }
                default:
                    // The user agent's closing quote is missing.
                    out.count -= 1
                }
            }
            out.byte(10)

            // What the visitor does next.
            if !isAsset {
                v.hasPrevious = true
                v.previousKind = kind
                v.previousParameter = parameter
                if !v.isCrawler && !v.single && (kind == .page || kind == .product || kind == .blogPost) {
                    v.assets = random.chance(0.8) ? Int32(random.below(7)) : 0
                }
                v.left -= 1
            }
            var delay: Int
            if v.assets > 0 {
                delay = 20 + random.below(800)
            } else if v.left > 0 && v.isCrawler {
                // A crawler's next page: a few seconds on.
                delay = 1_000 + random.below(20_000)
            } else if v.left > 0 {
                // The next page: a few seconds, now and then a long read.
                delay =
                    random.chance(0.05) ? 20_000 + random.below(100_000) : 500 + Int(random.exponential(mean: 4_000))
            } else if v.returns > 0 {
                // Back after a gap around the 300 s session gap: some just under, some just over.
                v.returns -= 1
                startSession(&v)
                switch random.below(10) {
                case 0..<4: delay = 295_000 + random.below(10_000)
                case 4..<7: delay = 240_000 + random.below(120_000)
                default: delay = 360_000 + random.below(900_000)
                }
            } else {
                // Gone; someone new takes the slot.
                v = newVisitor()
                delay = Int(random.exponential(mean: 30_000))
            }
            visitors[slot] = v
            heapReplaceTop(UInt64(now + delay) << 24 | UInt64(slot))
        }
        out.flush()
        if options.stats {
            let n = Double(max(1, options.lines))
            func percent(_ count: Int) -> String {
                let tenths = Int((Double(count) / n * 1000).rounded())
                return "\(tenths / 10).\(tenths % 10) %"
            }
            let distinct = agentSeen.reduce(0) { $0 + ($1 ? 1 : 0) }
            let crawlers = agentSeen[crawlerAgentBase...].reduce(0) { $0 + ($1 ? 1 : 0) }
            let text =
                "loggen: \(options.lines) lines; \(percent(visitStarts)) start a visit, \(percent(crawlerLines)) "
                + "from crawlers, \(percent(assetLines)) for assets; \(distinct) distinct user agents "
                + "(\(crawlers) crawlers')\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
    }
}

var generator = Generator(options: parseArguments())
generator.run()
