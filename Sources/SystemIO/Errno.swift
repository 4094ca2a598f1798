#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A system call's `errno`, as a typed error: code that decides by it compares values, not text.
public struct Errno: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The `errno` value.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno` now.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `ENOENT`: the path does not exist.
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// `EACCES`: permission denied.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EPERM`: the operation is not permitted.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `EISDIR`: the path is a directory.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// `EINTR`: a signal interrupted the call.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `ENOSPC`: the disk is full.
    public static let noSpace = Errno(rawValue: ENOSPC)

    /// The C library's sentence for the code, lower-cased (`no such file or directory`).
    public var description: String {
        let text = String(cString: strerror(rawValue))
        guard let first = text.first else { return "error \(rawValue)" }
        return first.lowercased() + text.dropFirst()
    }
}
