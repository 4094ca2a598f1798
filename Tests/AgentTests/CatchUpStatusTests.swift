import Foundation
import Operations
import Testing

@testable import Agent

/// What `status` says of a daemon behind: bytes unread, the read rate, the time left; from a real
/// daemon's pass over a real file, by times the test gives.
@Suite("Catch-up in status")
struct CatchUpStatusTests {
    @Test func unreadBytesOverTheRecentReadRate() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 2_000)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        let daemon = try h.daemon()
        let monitor = DaemonMonitor(
            config: h.path("sessiontail.yaml"), stateDirectory: h.path("state"), agentID: "harness",
            metricsListen: nil, writer: LogWriter(journal: false, descriptor: -1))
        let t0: Int64 = 1_760_104_800_000
        monitor.publish(daemon, now: t0, force: true)
        try daemon.pass()
        let read = try #require(try FileManager.default.attributesOfItem(atPath: h.path("access.log"))[.size] as? Int)
        #expect(daemon.bytesRead == UInt64(read))
        // More written than read: as far behind as the new lines, read at the rate of the pass.
        try h.append("access.log", clients: 2_000, count: 6_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: h.path("access.log"))[.size] as? Int)
        monitor.publish(daemon, now: t0 + 2_000, force: true)
        let status = try StatusFile.read(h.path("state/status.json"))
        let rate = Double(read) / 2
        #expect(status.readBytesPerSecond == rate)
        #expect(status.lagBytes == UInt64(size - read))
        #expect(status.catchUpSeconds == Double(size - read) / rate)
        #expect(status.sources[0].files[0].catchUpSeconds == Double(size - read) / rate)
        let text = status.rendered(running: true, now: t0 + 2_000)
        #expect(
            text.contains("behind:            \(Quantity.bytes(UInt64(size - read))) unread, catching up at "),
            "\(text)")

        // Read to the end: no longer behind.
        try daemon.pass()
        monitor.publish(daemon, now: t0 + 3_000, force: true)
        let caughtUp = try StatusFile.read(h.path("state/status.json"))
        #expect(caughtUp.lagBytes == 0 && caughtUp.catchUpSeconds == nil)
        #expect(caughtUp.readBytesPerSecond == Double(size) / 3)
        #expect(!caughtUp.rendered(running: true, now: t0 + 3_000).contains("behind:"))
    }

    @Test func theDrainsTotalLeavesOutWhatWasRead() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 500)
        try h.writeConfig(sources: [h.source("web", file: "access.log")])
        let daemon = try h.daemon()
        let size = {
            UInt64(try #require(try FileManager.default.attributesOfItem(atPath: h.path("access.log"))[.size] as? Int))
        }
        let first = try size()
        #expect(daemon.unreadBytesOnDisk == first)
        try daemon.pass()
        #expect(daemon.unreadBytesOnDisk == 0)
        try h.append("access.log", clients: 500, count: 100)
        #expect(daemon.unreadBytesOnDisk == (try size()) - first)
    }
}
