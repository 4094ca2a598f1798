import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The rotation torture of the copytruncate double count, repeated: 300 000 vhost_combined lines
/// appended in 5 000-line chunks while real logrotate rotates the log every 6th chunk (`create`, the
/// writer finishing on its old descriptor, then `copytruncate`), the daemon stopped after chunk 15 and
/// the log rotated twice while it is down. Each repetition ends with the table equal to `sessionize`
/// over the files left on disk (copytruncate loses what is written between its copy and its
/// truncation: nobody can have those lines, unless the daemon read them before the truncation, which
/// its checkpoint tells). `scripts/rotation-torture.py` runs one repetition; see it for the details.
///
/// `ROTATION_REPETITIONS` repetitions (2 in `make test`, 200 in `make torture`), each with a random
/// seed, or `ROTATION_SEED` to replay one (the same log and plan; the race itself is real). A failing
/// repetition keeps its state directory, daemon log, log files and the driver's timeline in
/// `.build/torture-failures/rotation-<seed>/`.
@Suite("Torture: logrotate create and copytruncate under a writer, repeated", .serialized)
struct RotationTortureTests {
    static let environment = ProcessInfo.processInfo.environment
    static let repetitions = Int(environment["ROTATION_REPETITIONS"] ?? "") ?? 2
    static let replay = environment["ROTATION_SEED"].flatMap { UInt64($0) }

    struct Outcome {
        var seed: UInt64
        var linesWritten = 0
        var linesLost = 0
        var lostLinesRead = 0
        var sessions = 0
        var seconds = 0.0
        var phases = ""
        var failures: [String] = []
    }

