import Foundation
import PostgresSink
import Sessionizer
import Testing

/// A classified request of one visitor, with what classification said of it.
struct VisitEvent: Sendable {
    var client: String
    var time: Int64
    var path: String
    var pageView: Bool
    var bot: Bool
    var referrer: String
    var query: String
    var agent: String
}

/// The events through one window store, or one agent's share with a small memory cap and lateness
/// (so that it ships partial sessions too).
func visitFragments(_ events: [VisitEvent], agent: Int, memoryLimit: Int) -> [Fragment] {
    var store = WindowStore(
        configuration: SessionizerConfiguration(gapMillis: gap, latenessMillis: minute, memoryLimit: memoryLimit))
    var out: [Fragment] = []
    let host = Array("a.example".utf8)
    for (i, e) in events.enumerated() {
        let texts = [e.client, e.path, e.referrer, e.agent, e.query, "Browser " + e.agent, "Os", "Device"].map {
            Array($0.utf8)
        }
        host.withUnsafeBytes { h in
            texts[0].withUnsafeBytes { c in
                texts[1].withUnsafeBytes { p in
                    texts[2].withUnsafeBytes { r in
                        texts[3].withUnsafeBytes { u in
                            texts[4].withUnsafeBytes { q in
                                texts[5].withUnsafeBytes { b in
                                    texts[6].withUnsafeBytes { o in
                                        texts[7].withUnsafeBytes { d in
                                            var event = Event(
                                                host: h, client: c, time: e.time, bytes: 10, status: 200, path: p,
                                                referrer: r, userAgent: u, origin: UInt64(agent << 32 | i))
                                            event.classified = true
                                            event.isPageView = e.pageView
                                            event.isBot = e.bot
                                            event.query = q
                                            event.browser = b
                                            event.os = o
                                            event.device = d
                                            store.add(event)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out += store.takeFragments()
    }
    store.flush()
    return out + store.takeFragments()
}

@Suite("Visits merged by the database", .serialized)
struct VisitMergeTests {
    /// Each visitor's requests spread over three agents that ship at once, in small batches, replaying
    /// some: the visit columns equal those of all the traffic sessionized in one place.
    @Test(arguments: [1, 2, 3])
    func visitsOfSplitTrafficEqualThoseOfTheWhole(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let referrers = ["-", "http://a.example/in", "https://search.example/?q=x", "http://b.example:8080/"]
        let queries = ["", "utm_source=news&utm_medium=mail&utm_campaign=may%20sale", "utm_source=ads"]
        // Fewer instants for later seeds: more page views of one instant, whose texts decide the landing.
        let instants = [400, 120, 40][Int(seed - 1)]
        let events = (0..<500).map { _ in
            let kind = rng.next() % 4
            return VisitEvent(
                client: "10.2.0.\(rng.next() % 8)", time: Int64(rng.next() % UInt64(instants)) * (minute / 2),
                path: "/p\(rng.next() % 4)", pageView: kind != 0, bot: kind == 3,
                referrer: referrers[Int(rng.next() % 4)], query: queries[Int(rng.next() % 3)],
                agent: "UA\(rng.next() % 3)")
        }
        let expected = FragmentMerger.merge(
            visitFragments(events, agent: 9, memoryLimit: .max), gapMillis: gap
        ).map(VisitMergeTests.columns)
        let table = try Database.freshTable("v")
        let db = try Database.connect()
        try Schema.prepare(db, table: table, gapMillis: gap)
        var shares: [[VisitEvent]] = [[], [], []]
        for (i, e) in events.enumerated() { shares[(i + Int(rng.next() % 2)) % 3].append(e) }
        let split = shares
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { agent in
            let s = shipper(table, agent: "web-\(agent)")
            let mine = visitFragments(split[agent], agent: agent, memoryLimit: 6_000)
            var start = 0
            while start < mine.count {
                let end = min(start + 5, mine.count)
                do {
                    try s.ship(Array(mine[start..<end]))
                    if start > 0 { try s.ship(Array(mine[(start - 5)..<start])) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                start = end
            }
        }
        #expect(failures.withLock { $0 } == [])
        let actual = try db.execute(
            """
            SELECT ip, (extract(epoch FROM session_start) * 1000)::bigint, event_count, page_views, is_bot,
                   landing_path, exit_path, referrer_host, channel, utm_source, utm_medium, utm_campaign,
                   browser, os, device, referrer, user_agent
            FROM \(table.quoted) ORDER BY ip COLLATE "C", session_start
            """
        ).rows.map { $0.map { $0 ?? "NULL" } }
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) where a != e {
            Issue.record("database \(a)\nexpected \(e)")
            break
        }
    }

    /// A session as the database's columns print it.
    static func columns(_ f: Fragment) -> [String] {
        func text(_ bytes: ArraySlice<UInt8>) -> String {
            bytes.isEmpty ? "NULL" : String(decoding: bytes, as: UTF8.self)
        }
        let visit = f.visit!
        return [
            String(decoding: f.client, as: UTF8.self), String(f.start), String(f.eventCount), String(visit.pageViews),
            visit.isBot ? "t" : "f", text(f.landingPath), text(f.exitPath), text(f.referrerHost),
            visit.channel?.description ?? "NULL", text(f.utmSource), text(f.utmMedium), text(f.utmCampaign),
            text(f.browser), text(f.os), text(f.device), text(f.referrer), text(f.userAgent),
        ]
    }
}
