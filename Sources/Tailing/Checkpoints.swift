#if canImport(Glibc)
import Glibc
#endif

/// How far each log file has been read, kept across restarts.
///
/// A file is known by a fingerprint of its first bytes (decompressed, so `access.log`, its rename
/// `access.log.1` and the later `access.log.2.gz` are the same file) and the offset read so far in its
/// decompressed content. Written atomically: temporary file, `fsync`, `rename`, `fsync` of the directory.
public struct Checkpoints: Sendable, Equatable {
    /// One file's position.
    public struct Entry: Sendable, Equatable {
        public var source: String
        /// Hash of the first `fingerprintLength` bytes.
        public var fingerprint: UInt64
        public var fingerprintLength: Int
        /// Bytes of decompressed content read and done with.
        public var offset: UInt64
        /// Where the file was last seen.
        public var path: String
        /// Read to its end as a rotated file, which will not grow: no need to open it again.
        public var complete: Bool

        public init(
            source: String, fingerprint: UInt64, fingerprintLength: Int, offset: UInt64, path: String,
            complete: Bool = false
        ) {
            self.source = source
            self.fingerprint = fingerprint
            self.fingerprintLength = fingerprintLength
            self.offset = offset
            self.path = path
            self.complete = complete
        }
    }

    /// Bytes of a file's head that identify it.
    public static let fingerprintSize = 1024
    static let header = "sessiontail-checkpoints 1"

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The fingerprint of a file's first bytes (at most ``fingerprintSize``).
    public static func fingerprint(_ head: some Collection<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in head.prefix(fingerprintSize) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The entry of `source` whose fingerprint matches the file that starts with `head`.
    public func entry(source: String, head: [UInt8]) -> Entry? {
        entries.first { entry in
            entry.source == source && entry.fingerprintLength > 0 && head.count >= entry.fingerprintLength
                && Checkpoints.fingerprint(head.prefix(entry.fingerprintLength)) == entry.fingerprint
        }
    }

    /// Records that the file starting with `head`, at `path`, has been read to `offset`.
    public mutating func record(source: String, head: [UInt8], offset: UInt64, path: String, complete: Bool = false) {
        guard !head.isEmpty else { return }  // an empty file has nothing to remember
        let length = min(head.count, Checkpoints.fingerprintSize)
        let entry = Entry(
            source: source, fingerprint: Checkpoints.fingerprint(head.prefix(length)), fingerprintLength: length,
            offset: offset, path: path, complete: complete)
        if let i = entries.firstIndex(where: { existing in
            existing.source == source && existing.fingerprintLength <= length
                && Checkpoints.fingerprint(head.prefix(existing.fingerprintLength)) == existing.fingerprint
        }) {
            entries.remove(at: i)
        }
        // Most recently read last: the oldest are the first forgotten.
        entries.append(entry)
        let ofSource = entries.indices.filter { entries[$0].source == source }
        if ofSource.count > Checkpoints.entriesPerSource {
            entries.remove(at: ofSource[0])
        }
    }

    /// Entries kept per source (and host): the files of a rotated set and more. A file's entry is not
    /// dropped when its path is missing, as it is for a moment while logrotate renames and creates.
    public static let entriesPerSource = 256

    // MARK: - On disk

    /// Decodes checkpoints written by ``encoded()``; `path` names them in errors.
    public static func decode(_ bytes: some Collection<UInt8>, path: String) throws(InputError) -> Checkpoints {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, first.hasPrefix("sessiontail-checkpoints ") else {
            throw InputError(path: path, problem: "it is not a sessiontail checkpoint file; move it away to start afresh")
        }
        guard first == header else {
            throw InputError(path: path, problem: "it was written by a newer sessiontail (\(first)); upgrade sessiontail")
        }
        var checkpoints = Checkpoints()
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) }
            guard fields.count == 5 || fields.count == 6, let fingerprint = UInt64(fields[1], radix: 16), let length = Int(fields[2]),
                let offset = UInt64(fields[3])
            else {
                throw InputError(path: path, problem: "line \(number + 1) is damaged; move the file away to start afresh")
            }
            checkpoints.entries.append(
                Entry(
                    source: fields[0], fingerprint: fingerprint, fingerprintLength: length, offset: offset, path: fields[4],
                    complete: fields.count == 6 && fields[5] == "complete"))
        }
        return checkpoints
    }

    /// The checkpoints as text, one file a line.
    public func encoded() -> [UInt8] {
        var text = Checkpoints.header + "\n"
        for e in entries {
            text += [
                escape(e.source), String(e.fingerprint, radix: 16), String(e.fingerprintLength), String(e.offset),
                escape(e.path), e.complete ? "complete" : "open",
            ].joined(separator: "\t") + "\n"
        }
        return Array(text.utf8)
    }

    func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension FileSystem {
    /// Replaces `path` with `bytes` so that a crash leaves the old or the new content, never a mix:
    /// a temporary file beside it, `fsync`, `rename`, then `fsync` of the directory.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(InputError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw InputError(path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw InputError(path: temporary, errno: code)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw InputError(path: temporary, errno: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw InputError(path: path, errno: errno) }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let dfd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
