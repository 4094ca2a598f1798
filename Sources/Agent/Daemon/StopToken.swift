import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// What asks the daemon to stop or to reload, and ends its waits early when it does: signals in a
/// running daemon (``SignalStopToken``), the test itself in tests.
public protocol StopToken: AnyObject {
    /// SIGTERM or SIGINT came: finish what is in hand and stop.
    var stopRequested: Bool { get }
    /// SIGHUP came and was not yet taken.
    var reloadRequested: Bool { get }
    /// Takes the pending reload request, if there is one.
    func takeReload() -> Bool
    /// Waits up to `millis`, ending early when a request comes or `descriptor` (the inotify watch,
    /// say) is readable.
    func wait(millis: Int64, orReadable descriptor: Int32?)
}

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

/// Never asks anything: waits are plain sleeps (a batch run, or a test that drives the daemon).
public final class NoStopToken: StopToken {
    public init() {}
    public var stopRequested: Bool { false }
    public var reloadRequested: Bool { false }
    public func takeReload() -> Bool { false }
    public func wait(millis: Int64, orReadable descriptor: Int32?) {
        _ = SignalDescriptor.wait(for: descriptor.map { [$0] } ?? [], millis: Int32(clamping: max(0, millis)))
    }
}
