import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only log of records in segment files, each record checked by CRC-32C, made durable by
/// `fdatasync` once per group of appends.
///
/// Segment `wal-<first sequence, 16 hex digits>.log` starts with an 8-byte header (`sessWAL` and the
/// format version), then records back to back:
///
///     length: UInt32 LE (of the payload)   crc: UInt32 LE (of sequence, kind and payload)
///     sequence: UInt64 LE                  kind: UInt8            payload: length bytes
///
/// Sequences rise by one from record to record, across segments. Opening the log reads every segment
/// and keeps the records up to the first one that is cut short, fails its checksum or breaks the
/// sequence: a write torn by a crash (or damage) is truncated away, and later segments removed, so
/// that appends continue from the last good record. What was dropped is described in ``damage``.
///
/// Not thread-safe: one owner appends, syncs and removes.
public final class WriteAheadLog {
    /// One record as appended.
    public struct Record: Sendable, Equatable {
        public var sequence: UInt64
        public var kind: UInt8
        public var payload: [UInt8]

        /// A record as ``WriteAheadLog/append(kind:payload:)`` would write it: lets a decoder of
        /// payloads be fed records without a log on disk (tests, fuzzing).
        public init(sequence: UInt64, kind: UInt8, payload: [UInt8]) {
            self.sequence = sequence
            self.kind = kind
            self.payload = payload
        }
    }

    public static let formatVersion: UInt8 = 1
    static let magic: [UInt8] = Array("sessWAL".utf8)
    static let headerSize = 8
    static let recordHeaderSize = 17
    /// A record larger than this is damage, not data.
    static let maximumPayload = 1 << 30
    /// A segment named past this is not one the log wrote (2^63 records would take 292,000 years at a
    /// million a second); refusing it keeps sequences from overflowing.
    static let maximumSequence: UInt64 = 1 << 63

    public let directory: String
    /// A new segment is begun once the current one is larger than this (see ``needsNewSegment``).
    public let segmentLimit: Int
    /// The records found when the log was opened, oldest first (see ``forgetRecovered()``).
    public private(set) var recovered: [Record] = []
    /// What opening the log had to drop, one sentence each; empty when the log was whole.
    public private(set) var damage: [String] = []
    /// The sequence the next record gets.
    public private(set) var nextSequence: UInt64 = 1
    /// `fdatasync` calls so far.
    public private(set) var syncs = 0

    /// Segments oldest first: first sequence, path, size.
    private var segments: [(first: UInt64, path: String, size: Int)] = []
    private var fd: Int32 = -1
    private var unsynced = false
    private var directoryUnsynced = false

