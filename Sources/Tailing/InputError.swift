#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log file that cannot be opened or read, with what to do about it.
public struct InputError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file (`-` for standard input).
    public let path: String
    /// What failed.
    public let problem: String

    /// Creates an error for `path` from an `errno` value.
    public init(path: String, errno code: Int32) {
        self.path = path
        switch code {
        case EACCES, EPERM:
            problem = "permission denied. Run as a user that may read it (on Debian: a member of group adm)"
        case ENOENT:
            problem = "no such file"
        case EISDIR:
            problem = "it is a directory"
        default:
            problem = String(cString: strerror(code))
        }
    }

    /// Creates an error for `path` with a sentence of its own.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "Cannot read \(path): \(problem)." }
}
