import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SPEC §6 under fire: `kill -9` at random instants while a writer appends and real logrotate
/// rotates, PostgreSQL stopped mid-run, a torn write-ahead log. Each time the table must end
/// identical to the batch result over every line written. (Serialized with the other tests that
/// stop PostgreSQL: `make test` runs them on a cluster of their own.)
@Suite("Torture: SIGKILL, logrotate, PostgreSQL down, torn log", .serialized)
struct TortureTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    /// Appends `source` to `log` in batches of 25 lines at `rate` lines/s, opening the file for each
    /// batch (as a web server that reopens its log after rotation): one `write` per batch.
    static let writer = """
        import os, sys, time
        src, dst, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
        lines = open(src, 'rb').read().splitlines(keepends=True)
        for i in range(0, len(lines), 25):
            fd = os.open(dst, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, b''.join(lines[i:i + 25]))
            os.close(fd)
            time.sleep(25 / rate)
        """

    struct Setup {
        let dir: ScratchDirectory
        let table: String
        let config: String
        let log: String
        let daemonLog: String
        let rotate: String
    }

    func setUp(mode: String) throws -> Setup {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        let logs = dir.path("logs")
        let log = "\(logs)/access.log"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log, contents: nil)
        let config = dir.path("sessiontail.yaml")
        try """
        agent_id: torture
        state_dir: \(dir.path("state"))
        sources:
          - name: web
            paths: ["\(log)"]
            host: semicomplete.com
        session:
          lateness: 0s
        postgres:
          table: \(table)
          batch_age: 50ms
        """.write(toFile: config, atomically: false, encoding: .utf8)
        try """
        \(log) {
            rotate 30
            missingok
            nomail
            \(mode)
        }
        """.write(toFile: dir.path("logrotate.conf"), atomically: false, encoding: .utf8)
        return Setup(
            dir: dir, table: table, config: config, log: log, daemonLog: dir.path("daemon.log"),
            rotate: "logrotate -f -s \(dir.path("logrotate.state")) \(dir.path("logrotate.conf"))")
    }

    func startWriter(_ setup: Setup, rate: Int) throws -> Child {
        try Child(
            ["/usr/bin/python3", "-c", TortureTests.writer, elastic, setup.log, String(rate)], output: "/dev/null")
    }

    func startDaemon(_ config: String, log: String) throws -> Child {
        try Child(
            [try #require(RealLogsTests.sessiontailBinary()), "run", "--config", config, "--poll-interval", "50ms"],
            output: log)
    }

    /// Runs a shell command with `system` (a server that `pg_ctlcluster` starts in the background
    /// keeps Foundation's `Process` waiting).
    func sh(_ command: String) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sh-\(UUID().uuidString)").path
        defer { unlink(output) }
        let status = system("(\(command)) >'\(output)' 2>&1 </dev/null")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(command): exit status \(status >> 8): \(text)")
    }

    /// Drains (closing what is still open) and compares the table with `sessionize` over the log;
    /// returns whether all went well.
    @discardableResult
    func expectTableEqualsBatch(_ setup: Setup, _ context: String) throws -> Bool {
        let binary = try #require(RealLogsTests.sessiontailBinary())
        let drain = try RealLogsTests.run(binary, ["run", "--drain", "--config", setup.config], cwd: root)
        #expect(drain.status == 0, "\(drain.stderrText)")
        let batch = try RealLogsTests.run(binary, ["sessionize", "--host", "semicomplete.com", elastic], cwd: root)
        let expected = try RealLogsTests.project(
            RealLogsTests.parseCSV(batch.stdout), onto: PostgresCLITests.columns, what: "sessionize")
        let stored = try PostgresCLITests.tableRows(setup.table)
        let daemonLog = (try? String(contentsOfFile: setup.daemonLog, encoding: .utf8)) ?? ""
        #expect(stored.count == expected.count, "\(context)\n\(daemonLog.suffix(3000))")
        let identical = PostgresCLITests.sorted(stored) == PostgresCLITests.sorted(expected)
        #expect(
            identical,
            "\(context)\n\(PostgresCLITests.describeDifferences(database: stored, batch: expected))\n\(daemonLog.suffix(3000))"
        )
        return drain.status == 0 && stored.count == expected.count && identical
    }

    /// `make torture` runs longer: more kills (`TORTURE_KILLS`, per rotation mode), a longer outage
    /// (`TORTURE_OUTAGE_SECONDS`) and more repetitions (``TortureBudget``).
    static let kills = Int(ProcessInfo.processInfo.environment["TORTURE_KILLS"] ?? "") ?? 10
    static let outage = Double(ProcessInfo.processInfo.environment["TORTURE_OUTAGE_SECONDS"] ?? "") ?? 1

    /// Ten `kill -9`s at random instants per rotation mode while the writer appends and logrotate
    /// rotates every ~0.7 s (copytruncate with the writer paused: copytruncate itself loses what is
    /// written between its copy and its truncation, whatever reads the log).
    @Test(arguments: ["create", "create\n    compress\n    delaycompress", "copytruncate"])
    func sigkillAtRandomInstants(mode: String) throws {
        _ = TortureBudget.deadline
        let label = mode.contains("compress") ? "compress" : mode
        for n in 1...TortureBudget.repetitions where n == 1 || TortureBudget.hasTimeLeft {
            let started = Date()
            let (seed, ok) = try sigkillAtRandomInstantsOnce(mode: mode, label: label)
            if TortureBudget.repetitions > 1 {
                print(
                    "sigkillAtRandomInstants \(label) \(n)/\(TortureBudget.repetitions) seed \(seed): "
                        + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(ok ? "ok" : "FAIL")")
                fflush(nil)
            }
        }
    }

    /// One run of ``sigkillAtRandomInstants(mode:)``; a failing one is kept in
    /// `.build/torture-failures/sigkill-<mode>-<seed>/`.
    func sigkillAtRandomInstantsOnce(mode: String, label: String) throws -> (seed: UInt64, ok: Bool) {
        let setup = try setUp(mode: mode)
        defer { PostgresCLITests.dropTable(setup.table) }
        let seed = UInt64.random(in: 0..<1_000_000)
        var random = SplitMix(seed: seed)
        // The 10 000 lines last about as long as the kills take (one every 0.23 s on average).
        let writer = try startWriter(setup, rate: min(2_000, Int(10_000 / (Double(Self.kills) * 0.25))))
        var daemon = try startDaemon(setup.config, log: setup.daemonLog)
        var kills = 0
        var rotations = 0
        var lastRotation = Date()
        while writer.isRunning || kills < Self.kills {
            Thread.sleep(forTimeInterval: 0.08 + Double(random.next() % 300) / 1_000)
            daemon.kill9()
            kills += 1
            if Date().timeIntervalSince(lastRotation) > 0.7 && writer.isRunning {
                let pause = mode == "copytruncate"
                if pause { kill(writer.pid, SIGSTOP) }
                try sh(setup.rotate)
                if pause { kill(writer.pid, SIGCONT) }
                rotations += 1
                lastRotation = Date()
            }
            daemon = try startDaemon(setup.config, log: setup.daemonLog)
        }
        writer.wait()
        Thread.sleep(forTimeInterval: 0.3)
        daemon.kill9()
        kills += 1
        #expect(kills > Self.kills)
        #expect(rotations >= 3, "seed \(seed)")
        let ok = try expectTableEqualsBatch(setup, "mode \(mode), seed \(seed), \(kills) kills, \(rotations) rotations")
        if !ok || rotations < 3 {
            let kept = TortureBudget.failureDirectory("sigkill-\(label)-\(seed)")
            _ = system("cp -a '\(setup.dir.url.path)' '\(kept)'")
            try? PostgresCLITests.snapshot(setup.table).write(to: URL(fileURLWithPath: kept + "/table.csv"))
            Issue.record("mode \(mode), seed \(seed): kept in \(kept)")
        }
        return (seed, ok && rotations >= 3)
    }

    /// PostgreSQL stopped mid-run; the daemon killed while it is down and its write-ahead log torn
    /// (the last record cut at a random byte, or one of its bytes flipped), restarted while the
    /// server is still down (it must keep running), then the server started: the outbox drains and
    /// the table ends as if nothing had happened.
    @Test(arguments: ["cut", "flip"])
    func postgresDownThenATornLog(damage: String) throws {
        let (version, name) = try RestartCluster.find()
        let setup = try setUp(mode: "create\n    compress\n    delaycompress")
        defer { PostgresCLITests.dropTable(setup.table) }
        var random = SplitMix(seed: UInt64.random(in: 0..<1_000_000))
        let writer = try startWriter(setup, rate: Int(10_000 / (Self.outage * 1.5 + 3)))
        var daemon = try startDaemon(setup.config, log: setup.daemonLog)
        Thread.sleep(forTimeInterval: 1.0)
        try sh(setup.rotate)
        try sh("pg_ctlcluster \(version) \(name) stop -m fast")
        defer { _ = system("pg_ctlcluster \(version) \(name) start >/dev/null 2>&1") }  // already up, normally
        Thread.sleep(forTimeInterval: Self.outage / 2)
        daemon.kill9()
        // Tear the last record of the newest segment: nothing in it can have been shipped, the
        // server being down.
        let wal = setup.dir.path("state/wal")
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: wal).filter { $0.hasPrefix("wal-") }.sorted().last)
        let path = wal + "/" + segment
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var p = 8
        var last = 8
        while p + 17 <= bytes.count {
            last = p
            p += 17 + (Int(bytes[p]) | Int(bytes[p + 1]) << 8 | Int(bytes[p + 2]) << 16 | Int(bytes[p + 3]) << 24)
        }
        #expect(p == bytes.count, "the segment did not end on a record boundary")
        let recordLength = bytes.count - last
        #expect(recordLength > 17)
        if damage == "cut" {
            bytes.removeLast(1 + Int(random.next() % UInt64(recordLength - 1)))
        } else {
            bytes[last + 8 + Int(random.next() % UInt64(recordLength - 8))] ^= 0x10
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        daemon = try startDaemon(setup.config, log: setup.daemonLog)
        Thread.sleep(forTimeInterval: max(1.0, Self.outage / 2))
        #expect(daemon.isRunning, "the daemon must wait for PostgreSQL, not exit")
        try sh(setup.rotate)
        try sh("pg_ctlcluster \(version) \(name) start")
        writer.wait()
        Thread.sleep(forTimeInterval: 2.0)  // the backoff ends, the outbox drains, reading catches up
        daemon.kill9()
        let daemonLog = (try? String(contentsOfFile: setup.daemonLog, encoding: .utf8)) ?? ""
        #expect(daemonLog.contains("dropped (a write cut short by a crash, or damage on disk)"), "\(daemonLog)")
        #expect(daemonLog.contains("PostgreSQL cannot be reached yet"), "\(daemonLog)")
        try expectTableEqualsBatch(setup, "damage \(damage)")
    }
}

