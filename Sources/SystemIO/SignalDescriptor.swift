import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Signals received as data rather than through handlers: they are blocked in the calling thread
/// (and so in every thread started after it, which inherits the mask: no signal ever lands on a
/// helper thread) and read from a descriptor that `poll` can wait on beside others.
public final class SignalDescriptor {
    /// The descriptor: readable while a signal is pending.
    public let descriptor: Int32

    /// Blocks `signals` in the calling thread and opens a descriptor for them. Call before starting
    /// threads. The corresponding C functions are `pthread_sigmask` and `signalfd`.
    public init(_ signals: [Int32]) throws(Errno) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        let fd = signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw .current }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The signals pending now, taken (empty when none). Never blocks.
    public func take() -> [Int32] {
        var out: [Int32] = []
        var info = signalfd_siginfo()
        while true {
            let n = withUnsafeMutableBytes(of: &info) { read(descriptor, $0.baseAddress, $0.count) }
            if n == MemoryLayout<signalfd_siginfo>.size {
                out.append(Int32(info.ssi_signo))
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return out
            }
        }
    }

    /// Waits until one of `descriptors` is readable, or `millis` passed (-1: no limit). Returns whether
    /// one is. The corresponding C function is `poll`.
    public static func wait(for descriptors: [Int32], millis: Int32) -> Bool {
        var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            let n = poll(&fds, nfds_t(fds.count), millis)
            if n >= 0 { return n > 0 }
            if errno != EINTR { return false }
        }
    }
}
