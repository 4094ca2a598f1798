#if canImport(Glibc)
    import Glibc
#endif

/// Wakes the daemon when something changes in the directories of its logs (inotify), so that new
/// lines are read at once rather than at the next poll; without inotify (or when its watches run
/// out), waiting simply times out and polling goes on.
public final class DirectoryWatcher {
    private let fd: Int32
    /// The inotify descriptor: readable when something changed (see ``drain()``).
    public var descriptor: Int32 { fd }
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

    /// Takes the pending events (what changed does not matter: the next pass looks at every file).
    public func drain() {
        withUnsafeTemporaryAllocation(byteCount: 16 << 10, alignment: 8) { buffer in
            while Glibc.read(fd, buffer.baseAddress, buffer.count) > 0 {}
        }
    }
}
