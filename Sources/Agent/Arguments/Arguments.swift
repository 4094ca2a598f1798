import ConfigFile
import Operations

/// Values of command-line options.
public enum Arguments {
    /// The release (`sessiontail --version`).
    public static let version = BuildInfo.version

    /// Milliseconds of a duration option such as `--gap 5m`; `positive`: more than zero.
    public static func duration(_ text: String, option: String, example: String, positive: Bool = true)
        throws(UsageError) -> Int64
    {
        guard let millis = Units.durationMillis(text), !positive || millis > 0 else {
            throw UsageError("\(option) '\(text)' is not a duration such as \(example).")
        }
        return millis
    }

    /// Bytes of a size option such as `--memory 64MiB`, more than zero.
    public static func size(_ text: String, option: String, example: String) throws(UsageError) -> Int {
        guard let bytes = Units.bytes(text), bytes > 0 else {
            throw UsageError("\(option) '\(text)' is not a size such as \(example).")
        }
        return bytes
    }
}

/// Writes a line to standard error as every command does (`sessiontail: …`; `sessiontail: error: …`).
func printError(_ text: String, level: LogLevel = .info) {
    LogWriter(journal: false).write(text, level: level)
}
