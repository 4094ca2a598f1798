import AccessLog
import Sessionizer
import Testing

@Suite("Session semantics (Flink session windows)")
struct SessionSemanticsTests {
    let config = SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 60_000)

    func e(_ client: String, _ seconds: Int64, path: String = "/", status: Int32 = 200, host: String = "a.example")
        -> TestEvent
    {
        TestEvent(host: host, client: client, time: seconds * 1_000, status: status, path: path)
    }

    @Test func eventsExactlyTheGapApartAreOneSession() {
        let rows = sessionize([e("1.1.1.1", 0), e("1.1.1.1", 300)], configuration: config)
        #expect(rows.count == 1)
        #expect(rows.first?.count == 2)
    }

    @Test func oneMillisecondMoreThanTheGapSplits() {
        let events = [e("1.1.1.1", 0), TestEvent(host: "a.example", client: "1.1.1.1", time: 300_001)]
        #expect(sessionize(events, configuration: config).count == 2)
    }

    @Test func aLateEventBridgesTwoSessions() {
        // 0 and 500 are two sessions until 250 arrives, late, and joins them.
        let events = [e("1.1.1.1", 0), e("1.1.1.1", 500), e("1.1.1.1", 250)]
        let rows = sessionize(
            events, configuration: SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 3_600_000))
        #expect(
            rows == [
                Row(
                    host: "a.example", client: "1.1.1.1", start: 0, end: 500_000, count: 3, bytes: 3, errors: 0,
                    landingPath: "/")
            ])
    }

    @Test func landingPageIsTheEarliestEventEvenWhenItArrivesLast() {
        let events = [
            TestEvent(host: "a.example", client: "c", time: 10_000, path: "/second"),
            TestEvent(host: "a.example", client: "c", time: 5_000, path: "/first"),
        ]
        #expect(sessionize(events, configuration: config).map(\.landingPath) == ["/first"])
    }

    @Test func sameInstantTiesAreDecidedByContentNotArrival() {
        let a = TestEvent(host: "a.example", client: "c", time: 5_000, path: "/b.css")
        let b = TestEvent(host: "a.example", client: "c", time: 5_000, path: "/a.html")
        #expect(sessionize([a, b], configuration: config).map(\.landingPath) == ["/a.html"])
        #expect(sessionize([b, a], configuration: config).map(\.landingPath) == ["/a.html"])
        let evicting = SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 0, memoryLimit: 0)
        #expect(sessionize([a, b], configuration: evicting).map(\.landingPath) == ["/a.html"])
    }

    @Test func keysAreClientAndLowerCasedHost() {
        let events = [
            e("1.1.1.1", 0, host: "Example.COM"), e("1.1.1.1", 10, host: "example.com"),
            e("1.1.1.1", 20, host: "other.com"),
            e("1.1.1.2", 30, host: "example.com"),
        ]
        let rows = sessionize(events, configuration: config)
        #expect(
            rows.map { "\($0.host)|\($0.client)|\($0.count)" } == [
                "example.com|1.1.1.1|2", "example.com|1.1.1.2|1", "other.com|1.1.1.1|1",
            ])
    }

    @Test func errorsAndBytesAreSummed() {
        let rows = sessionize(
            [e("c", 0, status: 404), e("c", 1, status: 500), e("c", 2, status: 399)], configuration: config)
        #expect(rows.first?.errors == 2)
        #expect(rows.first?.bytes == 3)
    }

    @Test func watermarkClosesSessionsOnlyWhenTheyCanNoLongerGrow() {
        var store = WindowStore(configuration: config)
        store.add(e("a", 0))
        store.add(e("b", 100))
        // Newest 659 s: watermark 599 s; session a ended at 0 s, due after 300 s + lateness: not yet at 360.
        store.add(e("c", 359))
        #expect(store.takeFragments().isEmpty)
        store.add(e("c", 361))
        let closed = store.takeFragments().map(Row.init)
        #expect(closed.map(\.client) == ["a"])
        store.advanceTime(to: 1_000_000)
        #expect(store.takeFragments().map { Row($0).client }.sorted() == ["b", "c"])
        #expect(store.openSessions == 0)
    }

    @Test func firstRequestFieldsAreDisplayTextAsTheFormatEscapesThem() {
        func attributes(_ escaping: FieldEscaping?) -> [String] {
            var store = WindowStore(configuration: config)
            let path = Array(#"/a\x22b"#.utf8)
            let referrer = Array(#"http://r/\"q\""#.utf8)
            let agent = Array(#"say \"hi\"\t\u0001"#.utf8)
            path.withUnsafeBytes { p in
                referrer.withUnsafeBytes { r in
                    agent.withUnsafeBytes { a in
                        "::1".utf8CString.withUnsafeBytes { c in
                            "a.example".utf8CString.withUnsafeBytes { h in
                                let client = UnsafeRawBufferPointer(rebasing: c.dropLast())
                                let host = UnsafeRawBufferPointer(rebasing: h.dropLast())
                                let event =
                                    escaping.map {
                                        Event(
                                            host: host, client: client, time: 0, bytes: 0, status: 200, path: p,
                                            referrer: r, userAgent: a, escaping: $0)
                                    }
                                    ?? Event(
                                        host: host, client: client, time: 0, bytes: 0, status: 200, path: p,
                                        referrer: r, userAgent: a)
                                store.add(event)
                            }
                        }
                    }
                }
            }
            store.flush()
            let f = store.takeFragments()[0]
            return [f.landingPath, f.referrer, f.userAgent].map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(attributes(nil) == [#"/a"b"#, #"http://r/"q""#, #"say "hi"\t\u0001"#])
        #expect(attributes(.default) == attributes(nil))
        #expect(attributes(.json) == [#"/a\x22b"#, #"http://r/"q""#, #"say "hi"\x09\x01"#])
        #expect(attributes(.raw) == [#"/a\x22b"#, #"http://r/\"q\""#, #"say \"hi\"\t\u0001"#])
    }

    @Test func memoryCapEvictsLeastRecentlyActiveFirst() {
        var store = WindowStore(
            configuration: SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 60_000, memoryLimit: 0))
        store.add(e("a", 0))
        let fragments = store.takeFragments()
        #expect(fragments.count == 1)
        #expect(fragments.first?.cause == .evicted)
        #expect(store.evictions == 1)
    }
}
