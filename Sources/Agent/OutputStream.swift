#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer to a file descriptor (standard output by default).
public struct OutputStream: ~Copyable {
    private var buffer: [UInt8] = []
    private let fd: Int32

    /// Creates a writer to `fd`.
    public init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends text.
    public mutating func write(_ text: String) throws(OutputError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes out what is buffered.
    public mutating func flush() throws(OutputError) {
        try OutputStream.writeAll(buffer, to: fd)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and `EINTR`. The corresponding C function
    /// is `write`.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) throws(OutputError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(code: errno)
            }
            written += n
        }
    }
}

/// Output that could not be written.
public struct OutputError: Error, CustomStringConvertible {
    /// The `errno` value.
    public let code: Int32
    public var description: String { "Cannot write the output: \(String(cString: strerror(code)))." }
}
