import SystemIO

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
