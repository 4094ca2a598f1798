import Operations
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A Unix datagram socket bound by the test: systemd's side of `sd_notify`.
final class NotifySocket {
    let fd: Int32
    let name: String

    /// Binds `name`: a path, or `@name` in the abstract namespace.
    init(_ name: String) throws {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(
            MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (bytes[0] == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0, "bind \(name): \(String(cString: strerror(errno)))")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if name.hasPrefix("/") { unlink(name) }
    }

    /// The next datagram, or nil after the timeout.
    func receive(timeoutMillis: Int = 5_000) -> String? {
        var timeout = timeval(tv_sec: timeoutMillis / 1_000, tv_usec: (timeoutMillis % 1_000) * 1_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : String(decoding: buffer[..<n], as: UTF8.self)
    }
}

/// One HTTP request to 127.0.0.1:`port`, the whole answer as text.
func httpRequest(port: Int, _ request: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
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
    try #require(connected == 0, "connect to \(port): \(String(cString: strerror(errno)))")
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        answer += buffer[..<n]
    }
    return String(decoding: answer, as: UTF8.self)
}

@Suite("systemd notifications")
struct SystemdNotifierTests {
    @Test func sendsToASocketPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        let socket = try NotifySocket(path)
        let notifier = try #require(SystemdNotifier(socket: path))
        notifier.ready(status: "12 lines/s")
        #expect(socket.receive() == "READY=1\nSTATUS=12 lines/s")
        notifier.reloading()
        let reloading = try #require(socket.receive())
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        let micros = reloading.split(separator: "\n")[1].dropFirst("MONOTONIC_USEC=".count)
        #expect(UInt64(micros).map { $0 > 0 } == true, "\(reloading)")
        notifier.stopping()
        #expect(socket.receive()?.hasPrefix("STOPPING=1") == true)
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "@sessiontail-test-\(UUID().uuidString)"
        let socket = try NotifySocket(name)
        let notifier = try #require(SystemdNotifier(socket: name))
        notifier.status("idle")
        #expect(socket.receive() == "STATUS=idle")
    }

    @Test func pingsTheWatchdogAtMostEveryHalfInterval() throws {
        let name = "@sessiontail-test-\(UUID().uuidString)"
        let socket = try NotifySocket(name)
        let notifier = try #require(SystemdNotifier(socket: name, watchdogMicros: 400_000))
        notifier.watchdogIfDue()
        #expect(socket.receive() == "WATCHDOG=1")
        notifier.watchdogIfDue()  // too soon: nothing
        #expect(socket.receive(timeoutMillis: 100) == nil)
        Thread.sleep(forTimeInterval: 0.25)
        notifier.watchdogIfDue()
        #expect(socket.receive() == "WATCHDOG=1")
    }

    @Test func withoutAWatchdogNothingIsSent() throws {
        let name = "@sessiontail-test-\(UUID().uuidString)"
        let socket = try NotifySocket(name)
        let notifier = try #require(SystemdNotifier(socket: name))
        notifier.watchdogIfDue()
        #expect(socket.receive(timeoutMillis: 100) == nil)
    }

    @Test func neverBlocksWhenNobodyReads() throws {
        let name = "@sessiontail-test-\(UUID().uuidString)"
        let socket = try NotifySocket(name)  // bound, never read: its queue fills after a few datagrams
        let notifier = try #require(SystemdNotifier(socket: name))
        let clock = ContinuousClock()
        var sent = 0
        let elapsed = clock.measure {
            for i in 0..<200 where notifier.send("STATUS=\(i)") { sent += 1 }
        }
        #expect(elapsed < .seconds(2))
        #expect(sent > 0 && sent < 200, "\(sent) of 200 sent")
        #expect(socket.receive() == "STATUS=0")
    }

    @Test func refusesNamesThatAreNotSockets() {
        #expect(SystemdNotifier(socket: "relative/path") == nil)
        #expect(SystemdNotifier(socket: "/" + String(repeating: "x", count: 200)) == nil)
    }
}

