import Operations
import SystemIO
import Tailing

#if canImport(Glibc)
    import Glibc
#endif

/// `sessiontail run`: the daemon's loop around ``Daemon``: signals, reloads, waiting for new lines,
/// telling systemd, the journal, `status.json` and the metrics what it does, and stopping.
///
/// ```swift
/// let status = DaemonRunner.main(DaemonRunner.Options(configPath: "/etc/sessiontail/sessiontail.yaml"))
/// ```
///
/// Tests drive it a turn at a time with a ``StopToken`` and sink of their own:
/// `try runner.start()`, then `try runner.turn()` as often as they like, then `runner.stop()`.
public final class DaemonRunner {
    /// How it runs.
    public struct Options: Sendable {
        public var configPath: String
        /// Read everything, close every session, ship, checkpoint and exit.
        public var drain: Bool
        /// How often to look for new lines when nothing wakes the loop earlier.
        public var pollIntervalMillis: Int64
        /// Benchmarks only: write nothing to the write-ahead log.
        public var durable: Bool

        public init(configPath: String, drain: Bool = false, pollIntervalMillis: Int64 = 250, durable: Bool = true) {
            self.configPath = configPath
            self.drain = drain
            self.pollIntervalMillis = pollIntervalMillis
            self.durable = durable
        }
    }

    /// Exit statuses: 0 done; 1 the configuration cannot be used, or a drain was interrupted; 2 an
    /// error the daemon cannot go on after (a permanent database error at start, a state directory it
    /// cannot write).
    public enum Exit: Int32, Sendable {
        case done = 0
        case stoppedEarly = 1
        case failed = 2
    }

    public let options: Options
    public let stop: StopToken
    let sinks: FragmentSinkFactory
    let clock: () -> Int64
    let reporter: DaemonReporter
    public private(set) var daemon: Daemon? = nil
    private var watcher: DirectoryWatcher? = nil

    /// A runner for `configuration` (read from `options.configPath`, which reloads read again).
    public init(
        options: Options, configuration: Configuration, stop: StopToken,
        sinks: @escaping FragmentSinkFactory = FragmentSinks.postgres,
        clock: @escaping () -> Int64 = SystemClock.wallMillis, writer: LogWriter = .standardError(),
        notifier: SystemdNotifier? = SystemdNotifier.fromEnvironment()
    ) {
        self.options = options
        self.stop = stop
        self.sinks = sinks
        self.clock = clock
        reporter = DaemonReporter(
            config: options.configPath, configuration: configuration, writer: writer, notifier: notifier)
        self.configuration = configuration
    }

    private let configuration: Configuration

    /// Where the daemon's messages go (the journal, with priorities, and the status).
    public var log: Log { reporter.log }

