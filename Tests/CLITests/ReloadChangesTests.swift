import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGHUP that removes a source and moves the sessions to another table: the removed source's open
/// sessions are shipped under the old settings and it is read no more; what is read afterwards goes
/// to the new table; nothing is lost or counted twice.
@Suite("run: reload removing a source and changing the database")
struct ReloadChangesTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    func config(_ dir: ScratchDirectory, table: String, sources: [String]) -> String {
        """
        agent_id: reload-changes-test
        state_dir: \(dir.path("state"))
        sources:
        \(sources.map { "  - name: \($0)\n    paths: [\"\(dir.path($0)).log\"]\n    host: \($0).example" }.joined(separator: "\n"))
        session:
          lateness: 0s
        postgres:
          table: \(table)
          batch_age: 50ms
        """
    }

    func events(_ table: String, _ host: String) -> String {
        (try? PostgresCLITests.psqlValue("SELECT coalesce(sum(event_count), 0) FROM \(table) WHERE host = '\(host)'"))
            ?? ""
    }

    @Test func removingASourceAndMovingToAnotherTable() throws {
        let dir = try ScratchDirectory()
        let first = PostgresCLITests.freshTable()
        let second = PostgresCLITests.freshTable()
        defer {
            PostgresCLITests.dropTable(first)
            PostgresCLITests.dropTable(second)
        }
        let lines = try String(contentsOfFile: elastic, encoding: .utf8).split(separator: "\n").map(String.init)
        func append(_ name: String, _ range: Range<Int>) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("\(name).log")))
            try handle.seekToEndAndWrite(lines[range].joined(separator: "\n") + "\n")
        }
        for name in ["a", "b"] { try "".write(toFile: dir.path("\(name).log"), atomically: false, encoding: .utf8) }
        let path = dir.path("sessiontail.yaml")
        try config(dir, table: first, sources: ["a", "b"]).write(toFile: path, atomically: false, encoding: .utf8)
        let log = dir.path("daemon.log")
        let process = try startDaemon(path, log: log)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        func daemonLog() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        #expect(
            OperationTests.eventually {
                (try? PostgresCLITests.psqlValue("SELECT to_regclass('\(first)') IS NOT NULL")) == "t"
            },
            "\(daemonLog())")
        try append("a", 0..<100)
        try append("b", 100..<200)
        #expect(
            OperationTests.eventually { events(first, "a.example") == "100" && events(first, "b.example") == "100" },
            "\(daemonLog())")

        // b removed, the table changed.
        try config(dir, table: second, sources: ["a"]).write(toFile: path, atomically: false, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(OperationTests.eventually { daemonLog().contains("reloaded") }, "\(daemonLog())")
        try append("a", 200..<260)
        try append("b", 260..<300)  // b is no longer read
        #expect(OperationTests.eventually { events(second, "a.example") == "60" }, "\(daemonLog())")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(events(second, "b.example") == "0")
        #expect(events(first, "b.example") == "100")
        #expect(events(first, "a.example") == "100")
        #expect(process.isRunning)
    }
}
