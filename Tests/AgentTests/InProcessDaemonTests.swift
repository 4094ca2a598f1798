import Foundation
import Operations
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's behaviour, driven in-process against an in-memory table, a clock and a stop token
/// the test holds: milliseconds each, no PostgreSQL, no sleeps. (The real-process tests in CLITests
/// check the same against PostgreSQL, logrotate and signals.)
@Suite("Daemon in-process")
struct InProcessDaemonTests {
    @Test func reloadAddsAndRemovesSourcesAndRefusesABrokenFile() throws {
        let h = try DaemonHarness()
        try h.append("a.log", clients: 0, count: 10)
        try h.append("b.log", clients: 100, count: 5)
        try h.writeConfig(sources: [h.source("a", file: "a.log", host: "a.example")])
        h.clock.millis = 1_760_101_260_000  // 13:01: the sessions of 13:00 stay open
        let runner = try h.runner()
        try runner.start()
        try runner.turn()
        let daemon = try #require(runner.daemon)
        #expect(daemon.totals.lines == 10)
        #expect(daemon.openSessions == 10)

        // Added: b is read from the next turn on; a keeps its open sessions.
        try h.writeConfig(sources: [h.source("a", file: "a.log", host: "a.example"), h.source("b", file: "b.log")])
        h.stop.reloadRequested = true
        try runner.turn()
        #expect(daemon.configuration.sources.map(\.name) == ["a", "b"])
        #expect(daemon.openSessions == 15)

        // Broken: refused, the running configuration stays in force.
        try "sources: [".write(toFile: h.path("sessiontail.yaml"), atomically: true, encoding: .utf8)
        h.stop.reloadRequested = true
        try runner.turn()
        #expect(daemon.configuration.sources.map(\.name) == ["a", "b"])
        #expect(h.runnerLog.contains("reload refused, the running configuration stays in force"), "\(h.runnerLog)")

        // Removed: a's open sessions are over, and shipped.
        try h.writeConfig(sources: [h.source("b", file: "b.log")])
        h.stop.reloadRequested = true
        try runner.turn()
        #expect(daemon.configuration.sources.map(\.name) == ["b"])
        #expect(daemon.openSessions == 5)
        #expect(h.table.eventsByClient().keys.filter { $0.hasPrefix("a.example ") }.count == 10)
        let status = try StatusFile.read(h.path("state/status.json"))
        #expect(status.reloads == 2 && status.reloadsRefused == 1)
    }

