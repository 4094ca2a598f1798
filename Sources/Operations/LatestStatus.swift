import Synchronization

/// The newest status, shared between the daemon's thread (which sets it) and the metrics thread.
public final class LatestStatus: Sendable {
    private let value = Mutex<DaemonStatus?>(nil)

    public init() {}

    /// Replaces the status.
    public func set(_ status: DaemonStatus) { value.withLock { $0 = status } }

    /// The status last set; nil before the first.
    public func get() -> DaemonStatus? { value.withLock { $0 } }
}
