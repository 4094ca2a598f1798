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
