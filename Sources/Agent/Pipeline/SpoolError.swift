#if canImport(Glibc)
    import Glibc
#endif

/// Temporary sort files could not be written or read.
public struct SpoolError: Error, CustomStringConvertible {
    public let message: String
    init(message: String) { self.message = message }
    init(errno code: Int32) {
        message =
            "cannot use a temporary file for sorting sessions (\(String(cString: strerror(code)))); set TMPDIR to a writable directory with space"
    }
    public var description: String { message }
}
