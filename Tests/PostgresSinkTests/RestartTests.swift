import Foundation
import PostgresSink
import Sessionizer
import Testing

@Suite("PostgreSQL restarting under the shipper", .serialized)
struct RestartTests {
    /// The throwaway cluster `make test` runs (pg_virtualenv names it `regress`).
    func cluster() throws -> (version: String, name: String) {
        let listing = try shell("pg_lsclusters -h")
        let port = ProcessInfo.processInfo.environment["PGPORT"] ?? "5432"
        for line in listing.output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 3 && fields[2] == port { return (String(fields[0]), String(fields[1])) }
        }
        Issue.record("no cluster on port \(port): \(listing.output)")
        throw CancellationError()
    }

    @Test func aRestartDuringShippingLosesAndDuplicatesNothing() throws {
        let (version, name) = try cluster()
        let table = try Database.freshTable("r")
        let batches = (0..<60).map { b in
            (0..<500).map { i in fragment(client: "10.\(b).\(i % 250).\(i / 250)", start: Int64(b) * 10 * gap, count: 2) }
        }
        let s = FragmentShipper(
            conninfo: "", table: table, gapMillis: gap, agentID: "restart", backoff: Backoff(base: 0.05, cap: 0.5),
            log: { _ in })
        let restarter = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            _ = try? shell("pg_ctlcluster \(version) \(name) restart -m fast")
        }
        restarter.start()
        for batch in batches { try s.ship(batch) }
        while !restarter.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        let db = try Database.connect()
        let totals = try db.execute("SELECT count(*), sum(event_count) FROM \(table.quoted)").rows.first
        #expect(totals == ["30000", "60000"])
        #expect(s.retries > 0, "the restart did not interrupt shipping; the test proved nothing")
    }
}