@Suite("Log lines for the journal")
struct LogWriterTests {
    @Test func levelsAreOrderedByUrgency() {
        #expect(LogLevel.error > LogLevel.warning && LogLevel.warning > LogLevel.info)
    }

    @Test func journalLinesCarryThePriorityAndNoName() {
        let journal = LogWriter(journal: true)
        #expect(journal.format("gone", level: .error) == "<3>gone\n")
        #expect(journal.format("two\nlines", level: .warning) == "<4>two\n<4>lines\n")
        let plain = LogWriter(journal: false)
        #expect(plain.format("running", level: .info) == "sessiontail: running\n")
        #expect(plain.format("disk full", level: .error) == "sessiontail: error: disk full\n")
        #expect(plain.format("slow", level: .warning) == "sessiontail: warning: slow\n")
    }

    @Test func aStreamIsTheJournalOnlyWhenItsInodeMatches() throws {
        var info = stat()
        try #require(fstat(2, &info) == 0)
        #expect(LogWriter.isJournal(descriptor: 2, journalStream: "\(info.st_dev):\(info.st_ino)"))
        #expect(!LogWriter.isJournal(descriptor: 2, journalStream: "\(info.st_dev):\(info.st_ino + 1)"))
        #expect(!LogWriter.isJournal(descriptor: 2, journalStream: "garbage"))
        #expect(!LogWriter.isJournal(descriptor: 2, journalStream: nil))
    }
}

@Suite("Status and metrics")
struct StatusAndMetricsTests {
    static func sample() -> DaemonStatus {
        var status = DaemonStatus(
            agentID: "web-01", pid: 4242, config: "/etc/sessiontail/sessiontail.yaml",
            startedAt: Instant(millis: 1_700_000_000_000))
        status.updatedAt = Instant(millis: 1_700_000_060_500)
        var source = DaemonStatus.Source(name: "nginx")
        source.files = [DaemonStatus.File(path: "/var/log/nginx/a \"quoted\"\\.log", offset: 100, size: 150)]
        source.linesRead = 1_000
        source.events = 990
        source.malformed = ["bad_time": 10, "too_long": 0]
        source.openSessions = 7
        source.lastEventTime = Instant(millis: 1_700_000_059_000)
        status.sources = [source]
        status.openSessions = 7
        status.fragmentsShipped = 40
        status.fragmentsApplied = 38
        status.fragmentsEmitted = 42
        status.outboxFragments = 2
        status.shipRetries = 3
        status.lastShipAt = Instant(millis: 1_700_000_058_123)
        status.lastProblem = DaemonStatus.Problem(at: Instant(millis: 1_700_000_001_000), message: "warning: x")
        return status
    }

