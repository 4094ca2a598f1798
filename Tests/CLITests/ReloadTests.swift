import Foundation
import Testing

/// SIGHUP: a source added by editing the configuration starts; a broken file is refused and the old
/// configuration keeps running.
@Suite("run: reload on SIGHUP")
struct ReloadTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    func config(_ dir: ScratchDirectory, table: String, sources: [String]) -> String {
        """
        agent_id: reload-test
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

    func waitFor(_ sql: String, equal expected: String) -> String {
        var value = ""
        for _ in 0..<100 {
            // The daemon makes the table when it starts: until then the query fails.
            value = (try? PostgresCLITests.psqlValue(sql, mayFail: true)) ?? ""
            if value == expected { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return value
    }

    @Test func addingASourceAndRefusingABrokenFile() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let path = dir.path("sessiontail.yaml")
        try config(dir, table: table, sources: ["a"]).write(toFile: path, atomically: false, encoding: .utf8)
        try "".write(toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try "".write(toFile: dir.path("b.log"), atomically: false, encoding: .utf8)

        let log = dir.path("daemon.log")
        let process = try startDaemon(path, log: log)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The first 100 lines go to a; b is not configured yet.
        let lines = try String(contentsOfFile: elastic, encoding: .utf8).split(separator: "\n").prefix(200)
        try (lines.prefix(100).joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try (lines.suffix(100).joined(separator: "\n") + "\n").write(
            toFile: dir.path("b.log"), atomically: false, encoding: .utf8)
        let a = waitFor("SELECT sum(event_count) FROM \(table) WHERE host = 'a.example'", equal: "100")
        #expect(a == "100", "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table) WHERE host = 'b.example'") == "0")

        // A broken file: refused, a keeps running.
        try "sources:\n  - name: a\n    paths: [relative.log]\n".write(toFile: path, atomically: false, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(process.isRunning)

        // b added: its lines arrive; a's open sessions were not lost.
        try config(dir, table: table, sources: ["a", "b"]).write(toFile: path, atomically: false, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(waitFor("SELECT sum(event_count) FROM \(table) WHERE host = 'b.example'", equal: "100") == "100")
        #expect(try PostgresCLITests.psqlValue("SELECT sum(event_count) FROM \(table)") == "200")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("reload refused"), "\(text)")
        #expect(text.contains("not an absolute path"), "\(text)")
        #expect(text.contains("reloaded"), "\(text)")
    }
}
