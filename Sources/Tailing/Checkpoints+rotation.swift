import SystemIO

extension Checkpoints {
    /// What a file that may be another's rotation has in common with that file's entry.
    public enum Evidence: Sendable {
        /// Its head matches the entry's whole fingerprint.
        case head
        /// It is shorter than the entry's fingerprint, and its first ``Checkpoints/prefixLength``
        /// bytes match the entry's.
        case prefix
        /// It is shorter still (but holds a whole line): only its content can say.
        case content
    }

    /// Whether the file at `path` (`identity` on disk, starting with `head`), which may be `entry`'s
    /// file under another inode, is that file rotated by `compress`, `copy` or `copytruncate` (and so
    /// resumes at the entry's offset) rather than another file that merely starts alike.
    ///
    /// - A gzip file whose head matches is a compressed rotation: compression always makes a new inode.
    /// - If the entry's file is still at its path, unchanged at its head, both exist at once: the
    ///   candidate is a copy (`copytruncate` between its copy and its truncation), or the plain file
    ///   that the entry's `.gz` was made from (`gzip` keeps it until it is done), only if its content
    ///   just before the entry's offset is the same as the original's, decompressed.
    /// - If the entry's file was truncated (`copytruncate` done), this is the copy.
    /// - If it is gone, a head of a full fingerprint's length is trusted; a short one is not (a new file
    ///   may well start with the same few bytes): short files are tracked by inode.
    /// - A candidate shorter than the entry's fingerprint (a copy only begun, or of a short file) is
    ///   all in its head: it is the copy if the original, still the file the entry describes, starts
    ///   with it; if the original was truncated, only a matching prefix says so; if the original is
    ///   gone, nothing does.
    ///
    /// The entry's file is opened by `original`: at its path by default; a caller that keeps files open
    /// (the daemon's trackers) finds it by its inode wherever logrotate renamed it since.
    ///
    /// It looks at the files as they are now: ask once per read, and record into the entry it chose
    /// (``record(source:head:offset:path:complete:identity:size:replacing:)``).
    public static func isRotation(
        of entry: Entry, path: String, identity: FileIdentity, isGzip: Bool, head: [UInt8],
        evidence: Evidence = .head, original openOriginal: (Entry) -> InputFile? = { try? InputFile(path: $0.path) }
    ) -> Bool {
        if isGzip && evidence == .head { return true }
        guard let original = openOriginal(entry), original.fileIdentity == entry.identity,
            let originalHead = try? original.readHead()
        else {
            return evidence == .head && entry.fingerprintLength >= fingerprintSize
        }
        if evidence != .head {
            // The original still the file the entry describes: the candidate is its copy if it starts
            // with all of the candidate. Truncated since: only a matching prefix says it was its copy.
            if entry.matches(head: originalHead) { return originalHead.starts(with: head) }
            return evidence == .prefix
        }
        guard entry.matches(head: originalHead) else { return true }  // truncated under us: the copy
        guard let candidate = try? InputFile(path: path), candidate.fileIdentity == identity else { return false }
        // A gzip file's size on disk says nothing of its content; its entry's offset was read from it.
        let end = min(candidate.sizeOnDisk, entry.offset, original.isGzip ? entry.offset : original.sizeOnDisk)
        let start = end - min(end, 4096)
        guard end > start, let a = try? candidate.content(start..<end), let b = try? original.content(start..<end)
        else {
            return true  // nothing beyond the head to tell them apart: alike throughout
        }
        return a == b
    }
}

extension InputFile {
    /// The content at `range`, decompressed for gzip. A plain file is read without moving its position
    /// (the corresponding C function is `pread`); a gzip file is read on from its head, so call this
    /// once, after ``readHead(count:)`` and before any other read.
    func content(_ range: Range<UInt64>) throws(InputError) -> [UInt8] {
        let count = Int(range.upperBound - range.lowerBound)
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        if isGzip {
            try skip(range.lowerBound)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
            defer { buffer.deallocate() }
            while filled < count {
                let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { break }
                filled += n
            }
            return Array(buffer[..<filled])
        }
        while filled < count {
            let result = out.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try FileSystem.read(
                        descriptor, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]),
                        at: range.lowerBound + UInt64(filled))
                }
            }
            let n: Int
            do {
                n = try result.get()
            } catch {
                throw InputError(path: path, errno: error)
            }
            if n == 0 { break }
            filled += n
        }
        return Array(out[..<filled])
    }
}