    @Test func createThenCopytruncateWithAStopOnTheWay() throws {
        let binary = try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found")
        let loggen = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("loggen").path
        try #require(
            FileManager.default.isExecutableFile(atPath: loggen), "\(loggen) not built: swift build --build-tests")
        let count = Self.replay == nil ? Self.repetitions : 1
        _ = TortureBudget.deadline
        var outcomes: [Outcome] = []
        let started = Date()
        for n in 1...max(1, count) where n == 1 || TortureBudget.hasTimeLeft {
            let outcome = try repetition(
                seed: Self.replay ?? UInt64.random(in: 1..<1_000_000_000), binary: binary, loggen: loggen)
            let verdict = outcome.failures.isEmpty ? "ok" : "FAIL"
            print(
                "rotation torture \(n)/\(count) seed \(outcome.seed): \(outcome.linesWritten) lines written, "
                    + "\(outcome.linesLost) lost by copytruncate (\(outcome.lostLinesRead) of them read before the truncation), "
                    + "\(outcome.sessions) sessions, \(String(format: "%.1f", outcome.seconds)) s (\(outcome.phases)): \(verdict)"
            )
            fflush(nil)  // a line per repetition as it ends, also when the output is a file
            outcomes.append(outcome)
        }
        let failed = outcomes.filter { !$0.failures.isEmpty }
        let lost = outcomes.reduce(0) { $0 + $1.linesLost }
        print(
            "rotation torture: \(outcomes.count) repetitions in \(Int(Date().timeIntervalSince(started))) s, "
                + "\(failed.count) failed\(failed.isEmpty ? "" : " (seeds \(failed.map { String($0.seed) }.joined(separator: ", ")))"); "
                + "copytruncate lost \(lost) lines in all, \(String(format: "%.1f", Double(lost) / Double(max(1, outcomes.count)))) a repetition, "
                + "\(outcomes.reduce(0) { $0 + $1.lostLinesRead }) of them read by the daemon before the truncation")
    }

    /// One repetition in a scratch directory of its own, against a table of its own.
    /// The driver works out the expected sessions too (`expected.csv`, from `sessionize` beside the drain).
    func repetition(seed: UInt64, binary: String, loggen: String) throws -> Outcome {
        let root = RealLogsTests.packageRoot
        let scratch = try ScratchDirectory()
        let dir = scratch.path("run")
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let started = Date()
        var outcome = Outcome(seed: seed)
        let driver = try RealLogsTests.run(
            "/usr/bin/timeout",
            [
                "--kill-after=10", "900", "/usr/bin/python3",
                root.appendingPathComponent("scripts/rotation-torture.py").path,
                "--seed", String(seed), "--sessiontail", binary, "--loggen", loggen, "--dir", dir, "--table", table,
            ], cwd: root)
        if driver.status != 0 {
            outcome.failures.append("the driver exited with status \(driver.status): \(driver.stderrText)")
        }
        var expected: Data? = nil
        if let data = FileManager.default.contents(atPath: dir + "/result.json"),
            let result = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            outcome.linesWritten = result["lines_written"] as? Int ?? 0
            outcome.linesLost = result["lines_lost"] as? Int ?? 0
            outcome.lostLinesRead = result["lost_lines_read"] as? Int ?? 0
            outcome.phases = String(
                format: "to the last stop %.1f s, drain %.1f s", result["seconds_to_the_last_stop"] as? Double ?? 0,
                result["seconds_draining"] as? Double ?? 0)
            outcome.failures += result["problems"] as? [String] ?? []
            expected = FileManager.default.contents(atPath: result["expected"] as? String ?? "")
            do {
                let rows = try RealLogsTests.project(
                    RealLogsTests.parseCSV(expected ?? Data()), onto: PostgresCLITests.columns, what: "sessionize")
                outcome.sessions = rows.count
                let stored = try PostgresCLITests.tableRows(table)
                if stored.count != rows.count || PostgresCLITests.sorted(stored) != PostgresCLITests.sorted(rows) {
                    outcome.failures.append(
                        "the table differs from sessionize over the files left on disk:\n"
                            + PostgresCLITests.describeDifferences(database: stored, batch: rows))
                }
            } catch {
                outcome.failures.append("\(error)")
            }
        } else if driver.status == 0 {
            outcome.failures.append("the driver wrote no result.json: \(driver.stderrText)")
        }
        outcome.seconds = Date().timeIntervalSince(started)
        if !outcome.failures.isEmpty {
            let kept = try keep(
                dir, as: "rotation-\(seed)", table: table, expected: expected, failures: outcome.failures)
            let failures = outcome.failures.joined(separator: "\n")
            Issue.record("rotation torture seed \(seed) (replay: ROTATION_SEED=\(seed)); kept in \(kept):\n\(failures)")
        }
        return outcome
    }

    /// Copies a failing repetition's directory (state, daemon log, log files, logrotate's configuration
    /// and state, the driver's timeline) to `.build/torture-failures/NAME/`, with the table and the
    /// expected sessions as CSV; returns the path.
    func keep(_ dir: String, as name: String, table: String, expected: Data?, failures: [String]) throws -> String {
        let kept = TortureBudget.failureDirectory(name)
        _ = system("cp -a '\(dir)' '\(kept)'")  // hard links (batch/) stay links
        try? PostgresCLITests.snapshot(table).write(to: URL(fileURLWithPath: kept + "/table.csv"))
        if let expected { try? expected.write(to: URL(fileURLWithPath: kept + "/expected.csv")) }
        try? failures.joined(separator: "\n").write(toFile: kept + "/failures.txt", atomically: false, encoding: .utf8)
        return kept
    }
}

/// How long the torture tests go on: `TORTURE_REPETITIONS` repetitions of each SIGKILL and live-tailing
/// mode (1 unless `make torture` says 10), none started after `TORTURE_HOURS` (3) hours from
/// `TORTURE_STARTED` (seconds since the epoch; `make torture` sets it) or from the first one.
enum TortureBudget {
    static let environment = ProcessInfo.processInfo.environment
    static let repetitions = max(1, Int(environment["TORTURE_REPETITIONS"] ?? "") ?? 1)
    static let deadline: Date = {
        let hours = Double(environment["TORTURE_HOURS"] ?? "") ?? 3
        let started = Double(environment["TORTURE_STARTED"] ?? "").map { Date(timeIntervalSince1970: $0) } ?? Date()
        return started.addingTimeInterval(hours * 3_600)
    }()

    static var hasTimeLeft: Bool { Date() < deadline }

    /// `.build/torture-failures/NAME/`, or `NAME-2/` and so on if that is taken (not yet created).
    static func failureDirectory(_ name: String) -> String {
        let parent = RealLogsTests.packageRoot.appendingPathComponent(".build/torture-failures").path
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        var path = parent + "/" + name
        var n = 2
        while FileManager.default.fileExists(atPath: path) {
            path = parent + "/\(name)-\(n)"
            n += 1
        }
        return path
    }
}
