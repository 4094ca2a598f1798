import Foundation
import Operations
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

/// A daemon run in-process: a scratch directory with its logs and configuration, an in-memory table
/// to ship to, a clock and a stop token the test holds.
final class DaemonHarness {
    let directory: String
    let table = MemoryTable()
    let clock = TestClock(1_760_104_800_000)  // 10 Oct 2025 14:00 UTC, after the lines' 13:xx
    let stop = TestStopToken()
    /// While true, the table cannot be reached.
    var down = false
    /// Every message the daemon logged, with its level.
    private(set) var messages: [(LogLevel, String)] = []

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("sessiontail-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        if runnerLogDescriptor >= 0 { close(runnerLogDescriptor) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Writes the configuration: state in `state/`, `sources` as YAML list items, `more` as whole
    /// sections; returns its path.
    @discardableResult
    func writeConfig(sources: [String], more: String = "") throws -> String {
        let text = """
            agent_id: harness
            state_dir: \(path("state"))
            sources:
            \(sources.joined(separator: "\n"))
            \(more)
            """
        try text.write(toFile: path("sessiontail.yaml"), atomically: true, encoding: .utf8)
        return path("sessiontail.yaml")
    }

    /// A source reading `file` (a name in the directory) as `host`.
    func source(_ name: String, file: String, host: String = "example.com") -> String {
        """
          - name: \(name)
            paths: ["\(path(file))"]
            host: \(host)
        """
    }

    func configuration() throws -> Configuration { try Configuration.load(path: path("sessiontail.yaml")) }

    var sinks: FragmentSinkFactory {
        { [unowned self] _, agentID in MemorySink(agentID: agentID, table: self.table, down: { self.down }) }
    }

    var log: Log { { [unowned self] level, message in self.messages.append((level, message)) } }

    /// A daemon on the current configuration file.
    func daemon() throws -> Daemon {
        try Daemon(
            configuration: try configuration(), sinks: sinks, clock: clock.now, stop: stop, log: log)
    }

    /// A runner on the current configuration file (its status in the state directory, no systemd); its
    /// messages go to `runner.log` in the directory (``runnerLog``).
    func runner(drain: Bool = false) throws -> DaemonRunner {
        if runnerLogDescriptor < 0 {
            runnerLogDescriptor = open(path("runner.log"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        return DaemonRunner(
            options: .init(configPath: path("sessiontail.yaml"), drain: drain, pollIntervalMillis: 10),
            configuration: try configuration(), stop: stop, sinks: sinks, clock: clock.now,
            writer: LogWriter(journal: false, descriptor: runnerLogDescriptor), notifier: nil)
    }

    private var runnerLogDescriptor: Int32 = -1

    /// What runners wrote so far.
    var runnerLog: String { (try? String(contentsOfFile: path("runner.log"), encoding: .utf8)) ?? "" }

    /// Messages at `level` or above that contain `text`.
    func logged(_ text: String, atLeast level: LogLevel = .info) -> Bool {
        messages.contains { $0.0 >= level && $0.1.contains(text) }
    }

    /// `count` lines from clients numbered from `first`, one request each at `minute` past 13:00 on
    /// 10 Oct 2025, appended to `file`.
    func append(_ file: String, clients first: Int, count: Int, minute: Int = 0) throws {
        var text = ""
        for i in first..<(first + count) {
            text +=
                "10.\(i >> 16).\((i >> 8) & 255).\(i & 255) - - [10/Oct/2025:13:\(String(format: "%02d", minute)):00 +0000] \"GET /p/\(i) HTTP/1.1\" 200 100 \"-\" \"test\"\n"
        }
        let fd = open(path(file), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }
}
