import Foundation
import PostgresSink
import Sessionizer
import Testing

/// Events as one visitor's requests: (client, minute offset in tenths).
struct AgentEvent: Sendable {
    var client: String
    var time: Int64
    var path: String
}

/// Sessions of the union of all events, computed naively.
func reference(_ events: [AgentEvent], gap: Int64) -> [DBRow] {
    var rows: [DBRow] = []
    for (client, list) in Dictionary(grouping: events, by: \.client) {
        let sorted = list.sorted { ($0.time, $0.path) < ($1.time, $1.path) }
        var current: DBRow? = nil
        for e in sorted {
            if var c = current, e.time - c.end <= gap {
                c.end = e.time
                c.count += 1
                c.bytes += 10
                current = c
            } else {
                if let c = current { rows.append(c) }
                current = DBRow(
                    host: "a.example", ip: client, start: e.time, end: e.time, count: 1, bytes: 10, errors: 0,
                    landingPath: e.path, userAgent: "ua")
            }
        }
        if let c = current { rows.append(c) }
    }
    return rows.sorted { ($0.ip, $0.start) < ($1.ip, $1.start) }
}

/// One agent's fragments: its share of the events through a window store with a small lateness and
/// memory cap, so that it emits partial sessions as well.
func fragments(of events: [AgentEvent], agent: Int) -> [Fragment] {
    var store = WindowStore(
        configuration: SessionizerConfiguration(gapMillis: gap, latenessMillis: minute, memoryLimit: 6_000))
    var out: [Fragment] = []
    let host = Array("a.example".utf8)
    let dash = Array("-".utf8)
    let ua = Array("ua".utf8)
    for (i, e) in events.enumerated() {
        let client = Array(e.client.utf8)
        let path = Array(e.path.utf8)
        host.withUnsafeBytes { h in
            client.withUnsafeBytes { c in
                path.withUnsafeBytes { p in
                    dash.withUnsafeBytes { r in
                        ua.withUnsafeBytes { u in
                            store.add(
                                Event(
                                    host: h, client: c, time: e.time, bytes: 10, status: 200, path: p, referrer: r,
                                    userAgent: u, origin: UInt64(agent << 32 | i)))
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

@Suite("Many agents, one database", .serialized)
struct MultiAgentTests {
    /// A site behind a load balancer: each visitor's requests spread over three web hosts. Whatever the
    /// split, the agents shipping at the same time in small batches must leave exactly the sessions of
    /// all the traffic.
    @Test(arguments: [1, 2, 3, 4, 5])
    func concurrentAgentsGiveTheSessionsOfTheUnion(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let clients = (0..<12).map { "10.1.0.\($0)" }
        let events = (0..<600).map { _ in
            AgentEvent(
                client: clients[Int(rng.next() % 12)], time: Int64(rng.next() % 600) * (minute / 2),
                path: "/p\(rng.next() % 5)")
        }
        let table = try Database.freshTable("m")
        let db = try Database.connect()
        try Schema.prepare(db, table: table, gapMillis: gap)
        // Split by line round-robin for odd seeds, by a hash of the client for even ones.
        var shares: [[AgentEvent]] = [[], [], []]
        for (i, e) in events.enumerated() {
            let agent = seed % 2 == 1 ? i % 3 : Int(UInt(bitPattern: e.client.hashValue ^ Int(rng.next() % 2)) % 3)
            shares[agent].append(e)
        }
        let split = shares
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { agent in
            let s = shipper(table, agent: "web-\(agent)")
            let mine = fragments(of: split[agent], agent: agent)
            var start = 0
            while start < mine.count {
                let end = min(start + 7, mine.count)
                do {
                    try s.ship(Array(mine[start..<end]))
                    // Replays of an earlier batch must change nothing.
                    if start > 0 { try s.ship(Array(mine[(start - 7)..<start])) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                start = end
            }
        }
        #expect(failures.withLock { $0 } == [])
        let actual = try Database.rows(table, connection: db).map { r -> DBRow in
            var r = r
            r.client = nil
            return r
        }
        #expect(actual == reference(events, gap: gap))
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
