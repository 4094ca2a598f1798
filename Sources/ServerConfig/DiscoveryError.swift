/// A configuration that cannot be read: a file that cannot be opened, or text the server itself would refuse
/// (an unbalanced block, an unterminated quote).
///
/// Problems in one included file or one directive do not stop discovery; they become ``DiscoveryNote``s.
/// Only the main file being unreadable, or broken syntax, is an error.
public struct DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; for an unreadable file, its first line.
    public let location: ConfigLocation
    /// What is wrong, and what to do about it.
    public let message: String

    /// An error at `location`.
    public init(_ message: String, at location: ConfigLocation) {
        self.location = location
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { "\(location): \(message)" }
}
