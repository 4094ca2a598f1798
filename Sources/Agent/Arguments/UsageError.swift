/// What the command line hands the agent, checked: values that cannot be used are a ``UsageError``,
/// which the command line reports as a usage error (exit status 64).
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
