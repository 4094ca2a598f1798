#if canImport(Glibc)
import Glibc
#endif

/// Follows one log path as a web server writes it and logrotate rotates it: reads what is appended,
/// never half a line; after a rename (`create`), keeps reading the old file until it has been quiet
/// for a while (the server may write to it until it reopens its log) while reading the new file at
/// the path; after a truncation (`copytruncate`), reads from the start; a file deleted while open is
/// read to its end.
///
/// Polled: ``poll(now:_:)`` reads whatever is new. Not thread-safe.
public final class FileFollower {
    /// One file being read: the live one, or a rotated one still being finished.
    final class Reading {
        let path: String
        let device: UInt64
        let inode: UInt64
        var reader: LineReader<DescriptorSource>
        /// Offset in the file of the start of `reader`'s stream.
        let base: UInt64
        var lastActivity: Int64
        /// The file's first bytes as last seen (up to `headSize`): if they change, the file was
        /// truncated and rewritten, even if it has grown past our offset since.
        var head: [UInt8] = []

        init(path: String, fd: Int32, device: UInt64, inode: UInt64, base: UInt64, now: Int64, maxLineLength: Int) {
            self.path = path
            self.device = device
            self.inode = inode
            self.base = base
            self.lastActivity = now
            reader = LineReader(source: DescriptorSource(fd: fd, path: path), maxLineLength: maxLineLength)
        }

        /// Offset just past the last line returned.
        var offset: UInt64 { base + reader.offset }
    }

    /// What a poll delivers.
    public enum Event {
        /// A complete line of the file at `path`, ending at `offset` (valid during the call only).
        case line(UnsafeRawBufferPointer, path: String, offset: UInt64)
        /// A line over the length cap, skipped.
        case tooLong(path: String, offset: UInt64)
        /// The file at the path was truncated; reading restarts at 0 (copytruncate).
        case truncated(path: String)
        /// A rotated or deleted file was read to its end and closed; `path` is where it was followed
        /// (it may have another name now).
        case finished(path: String, offset: UInt64)
    }

    /// The path followed.
    public let path: String
    /// How long (milliseconds) a rotated file must be quiet before it is closed.
    public let quietPeriod: Int64
    public let maxLineLength: Int
    private var live: Reading? = nil
    private var retiring: [Reading] = []
    private var startOffset: UInt64

    /// Follows `path`, starting at `offset` in the file now there (from a checkpoint; 0 for a new file).
    public init(path: String, startingAt offset: UInt64 = 0, quietPeriod: Int64 = 10_000, maxLineLength: Int = 64 << 10) {
        self.path = path
        self.startOffset = offset
        self.quietPeriod = quietPeriod
        self.maxLineLength = maxLineLength
    }

    /// The offset reached in the live file (0 when none is open).
    public var offset: UInt64 { live?.offset ?? startOffset }

    /// Whether rotated files are still being finished.
    public var isFinishingRotatedFiles: Bool { !retiring.isEmpty }

    /// Reads everything new and handles rotation; `now` is the wall clock in milliseconds.
    public func poll(now: Int64, _ body: (Event) -> Void) throws(InputError) {
        // Rotated files first: their lines are older than the live file's.
        var still: [Reading] = []
        for reading in retiring {
            let gotLines = try drain(reading, atEnd: false, now: now, body)
            // Deleted (no link left): nothing more can be written to it.
            var info = stat()
            let gone = fstat(reading.reader.source.fd, &info) != 0 || info.st_nlink == 0
            if gotLines || now - reading.lastActivity < quietPeriod, !gone {
                still.append(reading)
            } else {
                _ = try drain(reading, atEnd: true, now: now, body)
                close(reading.reader.source.fd)
                body(.finished(path: reading.path, offset: reading.offset))
            }
        }
        retiring = still

        if live == nil { try open(now: now) }
        guard var current = live else { return }
        // Truncation first, before reading past it: the bytes at our offset would be another line's tail.
        var own = stat()
        let shrunk = fstat(current.reader.source.fd, &own) == 0 && UInt64(own.st_size) < current.offset
        if shrunk || !FileFollower.headUnchanged(current) {
            // copytruncate: the file was emptied under us; what was written since is at its start. What
            // was written between our last read and logrotate's copy is in the copy: finish that first.
            try finishCopy(of: current, now: now, body)
            close(current.reader.source.fd)
            live = nil
            startOffset = 0
            body(.truncated(path: path))
            try open(now: now)
            guard let reopened = live else { return }
            current = reopened
        }
        _ = try drain(current, atEnd: false, now: now, body)

        var info = stat()
        let atPath = stat(path, &info) == 0
        if !atPath || UInt64(info.st_dev) != current.device || UInt64(info.st_ino) != current.inode {
            // Renamed away or deleted: finish it alongside, and take up the new file at the path.
            retiring.append(current)
            live = nil
            startOffset = 0
            if atPath { try open(now: now) }
            if let fresh = live { _ = try drain(fresh, atEnd: false, now: now, body) }
        }
    }

