import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// A log file being followed: kept open from its first read on, so that each pass reads it again
/// through the same descriptor (no reopening by path), a rename by logrotate does not lose it, and a
/// deletion still lets it be read to its end.
public final class FileTracker {
    /// The file, open; plain (gzip files are read once, to their end, and not followed).
    public let file: InputFile
    /// Its device and inode.
    public let identity: FileIdentity
    /// What it belongs to: the source (and, for per-host files, the host) it was found for.
    public let key: String
    public let source: String
    public let host: String?
    /// Where it was last found.
    public var path: String
    /// The pass it was last found in (by the daemon's count).
    public var lastSeen: Int

    public init(file: InputFile, key: String, source: String, host: String?, path: String, pass: Int) {
        self.file = file
        identity = file.fileIdentity
        self.key = key
        self.source = source
        self.host = host
        self.path = path
        lastSeen = pass
    }

    /// Readies the file to be read again from its start (its head first); false if it is now gzip
    /// (it was empty or being written when first opened): stop following it, and open it again.
    public func rewind() throws(InputError) -> Bool { try file.rewind() }

    /// Whether the file has no name left (deleted, still readable through the descriptor).
    public var isDeleted: Bool {
        var info = stat()
        return fstat(file.descriptor, &info) != 0 || info.st_nlink == 0
    }

    /// Its size on disk now.
    public var size: UInt64 { file.sizeOnDisk }

    /// The name it has now, from `/proc/self/fd` (`… (deleted)` once it is gone); nil where that
    /// cannot be read. The corresponding C function is `readlink`.
    public var currentPath: String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4097) { buffer in
            let n = readlink("/proc/self/fd/\(file.descriptor)", buffer.baseAddress!, 4096)
            guard n > 0 else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n), as: UTF8.self)
        }
    }

    /// The identity of the file at `path` now, without opening it; nil when there is none. The
    /// corresponding C function is `stat`.
    public static func identity(at path: String) throws(InputError) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw InputError(path: path, errno: .current)
        }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
