import PropertyBased
import Sessionizer
import Testing

/// Classified events crowded around the gap, as `eventsGen`, with page views, bots, referrers, UTM
/// parameters and user agents drawn from small sets, so that ties in one instant are common.
let visitEventsGen = zip(
    zip(Gen.int(in: 0...2), Gen.int(in: 0...2), Gen.int(in: 0...30), Gen.int(in: 0...2)),
    zip(Gen.int(in: 0...3), Gen.int(in: 0...5), Gen.int(in: 0...3), Gen.int(in: 0...2), Gen.int(in: 0...2))
).map { place, visit -> TestEvent in
    let (host, client, slot, jitter) = place
    let (kind, referrer, query, agent, path) = visit
    return TestEvent(
        host: ["a.example", "B.example", "b.example"][host], client: ["10.0.0.1", "10.0.0.2", "::1"][client],
        time: Int64(slot) * 100_000 + Int64(jitter) * 50_000, bytes: 1, status: 200,
        path: ["/p\(slot % 3)", "/q", "/r\(jitter)"][path],
        visit: TestVisit(
            pageView: kind != 0, bot: kind == 3,
            referrer: [
                "-", "", "http://a.example/x", "https://Other.org:8080/y?z", "http://b.example/", "https://u@c.example",
            ][
                referrer],
            query: [
                "", "utm_source=news&utm_campaign=spring%20sale", "a=1&utm_source=ads+x&utm_medium=cpc", "utm_medium=",
            ][
                query],
            agent: "UA\(agent)"))
}.array(of: 0...50)

/// A session with its visit, as plain values.
struct VisitRow: Hashable, Comparable, CustomStringConvertible {
    var row: Row
    var pageViews: Int64
    var isBot: Bool
    var exitPath: String
    var referrerHost: String
    var channel: String
    var utm: [String]
    var browser: String

    static func < (a: VisitRow, b: VisitRow) -> Bool { a.row < b.row }

    init(
        row: Row, pageViews: Int64, isBot: Bool, exitPath: String, referrerHost: String, channel: String, utm: [String],
        browser: String
    ) {
        self.row = row
        self.pageViews = pageViews
        self.isBot = isBot
        self.exitPath = exitPath
        self.referrerHost = referrerHost
        self.channel = channel
        self.utm = utm
        self.browser = browser
    }

    init(_ f: Fragment) {
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        self.init(
            row: Row(f), pageViews: f.visit?.pageViews ?? -1, isBot: f.visit?.isBot ?? false,
            exitPath: text(f.exitPath),
            referrerHost: text(f.referrerHost), channel: f.visit?.channel?.description ?? "",
            utm: [text(f.utmSource), text(f.utmMedium), text(f.utmCampaign)], browser: text(f.browser))
    }

    var description: String {
        "\(row) pv=\(pageViews) bot=\(isBot) exit=\(exitPath) ref=\(referrerHost) \(channel) utm=\(utm) \(browser)"
    }
}

