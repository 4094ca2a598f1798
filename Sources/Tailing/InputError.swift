import SystemIO

/// A log file that cannot be opened or read, with what to do about it.
public struct InputError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file (`-` for standard input).
    public let path: String
    /// What failed.
    public let problem: String
    /// The system call's error, when one failed.
    public let errno: Errno?
    /// The compression the file is in, when it is one sessiontail does not read (`bzip2`, `xz`, `zstd`).
    public let unsupportedCompression: String?

    /// Creates an error for `path` from a failed system call.
    public init(path: String, errno: Errno) {
        self.path = path
        self.errno = errno
        unsupportedCompression = nil
        switch errno {
        case .permissionDenied, .notPermitted:
            problem = "permission denied. Run as a user that may read it (on Debian: a member of group adm)"
        case .noSuchFile:
            problem = "no such file"
        case .isDirectory:
            problem = "it is a directory"
        default:
            problem = errno.description
        }
    }

    /// Creates an error for `path` with a sentence of its own.
    public init(path: String, problem: String, unsupportedCompression: String? = nil) {
        self.path = path
        self.problem = problem
        self.errno = nil
        self.unsupportedCompression = unsupportedCompression
    }

    /// Whether the file does not exist (rotated away, say).
    public var isNotFound: Bool { errno == .noSuchFile }

    public var description: String { "Cannot read \(path): \(problem)." }
}
