import Operations
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// One line on standard error, redrawn in place, that says how far long reading has come (batch
/// `sessionize`, `run --drain`): `412 MiB of 1.2 GiB (34 %), 3.1M lines, 1.9M lines/s, 0:42 left`.
///
/// Only on a terminal: ``onStandardError(totalBytes:)`` gives none when standard error is a pipe, a
/// file or the journal, so that logs never hold it. The reader calls ``advance(lines:position:)``
/// every few thousand lines; that reads the monotonic clock and nothing more, unless the line is due
/// (every ``defaultIntervalMillis``): only then is the text made and written. Bytes are bytes of the
/// files on disk (compressed ones for gzip), so that the percentage stays true.
///
/// ```swift
/// let progress = ProgressLine.onStandardError(totalBytes: sizes)
/// progress?.beginFile(at: 0)
/// progress?.advance(lines: 4096, position: reader.diskPosition)   // every 4096 lines
/// progress?.clear()                                               // before the summary
/// ```
///
/// Not thread-safe: one reading thread.
public final class ProgressLine {
    /// How often the line is redrawn, at most.
    public static let defaultIntervalMillis: UInt64 = 250
    /// Tests only: the redraw interval in milliseconds, instead of ``defaultIntervalMillis``.
    public static let intervalVariable = "SESSIONTAIL_PROGRESS_INTERVAL_MS"

    /// Bytes to read in all (0: unknown, as for a pipe).
    public var totalBytes: UInt64
    private let descriptor: Int32
    private let intervalMicros: UInt64
    private let columns: Int
    private let clock: () -> UInt64
    private let started: UInt64
    private var lastDraw: UInt64
    private var drawn = false
    /// Bytes read of the files done with, and of the current one from where it started.
    private var finishedBytes: UInt64 = 0
    private var fileStart: UInt64 = 0
    private var filePosition: UInt64 = 0
    private var lines: UInt64 = 0

    /// A line drawn to `descriptor`, `columns` wide at most, every `intervalMillis` at most, by `clock`
    /// (microseconds, monotonic).
    public init(
        totalBytes: UInt64, descriptor: Int32 = 2, intervalMillis: UInt64 = ProgressLine.defaultIntervalMillis,
        columns: Int = 80, clock: @escaping () -> UInt64 = SystemClock.monotonicMicros
    ) {
        self.totalBytes = totalBytes
        self.descriptor = descriptor
        intervalMicros = intervalMillis * 1_000
        self.columns = max(columns, 20)
        self.clock = clock
        started = clock()
        lastDraw = started
    }

    /// A progress line on standard error when it is a terminal, as wide as the terminal; nil when it
    /// is not (a pipe, a file, the journal).
    public static func onStandardError(totalBytes: UInt64) -> ProgressLine? {
        guard isatty(2) == 1 else { return nil }
        var size = winsize()
        let columns = ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        var interval = defaultIntervalMillis
        if let text = getenv(intervalVariable).map({ String(cString: $0) }), let millis = UInt64(text) {
            interval = millis
        }
        return ProgressLine(totalBytes: totalBytes, intervalMillis: interval, columns: columns)
    }

    /// The sum of the sizes on disk of `paths` (those that cannot be looked at count 0; `-` counts
    /// standard input's size when it is a file).
    public static func totalSize(of paths: [String]) -> UInt64 {
        var total: UInt64 = 0
        for path in paths {
            var info = stat()
            let found = path == "-" ? fstat(0, &info) == 0 : stat(path, &info) == 0
            if found && (info.st_mode & S_IFMT) == S_IFREG { total += UInt64(info.st_size) }
        }
        return total
    }

    /// A file is read next, from `position` on disk (``InputFile/diskPosition``): what lies before it
    /// was read before, and is not counted as read now.
    public func beginFile(at position: UInt64) {
        finishedBytes += filePosition - fileStart
        fileStart = position
        filePosition = position
    }

    /// `count` more lines were read, and the file is read to `position` on disk. Cheap: a clock read,
    /// and the line drawn when it is due.
    @inline(__always)
    public func advance(lines count: UInt64, position: UInt64) {
        lines += count
        filePosition = max(position, fileStart)
        let now = clock()
        if now &- lastDraw >= intervalMicros { draw(now: now) }
    }

    /// Bytes read so far.
    public var bytesRead: UInt64 { finishedBytes + filePosition - fileStart }

    private func draw(now: UInt64) {
        lastDraw = now
        var text = Array("\r\u{1B}[K".utf8)
        var line = Array(
            ProgressLine.text(bytes: bytesRead, totalBytes: totalBytes, lines: lines, elapsedMicros: now - started)
                .utf8)
        // Wider than the terminal, it would wrap, and `\r` would not go back to its start.
        if line.count > columns - 1 { line.removeLast(line.count - (columns - 1)) }
        text += line
        try? FileSystem.writeAll(descriptor, text)
        drawn = true
    }

    /// Erases the line, if it was drawn: before a message, and when the reading is done (before its
    /// summary). It is drawn again at the next ``advance(lines:position:)`` that is due.
    public func clear() {
        guard drawn else { return }
        drawn = false
        try? FileSystem.writeAll(descriptor, Array("\r\u{1B}[K".utf8))
    }

    /// The line's text: bytes read of the total and the share, lines, lines per second, and the time
    /// left at the rate so far (the total and what depends on it left out when it is unknown, 0).
    ///
    /// `text(bytes: 432_013_312, totalBytes: 1_288_490_189, lines: 3_100_000, elapsedMicros: 1_630_000)`
    /// is `412 MiB of 1.2 GiB (33 %), 3.1M lines, 1.9M lines/s, 0:03 left`.
    public static func text(bytes: UInt64, totalBytes: UInt64, lines: UInt64, elapsedMicros: UInt64) -> String {
        let seconds = Double(max(elapsedMicros, 1)) / 1_000_000
        var out = Quantity.bytes(bytes)
        if totalBytes > 0 {
            let percent = min(100, bytes * 100 / totalBytes)
            out += " of \(Quantity.bytes(totalBytes)) (\(percent) %)"
        }
        out += ", \(Quantity.compact(Double(lines))) lines, \(Quantity.compact(Double(lines) / seconds)) lines/s"
        if totalBytes > 0 && bytes > 0 {
            let left = Double(totalBytes > bytes ? totalBytes - bytes : 0) / (Double(bytes) / seconds)
            out += ", \(clockTime(seconds: left)) left"
        }
        return out
    }

    /// `0:42`, `12:05`, `1:02:03`.
    static func clockTime(seconds: Double) -> String {
        let total = Int(min(seconds, 360_000 * 99).rounded())
        let (hours, minutes, secs) = (total / 3_600, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }
}
