import AccessLog
import Operations

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the daemon from its own loop and tells the outside: the daemon's messages (to the journal,
/// with priorities, malformed lines rate-limited), `status.json` for `sessiontail status`, the value
/// the metrics endpoint serves, and the line `systemctl status` shows.
///
/// Everything runs on the daemon's thread, between passes: nothing per line. Counters survive reloads
/// (a reload that changes a source or the database starts the daemon's own counts again; the monitor
/// carries them over), so the metrics stay counters.
///
/// ```swift
/// let monitor = DaemonMonitor(config: path, stateDirectory: dir, agentID: id, metricsListen: nil, writer: .standardError())
/// let daemon = try Daemon(configuration: configuration, log: monitor.log)
/// while running {
///     try daemon.pass(idleAt: now)
///     try daemon.commitAndShip(force: false)
///     monitor.observe(daemon)
///     if let line = monitor.publish(daemon) { notifier?.status(line) }
/// }
/// ```
public final class DaemonMonitor {
    /// Counts that a reload may start again, carried over.
    struct Counts {
        var lines: UInt64 = 0
        var events: UInt64 = 0
        var malformed = [UInt64](repeating: 0, count: MalformedReason.allCases.count)
        var evictions = 0
        var forged: UInt64 = 0
        var extra: UInt64 = 0
        var dropped = [UInt64](repeating: 0, count: DropReason.allCases.count)
        var pageViews: UInt64 = 0
        var botEvents: UInt64 = 0

        init() {}

        init(_ view: Daemon.SourceView) {
            lines = view.statistics.lines
            events = view.statistics.events
            malformed = view.statistics.malformedByReason
            evictions = view.evictions
            forged = view.statistics.forgedClients
            extra = view.statistics.extraFields
            dropped = view.statistics.droppedByReason
            pageViews = view.statistics.pageViews
            botEvents = view.statistics.botEvents
        }

        static func + (a: Counts, b: Counts) -> Counts {
            var sum = a
            sum.lines += b.lines
            sum.events += b.events
            for i in sum.malformed.indices { sum.malformed[i] += b.malformed[i] }
            sum.evictions += b.evictions
            sum.forged += b.forged
            sum.extra += b.extra
            for i in sum.dropped.indices { sum.dropped[i] += b.dropped[i] }
            sum.pageViews += b.pageViews
            sum.botEvents += b.botEvents
            return sum
        }
    }

    /// What the monitor remembers of a source between passes.
    struct SourceMemory {
        var carried = Counts()
        var last = Counts()
        var newestTime: Int64? = nil
        var lastEventTime: Int64? = nil
        var lastReadAt: Int64? = nil
        var samplesLogged = 0
        var malformedReported: UInt64 = 0
        var lastSummary: Int64 = .min / 2
        var proxyWarning: String? = nil
        var extraFieldsSaid = false
    }

    /// Where the metrics endpoint reads the latest status from.
    public let latest = LatestStatus()
    /// How messages are written.
    public let writer: LogWriter
    /// Malformed lines logged one by one at most this many per ``malformedWindowMillis``; beyond that
    /// they are summed up once per window.
    public static let malformedLinesPerWindow = 10
    public static let malformedWindowMillis: Int64 = 60_000

    private var status: DaemonStatus
    private let statusPath: String
    private var sources: [String: SourceMemory] = [:]
    private var shippedBefore = 0
    private var lastPublish: Int64 = 0
    private var lastWrite: Int64 = 0
    private var written: DaemonStatus? = nil
    private var rateSince: (millis: Int64, lines: UInt64)? = nil
    private var readRate = RecentRate(windowMillis: DaemonStatus.rateWindowMillis)
    private var malformedWindowStart: Int64 = 0
    private var malformedLoggedInWindow = 0
    private var writeFailed = false

    /// Starts watching; `config` and `stateDirectory` are those of the daemon, `status.json` goes to
    /// the state directory.
    public init(config: String, stateDirectory: String, agentID: String, metricsListen: String?, writer: LogWriter) {
        let now = Instant.now()
        status = DaemonStatus(agentID: agentID, pid: getpid(), config: config, startedAt: now)
        status.metricsListen = metricsListen
        statusPath = DaemonMonitor.statusPath(stateDirectory: stateDirectory)
        self.writer = writer
    }

    /// Where the daemon writes its status.
    public static func statusPath(stateDirectory: String) -> String { stateDirectory + "/status.json" }