/// The visits' reference: each key's events in time order (ties by path, referrer, user agent), split
/// at gaps over G; a session's page views counted, its landing the earliest page view (ties by path,
/// referrer host and UTM parameters), its exit the latest (ties by path), its browser the first event's.
func referenceVisits(_ events: [TestEvent], gap: Int64) -> [VisitRow] {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    func precedes(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return bytes(x).lexicographicallyPrecedes(bytes(y)) }
        return false
    }
    func referrerHost(_ referrer: String) -> String {
        switch referrer {
        case "http://a.example/x": "a.example"
        case "https://Other.org:8080/y?z": "other.org"
        case "http://b.example/": "b.example"
        case "https://u@c.example": "c.example"
        default: ""
        }
    }
    func utm(_ query: String) -> [String] {
        switch query {
        case "utm_source=news&utm_campaign=spring%20sale": ["news", "", "spring sale"]
        case "a=1&utm_source=ads+x&utm_medium=cpc": ["ads x", "cpc", ""]
        default: ["", "", ""]
        }
    }
    /// A referrer as sessions keep it: `-` is none.
    func shown(_ referrer: String) -> String { referrer == "-" ? "" : referrer }
    var byKey: [String: [TestEvent]] = [:]
    for e in events { byKey[e.host.lowercased() + "\u{0}" + e.client, default: []].append(e) }
    var rows: [VisitRow] = []
    for (_, list) in byKey {
        let sorted = list.sorted { a, b in
            a.time != b.time
                ? a.time < b.time
                : precedes(
                    [a.path, shown(a.visit!.referrer), a.visit!.agent],
                    [b.path, shown(b.visit!.referrer), b.visit!.agent])
        }
        var sessions: [[TestEvent]] = []
        for e in sorted {
            if let last = sessions.last?.last, e.time - last.time <= gap {
                sessions[sessions.count - 1].append(e)
            } else {
                sessions.append([e])
            }
        }
        for events in sessions {
            let first = events[0]
            let views = events.filter { $0.visit!.pageView }
            func landingKey(_ e: TestEvent) -> [String] {
                [e.path, referrerHost(e.visit!.referrer)] + utm(e.visit!.query)
            }
            let landing = views.min { a, b in
                a.time != b.time ? a.time < b.time : precedes(landingKey(a), landingKey(b))
            }
            let exit = views.max { a, b in a.time != b.time ? a.time < b.time : precedes([a.path], [b.path]) }
            let host = first.host.lowercased()
            let refHost = landing.map { referrerHost($0.visit!.referrer) } ?? ""
            let channel = landing == nil ? "" : refHost.isEmpty ? "direct" : refHost == host ? "internal" : "external"
            rows.append(
                VisitRow(
                    row: Row(
                        host: host, client: first.client, start: first.time, end: events.last!.time,
                        count: Int64(events.count), bytes: Int64(events.count), errors: 0,
                        landingPath: landing?.path ?? first.path),
                    pageViews: Int64(views.count), isBot: events.contains { $0.visit!.bot },
                    exitPath: exit?.path ?? "", referrerHost: refHost, channel: channel,
                    utm: landing.map { utm($0.visit!.query) } ?? ["", "", ""], browser: first.visit!.browser))
        }
    }
    return rows.sorted()
}

@Suite("Visits equal a naive reference, whatever the order, the memory cap or a restart")
struct VisitPropertyTests {
    static let configurations: [SessionizerConfiguration] = [
        .init(gapMillis: 300_000, latenessMillis: 60_000),
        .init(gapMillis: 300_000, latenessMillis: 0, memoryLimit: 0),
        .init(gapMillis: 150_000, latenessMillis: 30_000, memoryLimit: 9_000),
    ]

    /// Fragments cut by lateness and the memory cap, written as the write-ahead log writes them, read
    /// back and merged: the visits of the events' sessions.
    @Test(arguments: 0..<configurations.count)
    func visitsMatchTheReference(configurationIndex: Int) async {
        let configuration = Self.configurations[configurationIndex]
        await propertyCheck(count: 300, input: visitEventsGen, orderGen) { events, order in
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            var store = WindowStore(configuration: configuration)
            var fragments: [Fragment] = []
            for e in shuffled {
                store.add(e)
                fragments += store.takeFragments()
            }
            store.flush()
            fragments += store.takeFragments()
            var bytes: [UInt8] = []
            for f in fragments { f.serialize(into: &bytes) }
            var read: [Fragment] = []
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count, let f = Fragment(serialized: raw, at: &offset) { read.append(f) }
            }
            #expect(read == fragments)
            let rows = FragmentMerger.merge(read, gapMillis: configuration.gapMillis).map(VisitRow.init)
            #expect(rows == referenceVisits(events, gap: configuration.gapMillis), "events \(shuffled)")
        }
    }

    /// The open sessions snapshotted and put back into a new store keep their visits.
    @Test func aRestartKeepsTheVisits() async {
        await propertyCheck(count: 200, input: visitEventsGen, orderGen, Gen.int(in: 0...50)) { events, order, cut in
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            let configuration = SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 60_000)
            var first = WindowStore(configuration: configuration)
            for e in shuffled.prefix(cut) { first.add(e) }
            var fragments = first.takeFragments()
            var second = WindowStore(configuration: configuration)
            for f in first.openFragments() { second.restore(f) }
            for e in shuffled.dropFirst(cut) { second.add(e) }
            second.flush()
            fragments += second.takeFragments()
            let rows = FragmentMerger.merge(fragments, gapMillis: 300_000).map(VisitRow.init)
            #expect(rows == referenceVisits(events, gap: 300_000), "events \(shuffled)")
        }
    }
}
