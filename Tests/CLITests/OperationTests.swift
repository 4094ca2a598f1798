import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sessiontail run` as systemd runs it: `$NOTIFY_SOCKET` bound by the test (readiness, watchdog,
/// status, reload, stop), standard error as the journal's stream (`$JOURNAL_STREAM`), the metrics
/// endpoint scraped over HTTP, `sessiontail status` read while it runs, a shipment that fails and is
/// retried, and reloads accepted and refused. Real PostgreSQL, real sockets, the built binary.
@Suite("run: systemd notifications, journal, status and metrics")
struct OperationTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    /// The abstract datagram socket systemd would listen on, read all the time by a thread of its own
    /// (as systemd does: an unread socket fills up after a few datagrams).
    final class NotifySocket: @unchecked Sendable {
        let fd: Int32
        let name = "@sessiontail-operation-test-\(UUID().uuidString)"
        private let lock = NSLock()
        private var datagrams: [String] = []
        private var closed = false

        init() throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(fd >= 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            bytes[0] = 0
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            try #require(bound == 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !lock.withLock({ closed }) {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n > 0 {
                        let text = String(decoding: buffer[..<n], as: UTF8.self)
                        lock.withLock { datagrams.append(text) }
                    }
                }
            }
        }

        /// Stops the reader (it holds the object until then).
        func close() { lock.withLock { closed = true } }

        deinit { Glibc.close(fd) }

        /// Every datagram received so far, in order.
        var received: [String] { lock.withLock { datagrams } }

        /// Waits until a datagram after the first `after` ones satisfies `matching` (true), or `seconds`
        /// pass (false).
        func waitFor(after: Int = 0, seconds: Double = 20, _ matching: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                if received.dropFirst(after).contains(where: matching) { return true }
                if Date() > deadline { return false }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `GET /metrics` on 127.0.0.1:`port`: the body, or "" when nothing answers.
    static func scrape(_ port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return "" }
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[..<n]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let body = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[body.upperBound...])
    }

    /// The value of one sample (`name{labels}` exactly as exposed), summed when `prefix` matches several.
    static func metric(_ text: String, _ prefix: String) -> Double? {
        let values = text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap {
            $0.split(separator: " ").last.flatMap { Double($0) }
        }
        return values.isEmpty ? nil : values.reduce(0, +)
    }

    /// Polls `condition` every 0.1 s for up to `seconds`.
    static func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    func sessiontail(_ arguments: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), arguments, cwd: root)
    }

    @Test func underSystemdEyes() throws {
        let dir = try ScratchDirectory()
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let application = "sessiontail_\(table)"
        let lines = try String(contentsOfFile: elastic, encoding: .utf8).split(separator: "\n").map(String.init)
        // 200 events and 15 lines that are not: 10 logged one by one, the rest summed up.
        let garbage = (1...15).map { "garbage line \($0)" }
        try ((lines[0..<100] + garbage + lines[100..<200]).joined(separator: "\n") + "\n")
            .write(toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try (lines[300..<330].joined(separator: "\n") + "\n").write(
            toFile: dir.path("b.log"), atomically: false, encoding: .utf8)
        let port = try Self.freePort()
        let config = dir.path("sessiontail.yaml")
        func writeConfig(_ sources: [String], extra: String = "", conninfo: String = "") throws {
            try """
            agent_id: operation-test
            state_dir: \(dir.path("state"))
            sources:
            \(sources.map { "  - name: \($0)\n    paths: [\"\(dir.path($0)).log\"]\n    host: \($0).example" }.joined(separator: "\n"))
            session:
              lateness: 0s
            postgres:
              conninfo: "application_name=\(application) \(conninfo)"
              table: \(table)
              batch_age: 100ms
            metrics:
              listen: 127.0.0.1:\(port)
            \(extra)
            """.write(toFile: config, atomically: false, encoding: .utf8)
        }
        try writeConfig(["a"])

        let notify = try NotifySocket()
        defer { notify.close() }
        let logPath = dir.path("daemon.log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: logPath)
        let device = try #require(attributes[.systemNumber] as? NSNumber)
        let inode = try #require(attributes[.systemFileNumber] as? NSNumber)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(RealLogsTests.sessiontailBinary()))
        process.arguments = ["run", "--config", config, "--poll-interval", "50ms"]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.name
        environment["WATCHDOG_USEC"] = "300000"
        environment["JOURNAL_STREAM"] = "\(device.uint64Value):\(inode.uint64Value)"
        process.environment = environment
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        func daemonLog() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func events(_ host: String) -> String {
            (try? PostgresCLITests.psqlValue(
                "SELECT coalesce(sum(event_count), 0) FROM \(table) WHERE host = '\(host)'")) ?? ""
        }

        // Ready, with a status line; then watchdog pings and status lines.
        #expect(notify.waitFor { $0.hasPrefix("READY=1\nSTATUS=") }, "\(notify.received) \(daemonLog())")
        #expect(notify.received.first?.hasPrefix("READY=1") == true, "READY=1 must come first: \(notify.received)")
        #expect(Self.eventually { events("a.example") == "200" }, "\(daemonLog())")
        #expect(notify.waitFor { $0 == "WATCHDOG=1" })
        #expect(notify.waitFor { $0.hasPrefix("STATUS=") && $0.contains(" lines/s, 0 B behind") }, "\(notify.received)")

        // Metrics, scraped.
        var metrics = ""
        #expect(
            Self.eventually {
                metrics = Self.scrape(port)
                return Self.metric(metrics, "sessiontail_events_total{source=\"a\"}") == 200
            }, "\(metrics)")
        #expect(Self.metric(metrics, "sessiontail_lines_read_total{source=\"a\"}") == 215)
        #expect(Self.metric(metrics, "sessiontail_malformed_lines_total{source=\"a\"") == 15)
        #expect(Self.metric(metrics, "sessiontail_files_tracked{source=\"a\"}") == 1)
        #expect(Self.metric(metrics, "sessiontail_file_lag_bytes{source=\"a\",path=\"\(dir.path("a.log"))\"}") == 0)
        #expect(Self.metric(metrics, "sessiontail_fragments_shipped_total") ?? 0 > 0)
        #expect(Self.metric(metrics, "sessiontail_outbox_fragments") == 0)
        #expect(Self.metric(metrics, "sessiontail_wal_bytes") ?? 0 > 8)
        #expect(Self.metric(metrics, "sessiontail_wal_syncs_total") ?? 0 >= 1)
        #expect(Self.metric(metrics, "sessiontail_lost_files_total") == 0)
        #expect(Self.metric(metrics, "sessiontail_last_ship_timestamp_seconds") ?? 0 > 1.7e9)
        #expect(Self.metric(metrics, "sessiontail_build_info{version=") == 1)

        // sessiontail status, while it runs.
        var json: [String: Any] = [:]
        #expect(
            try Self.eventually {
                let out = try sessiontail(["status", "--json", "--config", config])
                json = (try? JSONSerialization.jsonObject(with: out.stdout) as? [String: Any]) ?? [:]
                let source = (json["sources"] as? [[String: Any]])?.first
                return out.status == 0 && source?["events"] as? Int == 200
            }, "\(json)")
        #expect(json["running"] as? Bool == true)
        #expect(json["agent_id"] as? String == "operation-test")
        #expect(json["last_ship_at"] is String)
        let source = try #require((json["sources"] as? [[String: Any]])?.first)
        let file = try #require((source["files"] as? [[String: Any]])?.first)
        #expect(file["path"] as? String == dir.path("a.log"))
        #expect(file["lag_bytes"] as? Int == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir.path("a.log"))[.size] as? Int)
        #expect(file["offset"] as? Int == size)
        #expect((source["malformed"] as? [String: Int])?.values.reduce(0, +) == 15)
        let human = try sessiontail(["status", "--config", config])
        #expect(human.status == 0)
        let text = String(decoding: human.stdout, as: UTF8.self)
        #expect(text.contains("agent operation-test: running"), "\(text)")
        #expect(text.contains(dir.path("a.log")), "\(text)")
        #expect(text.contains("write-ahead log:"), "\(text)")
        #expect((json["wal_bytes"] as? Int ?? 0) > 8, "\(json)")

        // PostgreSQL drops the connection: the batch is retried, nothing lost, the retry counted.
        _ = try PostgresCLITests.psqlValue(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(application)'")
        try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("a.log"))).seekToEndAndWrite(
            lines[200..<250].joined(separator: "\n") + "\n")
        #expect(Self.eventually { events("a.example") == "250" }, "\(daemonLog())")
        #expect(
            Self.eventually {
                metrics = Self.scrape(port)
                return Self.metric(metrics, "sessiontail_ship_retries_total") ?? 0 >= 1
            }, "\(metrics)\n\(daemonLog())")
        #expect(daemonLog().contains("<4>cannot ship"), "\(daemonLog())")

        // Rotation (rename and create): both files followed, each under its name now, no series twice.
        try FileManager.default.moveItem(atPath: dir.path("a.log"), toPath: dir.path("a.log.1"))
        try (lines[250..<260].joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        #expect(Self.eventually { events("a.example") == "260" }, "\(daemonLog())")
        #expect(
            Self.eventually {
                metrics = Self.scrape(port)
                return Self.metric(metrics, "sessiontail_files_tracked{source=\"a\"}") == 2
                    && Self.metric(metrics, "sessiontail_file_lag_bytes{source=\"a\",path=\"\(dir.path("a.log.1"))\"}")
                        == 0
                    && Self.metric(metrics, "sessiontail_file_lag_bytes{source=\"a\",path=\"\(dir.path("a.log"))\"}")
                        == 0
            }, "\(metrics)")
        let series = metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: " ").dropLast().joined(separator: " ")
        }
        #expect(Set(series).count == series.count, "a series appears twice: \(metrics)")

        // Reload as systemctl reload does it: a source added (RELOADING=1, then READY=1); counts go on.
        let pid = "\(process.processIdentifier)"
        var before = notify.received.count
        try writeConfig(["a", "b"])
        let reload = try sessiontail(["reload", "--config", config, "--pid", pid])
        #expect(reload.status == 0, "\(reload.stderrText)\n\(daemonLog())\n\(notify.received)")
        #expect(reload.stderrText.contains("reloaded \(config): 2 sources"), "\(reload.stderrText)")
        #expect(notify.waitFor(after: before) { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }, "\(notify.received)")
        let reloading = notify.received.lastIndex { $0.hasPrefix("RELOADING=1") } ?? 0
        #expect(notify.waitFor(after: reloading + 1) { $0.hasPrefix("READY=1") }, "\(notify.received)")
        #expect(Self.eventually { events("b.example") == "30" }, "\(daemonLog())")
        #expect(
            Self.eventually {
                metrics = Self.scrape(port)
                return Self.metric(metrics, "sessiontail_events_total{source=\"b\"}") == 30
            }, "\(metrics)")
        #expect(Self.metric(metrics, "sessiontail_events_total{source=\"a\"}") == 260)
        #expect(Self.metric(metrics, "sessiontail_reloads_total{result=\"applied\"}") == 1)

        // A database the daemon cannot reach: it refuses the file, and `reload` fails saying why.
        before = notify.received.count
        try writeConfig(["a", "b"], conninfo: "host=127.0.0.1 port=1 connect_timeout=2")
        let refused = try sessiontail(["reload", "--config", config, "--pid", pid])
        #expect(refused.status == 1, "\(refused.stderrText)")
        #expect(
            refused.stderrText.contains("reload refused, the running configuration stays in force"),
            "\(refused.stderrText)")
        #expect(notify.waitFor(after: before) { $0.hasPrefix("RELOADING=1") })
        let refusing = notify.received.lastIndex { $0.hasPrefix("RELOADING=1") } ?? 0
        #expect(notify.waitFor(after: refusing + 1) { $0.hasPrefix("READY=1") }, "\(notify.received)")
        // A broken file: `reload` refuses it without disturbing the daemon...
        before = notify.received.count
        try writeConfig(["a", "b"], extra: "unknown_key: 1")
        let broken = try sessiontail(["reload", "--config", config, "--pid", pid])
        #expect(broken.status == 1)
        #expect(broken.stderrText.contains("unknown_key: unknown key"), "\(broken.stderrText)")
        #expect(!notify.waitFor(after: before, seconds: 0.5) { $0.hasPrefix("RELOADING=1") })
        // ...and a bare SIGHUP has the daemon refuse it: said at error priority, counted; it goes on.
        kill(process.processIdentifier, SIGHUP)
        #expect(notify.waitFor(after: before) { $0.hasPrefix("RELOADING=1") })
        #expect(
            Self.eventually {
                Self.metric(Self.scrape(port), "sessiontail_reloads_total{result=\"refused\"}") == 2
            })
        #expect(process.isRunning)
        #expect(daemonLog().contains("<3>reload refused"), "\(daemonLog())")
        // Still shipping under the configuration in force.
        try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("b.log"))).seekToEndAndWrite(
            lines[330..<340].joined(separator: "\n") + "\n")
        #expect(Self.eventually { events("b.example") == "40" }, "\(daemonLog())")

        // SIGTERM: STOPPING=1, exit 0, and status says it no longer runs.
        before = notify.received.count
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(daemonLog())")
        #expect(notify.waitFor(after: before, seconds: 2) { $0.hasPrefix("STOPPING=1") }, "\(notify.received)")
        try writeConfig(["a", "b"])  // status reads the file for the state directory
        let stopped = try sessiontail(["status", "--config", config])
        #expect(stopped.status == 3)
        #expect(String(decoding: stopped.stdout, as: UTF8.self).contains(": not running"))

        // Every line in the journal's format; malformed lines logged one by one up to 10, then summed.
        let logLines = daemonLog().split(separator: "\n")
        let unprefixed = logLines.filter { $0.range(of: #"^<[0-7]>"#, options: .regularExpression) == nil }
        #expect(unprefixed.isEmpty, "\(unprefixed)")
        #expect(logLines.filter { $0.hasPrefix("<4>malformed line ") }.count == 10, "\(daemonLog())")
        #expect(logLines.filter { $0.contains("malformed_lines=5 not logged one by one") }.count == 1, "\(daemonLog())")
        #expect(logLines.contains { $0.hasPrefix("<6>running agent_id=operation-test") })
    }
}

extension FileHandle {
    /// Appends `text` and closes the handle.
    func seekToEndAndWrite(_ text: String) throws {
        try seekToEnd()
        try write(contentsOf: Data(text.utf8))
        try close()
    }
}
