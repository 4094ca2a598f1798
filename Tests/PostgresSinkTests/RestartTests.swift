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
        func batch(_ b: Int) -> [Fragment] {
            (0..<500).map { i in fragment(client: "10.\(b).\(i % 250).\(i / 250)", start: Int64(b) * 10 * gap, count: 2)
            }
        }
        let s = FragmentShipper(
            conninfo: "", table: table, gapMillis: gap, agentID: "restart", backoff: Backoff(base: 0.05, cap: 0.5))
        // The restart starts after a few batches; batches go on until it is over and a few more,
        // however fast or slow this machine is that day.
        let restarter = Thread { _ = try? shell("pg_ctlcluster \(version) \(name) restart -m fast") }
        var shipped = 0
        var after = 0
        while after < 5 && shipped < 250 {
            if shipped == 5 { restarter.start() }
            try s.ship(batch(shipped))
            shipped += 1
            if restarter.isFinished { after += 1 }
        }
        let db = try Database.connect()
        let totals = try db.execute("SELECT count(*), sum(event_count) FROM \(table.quoted)").rows.first
        #expect(totals == ["\(shipped * 500)", "\(shipped * 1000)"])
        #expect(s.retries > 0, "the restart did not interrupt shipping; the test proved nothing")
    }
}
