// The journal fuzzer's seed corpus, written with the log and the daemon's own encoders, so that the
// fuzzer starts from the records a real daemon writes. Run by `scripts/fuzz.sh seeds`.

import Journal
import Sessionizer
import Tailing

#if canImport(Glibc)
    import Glibc
#endif

func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { fail("cannot read \(path)") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { break }
        out += buffer[..<n]
    }
    return out
}

func sampleFragments() -> [Fragment] {
    [
        Fragment(
            host: Array("shop.example.org".utf8), client: Array("203.0.113.9".utf8), start: 1_752_604_183_000,
            end: 1_752_604_243_000, eventCount: 3, bytes: 5_120, errorCount: 1, landingPath: Array("/cart".utf8),
            referrer: Array("https://search.example/".utf8), userAgent: Array("Mozilla/5.0".utf8), origin: 7,
            cause: .closed),
        Fragment(
            host: [], client: Array("2001:db8::7".utf8), start: 971_211_336_000, end: 971_211_336_000,
            eventCount: 1, bytes: 0, errorCount: 0, landingPath: Array("/".utf8), referrer: [],
            userAgent: Array("curl/8.0".utf8), cause: .flushed),
    ]
}

func sampleCheckpoints() -> Checkpoints {
    var c = Checkpoints()
    c.record(
        source: "nginx", head: Array("83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\"".utf8),
        offset: 4_096, path: "/var/log/nginx/access.log", identity: FileIdentity(device: 2049, inode: 131_075),
        size: 8_192)
    c.record(
        source: "nginx", head: Array("in24.inetnebr.com - - [01/Aug/1995:00:00:01 -0400]".utf8), offset: 77,
        path: "/var/log/nginx/access.log.1\twith a tab", complete: true)
    return c
}

func writeSeeds(to directory: String) {
    mkdir(directory, 0o755)
    let fragments = sampleFragments()
    let checkpoints = sampleCheckpoints()
    let snapshot = DaemonJournal.encodeSnapshot(
        shippedThrough: 0, checkpoints: checkpoints, open: [("nginx", fragments), ("apache", [])])
    let commit = DaemonJournal.encodeCommit(
        agentID: "web-01", checkpoints: checkpoints,
        changes: [("nginx", DaemonJournal.SourceChange(emitted: [fragments[0]], changed: [fragments[1]]))])
    let shipped = DaemonJournal.encodeShipped(2)

    func seed(_ name: String, _ bytes: [UInt8]) { writeFile(directory + "/" + name, bytes) }

    /// Segments as the log writes them, concatenated, after `split` calls to startSegment.
    func log(_ records: [(UInt8, [UInt8])], newSegmentAfter: Set<Int> = []) -> [UInt8] {
        let dir = scratch + "/seed"
        emptyDirectory(dir)
        rmdir(dir)
        do {
            let wal = try WriteAheadLog(directory: dir)
            for (i, (kind, payload)) in records.enumerated() {
                try wal.append(kind: kind, payload: payload)
                if newSegmentAfter.contains(i) { try wal.startSegment() }
            }
            try wal.sync()
        } catch {
            fail("cannot write seed segments: \(error)")
        }
        var names: [String] = []
        if let d = opendir(dir) {
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name.hasPrefix("wal-") { names.append(name) }
            }
            closedir(d)
        }
        let bytes = names.sorted().flatMap { readFile(dir + "/" + $0) }
        emptyDirectory(dir)
        rmdir(dir)
        return bytes
    }

    let daemon: [(UInt8, [UInt8])] = [
        (DaemonJournal.snapshot, snapshot), (DaemonJournal.commit, commit), (DaemonJournal.shipped, shipped),
        (DaemonJournal.commit, commit),
    ]
    let one = log(daemon)
    seed("log-one-segment", [0] + one)
    seed("log-one-segment-fix-crc", [1] + one)
    seed("log-torn-tail", [0] + one.dropLast(5))
    seed("log-two-segments", [0] + log(daemon + daemon, newSegmentAfter: [3]))
    seed(
        "log-three-segments-small", [0x20] + log([(1, [1]), (2, [2, 2]), (3, [3]), (2, [])], newSegmentAfter: [0, 2]))
    seed("log-header-only", [0] + log([]))
    seed("log-newer-format", [0] + magic + [2])
    seed("decode-snapshot", [0x80] + snapshot)
    seed("decode-commit", [0x80] + commit)
    seed("decode-shipped", [0x80] + shipped)
    seed("decode-checkpoints", [0x80] + checkpoints.encoded())
    var serialized: [UInt8] = []
    for f in fragments { f.serialize(into: &serialized) }
    seed("decode-fragments", [0x80] + serialized)
}
