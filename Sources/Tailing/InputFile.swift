import SystemIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A log file read as a stream of bytes: plain, or gzip (recognised by its magic bytes, whatever its
/// name), or standard input when the path is `-`.
public final class InputFile: ByteSource {
    /// The path given, `-` for standard input.
    public let path: String
    /// Whether the content is gzip-compressed.
    public private(set) var isGzip = false
    private let fd: Int32
    var descriptor: Int32 { fd }
    private let ownsDescriptor: Bool
    private var decoder: GzipDecoder? = nil
    /// Compressed input for gzip; for plain files only the sniffed bytes (a held plain file costs a
    /// descriptor, not a buffer).
    private var compressed: UnsafeMutableRawBufferPointer
    private var compressedStart = 0
    private var compressedEnd = 0
    private var atEnd = false
    /// Bytes taken from the descriptor (read, or skipped by a seek) since it was opened or rewound.
    private var bytesFromDisk: UInt64 = 0
    /// Content already read (by ``readHead(count:)``) and handed out again before anything else.
    private var replay: [UInt8] = []
    private var replayStart = 0
    /// Where ``startsAsItsHead()`` reads the head again (made when first needed).
    private var headCheck: UnsafeMutableRawBufferPointer? = nil
    /// Set when a read found the file no longer starting with its head: truncated (copytruncate) and
    /// written again while it was being read.
    public var truncatedWhileRead = false

    /// Opens `path` (`-`: standard input) and looks at its first bytes to tell gzip from plain text.
    public convenience init(path: String) throws(InputError) {
        if path == "-" {
            try self.init(descriptor: 0, path: path, owned: false)
        } else {
            let fd: Int32
            do {
                fd = try FileSystem.openForReading(path)
            } catch {
                throw InputError(path: path, errno: error)
            }
            try self.init(descriptor: fd, path: path, owned: true)
        }
    }

    /// Reads an open descriptor from its current position; with `owned`, closes it when done.
    public init(descriptor: Int32, path: String, owned: Bool) throws(InputError) {
        self.path = path
        fd = descriptor
        ownsDescriptor = owned
        compressed = .allocate(byteCount: 16, alignment: 16)
        // Sniff the magic bytes without seeking, so that pipes work too. (Should this throw, `deinit`
        // runs, as every stored property is set, and releases the buffer and descriptor.)
        while compressedEnd < 6 {
            let n = try read(fd, into: UnsafeMutableRawBufferPointer(rebasing: compressed[compressedEnd...]))
            if n == 0 { break }
            compressedEnd += n
        }
        let magic = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(compressed)[..<compressedEnd])
        if let other = InputFile.unsupportedCompression(magic) {
            throw InputError(
                path: path,
                problem:
                    "it is \(other)-compressed, which sessiontail does not read; decompress it, or have logrotate compress with gzip (the default: compresscmd gzip)",
                unsupportedCompression: other)
        }
        if compressedEnd >= 2 && compressed[0] == 0x1F && compressed[1] == 0x8B {
            isGzip = true
            decoder = GzipDecoder()
            let large = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
            large.copyMemory(from: UnsafeRawBufferPointer(rebasing: compressed[..<compressedEnd]))
            compressed.deallocate()
            compressed = large
        }
    }

    /// The compression that `head` (a file's first bytes) says, if it is one sessiontail does not
    /// read: bzip2 (`BZh`), xz (`FD 37 7A 58 5A 00`) or zstd (`28 B5 2F FD`).
    static func unsupportedCompression(_ head: UnsafeRawBufferPointer) -> String? {
        if head.starts(with: [0x42, 0x5A, 0x68]) && head.count >= 4 && (0x31...0x39).contains(head[3]) {
            return "bzip2"
        }
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        return nil
    }

    /// The device and inode of the open file (zero for standard input that is not a file).
    public var fileIdentity: FileIdentity {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return FileIdentity(device: 0, inode: 0) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// A second descriptor for the same open file, which stays readable after the file is deleted;
    /// the caller closes it. The corresponding C function is `dup`.
    public func duplicateDescriptor() -> Int32 { dup(fd) }

    deinit {
        headCheck?.deallocate()
        compressed.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Goes back to the start of a plain file, to read it again (its head first); false if it now
    /// starts as gzip does (it was empty, or being written, when it was first looked at): open it
    /// again then. The corresponding C functions are `pread` and `lseek`.
    func rewind() throws(InputError) -> Bool {
        precondition(decoder == nil, "a gzip file is read once")
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) }
        if n == 2 && magic == (0x1F, 0x8B) { return false }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw InputError(path: path, errno: .current) }
        compressedStart = 0
        compressedEnd = 0
        replay = []
        replayStart = 0
        atEnd = false
        bytesFromDisk = 0
        return true
    }

    /// Skips the first `count` bytes of content (decompressed for gzip): a seek for plain files,
    /// reading and discarding for gzip and pipes.
    public func skip(_ count: UInt64) throws(InputError) {
        var remaining = count
        let fromReplay = min(UInt64(replay.count - replayStart), remaining)
        replayStart += Int(fromReplay)
        remaining -= fromReplay
        if decoder == nil {
            let sniffed = UInt64(compressedEnd - compressedStart)
            let fromSniffed = min(sniffed, remaining)
            compressedStart += Int(fromSniffed)
            remaining -= fromSniffed
            if remaining > 0 && lseek(fd, off_t(remaining), SEEK_CUR) >= 0 {
                bytesFromDisk += remaining
                return
            }
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while remaining > 0 {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<Int(min(remaining, 1 << 16))]))
            if n == 0 { return }
            remaining -= UInt64(n)
        }
    }

    /// The first `count` bytes of the content (decompressed), read through this same descriptor (so
    /// that they belong to the file read next, even if the path is renamed meanwhile) and handed out
    /// again by the reads that follow. Call before any other read.
    public func readHead(count: Int = Checkpoints.fingerprintSize) throws(InputError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while filled < count {
            let n = try readContent(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        replay = Array(buffer[..<filled])
        replayStart = 0
        return replay
    }

    /// Whether a plain file still starts with the head ``readHead(count:)`` read (always true for gzip,
    /// pipes and files whose head was not read). Bytes read from a file that was truncated and written
    /// again meanwhile (`copytruncate`) belong to another file than the one checkpointed: a read
    /// asks this after reading, and drops what it read if not. The corresponding C function is
    /// `pread`.
    func startsAsItsHead() -> Bool {
        guard decoder == nil, !replay.isEmpty else { return true }
        let check = headCheck ?? .allocate(byteCount: Checkpoints.fingerprintSize, alignment: 16)
        headCheck = check
        let count = min(replay.count, check.count)
        var filled = 0
        while filled < count {
            let n = pread(fd, check.baseAddress! + filled, count - filled, off_t(filled))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errno == ESPIPE }  // not a file: nothing to compare
            if n == 0 { return false }  // shorter than its head: truncated
            filled += n
        }
        return replay.withUnsafeBytes { memcmp($0.baseAddress!, check.baseAddress!, count) == 0 }
    }

    /// How far into the file on disk what was handed out so far reaches: for a plain file, its offset;
    /// for gzip, the compressed bytes taken in, less those not yet decompressed (the head read again
    /// after ``readHead(count:)`` is not taken off: a few KiB). What progress is measured in, against
    /// ``sizeOnDisk``, so that a percentage stays true for compressed files. Call from the thread that
    /// reads the file.
    public var diskPosition: UInt64 {
        var pending = UInt64(compressedEnd - compressedStart)
        if let decoder {
            pending += UInt64(decoder.pendingInputCount)
        } else {
            pending += UInt64(replay.count - replayStart)
        }
        return bytesFromDisk > pending ? bytesFromDisk - pending : 0
    }

    /// For gzip, the size of the content as the file's last 4 bytes (gzip's `ISIZE`) say: exact for
    /// one member under 4 GiB, the last member's size modulo 2³² otherwise; nil for plain files and
    /// pipes. An estimate, for progress only. The corresponding C function is `pread`.
    public var gzipContentSizeHint: UInt64? {
        guard isGzip else { return nil }
        let size = sizeOnDisk
        guard size >= 18 else { return nil }
        var trailer: UInt32 = 0
        let n = withUnsafeMutableBytes(of: &trailer) { pread(fd, $0.baseAddress, 4, off_t(size - 4)) }
        return n == 4 ? UInt64(UInt32(littleEndian: trailer)) : nil
    }

    /// The file's size on disk (compressed for gzip).
    public var sizeOnDisk: UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_size) : 0
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if replayStart < replay.count {
            let n = min(buffer.count, replay.count - replayStart)
            replay.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + replayStart, byteCount: n) }
            replayStart += n
            return n
        }
        return try readContent(into: buffer)
    }

    /// Reads from the descriptor; see ``FileSystem/read(_:into:)``.
    private func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        do {
            let n = try FileSystem.read(fd, into: buffer)
            bytesFromDisk += UInt64(n)
            return n
        } catch {
            throw InputError(path: path, errno: error)
        }
    }

    private func readContent(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard let decoder else {
            // Plain: hand out the sniffed bytes first, then read straight into the caller's buffer.
            if compressedStart < compressedEnd {
                let n = min(buffer.count, compressedEnd - compressedStart)
                buffer.baseAddress!.copyMemory(from: compressed.baseAddress! + compressedStart, byteCount: n)
                compressedStart += n
                return n
            }
            return try read(fd, into: buffer)
        }
        while true {
            if !decoder.hasPendingInput {
                if compressedStart >= compressedEnd {
                    if atEnd { break }
                    compressedStart = 0
                    compressedEnd = try read(fd, into: compressed)
                    if compressedEnd == 0 {
                        atEnd = true
                        break
                    }
                }
                decoder.provide(
                    UnsafeRawBufferPointer(
                        rebasing: UnsafeRawBufferPointer(compressed)[compressedStart..<compressedEnd]))
                compressedStart = compressedEnd
            }
            let produced: Int
            do {
                produced = try decoder.decompress(into: buffer)
            } catch {
                throw InputError(path: path, problem: error.description)
            }
            if produced > 0 { return produced }
        }
        if !decoder.isAtMemberBoundary {
            throw InputError(path: path, problem: "the gzip data is truncated")
        }
        return 0
    }
}
