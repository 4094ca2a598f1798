import Operations

/// What `sessiontail run` tells the outside while it runs: systemd (`sd_notify`: ready, watchdog,
/// status line, reloading, stopping), the journal (through ``DaemonMonitor/log(_:_:)``),
/// `state_dir/status.json` and the metrics endpoint. The run loop calls one method at each step; all
/// on the daemon's thread, none per line.
final class DaemonReporter {
    let monitor: DaemonMonitor
    let notifier: SystemdNotifier?
    private var metrics: MetricsServer? = nil

    init(config: String, configuration: Configuration, writer: LogWriter, notifier: SystemdNotifier?) {
        monitor = DaemonMonitor(
            config: config, stateDirectory: configuration.stateDirectory, agentID: configuration.agentID,
            metricsListen: nil, writer: writer)
        self.notifier = notifier
    }

    /// The progress line of a drain on a terminal: erased before each message, so that a message
    /// never runs into it.
    var progress: ProgressLine? = nil

    /// The daemon's `log` closure.
    var log: Log {
        { [self] level, message in
            progress?.clear()
            monitor.log(level, message)
        }
    }

    /// The daemon is set up (state loaded, database reached): serve metrics, tell systemd.
    func started(_ daemon: Daemon) {
        serveMetrics(daemon.configuration.metricsListen)
        monitor.observe(daemon)
        let line = monitor.publish(daemon, force: true) ?? ""
        notifier?.ready(status: line)
    }

    /// SIGHUP arrived; the new configuration is about to be read.
    func reloading(_ daemon: Daemon) {
        notifier?.reloading()
        monitor.reloading(daemon)
    }

    /// The reload is over, `accepted` or refused.
    func reloaded(_ daemon: Daemon, accepted: Bool) {
        monitor.reloaded(daemon, accepted: accepted)
        if accepted && daemon.configuration.metricsListen != metrics?.listen {
            serveMetrics(daemon.configuration.metricsListen)
        }
        let line = monitor.publish(daemon, force: true) ?? ""
        notifier?.ready(status: line)
    }

    /// One turn of the loop is done (pass and shipment).
    func iterated(_ daemon: Daemon) {
        monitor.observe(daemon)
        if let line = monitor.publish(daemon) { notifier?.status(line) }
        notifier?.watchdogIfDue()
    }

    /// The daemon is busy but making progress (between pieces of a large file, catching up): the
    /// watchdog is fed, and status and metrics show how far it has come (at most once a second).
    func alive(_ daemon: Daemon) {
        monitor.observe(daemon)
        if let line = monitor.publish(daemon) { notifier?.status(line) }
        notifier?.watchdogIfDue()
    }

    /// Shipping failed and is about to be retried: the loop is alive, only waiting for PostgreSQL.
    func retrying(_ daemon: Daemon) {
        notifier?.watchdogIfDue()
        monitor.observe(daemon)
        if let line = monitor.publish(daemon) { notifier?.status(line + " (PostgreSQL unreachable, retrying)") }
    }

    /// SIGTERM or SIGINT: shipping what is closed before exiting.
    func stopping(_ daemon: Daemon) {
        notifier?.stopping()
        monitor.setState(.stopping)
        monitor.publish(daemon, force: true)
    }

    /// The daemon has shipped and saved its state; it exits next.
    func stopped(_ daemon: Daemon) {
        monitor.observe(daemon)
        monitor.setState(.stopped)
        monitor.publish(daemon, force: true)
        metrics?.stop()
        metrics = nil
    }

    /// Serves metrics on `listen` (nil: none), replacing the server on another address. A port that
    /// cannot be bound is an error in the log, not a reason to stop reading logs.
    private func serveMetrics(_ listen: String?) {
        metrics?.stop()
        metrics = nil
        monitor.setMetricsListen(nil)
        guard let listen else { return }
        do {
            metrics = try MetricsServer(listen: listen, status: monitor.latest)
            monitor.setMetricsListen(listen)
            monitor.log(.info, "serving metrics listen=\(listen) path=/metrics")
        } catch {
            monitor.log(.error, "\(error); metrics are off until the next reload")
        }
    }
}
