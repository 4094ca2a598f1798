/// A configuration that cannot be used: where, which key, and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let file: String
    /// 1-based line; 0 when the whole file is at fault.
    public let line: Int
    /// The key at fault, as a path (`sources[1].format`).
    public let key: String?
    public let message: String

    public init(file: String, line: Int, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `file:line: key: message`, the form editors and compilers use.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }
}
