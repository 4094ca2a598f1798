import Foundation
import PostgresSink
import Sessionizer
import Testing

let minute: Int64 = 60_000
let gap: Int64 = 5 * minute

func shipper(_ table: SessionTable, agent: String = "test-agent", gap: Int64 = gap) -> FragmentShipper {
    FragmentShipper(conninfo: "", table: table, gapMillis: gap, agentID: agent)
}

@Suite("Shipping into a real PostgreSQL", .serialized)
struct ShippingTests {
    @Test func schemaIsCreatedOnceAndChecked() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        try Schema.prepare(db, table: table, gapMillis: gap)
        try Schema.prepare(db, table: table, gapMillis: gap)  // idempotent
        let version = try db.execute(
            "SELECT version, gap_ms FROM sessiontail_schema WHERE table_name = $1", parameters: [table.name])
        #expect(version.rows.first == [String(Schema.version), "300000"])
        #expect(throws: PostgresError.self) { try Schema.prepare(db, table: table, gapMillis: gap + 1_000) }
        do {
            try Schema.prepare(db, table: table, gapMillis: 60_000)
        } catch {
            #expect(error.kind == .permanent)
            #expect(error.message.contains("gap of 300 s") && error.message.contains("60 s"))
        }
        try db.execute("UPDATE sessiontail_schema SET version = 99 WHERE table_name = $1", parameters: [table.name])
        do {
            try Schema.prepare(db, table: table, gapMillis: gap)
            Issue.record("a newer schema was accepted")
        } catch {
            #expect(error.message.contains("newer than this sessiontail knows"))
        }
    }

    @Test func theSeedQueriesRunVerbatim() throws {
        let db = try Database.connect()
        let schema = "seed_\(UUID().uuidString.prefix(8).lowercased())"
        try db.execute("CREATE SCHEMA \(schema)")
        let table = try SessionTable("\(schema).sessions")
        try shipper(table).shipOnce([
            fragment(host: "shop.techcreator.io", client: "1.1.1.1", start: 0, count: 3),
            fragment(host: "blog.techcreator.io", client: "1.1.1.2", start: 0, count: 6),
            fragment(host: "other.example", client: "1.1.1.3", start: 0, count: 100),
        ])
        try db.execute("SET search_path TO \(schema)")
        let average = try db.execute(
            "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions WHERE host LIKE '%techcreator.io';")
        #expect(average.rows == [["4.50"]])
        let perHost = try db.execute(
            "SELECT host, COUNT(*) AS sessions, ROUND(AVG(event_count), 2) AS avg_events FROM sessions GROUP BY host ORDER BY host;"
        )
        #expect(
            perHost.rows == [
                ["blog.techcreator.io", "1", "6.00"], ["other.example", "1", "100.00"],
                ["shop.techcreator.io", "1", "3.00"],
            ])
        let report = try SessionReport.run(db, table: table, selection: .init(hostPattern: "%techcreator.io"))
        #expect(report.averageEvents == "4.50")
        #expect(report.hosts.map(\.host) == ["blog.techcreator.io", "other.example", "shop.techcreator.io"])
        // Fragments without a visit (as before classification): no page views known, so no bounce rate;
        // the sessions count as people's.
        #expect(report.hosts.allSatisfy { $0.bounceRate == nil && $0.botShare == "0.0" })
        #expect(report.averageEventsOfPeople == "4.50" && report.sessions == 2 && report.botSessions == 0)
    }

    @Test func fragmentsMergeAcrossBatchesIncludingABridge() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        let s = shipper(table)
        try s.shipOnce([
            fragment(start: 0, end: minute, count: 2, path: "/a"), fragment(start: 20 * minute, count: 1, path: "/z"),
        ])
        #expect(try Database.rows(table, connection: db).count == 2)
        // 6 min: within the gap of the first session (ends at 1 min). 14 min bridges 6 min… no: 6 → 14 is 8 min.
        try s.shipOnce([fragment(start: 6 * minute, count: 1, path: "/b")])
        #expect(try Database.rows(table, connection: db).map(\.count) == [3, 1])
        // 10 and 15 minutes: 6 → 10 → 15 → 20 chains everything into one session.
        try s.shipOnce([
            fragment(start: 10 * minute, count: 1, path: "/c"), fragment(start: 15 * minute, count: 1, path: "/d"),
        ])
        let rows = try Database.rows(table, connection: db)
        #expect(
            rows == [
                DBRow(
                    host: "a.example", ip: "10.0.0.1", start: 0, end: 20 * minute, count: 6, bytes: 50, errors: 0,
                    landingPath: "/a", userAgent: "ua", client: "10.0.0.1")
            ])
    }

    @Test func inOneBatchFragmentsAloneGoInStraightAndTheOthersMerge() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        try shipper(table).shipOnce([fragment(client: "s", start: 0, end: minute, count: 2)])
        let applied = try shipper(table).shipOnce([
            fragment(client: "a", start: 0),  // touches nothing
            fragment(client: "b", start: 0), fragment(client: "b", start: 4 * minute, count: 2),  // each other
            fragment(client: "s", start: 3 * minute, count: 3),  // the stored session
            fragment(client: "s", start: 60 * minute, count: 4),  // its key, but an hour later: alone
        ])
        #expect(applied == 5)
        let rows = try Database.rows(table, connection: db)
        #expect(
            rows.map { "\($0.ip) \($0.start / minute)-\($0.end / minute) \($0.count)" } == [
                "a 0-0 1", "b 0-4 3", "s 0-3 5", "s 60-60 4",
            ], "\(rows)")
    }

    @Test func exactlyTheGapApartMergesAndOneMillisecondMoreDoesNot() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        try shipper(table).shipOnce([fragment(client: "a", start: 0), fragment(client: "a", start: gap)])
        try shipper(table).shipOnce([fragment(client: "b", start: 0), fragment(client: "b", start: gap + 1)])
        let rows = try Database.rows(table, connection: db)
        #expect(rows.map { "\($0.ip):\($0.count)" } == ["a:2", "b:1", "b:1"], "\(rows)")
    }

    @Test func shippingTheSameBatchTwiceChangesNothing() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        let batch = (0..<50).map { i in
            fragment(client: "10.0.\(i % 7).1", start: Int64(i) * 2 * minute, count: Int64(i % 3 + 1))
        }
        let first = try shipper(table).shipOnce(batch)
        let before = try Database.rows(table, connection: db)
        let second = try shipper(table).shipOnce(batch)
        let third = try shipper(table).shipOnce(batch.reversed())
        #expect(first == 50 && second == 0 && third == 0)
        #expect(try Database.rows(table, connection: db) == before)
        // Another agent's identical-looking fragment is another fragment.
        #expect(try shipper(table, agent: "other").shipOnce([batch[0]]) == 1)
    }

    @Test func sameInstantFirstRequestIsChosenByContent() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        try shipper(table, agent: "x").shipOnce([fragment(start: 1_000, path: "/b.css")])
        try shipper(table, agent: "y").shipOnce([fragment(start: 1_000, path: "/a.html")])
        try shipper(table, agent: "z").shipOnce([fragment(start: 1_000, path: "/a.html", referrer: "http://r/")])
        #expect(try Database.rows(table, connection: db).map(\.landingPath) == ["/a.html"])
        #expect(try Database.rows(table, connection: db).map(\.referrer) == [""])
    }

    @Test func oddTextRoundTrips() throws {
        let db = try Database.connect()
        let table = try Database.freshTable()
        // Display text as the window store produces it: quotes, backslashes, \xHH for controls and bytes
        // that are not UTF-8, tabs and newlines among them, non-ASCII UTF-8.
        let odd = #"/q"uo\te\x09tab\x0Anl\xE9 café ✓ 'single' ; DROP TABLE x; --"#
        let host = "Host-With.Quotes\"And\\Backslash"
        try shipper(table).shipOnce([
            fragment(host: host, client: "crawl-1.example.com", start: 5, path: odd, referrer: odd, agent: odd)
        ])
        let rows = try Database.rows(table, connection: db)
        #expect(
            rows == [
                DBRow(
                    host: host, ip: "crawl-1.example.com", start: 5, end: 5, count: 1, bytes: 10, errors: 0,
                    landingPath: odd, referrer: odd, userAgent: odd, client: nil)
            ])
        try shipper(table).shipOnce([fragment(client: "2001:db8::1", start: 5)])
        #expect(try Database.rows(table, connection: db).last?.client == "2001:db8::1")
    }

    @Test func aWrongPasswordIsPermanentAndDoesNotShowThePassword() throws {
        let s = FragmentShipper(
            conninfo: "host=localhost dbname=postgres user=nobody_\(UUID().uuidString.prefix(6)) password=hunter2",
            table: try Database.freshTable(), gapMillis: gap, agentID: "a")
        do throws(PostgresError) {
            try s.ship([fragment(start: 0)])
            Issue.record("shipping as an unknown role succeeded")
        } catch {
            #expect(error.kind == .permanent)
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("password=***"))
        }
    }
}