    @Test func aFileThatVanishedUnreadIsCountedAsLost() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 10)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        do {
            let first = try h.daemon()
            try first.pass()
            try first.commitAndShip(force: true)
        }
        // While stopped: the file grows, then logrotate deletes it before it was read on.
        try h.append("access.log", clients: 10, count: 4)
        unlink(h.path("access.log"))
        let second = try h.daemon()
        try second.pass()
        #expect(second.lostFiles == 1)
        #expect(h.logged("access.log is gone (read to byte", atLeast: .error), "\(h.messages)")
        try second.pass()
        #expect(second.lostFiles == 1, "said once")
    }

    @Test func aRotationCompressedWithAnotherToolIsRefusedOnceAndTheRestIsRead() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 5)
        try h.append("old", clients: 100, count: 5)
        #expect(system("bzip2 -c '\(h.path("old"))' > '\(h.path("access.log.1.bz2"))'") == 0)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        let daemon = try h.daemon()
        for _ in 0..<3 { try daemon.pass() }
        #expect(daemon.totals.lines == 5)
        #expect(
            h.messages.filter { $0.0 == .error && $0.1.contains("access.log.1.bz2: it is bzip2-compressed") }.count == 1
        )
    }

    @Test func aProxyInFrontOfTheServerIsSaidOnceInTheLogAndTheStatus() throws {
        let h = try DaemonHarness()
        var text = ""
        for i in 0..<10_000 {
            text += "173.245.48.\(i % 3) - - [10/Oct/2025:13:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\n"
        }
        try text.write(toFile: h.path("access.log"), atomically: false, encoding: .utf8)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        let runner = try h.runner()
        try runner.start()
        try runner.turn()
        try h.append("access.log", clients: 0, count: 10)
        try runner.turn()
        runner.finish()
        #expect(
            h.runnerLog.components(separatedBy: "over half of the first 10000 events come from 2 addresses").count == 2)
        let status = try StatusFile.read(h.path("state/status.json"))
        #expect(status.sources[0].proxyWarning?.contains("173.245.48.0 (33 %)") == true)
    }

    @Test func droppedLinesAreCountedInTheStatusAndMetrics() throws {
        let h = try DaemonHarness()
        try """
        10.0.0.1 - - [10/Oct/2025:13:00:00 +0000] "GET /healthz HTTP/1.1" 200 1 "-" "kube-probe/1.29"
        10.0.0.1 - - [10/Oct/2025:13:00:01 +0000] "HEAD / HTTP/1.1" 200 1 "-" "curl/8.0"
        10.0.0.2 - - [10/Oct/2025:13:00:02 +0000] "GET / HTTP/1.1" 200 1 "-" "Googlebot/2.1 (+http://www.google.com/bot.html)"
        10.0.0.3 - - [10/Oct/2025:13:00:03 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
        10.0.0.3 - - [10/Oct/2025:13:00:04 +0000] "GET /a.png HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"

        """.write(toFile: h.path("access.log"), atomically: false, encoding: .utf8)
        try h.writeConfig(sources: [
            h.source("web", file: "access.log")
                + "\n    drop:\n      bots: true\n      paths: [/healthz]\n      methods: [HEAD]"
        ])
        let runner = try h.runner(drain: true)
        try runner.start()
        _ = try runner.drain()
        runner.finish()
        let status = try StatusFile.read(h.path("state/status.json"))
        let source = status.sources[0]
        #expect(source.linesRead == 5 && source.events == 2)
        #expect(source.dropped == ["bot": 1, "path": 1, "method": 1, "status": 0, "asset": 0, "client": 0])
        #expect(source.malformed.values.reduce(0, +) == 0)
        #expect(source.pageViews == 1)
        let text = status.rendered(running: false)
        #expect(text.contains("dropped:           3 in web (bot 1, method 1, path 1)"), "\(text)")
        let metrics = PrometheusExposition.render(status)
        #expect(metrics.contains("sessiontail_dropped_lines_total{source=\"web\",reason=\"bot\"} 1"), "\(metrics)")
        #expect(metrics.contains("sessiontail_page_views_total{source=\"web\"} 1"))
        #expect(h.table.sessions(gapMillis: 300_000).map(\.eventCount) == [2])
    }

    @Test func closedSessionsWaitForTheBatchAge() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 3)
        try h.writeConfig(sources: [h.source("web", file: "access.log")], more: "postgres:\n  batch_age: 10s")
        let daemon = try h.daemon()
        try daemon.pass(idleAt: h.clock.now())
        try daemon.pass(idleAt: h.clock.now())  // idle: the wall clock closes the three sessions
        try daemon.commitAndShip(force: false)
        #expect(daemon.outboxFragments == 3)
        #expect(h.table.fragments.isEmpty)
        h.clock.millis += 9_999
        try daemon.commitAndShip(force: false)
        #expect(h.table.fragments.isEmpty)
        h.clock.millis += 1
        try daemon.commitAndShip(force: false)
        #expect(h.table.fragments.count == 3 && daemon.outboxFragments == 0)
    }

    @Test func theOutboxOfAFailedShipmentIsShippedAfterARestart() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 20)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        do {
            let daemon = try h.daemon()
            try daemon.pass(idleAt: h.clock.now())
            try daemon.pass(idleAt: h.clock.now())
            h.down = true
            // The retries are cut short by a stop: the error comes out, the outbox stays committed.
            var waits = 0
            daemon.whileWaiting = {
                waits += 1
                if waits == 3 { h.stop.stopRequested = true }
            }
            #expect(throws: (any Error).self) { try daemon.commitAndShip(force: true) }
            #expect(daemon.outboxFragments == 20)
            #expect(daemon.shipRetries >= 1)
            #expect(h.logged("cannot ship 20 fragments", atLeast: .warning))
        }
        h.down = false
        h.stop.stopRequested = false
        let restarted = try h.daemon()
        #expect(restarted.outboxFragments == 20)
        try restarted.commitAndShip(force: false)  // an outbox recovered at start goes at once
        #expect(restarted.outboxFragments == 0)
        #expect(h.table.eventsByClient().count == 20 && h.table.eventsByClient().values.allSatisfy { $0 == 1 })
        // The lines are not read again: their offsets were committed with the outbox.
        try restarted.pass(idleAt: h.clock.now())
        #expect(restarted.totals.lines == 0)
    }

    @Test func shippingThatRecoversSaysSoOnce() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 5)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        let daemon = try h.daemon()
        try daemon.pass(idleAt: h.clock.now())
        try daemon.pass(idleAt: h.clock.now())
        h.down = true
        var waits = 0
        daemon.whileWaiting = {
            waits += 1
            h.clock.millis += 1_000
            if waits == 4 { h.down = false }
        }
        try daemon.commitAndShip(force: true)
        #expect(h.table.fragments.count == 5)
        #expect(h.messages.filter { $0.1.contains("works again after") }.count == 1, "\(h.messages)")
    }

    @Test func overTheDiskCapWhatWaitsIsShippedAndTheLogCompacted() throws {
        let h = try DaemonHarness()
        try h.writeConfig(
            sources: [h.source("web", file: "access.log")],
            more: "postgres:\n  batch_age: 1h\n  batch_size: 100000\nlimits:\n  disk: 1MiB")
        let daemon = try h.daemon()
        var peak = 0
        for round in 0..<40 {
            try h.append("access.log", clients: round * 500, count: 500, minute: round)
            try daemon.pass(idleAt: nil)
            try daemon.commitAndShip(force: false)
            peak = max(peak, daemon.journalBytes)
        }
        // Without the cap, an hour's batch age would keep everything waiting.
        #expect(!h.table.fragments.isEmpty)
        #expect(daemon.journalBytes <= 2 << 20, "the write-ahead log was not compacted: \(daemon.journalBytes) bytes")
        #expect(peak <= 3 << 20)
    }

    @Test func batchesAreCutToTheShippingShareOfTheMemoryCap() throws {
        let h = try DaemonHarness()
        // A quarter of 1 MiB for shipping: batches of at most 128 KiB of sessions, whatever batch_size.
        try h.writeConfig(
            sources: [h.source("web", file: "access.log")],
            more: "postgres:\n  batch_age: 1h\n  batch_size: 100000\nlimits:\n  memory: 1MiB")
        try h.append("access.log", clients: 0, count: 5_000)
        let daemon = try h.daemon()
        try daemon.pass(idleAt: nil)
        try daemon.commitAndShip(force: true)
        #expect(h.table.fragments.count + daemon.openSessions == 5_000)
        #expect(h.table.fragments.count > 1_000, "the window store's half of 1 MiB holds fewer sessions")
        let estimates = h.table.fragments.values.map(\.memoryEstimate)
        let (least, most) = (estimates.min() ?? 0, estimates.max() ?? 0)
        #expect(least > 100)
        // A batch stops at the first fragment that reaches the budget.
        #expect(h.table.largestBatch * least <= (128 << 10) + most, "\(h.table.largestBatch) fragments")
        #expect(h.table.batches >= estimates.reduce(0, +) / ((128 << 10) + most))
    }

    @Test func aStopDuringADrainKeepsTheOpenSessionsAndTheNextDrainFinishes() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 5_000)
        try h.writeConfig(sources: [h.source("web", file: "access.log")], more: "postgres:\n  batch_size: 500")
        let first = try h.runner(drain: true)
        var pieces = 0
        // A stop once a few pieces of the file are in.
        try first.start()
        first.daemon!.afterReading = { _ in
            pieces += 1
            if pieces == 3 { h.stop.stopRequested = true }
        }
        #expect(try first.drain() == .stoppedEarly)
        #expect(h.runnerLog.contains("the drain was interrupted"))
        let partial = h.table.eventsByClient().count
        #expect(partial < 5_000)
        h.stop.stopRequested = false
        let second = try h.runner(drain: true)
        #expect(second.run() == .done)
        let events = h.table.eventsByClient()
        #expect(events.count == 5_000 && events.values.allSatisfy { $0 == 1 })
        // `sessiontail status` shows what the drain left.
        let status = try StatusFile.read(h.path("state/status.json"))
        #expect(status.openSessions == 0 && status.state == .stopped)
    }
}