extension TortureTests {
    /// Sessions committed under one agent id, not yet shipped when the agent is killed, are shipped
    /// under that id after a restart with another one: fragment ids derive from it, and shipped under
    /// the new id a batch that had half reached the database would count twice.
    @Test func theOutboxKeepsItsAgentIDAcrossARestart() throws {
        let (version, name) = try RestartCluster.find()
        let setup = try setUp(mode: "create")
        defer { PostgresCLITests.dropTable(setup.table) }
        try FileManager.default.removeItem(atPath: setup.log)
        try FileManager.default.copyItem(atPath: elastic, toPath: setup.log)
        // The table and its schema exist before the server goes down.
        _ = try RealLogsTests.run(
            try #require(RealLogsTests.sessiontailBinary()), ["report", "--table", setup.table], cwd: root)
        try sh("pg_ctlcluster \(version) \(name) stop -m fast")
        defer { _ = system("pg_ctlcluster \(version) \(name) start >/dev/null 2>&1") }
        // The log is old: the first idle pass closes every session by the wall clock; shipping fails.
        let daemon = try startDaemon(setup.config, log: setup.daemonLog)
        Thread.sleep(forTimeInterval: 1.5)
        daemon.kill9()
        try sh("pg_ctlcluster \(version) \(name) start")
        let config = try String(contentsOfFile: setup.config, encoding: .utf8)
        try config.replacingOccurrences(of: "agent_id: torture", with: "agent_id: renamed")
            .write(toFile: setup.config, atomically: false, encoding: .utf8)
        try expectTableEqualsBatch(setup, "agent id changed with an unshipped outbox")
        let agents = try PostgresCLITests.psqlValue(
            "SELECT string_agg(DISTINCT agent_id, ',' ORDER BY agent_id) FROM \(setup.table)_applied")
        #expect(agents == "torture", "the committed sessions must be shipped under the id they were committed with")
    }
}

/// `limits.disk`: with shipping put off (a batch age of an hour), committed sessions would pile up in
/// the write-ahead log; past the cap they are shipped at once and the log compacted. (While PostgreSQL
/// cannot take them, shipping retries and reading waits: the logs on disk are the buffer.)
@Suite("Disk cap")
struct DiskCapTests {
    @Test func theCapShipsWhatWaitsAndCompactsTheLog() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        // 30 000 visitors one request each, long ago: one idle pass closes them all.
        let config = try dir.writeConfig(
            log: try dir.writeVisitors(30_000, perMinute: 1_000), host: "disk.example", table: table,
            postgres: ["batch_size: 1000000", "batch_age: 1h"], more: "limits:\n  disk: 2MiB\n")
        let output = dir.path("daemon.log")
        let daemon = try startDaemon(config, log: output)
        // Wait until the log is read (the count shipped at the cap stops moving for two seconds).
        var shipped = 0
        var steady = 0
        for _ in 0..<150 where steady < 10 || shipped == 0 {
            Thread.sleep(forTimeInterval: 0.2)
            let now = Int(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)")) ?? 0
            steady = now == shipped ? steady + 1 : 0
            shipped = now
        }
        // Shipped at the cap while running, not an hour later; what waits stays under the cap.
        #expect(shipped > 0)
        let wal = try FileManager.default.contentsOfDirectory(atPath: dir.path("state/wal"))
            .map {
                (try? FileManager.default.attributesOfItem(atPath: dir.path("state/wal/\($0)"))[.size] as? Int) ?? 0
            }
            .reduce(0, +)
        #expect(wal < 2 << 20, "the write-ahead log is kept under the cap: \(wal) bytes")
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)") == "30000")
    }
}