    /// Opens (creating it if need be) the log in `directory` and recovers its records.
    public init(directory: String, segmentLimit: Int = 16 << 20) throws(JournalError) {
        self.directory = directory
        self.segmentLimit = segmentLimit
        if mkdir(directory, 0o750) != 0 && errno != EEXIST { throw JournalError(path: directory, errno: .current) }
        try recover()
        if segments.isEmpty {
            try startSegment()
        } else {
            let last = segments[segments.count - 1].path
            fd = open(last, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else { throw JournalError(path: last, errno: .current) }
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Bytes in all segments.
    public var diskBytes: Int { segments.reduce(0) { $0 + $1.size } }

    /// Whether the current segment has grown past ``segmentLimit``.
    public var needsNewSegment: Bool { (segments.last?.size ?? 0) > segmentLimit }

    /// Lets go of ``recovered`` once the caller has used it.
    public func forgetRecovered() { recovered = [] }

    /// Appends a record (written at once, durable after the next ``sync()``) and returns its sequence.
    @discardableResult
    public func append(kind: UInt8, payload: [UInt8]) throws(JournalError) -> UInt64 {
        let sequence = nextSequence
        // The header apart, so that a large payload is not copied.
        var header: [UInt8] = []
        header.reserveCapacity(WriteAheadLog.recordHeaderSize)
        WriteAheadLog.put(UInt32(payload.count), into: &header)
        WriteAheadLog.put(UInt32(0), into: &header)
        WriteAheadLog.put(sequence, into: &header)
        header.append(kind)
        let crc = payload.withUnsafeBytes { body in
            header.withUnsafeBytes {
                CRC32C.checksum(body, continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])))
            }
        }
        header.withUnsafeMutableBytes { $0.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self) }
        try write(header, payload)
        nextSequence += 1
        segments[segments.count - 1].size += header.count + payload.count
        return sequence
    }

    /// Makes every record appended so far durable: `fdatasync` of the segment (and of the directory
    /// after a new segment). Group commit: one call for any number of appends.
    public func sync() throws(JournalError) {
        if unsynced {
            if fdatasync(fd) != 0 { throw JournalError(path: segments[segments.count - 1].path, errno: .current) }
            syncs += 1
            unsynced = false
        }
        if directoryUnsynced {
            try syncDirectory()
            directoryUnsynced = false
        }
    }

    /// Ends the current segment (made durable first) and begins a new one for the records to come.
    public func startSegment() throws(JournalError) {
        // A segment with no record yet is as good as a new one.
        if fd >= 0, let last = segments.last, last.size == WriteAheadLog.headerSize { return }
        if fd >= 0 {
            try sync()
            close(fd)
            fd = -1
        }
        let path = directory + "/" + WriteAheadLog.segmentName(nextSequence)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw JournalError(path: path, errno: .current) }
        segments.append((nextSequence, path, 0))
        try write(WriteAheadLog.magic + [WriteAheadLog.formatVersion])
        segments[segments.count - 1].size = WriteAheadLog.headerSize
        directoryUnsynced = true
    }

    /// Deletes the segments, other than the current one, whose records all precede `sequence`.
    public func removeSegments(before sequence: UInt64) {
        while segments.count > 1 && segments[1].first <= sequence {
            unlink(segments[0].path)
            segments.removeFirst()
            directoryUnsynced = true
        }
    }

    // MARK: - Recovery

    private func recover() throws(JournalError) {
        guard let dir = opendir(directory) else { throw JournalError(path: directory, errno: .current) }
        var found: [(UInt64, String)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // Hex digits only: `UInt64(_:radix:)` would also read a sign (`wal-+000000000000000.log`).
            guard name.hasPrefix("wal-"), name.hasSuffix(".log"), name.count == 24,
                name.dropFirst(4).prefix(16).allSatisfy(\.isHexDigit),
                let first = UInt64(name.dropFirst(4).prefix(16), radix: 16)
            else { continue }
            found.append((first, directory + "/" + name))
        }
        closedir(dir)
        found.sort { $0.0 < $1.0 }
        var expected: UInt64? = nil
        for (index, (first, path)) in found.enumerated() {
            if first >= WriteAheadLog.maximumSequence {
                throw JournalError(
                    path: path,
                    problem:
                        "its name is not a sequence this log reaches, so it is no segment of it; move the state directory away to start afresh"
                )
            }
            let bytes = try WriteAheadLog.readAll(path)
            if bytes.count < WriteAheadLog.headerSize || !bytes.starts(with: WriteAheadLog.magic) {
                if index == found.count - 1 && bytes.count < WriteAheadLog.headerSize
                    && WriteAheadLog.magic.starts(with: bytes.prefix(WriteAheadLog.magic.count))
                {
                    // Created, header not yet written when the crash came: nothing in it.
                    unlink(path)
                    continue
                }
                throw JournalError(
                    path: path,
                    problem:
                        "it is not a sessiontail write-ahead log segment; move the state directory away to start afresh"
                )
            }
            let version = bytes[WriteAheadLog.magic.count]
            if version > WriteAheadLog.formatVersion {
                throw JournalError(
                    path: path,
                    problem:
                        "it was written in format \(version) by a newer sessiontail (this one reads format \(WriteAheadLog.formatVersion)); upgrade sessiontail"
                )
            }
            if let expected, first != expected {
                dropFrom(
                    index: index, found: found, offset: 0, reason: "records \(expected) to \(first - 1) are missing")
                return
            }
            var p = WriteAheadLog.headerSize
            var sequence = first
            while p < bytes.count {
                guard let record = WriteAheadLog.record(in: bytes, at: p) else {
                    let reason =
                        bytes.count - p < WriteAheadLog.recordHeaderSize ? "a record cut short" : "a damaged record"
                    dropFrom(index: index, found: found, offset: p, reason: reason)
                    nextSequence = sequence
                    return
                }
                guard record.record.sequence == sequence else {
                    dropFrom(index: index, found: found, offset: p, reason: "a record out of sequence")
                    nextSequence = sequence
                    return
                }
                recovered.append(record.record)
                p = record.end
                sequence += 1
            }
            segments.append((first, path, bytes.count))
            expected = sequence
            nextSequence = sequence
        }
    }

    /// Keeps segment `index` up to `offset` (none of it when that is the header) and removes the
    /// segments after it.
    private func dropFrom(index: Int, found: [(UInt64, String)], offset: Int, reason: String) {
        let path = found[index].1
        var dropped = 0
        for (_, later) in found[(index + 1)...] {
            var info = stat()
            if stat(later, &info) == 0 { dropped += Int(info.st_size) }
            unlink(later)
        }
        var info = stat()
        let size = stat(path, &info) == 0 ? Int(info.st_size) : offset
        dropped += size - max(offset, WriteAheadLog.headerSize)
        if offset <= WriteAheadLog.headerSize && index > 0 {
            unlink(path)
        } else {
            if truncate(path, off_t(max(offset, WriteAheadLog.headerSize))) == 0 {
                let fd = open(path, O_WRONLY | O_CLOEXEC)
                if fd >= 0 {
                    fsync(fd)
                    close(fd)
                }
            }
            segments.append((found[index].0, path, max(offset, WriteAheadLog.headerSize)))
        }
        directoryUnsynced = true
        damage.append(
            "\(path) has \(reason) at byte \(offset): the \(dropped) bytes from there on were dropped (a write cut short by a crash, or damage on disk)"
        )
    }

    static func record(in bytes: [UInt8], at p: Int) -> (record: Record, end: Int)? {
        guard bytes.count - p >= recordHeaderSize else { return nil }
        let length = Int(get32(bytes, p))
        let crc = get32(bytes, p + 4)
        guard length <= maximumPayload, bytes.count - p - recordHeaderSize >= length else { return nil }
        let end = p + recordHeaderSize + length
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(p + 8)..<end])) }
        guard actual == crc else { return nil }
        var sequence: UInt64 = 0
        for i in 0..<8 { sequence |= UInt64(bytes[p + 8 + i]) << (8 * UInt64(i)) }
        let record = Record(
            sequence: sequence, kind: bytes[p + 16], payload: Array(bytes[(p + recordHeaderSize)..<end]))
        return (record, end)
    }

    // MARK: - Files

    static func segmentName(_ first: UInt64) -> String {
        let hex = String(first, radix: 16)
        return "wal-" + String(repeating: "0", count: 16 - hex.count) + hex + ".log"
    }

    /// Appends `parts` whole, or not at all: after a failed write (the disk full, say) the segment is
    /// cut back, so that no half record is followed by good ones.
    private func write(_ parts: [UInt8]...) throws(JournalError) {
        for bytes in parts {
            do {
                try FileSystem.writeAll(fd, bytes)
            } catch {
                // Whatever of the record reached the file goes: back to the size before it.
                if let last = segments.last, ftruncate(fd, off_t(last.size)) != 0 {
                    // Cannot cut it back: no further appends may follow the half record.
                    close(fd)
                    fd = -1
                }
                throw JournalError(path: segments.last?.path ?? directory, errno: error)
            }
        }
        unsynced = true
    }

    private func syncDirectory() throws(JournalError) {
        do {
            try FileSystem.syncDirectory(directory)
        } catch {
            throw JournalError(path: directory, errno: error)
        }
    }

    static func readAll(_ path: String) throws(JournalError) -> [UInt8] {
        do {
            return try FileSystem.readAll(path, limit: Int.max)
        } catch {
            throw JournalError(path: path, problem: error.description)
        }
    }

    static func put(_ value: UInt32, into out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    static func put(_ value: UInt64, into out: inout [UInt8]) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    static func get32(_ bytes: [UInt8], _ p: Int) -> UInt32 {
        UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
    }
}
