import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP read from a `signalfd`: blocked in every thread (create it before any
/// helper thread starts), so that no handler runs and no signal lands on a reader thread, and
/// waited on with `poll` beside the inotify descriptor.
public final class SignalStopToken: StopToken {
    private let signals: SignalDescriptor
    private var stop = false
    private var reload = false

    /// Takes SIGTERM, SIGINT and SIGHUP from now on (their default actions no longer apply).
    public init() throws(Errno) {
        signals = try SignalDescriptor([SIGTERM, SIGINT, SIGHUP])
    }

    private func take() {
        for signal in signals.take() {
            if signal == SIGHUP { reload = true } else { stop = true }
        }
    }

    public var stopRequested: Bool {
        take()
        return stop
    }

    public var reloadRequested: Bool {
        take()
        return reload
    }

    public func takeReload() -> Bool {
        take()
        defer { reload = false }
        return reload
    }

    public func wait(millis: Int64, orReadable descriptor: Int32?) {
        if stopRequested || reload { return }
        let fds = [signals.descriptor] + (descriptor.map { [$0] } ?? [])
        _ = SignalDescriptor.wait(for: fds, millis: Int32(clamping: max(0, millis)))
    }
}
