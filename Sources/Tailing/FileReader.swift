/// What reads a log file as lines: a ``ReadAhead`` thread with its chunks and a ``LineReader`` with its
/// buffer, made once and reused for every file (by one pipeline, or by every source of a daemon, which
/// read one file at a time): reading a file allocates nothing.
///
/// ```swift
/// let reader = FileReader(maxLineLength: 64 << 10)
/// reader.begin(try InputFile(path: "access.log"))
/// while let line = try reader.next(atEnd: true) { … }
/// reader.end()
/// ```
public final class FileReader {
    private let readAhead: ReadAhead
    private var lines: LineReader<ReadAhead>

    /// A reader for lines of at most `maxLineLength` bytes (longer ones are reported as too long), read
    /// ahead in four chunks of `chunkSize` bytes.
    public init(maxLineLength: Int = 64 << 10, chunkSize: Int = 1 << 20) {
        readAhead = ReadAhead(chunkSize: chunkSize)
        lines = LineReader(source: readAhead, maxLineLength: maxLineLength)
    }

    /// Starts reading `file` from where it stands (lines and offsets count from there).
    public func begin(_ file: InputFile) {
        readAhead.begin(file)
        lines.restart()
    }

    /// Stops reading the current file.
    public func end() { readAhead.end() }

    /// The next line of the current file (see ``LineReader/next(atEnd:)``).
    @inline(__always)
    public func next(atEnd: Bool) throws(InputError) -> LineReader<ReadAhead>.Line? {
        try lines.next(atEnd: atEnd)
    }

    /// Bytes of the file consumed since ``begin(_:)``, up to the end of the last line returned.
    public var offset: UInt64 { lines.offset }
    /// The 1-based number, since ``begin(_:)``, of the last line returned.
    public var lineNumber: UInt64 { lines.lineNumber }
    /// How far into the current file on disk (compressed, for gzip) the lines read so far reach, to
    /// within the chunk being cut (1 MiB of content): for progress shown against its size on disk.
    public var diskPosition: UInt64 { readAhead.diskPosition }
    /// The longest line read.
    public var maxLineLength: Int { lines.maxLineLength }
}
