import Agent
import ArgumentParser
import Tailing

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGTERM and SIGINT; read by the main loop.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0
/// Set by SIGHUP; read by the main loop.
nonisolated(unsafe) var reloadRequested: sig_atomic_t = 0

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sessionize the configured access logs and ship the sessions to PostgreSQL.",
        discussion: """
            Reads what is new in every source a few times a second, through log rotation, ships sessions once \
            they are over (gap + lateness after their last request, by the logs' time or, when a log is idle, the \
            wall clock), and keeps offsets and open sessions in the state directory. SIGTERM or SIGINT: ship what \
            is closed, save the open sessions (a restart resumes them) and exit. With --drain: read every source \
            to its end (rotated and gzipped files included), close all open sessions, ship everything, checkpoint \
            and exit 0: a one-shot backfill. SIGHUP (systemctl reload sessiontail): re-read the configuration \
            without losing open sessions; a file that does not validate is refused and the running one stays in \
            force. Under systemd (Type=notify) it reports readiness, reloads, stopping, a status line and \
            watchdog pings, and logs to the journal with priorities. While it runs, state_dir/status.json shows \
            what it does (see 'sessiontail status') and, with metrics.listen set, http://ADDRESS/metrics serves \
            Prometheus metrics.
            """
    )

    @Option(help: "The configuration file.")
    var config: String = Configuration.defaultPath

    @Flag(help: "Read everything there is, close every session, ship, checkpoint and exit.")
    var drain = false

    @Option(name: .customLong("poll-interval"), help: "How often to look for new lines (e.g. 250ms).")
    var pollInterval: String = "250ms"

    @Flag(
        name: .customLong("no-durability"),
        help: ArgumentHelp("Benchmarks only: write nothing to the write-ahead log (a crash loses state).", visibility: .hidden))
    var noDurability = false

    func run() throws {
        guard let interval = Units.durationMillis(pollInterval), interval > 0 else {
            throw ValidationError("--poll-interval '\(pollInterval)' is not a duration such as 250ms.")
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            LogWriter.standardError().write("error: \(error)")
            throw ExitCode(1)
        }
        signal(SIGTERM) { _ in stopRequested = 1 }
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGHUP) { _ in reloadRequested = 1 }
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these blocked (a mask is inherited): take them.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        sigaddset(&wanted, SIGTERM)
        sigaddset(&wanted, SIGINT)
        sigaddset(&wanted, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        // A descriptor is kept for every plain log read (to finish one that is deleted): allow as many
        // as the hard limit does (the soft limit of 1024 is for programs that use select()).
        var files = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0 && files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files)
        }
        let operation = DaemonOperation(config: config, configuration: configuration)
        let log = operation.log
        do {
            let daemon = try Daemon(configuration: configuration, durable: !noDurability, log: log)
            // Asked between files and pieces of a large file: a long catch-up keeps the watchdog fed.
            daemon.shouldStop = {
                operation.alive()
                return stopRequested != 0
            }
            if drain {
                try daemon.pass()
                // SIGTERM or SIGINT during a backfill: keep the open sessions (a later run resumes them),
                // ship what is closed if the database takes it, and say the drain did not finish.
                if stopRequested == 0 { try daemon.closeAll() }
                do {
                    try daemon.shipAndCheckpoint(force: true, stopRetrying: { stopRequested != 0 })
                } catch where stopRequested != 0 {}
                if stopRequested != 0 {
                    log(
                        "warning: the drain was interrupted; what was read is in the write-ahead log, and the next run goes on from there"
                    )
                    throw ExitCode(1)
                }
            } else {
                log(
                    "running agent_id=\(configuration.agentID) sources=\(configuration.sources.count) open_sessions=\(daemon.openSessions) (restored) version=\(BuildInfo.version)"
                )
                operation.started(daemon)
                // inotify wakes the loop when a log directory changes; the interval is the fallback.
                let watcher = DirectoryWatcher()
                watcher?.watch(directoriesOf: configuration.sources.flatMap(\.paths))
                while stopRequested == 0 {
                    if reloadRequested != 0 {
                        reloadRequested = 0
                        operation.reloading(daemon)
                        operation.reloaded(daemon, accepted: reload(daemon, log: log))
                        watcher?.watch(directoriesOf: daemon.configuration.sources.flatMap(\.paths))
                    }
                    try daemon.pass(idleAt: wallClock())
                    do {
                        try daemon.shipAndCheckpoint(
                            force: false,
                            stopRetrying: {
                                operation.retrying(daemon)
                                return stopRequested != 0 || reloadRequested != 0
                            })
                    } catch where stopRequested != 0 || reloadRequested != 0 {
                        // Retrying interrupted by a signal: what waits is committed, and is shipped later.
                    }
                    operation.iterated(daemon)
                    // A change in a log directory, a signal, or the interval ends the wait. Shipping by age
                    // needs a wake-up too, so the wait is never longer than the batch age.
                    let wait = min(interval * (watcher == nil ? 1 : 4), max(configuration.batchAgeMillis, 50))
                    if let watcher {
                        let started = wallClock()
                        watcher.wait(timeoutMillis: Int32(clamping: wait))
                        // Busy logs change all the time: at most one pass per interval.
                        let rest = interval - (wallClock() - started)
                        if rest > 0 && stopRequested == 0 {
                            var pause = timespec(tv_sec: Int(rest / 1_000), tv_nsec: Int(rest % 1_000) * 1_000_000)
                            _ = nanosleep(&pause, nil)
                        }
                    } else {
                        var pause = timespec(tv_sec: Int(wait / 1_000), tv_nsec: Int(wait % 1_000) * 1_000_000)
                        _ = nanosleep(&pause, nil)  // a signal cuts the pause short
                    }
                }
                // Stop reading; ship what is closed; keep the open sessions for the next start.
                operation.stopping(daemon)
                do {
                    try daemon.shipAndCheckpoint(force: true, stopRetrying: { true })
                } catch {
                    log(
                        "warning: stopping with \(daemon.outboxFragments) sessions not shipped (\(error)); they are in the write-ahead log and are shipped at the next start"
                    )
                }
                operation.stopped(daemon)
            }
            let totals = daemon.totals
            // The running daemon logged its malformed lines as it read them.
            if drain { for sample in totals.samples { log("malformed line \(sample)") } }
            log(totals.linesSummary)
            log(
                "shipped \(daemon.shippedFragments) fragments as \(configuration.agentID) (\(daemon.appliedFragments) new); \(daemon.openSessions) sessions open; \(daemon.lostFiles) files vanished unread (at least \(daemon.lostBytes) bytes lost); write-ahead log in \(Daemon.journalPath(configuration)) (\(daemon.journalBytes) bytes, \(daemon.journalSyncs) syncs)"
            )
        } catch let exit as ExitCode {
            throw exit
        } catch {
            log("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Re-reads the configuration; a file that does not validate (or a database that cannot be
    /// reached with it) is refused and the running configuration stays in force. Returns whether the
    /// new configuration was applied.
    func reload(_ daemon: Daemon, log: (String) -> Void) -> Bool {
        do {
            let new = try Configuration.load(path: config)
            try daemon.reload(new, stopRetrying: { stopRequested != 0 })
            log("reloaded config=\(config) sources=\(new.sources.count)")
            return true
        } catch {
            log("error: reload refused, the running configuration stays in force: \(error)")
            return false
        }
    }

    func wallClock() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
