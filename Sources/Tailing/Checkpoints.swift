#if canImport(Glibc)
    import Glibc
#endif

/// How far each log file has been read, kept across restarts.
///
/// A file is known by a fingerprint of its first bytes (decompressed, so `access.log`, its rename
/// `access.log.1` and the later `access.log.2.gz` are the same file) together with its device and
/// inode, and by the offset read so far in its decompressed content. The inode tells apart two files
/// that start alike; the fingerprint follows a file into its compressed or copied rotation (a new
/// inode) and notices `copytruncate` (the same inode, a new head).
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
        /// Its file vanished before it was read to its end, and that was reported. Should it turn up
        /// after all, it is read on from `offset` as usual.
        public var gone = false
        /// The file's device and inode when last read.
        public var identity: FileIdentity
        /// Its size on disk when last read (plain files; 0 for gzip): what a file that vanishes
        /// before it was read on took with it is at least `size - offset`.
        public var size: UInt64
        /// Hash of the first ``Checkpoints/prefixLength`` bytes (0: not known, for entries written
        /// before it was kept), so that a file still shorter than the entry's fingerprint — the copy
        /// that copytruncate has only begun — can find the entry of the file it is a copy of.
        public var prefixFingerprint: UInt64 = 0

        public init(
            source: String, fingerprint: UInt64, fingerprintLength: Int, offset: UInt64, path: String,
            complete: Bool = false, identity: FileIdentity = .unknown, size: UInt64 = 0
        ) {
            self.source = source
            self.fingerprint = fingerprint
            self.fingerprintLength = fingerprintLength
            self.offset = offset
            self.path = path
            self.complete = complete
            self.identity = identity
            self.size = size
        }

        /// Whether a file starting with `head` starts as this entry's file did.
        public func matches(head: [UInt8]) -> Bool {
            fingerprintLength > 0 && head.count >= fingerprintLength
                && Checkpoints.fingerprint(head.prefix(fingerprintLength)) == fingerprint
        }

        /// Whether a file starting with `head`, shorter than this entry's fingerprint, starts as this
        /// entry's file did as far as its first ``Checkpoints/prefixLength`` bytes go: a candidate to
        /// be verified (see ``Checkpoints/isRotation(of:path:identity:isGzip:head:evidence:)``).
        public func matches(prefixOf head: [UInt8]) -> Bool {
            prefixFingerprint != 0 && head.count < fingerprintLength && head.count >= Checkpoints.prefixLength
                && Checkpoints.fingerprint(head.prefix(Checkpoints.prefixLength)) == prefixFingerprint
        }
    }

    /// Bytes of a file's head that identify it.
    public static let fingerprintSize = 1024
    /// Bytes of the head that a shorter file is matched by, pending verification.
    public static let prefixLength = 256
    static let header = "sessiontail-checkpoints 1"

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The fingerprint of a file's first bytes (at most ``fingerprintSize``).
    public static func fingerprint(_ head: some Collection<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in head.prefix(fingerprintSize) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The entry of `source` for the file that starts with `head` and is `identity` on disk.
    ///
    /// An entry with the same head and inode is that file. One with the same head and another inode
    /// is the file's compressed or copied rotation when `isRotation` says so (see
    /// ``isRotation(of:path:identity:isGzip:head:evidence:)``); otherwise this is another file that
    /// merely starts alike, and has no entry yet. A file shorter than an entry's fingerprint (a copy
    /// only begun, or of a short file) may be that entry's file's copy too: `isRotation` is told on
    /// what ``Evidence``.
    public func entry(
        source: String, head: [UInt8], identity: FileIdentity,
        isRotation: (_ entry: Entry, _ evidence: Evidence) -> Bool = { _, _ in true }
    ) -> Entry? {
        var alike: Entry? = nil
        var prefixed: Entry? = nil
        for entry in entries.reversed() where entry.source == source {
            if entry.matches(head: head) {
                if entry.identity == identity { return entry }
                if alike == nil { alike = entry }
            } else if prefixed == nil && entry.identity != identity && entry.matches(prefixOf: head) {
                prefixed = entry
            }
        }
        if let alike { return alike.identity == .unknown || isRotation(alike, .head) ? alike : nil }
        if let prefixed, isRotation(prefixed, .prefix) { return prefixed }
        // Too short for any fingerprint to go by: the copy of a file that still starts with it, if it
        // holds a whole line (a few bytes of one say nothing: every line starts alike).
        guard head.count < Checkpoints.fingerprintSize, head.contains(UInt8(ascii: "\n")) else { return nil }
        for entry in entries.reversed()
        where entry.source == source && entry.identity != identity && entry.identity != .unknown
            && entry.fingerprintLength > head.count && !entry.complete && !entry.gone
        {
            if isRotation(entry, .content) { return entry }
        }
        return nil
    }

    /// Records that the file starting with `head`, `identity` on disk at `path`, has been read to
    /// `offset`. It replaces `previous`, the entry the read resumed from (what
    /// ``entry(source:head:identity:isRotation:)`` found, or what an earlier record of the same read
    /// wrote); a read that started as a new file (`previous == nil`) appends.
    ///
    /// The rotation decision is taken once, at lookup: deciding again here would look at the files as
    /// they are now, and `copytruncate` may have truncated and refilled the live file in between, so
    /// the entry the read resumed from would stay beside the new one and be read from again.
    public mutating func record(
        source: String, head: [UInt8], offset: UInt64, path: String, complete: Bool = false,
        identity: FileIdentity = .unknown, size: UInt64 = 0, replacing previous: Entry?
    ) {
        guard !head.isEmpty else { return }  // an empty file has nothing to remember
        let length = min(head.count, Checkpoints.fingerprintSize)
        var entry = Entry(
            source: source, fingerprint: Checkpoints.fingerprint(head.prefix(length)), fingerprintLength: length,
            offset: offset, path: path, complete: complete, identity: identity, size: size)
        entry.prefixFingerprint = Checkpoints.fingerprint(head.prefix(Checkpoints.prefixLength))
        if let previous, let i = entries.lastIndex(of: previous) {
            entries.remove(at: i)
        }
        // Most recently read last: the oldest are the first forgotten.
        entries.append(entry)
        let ofSource = entries.indices.filter { entries[$0].source == source }
        if ofSource.count > Checkpoints.entriesPerSource {
            entries.remove(at: ofSource[0])
        }
    }

    /// Marks an entry's file as gone (and reported): it is not reported again.
    public mutating func markGone(_ entry: Entry) {
        if let i = entries.firstIndex(of: entry) { entries[i].gone = true }
    }

    /// Entries kept per source (and host): the files of a rotated set and more. A file's entry is not
    /// dropped when its path is missing, as it is for a moment while logrotate renames and creates.
    public static let entriesPerSource = 256

    // MARK: - On disk

    /// Decodes checkpoints written by ``encoded()``; `path` names them in errors.
    public static func decode(_ bytes: some Collection<UInt8>, path: String) throws(InputError) -> Checkpoints {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, first.hasPrefix("sessiontail-checkpoints ") else {
            throw InputError(
                path: path, problem: "it is not a sessiontail checkpoint file; move it away to start afresh")
        }
        guard first == header else {
            throw InputError(
                path: path, problem: "it was written by a newer sessiontail (\(first)); upgrade sessiontail")
        }
        var checkpoints = Checkpoints()
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) }
            guard [5, 6, 9, 10].contains(fields.count), let fingerprint = UInt64(fields[1], radix: 16),
                let length = Int(fields[2]),
                let offset = UInt64(fields[3])
            else {
                throw InputError(
                    path: path, problem: "line \(number + 1) is damaged; move the file away to start afresh")
            }
            checkpoints.entries.append(
                Entry(
                    source: fields[0], fingerprint: fingerprint, fingerprintLength: length, offset: offset,
                    path: fields[4],
                    complete: fields.count >= 6 && fields[5] == "complete",
                    identity: fields.count >= 9
                        ? FileIdentity(device: UInt64(fields[6]) ?? 0, inode: UInt64(fields[7]) ?? 0) : .unknown,
                    size: fields.count >= 9 ? UInt64(fields[8]) ?? 0 : 0))
            if fields.count == 10 {
                checkpoints.entries[checkpoints.entries.count - 1].prefixFingerprint = UInt64(fields[9], radix: 16) ?? 0
            }
            checkpoints.entries[checkpoints.entries.count - 1].gone = fields.count >= 6 && fields[5] == "gone"
        }
        return checkpoints
    }

    /// The checkpoints as text, one file a line.
    public func encoded() -> [UInt8] {
        var text = Checkpoints.header + "\n"
        for e in entries {
            text +=
                [
                    escape(e.source), String(e.fingerprint, radix: 16), String(e.fingerprintLength), String(e.offset),
                    escape(e.path), e.complete ? "complete" : e.gone ? "gone" : "open", String(e.identity.device),
                    String(e.identity.inode),
                    String(e.size), String(e.prefixFingerprint, radix: 16),
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
