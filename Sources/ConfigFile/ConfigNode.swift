/// A node of a configuration document, with the 1-based line it starts on.
///
/// The tree is deliberately untyped: `YAMLSubset` only checks syntax, and the configuration loader checks keys and
/// types against it, so that "unknown key" or "expected a duration" errors can point at the line to fix.
public indirect enum ConfigNode: Sendable, Equatable {
    /// A plain or quoted scalar. `quoted` tells `"5"` (a string the user insisted on) from `5`.
    case scalar(String, quoted: Bool, line: Int)
    /// An empty value, `~` or `null` (unquoted; `"null"` is a scalar).
    case null(line: Int)
    /// A block (`- item`) or flow (`[a, b]`) sequence.
    case sequence([ConfigNode], line: Int)
    /// A block mapping, keys in file order. Duplicate keys are refused at parse time.
    case mapping([ConfigEntry], line: Int)

    /// The 1-based line the node starts on: a collection starts on the line of its first key or item, an empty
    /// value on the line of its key or `-`.
    public var line: Int {
        switch self {
        case .scalar(_, _, let line), .null(let line), .sequence(_, let line), .mapping(_, let line):
            return line
        }
    }
}

/// One `key: value` pair of a mapping. `line` is the line of the key, which is where errors about the key
/// (unknown, misplaced) should point; `value.line` can be a later line when the value is a nested block.
public struct ConfigEntry: Sendable, Equatable {
    /// The key, unquoted.
    public let key: String
    /// The 1-based line of the key.
    public let line: Int
    /// The value; `.null` when nothing follows the `:`.
    public let value: ConfigNode

    /// Creates an entry (the parser's, or a test's expected tree).
    public init(key: String, line: Int, value: ConfigNode) {
        self.key = key
        self.line = line
        self.value = value
    }
}

/// A configuration file that cannot be read, with the line to fix. Besides the parser's syntax errors, the
/// configuration loader uses it for semantic ones (unknown key, wrong type) so that all read the same way.
public struct ConfigSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the parser, for the message.
    public let file: String
    /// The 1-based line the problem is on.
    public let line: Int
    /// What is wrong, and where possible how to fix it.
    public let message: String

    /// Creates an error; `message` should not repeat the file or line.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form editors and compilers use, so the position is clickable.
    public var description: String { "\(file):\(line): \(message)" }
}