    @Test func jsonRoundTripsWithSnakeCaseKeys() throws {
        let status = Self.sample()
        let json = try status.json()
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"agent_id\" : \"web-01\""))
        #expect(text.contains("\"last_ship_at\" : \"2023-11-14T22:14:18.123Z\""))
        #expect(text.contains("\"lag_bytes\" : 50"))
        #expect(try DaemonStatus.decode(json: json) == status)
    }

    @Test func theExpositionFollowsTheTextFormat() throws {
        let text = PrometheusExposition.render(Self.sample())
        var declared: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                declared[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") { continue }
            // name{labels} value
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(name.hasPrefix("sessiontail_"), "\(line)")
            let type = try #require(declared[name], "\(name) sampled before its # TYPE")
            #expect((type == "counter") == name.hasSuffix("_total"), "\(name) is a \(type)")
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(value) != nil, "\(line)")
        }
        #expect(text.contains(#"sessiontail_malformed_lines_total{source="nginx",reason="bad_time"} 10"#))
        #expect(text.contains(#"sessiontail_malformed_lines_total{source="nginx",reason="unterminated_quote"} 0"#))
        #expect(
            text.contains(#"sessiontail_file_lag_bytes{source="nginx",path="/var/log/nginx/a \"quoted\"\\.log"} 50"#))
        #expect(text.contains("sessiontail_last_ship_timestamp_seconds 1700000058.123\n"))
        #expect(text.contains("sessiontail_outbox_fragments 2\n"))
        #expect(text.contains(#"sessiontail_build_info{version="\#(BuildInfo.version)",agent_id="web-01"} 1"#))
    }

    @Test func theServerAnswersMetricsAndNothingElse() throws {
        let latest = LatestStatus()
        let server = try MetricsServer(listen: "127.0.0.1:0", status: latest)
        defer { server.stop() }
        #expect(
            try httpRequest(port: server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 503"))
        latest.set(Self.sample())
        let answer = try httpRequest(port: server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(answer.contains("sessiontail_events_total{source=\"nginx\"} 990\n"))
        let head = try httpRequest(port: server.port, "HEAD /metrics HTTP/1.1\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200") && head.hasSuffix("\r\n\r\n"))
        #expect(try httpRequest(port: server.port, "GET /other HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try httpRequest(port: server.port, "POST /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        #expect(try httpRequest(port: server.port, "garbage\r\n\r\n").hasPrefix("HTTP/1.1 400"))
    }

    @Test func stoppingFreesThePort() throws {
        let first = try MetricsServer(listen: "127.0.0.1:0", status: LatestStatus())
        let port = first.port
        first.stop()
        let second = try MetricsServer(listen: "127.0.0.1:\(port)", status: LatestStatus())
        second.stop()
        #expect(throws: MetricsServer.Failure.self) {
            let taken = try MetricsServer(listen: "127.0.0.1:0", status: LatestStatus())
            defer { taken.stop() }
            _ = try MetricsServer(listen: "127.0.0.1:\(taken.port)", status: LatestStatus())
        }
    }

    @Test func theStatusFileIsWrittenWholeAndReadBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString).json")
            .path
        defer { unlink(path) }
        var status = Self.sample()
        try StatusFile.write(status, to: path)
        #expect(try StatusFile.read(path) == status)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        status.state = .stopped
        #expect(!StatusFile.isRunning(status))
        status.state = .running
        status.pid = Int32.max  // no such process
        #expect(!StatusFile.isRunning(status))
        do {
            _ = try StatusFile.read(path + ".missing")
            Issue.record("a missing status file was read")
        } catch {
            #expect(error.missing)
        }
    }

    @Test func theTableShowsEveryFile() {
        let text = Self.sample().rendered(running: true, now: 1_700_000_061_000)
        #expect(text.hasPrefix("sessiontail \(BuildInfo.version), agent web-01: running (pid 4242"))
        #expect(text.contains("last ship:         2023-11-14T22:14:18.123Z (2 s ago); 40 fragments shipped, 38 new"))
        let row = text.split(separator: "\n").first { $0.hasPrefix("nginx") }.map(String.init) ?? ""
        #expect(
            row.contains("/var/log/nginx/a \"quoted\"\\.log") && row.contains(" 100 ") && row.contains(" 50 "), "\(row)"
        )
        #expect(row.contains("2023-11-14T22:14:19Z"), "\(row)")
        #expect(Quantity.bytes(1536) == "1.5 KiB" && Quantity.compact(1234) == "1.2k" && Quantity.compact(12) == "12")
    }
}

@Suite("Catching up")
struct CatchUpTests {
    @Test func theRateSpansTheWindowAndStartsAgainWhenTheCountGoesBack() {
        var rate = RecentRate(windowMillis: 10_000)
        #expect(rate.perSecond == 0)
        rate.add(0, at: 1_000)
        #expect(rate.perSecond == 0)
        rate.add(1_000, at: 2_000)
        #expect(rate.perSecond == 1_000)
        // Faster now: 9 000 bytes in the next second; the window still holds the first second.
        rate.add(10_000, at: 3_000)
        #expect(rate.perSecond == 5_000)
        // Twelve seconds on, nothing more read: the old samples fall out, the rate goes to what the
        // window saw.
        rate.add(10_000, at: 15_000)
        #expect(rate.perSecond == 0)
        rate.add(5, at: 16_000)  // a counter started again
        #expect(rate.perSecond == 0)
        rate.add(2_005, at: 17_000)
        #expect(rate.perSecond == 2_000)
    }