    /// The whole of `sessiontail run`: takes the signals, runs until SIGTERM or SIGINT (or, with
    /// `drain`, to the end of the input) and returns the exit status.
    public static func main(_ options: Options) -> Int32 {
        let writer = LogWriter.standardError()
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: options.configPath)
        } catch {
            writer.write("\(error)", level: .error)
            return Exit.stoppedEarly.rawValue
        }
        // Before any thread starts, so that every thread inherits the blocked signals.
        let stop: SignalStopToken
        do {
            stop = try SignalStopToken()
        } catch {
            writer.write("cannot take signals: \(error)", level: .error)
            return Exit.failed.rawValue
        }
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit()
        let runner = DaemonRunner(options: options, configuration: configuration, stop: stop, writer: writer)
        return runner.run().rawValue
    }

    /// A descriptor is kept for every plain log read (to finish one that is deleted): allow as many
    /// as the hard limit does (the soft limit of 1024 is for programs that use select()).
    static func raiseOpenFileLimit() {
        var files = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0 && files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files)
        }
    }

    /// Runs to the end: a drain, or the loop until a stop is asked.
    public func run() -> Exit {
        do {
            try start()
            if options.drain { return try drain() }
            while !stop.stopRequested {
                try turn()
                wait()
            }
            finish()
            summarize()
            return .done
        } catch {
            log(.error, "\(error)")
            return .failed
        }
    }

    /// Recovers the state, reaches the database, and (unless draining) tells systemd it is ready.
    public func start() throws {
        let daemon = try Daemon(
            configuration: configuration, sinks: sinks, clock: clock, stop: stop, durable: options.durable,
            log: reporter.log)
        self.daemon = daemon
        // While shipping waits to retry: the loop is alive, only waiting for PostgreSQL.
        daemon.whileWaiting = { [reporter] in reporter.retrying(daemon) }
        daemon.betweenPieces = { [reporter] in reporter.alive(daemon) }
        guard !options.drain else { return }
        log(
            .info,
            "running agent_id=\(configuration.agentID) sources=\(configuration.sources.count) open_sessions=\(daemon.openSessions) (restored) version=\(BuildInfo.version)"
        )
        reporter.started(daemon)
        // inotify wakes the loop when a log directory changes; the interval is the fallback.
        watcher = DirectoryWatcher()
        watcher?.watch(directoriesOf: configuration.sources.flatMap(\.paths))
    }

    /// One turn of the loop: a reload if one was asked, a pass over the sources, shipping what is
    /// due, and the status published.
    public func turn() throws {
        guard let daemon else { return }
        if stop.takeReload() {
            reporter.reloading(daemon)
            reporter.reloaded(daemon, accepted: reload(daemon))
            watcher?.watch(directoriesOf: daemon.configuration.sources.flatMap(\.paths))
        }
        try daemon.pass(idleAt: clock())
        do {
            try daemon.commitAndShip(force: false, interruptOnReload: true)
        } catch  where stop.stopRequested || stop.reloadRequested {
            // Retrying interrupted by a signal: what waits is committed, and is shipped later.
        }
        reporter.iterated(daemon)
    }

    /// Waits for the next turn: a change in a log directory, a signal, or the interval. Shipping by
    /// age needs a wake-up too, so the wait is never longer than the batch age; busy logs change all
    /// the time, so there is at most one pass per interval.
    public func wait() {
        guard let daemon else { return }
        let interval = options.pollIntervalMillis
        let longest = min(interval * (watcher == nil ? 1 : 4), max(daemon.configuration.batchAgeMillis, 50))
        guard let watcher else {
            stop.wait(millis: longest, orReadable: nil)
            return
        }
        let started = SystemClock.monotonicMicros()
        stop.wait(millis: longest, orReadable: watcher.descriptor)
        watcher.drain()
        let rest = interval - Int64((SystemClock.monotonicMicros() - started) / 1_000)
        if rest > 0 { stop.wait(millis: rest, orReadable: nil) }
    }

    /// Stops reading, ships what is closed, keeps the open sessions for the next start.
    public func finish() {
        guard let daemon else { return }
        reporter.stopping(daemon)
        do {
            try daemon.commitAndShip(force: true)
        } catch {
            log(
                .warning,
                "stopping with \(daemon.outboxFragments) sessions not shipped (\(error)); they are in the write-ahead log and are shipped at the next start"
            )
        }
        reporter.stopped(daemon)
    }

    /// The one-shot backfill: reads everything, closes every session, ships, checkpoints. SIGTERM or
    /// SIGINT during it keeps the open sessions (a later run resumes them), ships what is closed if
    /// the database takes it, and says the drain did not finish.
    func drain() throws -> Exit {
        guard let daemon else { return .failed }
        // On a terminal only: never in the journal, a pipe or a file.
        let writer = reporter.monitor.writer
        if !writer.journal && writer.descriptor == 2 && isatty(2) == 1,
            let progress = ProgressLine.onStandardError(totalBytes: daemon.unreadBytesOnDisk)
        {
            reporter.progress = progress
            daemon.progress = progress
        }
        try daemon.pass()
        reporter.progress?.clear()
        reporter.progress = nil
        daemon.progress = nil
        if !stop.stopRequested { try daemon.closeAll() }
        do {
            try daemon.commitAndShip(force: true)
        } catch  where stop.stopRequested {}
        // The drain ran where the daemon runs: `sessiontail status` shows what it left, not what a
        // daemon killed before it left.
        reporter.stopped(daemon)
        for sample in daemon.totals.samples { log(.warning, "malformed line \(sample)") }
        summarize()
        if stop.stopRequested {
            log(
                .warning,
                "the drain was interrupted; what was read is in the write-ahead log, and the next run goes on from there"
            )
            return .stoppedEarly
        }
        return .done
    }

    /// The last lines of a run: what was read and what was shipped.
    func summarize() {
        guard let daemon else { return }
        log(.info, daemon.totals.linesSummary)
        log(
            .info,
            "shipped \(daemon.shippedFragments) fragments as \(daemon.configuration.agentID) (\(daemon.appliedFragments) new); \(daemon.openSessions) sessions open; \(daemon.lostFiles > 0 ? "\(daemon.lostFiles) files vanished unread (at least \(daemon.lostBytes) bytes lost); " : "")write-ahead log in \(Daemon.journalPath(daemon.configuration)) (\(daemon.journalBytes) bytes, \(daemon.journalSyncs) syncs)"
        )
    }

    /// Re-reads the configuration; a file that does not validate (or a database that cannot be
    /// reached with it) is refused and the running configuration stays in force. Returns whether the
    /// new configuration was applied.
    func reload(_ daemon: Daemon) -> Bool {
        do {
            let new = try Configuration.load(path: options.configPath)
            try daemon.reload(new)
            log(.info, "reloaded config=\(options.configPath) sources=\(new.sources.count)")
            return true
        } catch {
            log(.error, "reload refused, the running configuration stays in force: \(error)")
            return false
        }
    }
}