    /// Writes a message (see ``LogWriter``), remembering errors and warnings for the status. This is
    /// the daemon's `log` closure.
    public func log(_ level: LogLevel, _ message: String) {
        if level >= .warning {
            if level == .error { status.errors += 1 }
            status.lastProblem = DaemonStatus.Problem(at: .now(), message: message)
        }
        writer.write(message, level: level)
    }

    /// Takes in what the last pass and shipment did: counts, last event times, shipments, malformed
    /// lines (logged here, rate-limited). Call after every pass.
    public func observe(_ daemon: Daemon, now: Int64 = Instant.now().millis) {
        for view in daemon.sourceViews {
            var memory = sources[view.name] ?? SourceMemory()
            let current = Counts(view)
            if current.lines < memory.last.lines || current.events < memory.last.events
                || current.evictions < memory.last.evictions
            {
                // A new pipeline (reload): what the old one counted is carried over.
                memory.carried = memory.carried + memory.last
                memory.samplesLogged = 0
            }
            if current.lines > memory.last.lines { memory.lastReadAt = now }
            if current.events > memory.last.events, let newest = view.newestTime {
                // The window store's newest time is also moved to the wall clock when a source is idle;
                // only a time that moved while events were read is an event's time.
                if memory.newestTime.map({ newest > $0 }) ?? true || memory.lastEventTime == nil {
                    memory.lastEventTime = newest
                }
            }
            memory.newestTime = view.newestTime
            memory.last = current
            if memory.proxyWarning == nil, let warning = view.proxyWarning {
                memory.proxyWarning = warning
                log(.warning, warning)
            }
            if !memory.extraFieldsSaid, let warning = view.statistics.extraFieldsWarning {
                memory.extraFieldsSaid = true
                log(.warning, "source=\(view.name) \(warning)")
            }
            reportMalformed(view, &memory, now: now)
            sources[view.name] = memory
        }
        status.shipRetries = daemon.shipRetries
        status.shipErrors = daemon.shipErrors
        if daemon.shippedFragments > shippedBefore {
            status.lastShipAt = Instant(millis: now)
            shippedBefore = daemon.shippedFragments
        }
    }

    /// Logs a source's new malformed-line samples, at most ``malformedLinesPerWindow`` per window over
    /// all sources, and at most once per window per source how many more there were.
    private func reportMalformed(_ view: Daemon.SourceView, _ memory: inout SourceMemory, now: Int64) {
        let window = DaemonMonitor.malformedWindowMillis
        if now - malformedWindowStart >= window {
            malformedWindowStart = now
            malformedLoggedInWindow = 0
        }
        let samples = view.statistics.samples
        while memory.samplesLogged < samples.count && malformedLoggedInWindow < DaemonMonitor.malformedLinesPerWindow {
            log(.warning, "malformed line \(samples[memory.samplesLogged]) source=\(view.name)")
            memory.samplesLogged += 1
            memory.malformedReported += 1
            malformedLoggedInWindow += 1
        }
        let counts = memory.carried + memory.last
        let total = counts.malformed.reduce(0, +)
        guard total > memory.malformedReported, now - memory.lastSummary >= window else { return }
        let reasons = MalformedReason.allCases.compactMap { reason -> String? in
            let n = counts.malformed[Int(reason.rawValue)]
            return n > 0 ? "\(reason)=\(n)" : nil
        }.joined(separator: " ")
        log(
            .warning,
            "source=\(view.name) malformed_lines=\(total - memory.malformedReported) not logged one by one (in all: \(reasons)); at most \(DaemonMonitor.malformedLinesPerWindow) are logged a minute, the rest counted in sessiontail_malformed_lines_total"
        )
        memory.malformedReported = total
        memory.samplesLogged = samples.count
        memory.lastSummary = now
    }

    /// A reload is starting: counts are taken first, so that nothing counted is lost with the old
    /// pipelines.
    public func reloading(_ daemon: Daemon) {
        observe(daemon)
        status.state = .reloading
    }

    /// A reload ended; `accepted` is false when the new configuration was refused.
    public func reloaded(_ daemon: Daemon, accepted: Bool) {
        if accepted {
            status.reloads += 1
            status.agentID = daemon.configuration.agentID
        } else {
            status.reloadsRefused += 1
        }
        status.state = .running
        observe(daemon)
    }

    /// Where metrics are now served.
    public func setMetricsListen(_ listen: String?) { status.metricsListen = listen }

