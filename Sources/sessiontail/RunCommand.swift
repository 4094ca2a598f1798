import Agent
import ArgumentParser

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
            Prometheus metrics. Exit status: 0 done, 1 the configuration cannot be used or a drain was \
            interrupted, 2 an error it cannot go on after.
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
        help: ArgumentHelp(
            "Benchmarks only: write nothing to the write-ahead log (a crash loses state).", visibility: .hidden))
    var noDurability = false

    func run() throws {
        let interval: Int64
        do {
            interval = try Arguments.duration(pollInterval, option: "--poll-interval", example: "250ms")
        } catch {
            throw ValidationError(error.description)
        }
        let status = DaemonRunner.main(
            DaemonRunner.Options(
                configPath: config, drain: drain, pollIntervalMillis: interval, durable: !noDurability))
        if status != 0 { throw ExitCode(status) }
    }
}
