#if canImport(Glibc)
import Glibc
#endif

/// Wakes the daemon when something changes in the directories of its logs (inotify), so that new
/// lines are read at once rather than at the next poll; without inotify (or when its watches run
/// out), waiting simply times out and polling goes on.
public final class DirectoryWatcher {
    private let fd: Int32
    private var watched: Set<String> = []

    /// Opens an inotify instance; `nil` when the kernel refuses (polling only then).
    /// The corresponding C function is `inotify_init1`.
    public init?() {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Watches the directory holding each of `patterns` (globs; the directory part must exist).
    public func watch(directoriesOf patterns: [String]) {
        for pattern in patterns {
            guard let slash = pattern.lastIndex(of: "/") else { continue }
            let directory = String(pattern[..<slash])
            // A directory part with wildcards is watched through polling only.
            guard !directory.contains(where: { "*?[{".contains($0) }), !watched.contains(directory) else { continue }
            let mask = UInt32(IN_CREATE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE)
            if inotify_add_watch(fd, directory.isEmpty ? "/" : directory, mask) >= 0 { watched.insert(directory) }
        }
    }

    /// Waits until something changes in a watched directory, a signal arrives, or `timeoutMillis`
    /// pass; drains the pending events. The corresponding C function is `poll`.
    public func wait(timeoutMillis: Int32) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, timeoutMillis) > 0 {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while buffer.withUnsafeMutableBytes({ Glibc.read(fd, $0.baseAddress, $0.count) }) > 0 {}
        }
    }
}
