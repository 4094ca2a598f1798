import SystemIO

/// Output that could not be written.
public struct OutputError: Error, CustomStringConvertible {
    public let errno: Errno
    public var description: String { "Cannot write the output: \(errno)." }
}