    /// Stops following: closes every file (what was not read stays unread).
    public func stop() {
        if let live { close(live.reader.source.fd) }
        for reading in retiring { close(reading.reader.source.fd) }
        live = nil
        retiring = []
    }

    deinit { stop() }

    private func open(now: Int64) throws(InputError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return }  // not there (yet): wait
            throw InputError(path: path, errno: errno)
        }
        var info = stat()
        fstat(fd, &info)
        var base = startOffset
        if UInt64(info.st_size) < base { base = 0 }  // shorter than the checkpoint: not the same file
        if base > 0 { lseek(fd, off_t(base), SEEK_SET) }
        let reading = Reading(
            path: path, fd: fd, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), base: base, now: now,
            maxLineLength: maxLineLength)
        _ = FileFollower.headUnchanged(reading)
        live = reading
    }

    static let headSize = 256

    /// After a truncation, reads the rest of the file's copy (the rotated sibling that starts with the
    /// same bytes) from where the truncated file had been read to.
    private func finishCopy(of truncated: Reading, now: Int64, _ body: (Event) -> Void) throws(InputError) {
        guard !truncated.head.isEmpty else { return }
        for candidate in FileDiscovery.rotatedFiles(of: path).reversed() where !candidate.hasSuffix(".gz") {
            let fd = Glibc.open(candidate, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var head = [UInt8](repeating: 0, count: truncated.head.count)
            let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            var info = stat()
            fstat(fd, &info)
            guard n == head.count, head == truncated.head, UInt64(info.st_size) >= truncated.offset else {
                close(fd)
                continue
            }
            lseek(fd, off_t(truncated.offset), SEEK_SET)
            let copy = Reading(
                path: candidate, fd: fd, device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
                base: truncated.offset, now: now, maxLineLength: maxLineLength)
            _ = try drain(copy, atEnd: true, now: now, body)
            close(fd)
            return
        }
    }

    /// Whether the file still starts with the bytes it started with; learns more of them as it grows.
    static func headUnchanged(_ reading: Reading) -> Bool {
        var now = [UInt8](repeating: 0, count: headSize)
        let n = now.withUnsafeMutableBytes { pread(reading.reader.source.fd, $0.baseAddress, headSize, 0) }
        guard n >= 0 else { return true }
        let known = reading.head.count
        if n < known { return false }
        if !now[..<known].elementsEqual(reading.head) { return false }
        if n > known { reading.head = Array(now[..<n]) }
        return true
    }

    /// Reads the lines there are; returns whether there were any.
    private func drain(_ reading: Reading, atEnd: Bool, now: Int64, _ body: (Event) -> Void) throws(InputError) -> Bool {
        var any = false
        while let line = try reading.reader.next(atEnd: atEnd) {
            any = true
            switch line {
            case .complete(let bytes): body(.line(bytes, path: reading.path, offset: reading.offset))
            case .tooLong: body(.tooLong(path: reading.path, offset: reading.offset))
            }
        }
        if any { reading.lastActivity = now }
        return any
    }
}

/// A plain file read through its descriptor; 0 means nothing more for now.
public struct DescriptorSource: ByteSource {
    public let fd: Int32
    public let path: String

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        try FileSystem.read(fd, into: buffer, path: path)
    }
}
