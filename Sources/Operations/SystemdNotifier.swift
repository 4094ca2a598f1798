import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd how the service is doing: the `sd_notify(3)` protocol, a datagram of `KEY=value`
/// lines to the Unix socket that `$NOTIFY_SOCKET` names (a path, or `@name` in the abstract namespace).
///
/// `Type=notify` units wait for `READY=1`; `WatchdogSec=` expects `WATCHDOG=1` more often than
/// `$WATCHDOG_USEC`, or the service is killed and restarted. Without `$NOTIFY_SOCKET` (not started by
/// systemd) there is no notifier and nothing to do.
///
/// ```swift
/// let notifier = SystemdNotifier.fromEnvironment()
/// notifier?.send("READY=1\nSTATUS=running")
/// notifier?.watchdogIfDue()  // every loop iteration; sends at most every WATCHDOG_USEC / 2
/// ```
///
/// Not thread-safe: use from the daemon's thread.
public final class SystemdNotifier {
    /// The socket, as `$NOTIFY_SOCKET` gives it.
    public let socketName: String
    /// How often systemd expects `WATCHDOG=1`, in microseconds; nil when the watchdog is off.
    public let watchdogMicros: UInt64?
    private let fd: Int32
    private var lastWatchdog: UInt64 = 0

    /// The notifier that `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` describe; nil when not
    /// started by systemd with `Type=notify`.
    public static func fromEnvironment() -> SystemdNotifier? {
        guard let socket = environment("NOTIFY_SOCKET"), !socket.isEmpty else { return nil }
        var watchdog: UInt64? = nil
        if let text = environment("WATCHDOG_USEC"), let micros = UInt64(text), micros > 0 {
            // WATCHDOG_PID, when set, names the process the watchdog is meant for.
            if let pid = environment("WATCHDOG_PID").flatMap({ Int32($0) }), pid != getpid() {
                watchdog = nil
            } else {
                watchdog = micros
            }
        }
        return SystemdNotifier(socket: socket, watchdogMicros: watchdog)
    }

    /// A notifier for `socket` (a path, or `@name` for the abstract namespace); nil when it is not a
    /// name a Unix socket can have.
    public init?(socket: String, watchdogMicros: UInt64? = nil) {
        guard socket.hasPrefix("/") || socket.hasPrefix("@"), socket.utf8.count < 108 else { return nil }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.socketName = socket
        self.watchdogMicros = watchdogMicros
    }

    deinit { close(fd) }

    /// Sends one notification: `KEY=value` lines. Returns whether the datagram was sent. Never
    /// blocks: when the receiver's queue is full the datagram is dropped (a watchdog ping is then sent
    /// again on the next call) rather than stalling the daemon. The corresponding C function is `sendto`.
    @discardableResult
    public func send(_ state: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketName.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 }  // abstract namespace: a leading NUL byte
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: name)
        }
        // A path is NUL-terminated; an abstract name is exactly its bytes.
        let length = socklen_t(pathOffset + name.count + (name.first == 0 ? 0 : 1))
        let bytes = Array(state.utf8)
        while true {
            let sent = bytes.withUnsafeBytes { buffer in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), $0, length)
                    }
                }
            }
            if sent >= 0 { return sent == bytes.count }
            if errno != EINTR { return false }
        }
    }

    /// `READY=1`: started (or reloaded), with a status line.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// `RELOADING=1` with the monotonic time, as systemd wants it before a reload.
    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(SystemClock.monotonicMicros())\nSTATUS=reloading the configuration")
    }

    /// `STOPPING=1`: shutting down.
    public func stopping() { send("STOPPING=1\nSTATUS=stopping: shipping what is closed") }

    /// `STATUS=…`: the line `systemctl status` shows.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// `WATCHDOG=1` if the watchdog is on and half its interval has passed since the last one.
    public func watchdogIfDue() {
        guard let interval = watchdogMicros else { return }
        let now = SystemClock.monotonicMicros()
        if now &- lastWatchdog >= interval / 2 {
            if send("WATCHDOG=1") { lastWatchdog = now }
        }
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