    /// The daemon is stopping, or has stopped.
    public func setState(_ state: DaemonStatus.State) { status.state = state }

    /// The status now.
    public func snapshot(_ daemon: Daemon, now: Int64 = Instant.now().millis) -> DaemonStatus {
        var out = status
        out.updatedAt = Instant(millis: now)
        out.sources = []
        let files = daemon.fileViews
        for view in daemon.sourceViews {
            let memory = sources[view.name] ?? SourceMemory()
            let counts = memory.carried + Counts(view)
            var source = DaemonStatus.Source(name: view.name)
            source.files = files.filter { $0.source == view.name }.map {
                DaemonStatus.File(path: $0.path, offset: $0.offset, size: $0.size)
            }
            source.linesRead = counts.lines
            source.events = counts.events
            for reason in MalformedReason.allCases {
                source.malformed[reason.description] = counts.malformed[Int(reason.rawValue)]
            }
            source.openSessions = view.openSessions
            source.evictedSessions = counts.evictions
            source.forgedClients = counts.forged
            source.extraFields = counts.extra
            for reason in DropReason.allCases { source.dropped[reason.description] = counts.dropped[reason.rawValue] }
            source.pageViews = counts.pageViews
            source.botEvents = counts.botEvents
            source.proxyWarning = memory.proxyWarning
            source.lastEventTime = memory.lastEventTime.map(Instant.init(millis:))
            source.lastReadAt = memory.lastReadAt.map(Instant.init(millis:))
            out.sources.append(source)
        }
        out.openSessions = daemon.openSessions
        out.outboxFragments = daemon.outboxFragments
        out.fragmentsShipped = daemon.shippedFragments
        out.fragmentsApplied = daemon.appliedFragments
        out.fragmentsEmitted = daemon.shippedFragments + daemon.outboxFragments
        out.lostBytes = daemon.lostBytes
        out.lostFiles = daemon.lostFiles
        out.walBytes = daemon.journalBytes
        out.walSyncs = daemon.journalSyncs
        return out
    }

    /// Publishes the status, at most once a second unless `force`d: for the metrics endpoint, in
    /// `status.json` (when something changed, or every 10 s to show the daemon is alive), and returns
    /// the line for systemd's `STATUS=`; nil when it was not time yet.
    @discardableResult
    public func publish(_ daemon: Daemon, now: Int64 = Instant.now().millis, force: Bool = false) -> String? {
        guard force || now - lastPublish >= 1_000 else { return nil }
        lastPublish = now
        var current = snapshot(daemon, now: now)
        let lines = current.linesRead
        if let since = rateSince, now > since.millis {
            current.linesPerSecond = Double(lines &- since.lines) * 1_000 / Double(now - since.millis)
        }
        if rateSince == nil || now - rateSince!.millis >= 1_000 { rateSince = (now, lines) }
        status.linesPerSecond = current.linesPerSecond
        readRate.add(daemon.bytesRead, at: now)
        current.estimateCatchUp(readBytesPerSecond: readRate.perSecond)
        latest.set(current)
        var comparable = current
        comparable.updatedAt = written?.updatedAt ?? comparable.updatedAt
        if force || comparable != written || now - lastWrite >= 10_000 {
            writeStatusFile(current)
            written = current
            lastWrite = now
        }
        return DaemonMonitor.statusLine(current)
    }

    /// Writes `status.json` (temporary file and rename: a reader never sees half of it). A failure is
    /// logged once; the daemon goes on.
    private func writeStatusFile(_ value: DaemonStatus) {
        do {
            try StatusFile.write(value, to: statusPath)
            writeFailed = false
        } catch {
            if !writeFailed {
                log(.warning, "cannot write \(statusPath): \(error); `sessiontail status` will be stale")
            }
            writeFailed = true
        }
    }

    /// The one line `systemctl status` shows: throughput, lag, sessions, outbox.
    public static func statusLine(_ s: DaemonStatus) -> String {
        var line = "\(Quantity.compact(s.linesPerSecond)) lines/s, \(Quantity.bytes(s.lagBytes)) behind, "
        line += "\(s.openSessions) open sessions, outbox \(s.outboxFragments)"
        if s.shipRetries > 0 { line += ", \(s.shipRetries) ship retries" }
        if s.lostBytes > 0 { line += ", \(Quantity.bytes(s.lostBytes)) lost" }
        return line
    }
}
