import PropertyBased
import Sessionizer
import Testing

/// Random events crowded around the gap: few keys, times on a coarse grid so that gaps of exactly G,
/// ties and bridging late events are common.
let eventsGen = zip(
    Gen.int(in: 0...2), Gen.int(in: 0...3), Gen.int(in: 0...40), Gen.int(in: 0...2), Gen.int(in: 0...3)
).map { host, client, slot, jitter, status -> TestEvent in
    TestEvent(
        host: ["a.example", "B.example", "b.example"][host],
        client: ["10.0.0.1", "10.0.0.2", "::1", "h.example"][client],
        time: Int64(slot) * 100_000 + Int64(jitter) * 50_000, bytes: Int64(slot + 1),
        status: [200, 304, 404, 503][status],
        path: "/p\(slot)")
}.array(of: 0...60)

/// The permutation to feed the events in.
let orderGen = Gen.int(in: 0...Int.max).array(of: 60)

@Suite("Sessionizer equals a naive reference, whatever the order")
struct SessionizerPropertyTests {
    static let configurations: [SessionizerConfiguration] = [
        .init(gapMillis: 300_000, latenessMillis: 0),
        .init(gapMillis: 300_000, latenessMillis: 60_000),
        .init(gapMillis: 300_000, latenessMillis: 10_000_000),
        .init(gapMillis: 300_000, latenessMillis: 60_000, memoryLimit: 0),
        .init(gapMillis: 150_000, latenessMillis: 30_000, memoryLimit: 9_000),
    ]

    @Test(arguments: 0..<configurations.count)
    func matchesReference(configurationIndex: Int) async {
        let configuration = Self.configurations[configurationIndex]
        await propertyCheck(count: 300, input: eventsGen, orderGen) { generated, order in
            let events = generated
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            let expected = referenceSessions(events, gap: configuration.gapMillis)
            let actual = sessionize(shuffled, configuration: configuration)
            #expect(actual == expected, "events \(shuffled)")
        }
    }

    /// With unbounded lateness and memory nothing leaves the store early, so the store alone, without
    /// the merger, must already hold exactly the reference sessions.
    @Test func storeAloneMergesExactly() async {
        await propertyCheck(count: 300, input: eventsGen, orderGen) { generated, order in
            let events = generated
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            var store = WindowStore(
                configuration: SessionizerConfiguration(gapMillis: 300_000, latenessMillis: .max / 4, memoryLimit: .max)
            )
            for e in shuffled { store.add(e) }
            #expect(store.takeFragments().isEmpty)
            store.flush()
            let rows = store.takeFragments().map(Row.init).sorted()
            #expect(rows == referenceSessions(events, gap: 300_000), "events \(shuffled)")
        }
    }

    /// A restart: the open sessions are snapshotted, put back into a new store, and the rest of the
    /// events follow; with what was emitted before, the result equals an uninterrupted run's.
    @Test func snapshotAndRestoreChangeNothing() async {
        await propertyCheck(count: 300, input: eventsGen, orderGen, Gen.int(in: 0...60)) { events, order, cut in
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            let configuration = SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 60_000)
            var first = WindowStore(configuration: configuration)
            var fragments: [Fragment] = []
            for e in shuffled.prefix(cut) { first.add(e) }
            fragments += first.takeFragments()
            let snapshot = first.openFragments()
            #expect(snapshot.count == first.openSessions)
            var second = WindowStore(configuration: configuration)
            for f in snapshot { second.restore(f) }
            #expect(second.openSessions == snapshot.count)
            for e in shuffled.dropFirst(cut) { second.add(e) }
            second.flush()
            fragments += second.takeFragments()
            let rows = FragmentMerger.merge(fragments, gapMillis: 300_000).map(Row.init)
            #expect(rows == referenceSessions(events, gap: 300_000))
        }
    }

    /// What a write-ahead log keeps: a snapshot of the open sessions, then, commit after commit, the
    /// fragments emitted (their keys' sessions are gone) and the sessions of the keys that changed.
    /// Replaying them gives exactly the open sessions, under memory pressure and idle closing too.
    @Test(arguments: [9_000, Int.max])
    func changesBringASnapshotUpToDate(memoryLimit: Int) async {
        await propertyCheck(count: 300, input: eventsGen, orderGen, Gen.int(in: 1...8)) { events, order, every in
            let shuffled = zip(events, order).sorted { $0.1 < $1.1 }.map(\.0)
            var store = WindowStore(
                configuration: SessionizerConfiguration(
                    gapMillis: 300_000, latenessMillis: 60_000, memoryLimit: memoryLimit))
            func key(_ f: Fragment) -> [UInt8] { Array(f.host) + [0] + Array(f.client) }
            var replayed: [[UInt8]: [Row]] = [:]
            func commit() {
                for f in store.takeFragments() { replayed[key(f)] = nil }
                var changed: [[UInt8]: [Row]] = [:]
                for f in store.takeChanges() { changed[key(f), default: []].append(Row(f)) }
                for (k, rows) in changed { replayed[k] = rows }
            }
            for (i, e) in shuffled.enumerated() {
                store.add(e)
                if i % every == 0 { commit() }
                if i % 7 == 3 { store.advanceTime(to: e.time + 200_000) }
            }
            commit()
            let expected = store.openFragments().map(Row.init).sorted()
            #expect(replayed.values.flatMap { $0 }.sorted() == expected, "events \(shuffled)")
            #expect(store.takeChanges().isEmpty)
        }
    }

    @Test func resultDoesNotDependOnArrivalOrder() async {
        await propertyCheck(count: 200, input: eventsGen, orderGen, orderGen) { events, order1, order2 in
            let numbered = events
            let a = zip(numbered, order1).sorted { $0.1 < $1.1 }.map(\.0)
            let b = zip(numbered, order2).sorted { $0.1 < $1.1 }.map(\.0)
            let config = SessionizerConfiguration(gapMillis: 300_000, latenessMillis: 60_000)
            #expect(sessionize(a, configuration: config) == sessionize(b, configuration: config))
        }
    }
}
