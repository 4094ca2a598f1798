// The user agents loggen's visitors send: thousands of distinct ones, as real traffic has, in two pools.
//
// - Browsers (and other clients that are no crawlers): the hand-written list below, the real logs' user
//   agents (RealUserAgents.swift) and synthesised ones: Chrome, Edge, Firefox, Safari, Samsung Internet and
//   in-app browsers on many platforms, Android device models and versions, HTTP libraries with their
//   versions.
// - Crawlers: each one ua-parser's regexes (uap-core) give the device family Spider: the hand-written list,
//   the real logs' crawlers, and versions of the big ones (Googlebot and bingbot carry an evergreen Chrome
//   version, so they alone bring hundreds of distinct user agents).
//
// Both pools are ordered by popularity (a visitor draws a rank from a Zipf distribution), the same on
// every run: no seed enters them.

/// The hand-written browsers and clients, the most common first.
let handBrowserAgents: [StaticString] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.6668.81 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.6613.127 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/129.0.6668.69 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/114.0.0.0",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "Prometheus/2.54.1",
    "kube-probe/1.30",
    "ELB-HealthChecker/2.0",
    "okhttp/4.12.0",
    "curl/7.68.0",
    "Wget/1.21.4",
    "Go-http-client/2.0",
    "Apache-HttpClient/4.5.14 (Java/17.0.12)",
    "axios/1.7.7",
    "PostmanRuntime/7.42.0",
    // Apache writes a quote in a header as \" and a backslash as \\.
    "Mozilla/5.0 (compatible; \\\"SiteAuditBot\\\"/1.4; +https://audit.example/bot)",
    "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; C:\\\\Program Files\\\\Toolbar\\\\)",
    "PowerShell/7.4.5 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) C:\\\\Users\\\\",
    // nginx writes a quote as \x22.
    "Mozilla/5.0 \\x22Mozilla/5.0 (Windows NT 10.0; Win64; x64)\\x22 zgrab/0.x",
    "sqlmap/1.8.9#stable (https://sqlmap.org) \\x22' OR 1=1 --\\x22",
    "-",
]

/// The hand-written crawlers, each a Spider to uap-core, the busiest first.
let handCrawlerAgents: [StaticString] = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)",
    "Mozilla/5.0 (compatible; DataForSeoBot/1.0; +https://dataforseo.com/dataforseo-bot)",
    "Mozilla/5.0 (compatible; BLEXBot/1.0; +http://webmeup-crawler.com/)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
]

/// Bytes of a pool entry being built.
struct AgentText {
    var bytes: [UInt8] = []

