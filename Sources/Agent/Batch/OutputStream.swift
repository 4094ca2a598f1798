import SystemIO

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

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) throws(OutputError) {
        do {
            try FileSystem.writeAll(fd, bytes)
        } catch {
            throw OutputError(errno: error)
        }
    }
}
