#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cuts a byte stream into lines, without copying them and without ever holding more than
/// `maxLineLength` bytes of one line.
///
/// ```swift
/// var reader = LineReader(source: try InputFile(path: "access.log"))
/// while let line = try reader.next(atEnd: true) {
///     if case .complete(let bytes) = line { … }
/// }
/// ```
public struct LineReader<Source: ByteSource> {
    /// One line from the stream.
    public enum Line {
        /// A line without its `\n`, valid until the next call to ``LineReader/next(atEnd:)``.
        case complete(UnsafeRawBufferPointer)
        /// A line longer than the cap; its bytes were skipped.
        case tooLong
    }

    /// The stream lines are cut from.
    public var source: Source
    /// Lines longer than this (without the `\n`) are skipped and reported as ``Line/tooLong``.
    public let maxLineLength: Int
    /// Stream offset just past the last line returned: where reading would resume.
    public private(set) var offset: UInt64 = 0
    /// Number of lines returned so far, so the 1-based number of the last line returned.
    public private(set) var lineNumber: UInt64 = 0

    private let storage: Storage
    private var start = 0
    private var end = 0
    private var skipping = false
    private var skippedBytes: UInt64 = 0
    private var sourceDone = false

    private final class Storage {
        let buffer: UnsafeMutableRawBufferPointer
        init(capacity: Int) { buffer = .allocate(byteCount: capacity, alignment: 64) }
        deinit { buffer.deallocate() }
    }

    /// Creates a reader; `maxLineLength` defaults to 64 KiB.
    public init(source: Source, maxLineLength: Int = 64 << 10, bufferSize: Int = 1 << 20) {
        self.source = source
        self.maxLineLength = maxLineLength
        storage = Storage(capacity: max(bufferSize, maxLineLength + 2))
    }

    /// Forgets the stream read so far (its partial line too), keeping the buffer, to read another
    /// stream (or the same one again from another place) from the source.
    public mutating func restart() {
        offset = 0
        lineNumber = 0
        start = 0
        end = 0
        skipping = false
        skippedBytes = 0
        sourceDone = false
    }

    /// Bytes read from the source that are not yet part of a returned line (a partial last line).
    public var pendingBytes: Int { end - start + Int(skippedBytes) }

    /// The next line, or `nil` when the source has nothing more for now. With `atEnd`, a last line
    /// without `\n` is returned as a line; without it, it stays pending until its newline arrives.
    public mutating func next(atEnd: Bool) throws(InputError) -> Line? {
        let buffer = storage.buffer
        let base = buffer.baseAddress!
        while true {
            if start < end, let hit = memchr(base + start, Int32(UInt8(ascii: "\n")), end - start) {
                let newline = base.distance(to: hit)
                let lineStart = start
                start = newline + 1
                lineNumber += 1
                if skipping {
                    skipping = false
                    offset += skippedBytes + UInt64(newline + 1 - lineStart)
                    skippedBytes = 0
                    return .tooLong
                }
                offset += UInt64(newline + 1 - lineStart)
                if newline - lineStart > maxLineLength { return .tooLong }
                return .complete(UnsafeRawBufferPointer(start: base + lineStart, count: newline - lineStart))
            }
            // No newline in what is buffered.
            if skipping || end - start > maxLineLength {
                if !skipping { skipping = true }
                skippedBytes += UInt64(end - start)
                start = 0
                end = 0
            } else if start > 0 {
                if end > start { memmove(base, base + start, end - start) }
                end -= start
                start = 0
            }
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n > 0 {
                end += n
                continue
            }
            guard atEnd else { return nil }
            // End of input: a final line without newline still counts.
            if skipping {
                skipping = false
                lineNumber += 1
                offset += skippedBytes
                skippedBytes = 0
                return .tooLong
            }
            if end > start {
                let lineStart = start
                let count = end - start
                start = end
                lineNumber += 1
                offset += UInt64(count)
                return .complete(UnsafeRawBufferPointer(start: base + lineStart, count: count))
            }
            return nil
        }
    }
}
