import SystemIO

/// A write-ahead log that cannot be used, with what to do about it.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    init(path: String, errno: Errno) {
        self.init(path: path, problem: errno.description)
    }

    public var description: String { "Cannot use the write-ahead log \(path): \(problem)." }
}
