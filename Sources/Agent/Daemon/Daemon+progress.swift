import Tailing

extension Daemon {
    /// An estimate of the bytes on disk (compressed ones for gzip) a pass has yet to read, for the
    /// progress line of `run --drain`: every file under the sources' paths, less what its checkpoint
    /// says was read. A gzip file read in part counts the share of it its content size (gzip's
    /// trailer) says is left. Opens each file and reads its head; not for every pass.
    public var unreadBytesOnDisk: UInt64 {
        var byIdentity: [FileIdentity: Checkpoints.Entry] = [:]
        for entry in checkpoints.entries where !entry.gone { byIdentity[entry.identity] = entry }
        var seen: Set<FileIdentity> = []
        var total: UInt64 = 0
        for source in configuration.sources {
            for match in FileDiscovery.discover(patterns: source.paths, exclude: source.exclude) {
                let host = match.host ?? source.host
                let key = host.map { source.name + "\u{0}" + $0 } ?? source.name
                for path in match.rotated + [match.path] {
                    guard let file = try? InputFile(path: path), seen.insert(file.fileIdentity).inserted else {
                        continue
                    }
                    var entry = byIdentity[file.fileIdentity]
                    if entry == nil, let head = try? file.readHead() {
                        // Its rotation (compressed or copied): a new inode, the same head.
                        entry = checkpoints.entries.last { $0.source == key && !$0.gone && $0.matches(head: head) }
                    }
                    total += Daemon.unread(file, entry)
                }
            }
        }
        return total
    }

    /// Bytes on disk of `file` not yet read, by its checkpoint `entry`.
    static func unread(_ file: InputFile, _ entry: Checkpoints.Entry?) -> UInt64 {
        let size = file.sizeOnDisk
        guard let entry else { return size }
        if entry.complete { return 0 }
        guard entry.offset > 0 else { return size }
        guard file.isGzip else { return size > entry.offset ? size - entry.offset : 0 }
        guard let content = file.gzipContentSizeHint, content >= entry.offset, content > 0 else { return size }
        return UInt64(Double(size) * Double(content - entry.offset) / Double(content))
    }
}