    @Test func behindTheEstimateIsUnreadOverTheRate() {
        var status = StatusAndMetricsTests.sample()
        status.sources[0].files = [
            DaemonStatus.File(path: "/var/log/nginx/access.log", offset: 1 << 30, size: 2 << 30),
            DaemonStatus.File(path: "/var/log/nginx/other.log", offset: 500, size: 500),
        ]
        status.estimateCatchUp(readBytesPerSecond: Double(32 << 20))
        #expect(status.readBytesPerSecond == Double(32 << 20))
        #expect(status.catchUpSeconds == 32)
        #expect(status.sources[0].files[0].catchUpSeconds == 32)
        #expect(status.sources[0].files[1].catchUpSeconds == nil, "read to its end")
        #expect(status.catchUpSummary == "1 GiB unread, catching up at 32 MiB/s, ~32 s left")
        let text = status.rendered(running: true, now: 1_700_000_061_000)
        #expect(text.contains("\nbehind:            1 GiB unread, catching up at 32 MiB/s, ~32 s left\n"), "\(text)")
        let row = text.split(separator: "\n").first { $0.contains("access.log") }.map(String.init) ?? ""
        #expect(row.hasSuffix(" ~32 s"), "\(row)")
        #expect(!status.rendered(running: false).contains("behind:"), "a daemon not running catches nothing up")

        // The numbers in JSON, and read back.
        let json = String(decoding: try! status.json(), as: UTF8.self)
        #expect(json.contains("\"catch_up_seconds\" : 32"), "\(json)")
        #expect(json.contains("\"read_bytes_per_second\" : 33554432"), "\(json)")
        #expect(try! DaemonStatus.decode(json: Array(json.utf8)) == status)

        // Nothing read lately: behind, and said so, without an estimate.
        status.estimateCatchUp(readBytesPerSecond: 0)
        #expect(status.catchUpSeconds == nil && status.sources[0].files[0].catchUpSeconds == nil)
        #expect(status.catchUpSummary == "1 GiB unread, nothing read in the last 10 s")

        // Not behind: no line.
        status.sources[0].files.removeFirst()
        status.estimateCatchUp(readBytesPerSecond: 1_000)
        #expect(status.catchUpSummary == nil && status.catchUpSeconds == nil)
        #expect(!status.rendered(running: true).contains("behind:"))
    }

    @Test func aStatusWithoutTheRateIsReadAsBefore() throws {
        // As written before the rate was measured: no read_bytes_per_second, no catch_up_seconds.
        var status = StatusAndMetricsTests.sample()
        status.sources[0].files = [DaemonStatus.File(path: "/a.log", offset: 10, size: 5_000)]
        let json = String(decoding: try status.json(), as: UTF8.self)
        #expect(!json.contains("catch_up_seconds") && !json.contains("read_bytes_per_second"))
        let read = try DaemonStatus.decode(json: Array(json.utf8))
        #expect(read.readBytesPerSecond == nil && read.catchUpSummary == nil)
        #expect(!read.rendered(running: true).contains("behind:"))
    }

    @Test func durationsForPeople() {
        #expect(DaemonStatus.duration(0.2) == "1 s")
        #expect(DaemonStatus.duration(27) == "27 s")
        #expect(DaemonStatus.duration(119) == "119 s")
        #expect(DaemonStatus.duration(840) == "14 min")
        #expect(DaemonStatus.duration(12_000) == "3 h 20 min")
        #expect(DaemonStatus.duration(7_200) == "2 h")
        #expect(DaemonStatus.duration(187_200) == "2 d 4 h")
    }
}