/// A memory cap far below what the log's open sessions need: sessions are evicted early as
/// fragments, PostgreSQL merges them, and the table is the same as without the cap.
@Suite("Memory cap")
struct MemoryCapTests {
    @Test func aTinyCapChangesNothing() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let log = dir.path("access.log")
        try FileManager.default.copyItem(
            atPath: RealLogsTests.elastic,
            toPath: log)
        let config = try dir.writeConfig(
            log: log, host: "semicomplete.com", table: table, postgres: ["batch_size: 100"],
            more: "limits:\n  memory: 6KiB\n")
        let drain = try DrainTests().drain(config)
        #expect(drain.status == 0)
        try DrainTests().expectTable(table, equalsBatchOf: [log], in: dir)
        // The cap did bite: more fragments were shipped than there are sessions.
        let fragments = try Int(PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)_applied")) ?? 0
        let sessions = try Int(PostgresCLITests.psqlValue("SELECT count(*) FROM \(table)")) ?? 0
        #expect(fragments > sessions + 100, "\(fragments) fragments for \(sessions) sessions")
    }
}

/// The cluster `make test` runs (pg_virtualenv names it `regress`), found by its port.
enum RestartCluster {
    static func find() throws -> (version: String, name: String) {
        let out = try RealLogsTests.run("/usr/bin/pg_lsclusters", ["-h"], cwd: RealLogsTests.packageRoot)
        let port = ProcessInfo.processInfo.environment["PGPORT"] ?? "5432"
        for line in String(decoding: out.stdout, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 3 && fields[2] == port { return (String(fields[0]), String(fields[1])) }
        }
        Issue.record("no cluster on port \(port)")
        throw CancellationError()
    }
}

/// A child process started with `posix_spawn` and reaped with `waitpid` (Foundation's `Process`
/// can miss a child's exit when waited for off the main thread).
final class Child {
    let pid: pid_t
    private var exited = false

    init(_ arguments: [String], output: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, nil, &argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        pid = child
    }

    var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    func wait() {
        var status: Int32 = 0
        while !exited {
            if waitpid(pid, &status, 0) == pid || errno == ECHILD { exited = true }
        }
    }

    func kill9() {
        if !exited { kill(pid, SIGKILL) }
        wait()
    }

    deinit { kill9() }
}

/// A small seeded generator, so that a failing run can be told by its seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
