#if canImport(Glibc)
import Glibc
#endif

/// How urgent a message is: the syslog priorities the journal files messages under (`sd-daemon(3)`).
public enum LogPriority: Int, Sendable, Comparable {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6

    /// The priority a message asks for: messages start with `error:` or `warning:` when they are
    /// one (the daemon's `log` closures keep to that); anything else is information.
    public init(of message: String) {
        if message.hasPrefix("error:") {
            self = .error
        } else if message.hasPrefix("warning:") {
            self = .warning
        } else {
            self = .info
        }
    }

    public static func < (a: LogPriority, b: LogPriority) -> Bool { a.rawValue > b.rawValue }
}

/// Writes the daemon's messages to standard error, one line each.
///
/// When standard error is the systemd journal (`$JOURNAL_STREAM` names the same device and inode),
/// each line starts with its priority as `<N>` and carries no program name: the journal adds the time,
/// the unit and the program itself. Elsewhere lines read `sessiontail: message`, as from every other
/// command.
public struct LogWriter: Sendable {
    /// Whether lines are written for the journal.
    public let journal: Bool

    public init(journal: Bool) { self.journal = journal }

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

    /// The bytes written for `message` at `priority` (one line per line of the message).
    public func format(_ message: String, priority: LogPriority) -> String {
        var out = ""
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            out += journal ? "<\(priority.rawValue)>" : "sessiontail: "
            out += line
            out += "\n"
        }
        return out
    }

    /// Writes `message` at the priority it asks for (see ``LogPriority/init(of:)``).
    public func write(_ message: String) { write(message, priority: LogPriority(of: message)) }

    /// Writes `message` at `priority`, in one `write` so that lines of two threads do not interleave.
    public func write(_ message: String, priority: LogPriority) {
        let bytes = Array(format(message, priority: priority).utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            written += n
        }
    }
}