    mutating func text(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func number(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    /// `major.0.build.patch`, as Chrome writes its version.
    mutating func chrome(_ h: UInt64) {
        let major = 100 + Int(h % 32)
        number(major)
        text(".0.")
        number(4_896 + (major - 100) * 60 + Int(h >> 8 % 60))
        text(".")
        number(Int(h >> 16 % 200))
    }
}

let androidModels: [StaticString] = [
    "SM-S918B", "SM-S911B", "SM-A546B", "SM-A536B", "SM-A155F", "SM-G991B", "SM-G998B", "SM-N986B", "SM-A325F",
    "SM-A135F", "SM-T870", "SM-X700", "Pixel 8", "Pixel 8 Pro", "Pixel 7", "Pixel 7a", "Pixel 6", "Pixel 6a",
    "Pixel 5", "M2101K6G", "22101316G", "2201117TG", "23049PCD8G", "M2007J20CG", "CPH2409", "CPH2581", "RMX3630",
    "RMX3085", "V2202", "V2134", "moto g(60)", "moto g54 5G", "motorola edge 40", "Nokia G21", "ASUS_AI2302",
    "LE2123", "NE2213", "KB2003", "HD1913", "IN2023", "XQ-CT54", "XQ-BC52", "ANE-LX1", "ELS-NX9", "JNY-LX1",
    "TECNO KI5q", "Infinix X6833B", "itel A665L", "Redmi Note 9 Pro", "Redmi Note 12", "POCO F5", "K",
]

let desktopPlatforms: [StaticString] = [
    "Windows NT 10.0; Win64; x64", "Windows NT 10.0; WOW64", "Windows NT 6.1; Win64; x64", "Windows NT 6.3; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7", "Macintosh; Intel Mac OS X 14_6_1", "X11; Linux x86_64",
    "X11; CrOS x86_64 14541.0.0", "X11; Ubuntu; Linux x86_64", "X11; Fedora; Linux x86_64",
]

let httpLibraries: [StaticString] = [
    "python-requests/2.", "okhttp/4.", "curl/8.", "Go-http-client/1.", "axios/1.", "node-fetch/1.", "Wget/1.",
    "aiohttp/3.", "Dart/3.", "got/11.", "libwww-perl/6.", "Guzzle/7.", "reqwest/0.",
]

/// Synthesised browser `k` (a few collide; the pool keeps one of each).
func syntheticBrowser(_ k: Int) -> [UInt8] {
    let h = mix64(UInt64(k) &* 0x2545_F491_4F6C_DD1D ^ 0xB0B0)
    let g = mix64(h)
    var a = AgentText()
    func platform() -> StaticString { desktopPlatforms[Int(g % UInt64(desktopPlatforms.count))] }
    func model() -> StaticString { androidModels[Int((g >> 8) % UInt64(androidModels.count))] }
    func android() -> Int { 9 + Int((g >> 20) % 6) }
    func iosVersion(_ separator: UInt8) {
        let major = 15 + Int((g >> 24) % 4)
        a.number(major)
        a.bytes.append(separator)
        a.number(Int((g >> 28) % 7))
        if (g >> 32) % 3 == 0 {
            a.bytes.append(separator)
            a.number(1 + Int((g >> 36) % 3))
        }
    }
    switch k % 20 {
    case 0, 1, 2, 3, 4:
        a.text("Mozilla/5.0 (")
        a.text(platform())
        a.text(") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Safari/537.36")
    case 5, 6, 7, 8:
        a.text("Mozilla/5.0 (Linux; Android ")
        a.number(android())
        a.text("; ")
        a.text(model())
        a.text(") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Mobile Safari/537.36")
    case 9, 10, 11:
        a.text((g >> 40) % 5 == 0 ? "Mozilla/5.0 (iPad; CPU OS " : "Mozilla/5.0 (iPhone; CPU iPhone OS ")
        iosVersion(UInt8(ascii: "_"))
        a.text(" like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/")
        a.number(15 + Int((g >> 24) % 4))
        a.text(".")
        a.number(Int((g >> 28) % 7))
        a.text(" Mobile/15E148 Safari/604.1")
    case 12, 13:
        let version = 100 + Int(h % 32)
        a.text("Mozilla/5.0 (")
        a.text(platform())
        a.text("; rv:")
        a.number(version)
        a.text(".0) Gecko/20100101 Firefox/")
        a.number(version)
        a.text(".0")
    case 14:
        a.text("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Safari/537.36 Edg/")
        a.chrome(g)
    case 15:
        a.text("Mozilla/5.0 (Linux; Android ")
        a.number(android())
        a.text("; SAMSUNG ")
        a.text(model())
        a.text(") AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/")
        a.number(20 + Int(h % 7))
        a.text(".0 Chrome/")
        a.number(110 + Int(h >> 8 % 16))
        a.text(".0.0.0 Mobile Safari/537.36")
    case 16:
        // Facebook's in-app browser: its build numbers make nearly every install distinct.
        a.text("Mozilla/5.0 (iPhone; CPU iPhone OS ")
        iosVersion(UInt8(ascii: "_"))
        a.text(" like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/")
        a.number(400 + Int(h % 90))
        a.text(".0.0.")
        a.number(Int(h >> 8 % 60))
        a.text(".")
        a.number(Int(h >> 16 % 120))
        a.text(";FBBV/")
        a.number(500_000_000 + Int(h >> 24 % 99_999_999))
        a.text(";FBDV/iPhone")
        a.number(12 + Int(g % 5))
        a.text(",")
        a.number(1 + Int(g >> 4 % 5))
        a.text(";FBMD/iPhone;FBSN/iOS;FBSV/")
        iosVersion(UInt8(ascii: "."))
        a.text(";FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]")
    case 17:
        a.text("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/")
        a.number(15 + Int((g >> 24) % 4))
        a.text(".")
        a.number(Int((g >> 28) % 7))
        a.text(" Safari/605.1.15")
    case 18:
        a.text("Dalvik/2.1.0 (Linux; U; Android ")
        a.number(android())
        a.text("; ")
        a.text(model())
        a.text(" Build/")
        a.text((g >> 44) % 2 == 0 ? "TP1A." : "UP1A.")
        a.number(220_000 + Int(h % 30_000))
        a.text(".0")
        a.number(10 + Int(h >> 16 % 30))
        a.text(")")
    default:
        a.text(httpLibraries[Int(g % UInt64(httpLibraries.count))])
        a.number(Int(h % 33))
        a.text(".")
        a.number(Int(h >> 8 % 12))
    }
    return a.bytes
}

/// Synthesised crawler `k`: versions of crawlers uap-core calls Spider.
func syntheticCrawler(_ k: Int) -> [UInt8] {
    let h = mix64(UInt64(k) &* 0x9E37_79B9_7F4A_7C15 ^ 0xC4A7)
    var a = AgentText()
    switch k % 8 {
    case 0, 1:
        a.text(
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    case 2:
        a.text("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; ")
        a.text("+http://www.google.com/bot.html) Chrome/")
        a.chrome(h)
        a.text(" Safari/537.36")
    case 3:
        a.text("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; ")
        a.text("+http://www.bing.com/bingbot.htm) Chrome/")
        a.chrome(h)
        a.text(" Safari/537.36")
    case 4:
        a.text(
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Mobile Safari/537.36 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
    case 5:
        a.text("Mozilla/5.0 (compatible; MJ12bot/v1.4.")
        a.number(Int(h % 10))
        a.text("; http://mj12bot.com/)")
    case 6:
        a.text("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots) AppleWebKit/537.36 ")
        a.text("(KHTML, like Gecko) Chrome/")
        a.chrome(h)
        a.text(" Safari/537.36")
    default:
        a.text("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.")
        a.number(Int(h % 4))
        a.text("; +https://openai.com/gptbot) Chrome/")
        a.chrome(h)
    }
    return a.bytes
}

/// Distinct user agents, the most popular first: `hand`, then real and synthetic ones interleaved (every
/// `realEvery`-th from `real` while they last), up to `count`.
func agentPool(
    hand: [StaticString], real: [StaticString], realEvery: Int, count: Int, synthetic: (Int) -> [UInt8]
) -> [[UInt8]] {
    var seen = Set<[UInt8]>()
    var pool: [[UInt8]] = []
    func add(_ bytes: [UInt8]) {
        if seen.insert(bytes).inserted { pool.append(bytes) }
    }
    func bytes(_ s: StaticString) -> [UInt8] {
        Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    for s in hand { add(bytes(s)) }
    var nextReal = 0
    var k = 0
    while pool.count < count {
        if nextReal < real.count && pool.count % realEvery == 0 {
            add(bytes(real[nextReal]))
            nextReal += 1
        } else {
            add(synthetic(k))
            k += 1
        }
    }
    return pool
}
