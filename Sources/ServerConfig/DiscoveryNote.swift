/// Something discovery noticed that the operator should know: a log it skipped (syslog, a pipe), a guess it
/// made (a variable in a path read as a glob), or a directive it could not follow.
public struct DiscoveryNote: Sendable, Hashable, CustomStringConvertible {
    /// The directive the note is about, if it is about one.
    public var location: ConfigLocation?
    /// A sentence saying what was found and what it means for sessiontail.
    public var message: String

    /// A note about the directive at `location`.
    public init(_ message: String, at location: ConfigLocation?) {
        self.message = message
        self.location = location
    }

    /// The message, after `file:line: ` when the note has a location.
    public var description: String { location.map { "\($0): \(message)" } ?? message }
}
