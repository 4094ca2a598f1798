/// Where something was written in a web server's configuration: a file and a line in it.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file, as the server would open it (includes resolved against their base directory).
    public var file: String
    /// The line, counting from 1; for a directive spread over several lines, the line it starts on.
    public var line: Int

    /// A location in `file` at `line`.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, as compilers and the servers themselves print it.
    public var description: String { "\(file):\(line)" }
}
