import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// How urgent a message is: the syslog priorities the journal files messages under (`sd-daemon(3)`).
///
/// The daemon's messages carry their level from where they are made (``LogMessage``), rather than
/// through a logging framework: three levels and one line format are all it needs, and the pure modules
/// below it log nothing.
public enum LogLevel: Int, Sendable, Comparable {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue > b.rawValue }
}

/// Where a component sends its messages: the daemon's monitor, or standard error in a batch run.
public typealias Log = (LogLevel, String) -> Void

/// Writes the daemon's messages to standard error, one line each.
///
/// When standard error is the systemd journal (`$JOURNAL_STREAM` names the same device and inode),
/// each line starts with its priority as `<N>` and carries no program name: the journal adds the time,
/// the unit and the program itself. Elsewhere lines read `sessiontail: message`, as from every other
/// command.
public struct LogWriter: Sendable {
    /// Whether lines are written for the journal.
    public let journal: Bool
    /// Where lines go: standard error, or a file of a test's.
    public let descriptor: Int32

    public init(journal: Bool, descriptor: Int32 = 2) {
        self.journal = journal
        self.descriptor = descriptor
    }

    /// The writer for this process's standard error.
    public static func standardError() -> LogWriter {
        LogWriter(journal: standardErrorIsJournal())
    }

    /// Whether file descriptor 2 is the stream systemd connected to the journal: `$JOURNAL_STREAM` is
    /// `device:inode` of it (a redirected standard error keeps the variable but not the inode).
    public static func standardErrorIsJournal() -> Bool {
        isJournal(descriptor: 2, journalStream: getenv("JOURNAL_STREAM").map { String(cString: $0) })
    }

    /// Whether `descriptor` is the stream that `journalStream` (a `$JOURNAL_STREAM` value) names.
    public static func isJournal(descriptor: Int32, journalStream: String?) -> Bool {
        guard let parts = journalStream?.split(separator: ":"), parts.count == 2, let device = UInt64(parts[0]),
            let inode = UInt64(parts[1])
        else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// The bytes written for `message` at `level` (one line per line of the message). Outside the
    /// journal, errors and warnings say so (`sessiontail: error: …`).
    public func format(_ message: String, level: LogLevel) -> String {
        var out = ""
        let prefix =
            journal
            ? "<\(level.rawValue)>"
            : "sessiontail: " + (level == .error ? "error: " : level == .warning ? "warning: " : "")
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            out += prefix
            out += line
            out += "\n"
        }
        return out
    }

    /// Writes `message` at `level`, in one `write` so that lines of two threads do not interleave. A
    /// failure to write to standard error is not reported anywhere: there is nowhere left to say it.
    public func write(_ message: String, level: LogLevel) {
        try? FileSystem.writeAll(descriptor, Array(format(message, level: level).utf8))
    }
}
