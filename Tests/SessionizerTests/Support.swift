import Sessionizer

/// An event as plain values, for tests.
struct TestEvent: Sendable, CustomStringConvertible {
    var host: String
    var client: String
    var time: Int64
    var bytes: Int64 = 1
    var status: Int32 = 200
    var path: String = "/"
    /// A classified request: its visit facts (the store's `Event.classified`).
    var visit: TestVisit? = nil

    var description: String { "\(host)|\(client)@\(time)\(path)" + (visit.map { " \($0)" } ?? "") }
}

/// What classification said of a test request.
struct TestVisit: Sendable, CustomStringConvertible {
    var pageView: Bool
    var bot: Bool
    var referrer: String
    var query: String
    /// The user agent; its browser family is derived from it (`UA3` → `B3`).
    var agent: String

    var browser: String { "B" + agent.dropFirst(2) }
    var description: String { "pv=\(pageView) bot=\(bot) ref=\(referrer) q=\(query) ua=\(agent)" }
}

/// A session as plain values: what the window store and the reference must agree on.
struct Row: Hashable, Comparable, CustomStringConvertible {
    var host: String
    var client: String
    var start: Int64
    var end: Int64
    var count: Int64
    var bytes: Int64
    var errors: Int64
    var landingPath: String

    static func < (a: Row, b: Row) -> Bool {
        (a.host, a.client, a.start) < (b.host, b.client, b.start)
    }

    init(
        host: String, client: String, start: Int64, end: Int64, count: Int64, bytes: Int64, errors: Int64,
        landingPath: String
    ) {
        self.host = host
        self.client = client
        self.start = start
        self.end = end
        self.count = count
        self.bytes = bytes
        self.errors = errors
        self.landingPath = landingPath
    }

    init(_ f: Fragment) {
        self.init(
            host: String(decoding: f.host, as: UTF8.self), client: String(decoding: f.client, as: UTF8.self),
            start: f.start, end: f.end, count: f.eventCount, bytes: f.bytes, errors: f.errorCount,
            landingPath: String(decoding: f.landingPath, as: UTF8.self))
    }

    var description: String { "\(host)|\(client) [\(start)…\(end)] n=\(count) b=\(bytes) e=\(errors) \(landingPath)" }
}

extension WindowStore {
    mutating func add(_ e: TestEvent) {
        let host = Array(e.host.utf8)
        let client = Array(e.client.utf8)
        let path = Array(e.path.utf8)
        let referrer = Array((e.visit?.referrer ?? "-").utf8)
        let agent = Array((e.visit?.agent ?? "test-agent").utf8)
        let query = Array((e.visit?.query ?? "").utf8)
        let browser = Array((e.visit?.browser ?? "").utf8)
        let other = Array("Other".utf8)
        host.withUnsafeBytes { h in
            client.withUnsafeBytes { c in
                path.withUnsafeBytes { p in
                    referrer.withUnsafeBytes { r in
                        agent.withUnsafeBytes { a in
                            query.withUnsafeBytes { q in
                                browser.withUnsafeBytes { b in
                                    other.withUnsafeBytes { o in
                                        var event = Event(
                                            host: h, client: c, time: e.time, bytes: e.bytes, status: e.status, path: p,
                                            referrer: r, userAgent: a)
                                        if let visit = e.visit {
                                            event.classified = true
                                            event.isPageView = visit.pageView
                                            event.isBot = visit.bot
                                            event.query = q
                                            event.browser = b
                                            event.os = o
                                            event.device = o
                                        }
                                        add(event)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Sessions through the window store (in the order given) and the fragment merger.
func sessionize(_ events: [TestEvent], configuration: SessionizerConfiguration) -> [Row] {
    var store = WindowStore(configuration: configuration)
    var fragments: [Fragment] = []
    for e in events {
        store.add(e)
        fragments += store.takeFragments()
    }
    store.flush()
    fragments += store.takeFragments()
    return FragmentMerger.merge(fragments, gapMillis: configuration.gapMillis).map(Row.init)
}

/// The naive reference: sort each key's events by time, start a new session when the gap to the
/// session's latest event exceeds G (exactly G joins, as in Flink).
func referenceSessions(_ events: [TestEvent], gap: Int64) -> [Row] {
    var byKey: [String: [TestEvent]] = [:]
    for e in events { byKey[e.host.lowercased() + "\u{0}" + e.client, default: []].append(e) }
    var rows: [Row] = []
    for (_, list) in byKey {
        // Same instant: the bytewise smaller path is first (referrer and agent are the same in tests).
        let sorted = list.sorted { a, b in
            a.time != b.time ? a.time < b.time : Array(a.path.utf8).lexicographicallyPrecedes(Array(b.path.utf8))
        }
        var current: Row? = nil
        for e in sorted {
            if var c = current, e.time - c.end <= gap {
                c.end = e.time
                c.count += 1
                c.bytes += e.bytes
                c.errors += e.status >= 400 ? 1 : 0
                current = c
            } else {
                if let c = current { rows.append(c) }
                current = Row(
                    host: e.host.lowercased(), client: e.client, start: e.time, end: e.time, count: 1, bytes: e.bytes,
                    errors: e.status >= 400 ? 1 : 0, landingPath: e.path)
            }
        }
        if let c = current { rows.append(c) }
    }
    return rows.sorted()
}
