#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the file system calls sessiontail makes: each retries on `EINTR` and throws the
/// `errno` it failed with.
public enum FileSystem {
    /// Opens `path` read-only. The corresponding C function is `open`.
    public static func openForReading(_ path: String) throws(Errno) -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .current }
        }
    }

    /// Opens (creating or truncating) `path` for writing with `mode`. The corresponding C function is
    /// `open`.
    public static func create(_ path: String, mode: mode_t = 0o640) throws(Errno) -> Int32 {
        while true {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .current }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file. The corresponding C function is `read`.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw .current }
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`, without moving the file's position; 0 at end of
    /// file. The corresponding C function is `pread`.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno)
        -> Int
    {
        while true {
            let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw .current }
        }
    }

    /// Writes all of `bytes`, going on after short writes. The corresponding C function is `write`, or
    /// for a `socket`, `send` with `MSG_NOSIGNAL` (a peer gone is an error, not SIGPIPE).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, socket: Bool = false) throws(Errno) {
        var written = 0
        while written < bytes.count {
            let start = bytes.baseAddress! + written
            let n =
                socket
                ? send(fd, start, bytes.count - written, Int32(MSG_NOSIGNAL))
                : Glibc.write(fd, start, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw .current
            }
            written += n
        }
    }

    /// Writes all of `bytes`; see ``writeAll(_:_:socket:)-(_,UnsafeRawBufferPointer,_)``.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], socket: Bool = false) throws(Errno) {
        try bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try writeAll(fd, raw, socket: socket) } }.get()
    }

    /// Makes what was written to `fd` durable. The corresponding C function is `fsync`.
    public static func sync(_ fd: Int32) throws(Errno) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw .current }
        }
    }

    /// Makes the entries of the directory `path` (files created, renamed, removed) durable.
    public static func syncDirectory(_ path: String) throws(Errno) {
        let fd = open(path.isEmpty ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .current }
        defer { close(fd) }
        try sync(fd)
    }

    /// The whole content of a (small) file, such as a configuration file; `tooLarge` when it holds more
    /// than `limit` bytes.
    public static func readAll(_ path: String, limit: Int = 16 << 20) throws(ReadAllError) -> [UInt8] {
        let fd: Int32
        do {
            fd = try openForReading(path)
        } catch {
            throw .failed(error)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let n: Int
            do {
                n = try read(fd, into: chunk)
            } catch {
                throw .failed(error)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
            if out.count > limit { throw .tooLarge(limit: limit) }
        }
    }

    /// Why ``readAll(_:limit:)`` failed.
    public enum ReadAllError: Error, Sendable, Equatable, CustomStringConvertible {
        case failed(Errno)
        case tooLarge(limit: Int)

        /// Whether the file does not exist.
        public var isNotFound: Bool { self == .failed(.noSuchFile) }

        public var description: String {
            switch self {
            case .failed(let errno): return errno.description
            case .tooLarge(let limit): return "it is larger than \(limit >> 20) MiB"
            }
        }
    }

    /// Replaces `path` with `bytes` so that a reader (and, with `durable`, a crash) sees the old or the
    /// new content, never a mix: a temporary file beside it, `fsync` if durable, `rename`, then `fsync`
    /// of the directory if durable. Returns the path that failed with the error.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool, mode: mode_t = 0o640)
        throws(PathError)
    {
        let temporary = path + ".tmp"
        let fd: Int32
        do {
            fd = try create(temporary, mode: mode)
        } catch {
            throw PathError(path: temporary, errno: error)
        }
        do {
            try writeAll(fd, bytes)
            if durable { try sync(fd) }
        } catch {
            close(fd)
            throw PathError(path: temporary, errno: error)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw PathError(path: path, errno: .current) }
        guard durable else { return }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try? syncDirectory(directory)
    }

    /// Creates `path` (and missing parents) as directories, mode 0750. The corresponding C function is
    /// `mkdir`.
    public static func makeDirectory(_ path: String) throws(PathError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o750) != 0 && errno != EEXIST { throw PathError(path: current, errno: .current) }
        }
    }

    /// A call on `path` that failed with `errno`.
    public struct PathError: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let errno: Errno

        public init(path: String, errno: Errno) {
            self.path = path
            self.errno = errno
        }

        public var description: String { "\(path): \(errno)" }
    }
}
