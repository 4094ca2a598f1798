import Foundation
import Testing

@testable import Tailing

/// Which checkpoint a file resumes from: its own (same head, same inode), its rotation's (same head,
/// new inode: compressed or copied), or none (another file that merely starts alike).
@Suite("Checkpoint identity")
struct CheckpointTests {
    /// 1.5 KiB of lines: more than a fingerprint.
    static let shared = (0..<30).map { "10.0.0.\($0) - - [10/Oct/2025:13:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n" }
        .joined()

    func lookup(_ checkpoints: Checkpoints, _ path: String) throws -> Checkpoints.Entry? {
        let file = try InputFile(path: path)
        let head = try file.readHead()
        let identity = file.fileIdentity
        return checkpoints.entry(source: "s", head: head, identity: identity) {
            Checkpoints.isRotation(
                of: $0, path: path, identity: identity, isGzip: file.isGzip, head: head, evidence: $1)
        }
    }

    func record(_ checkpoints: inout Checkpoints, _ path: String, offset: UInt64) throws {
        let file = try InputFile(path: path)
        let identity = file.fileIdentity
        checkpoints.record(
            source: "s", head: try file.readHead(), offset: offset, path: path, identity: identity,
            size: file.sizeOnDisk, replacing: try lookup(checkpoints, path))
    }

    @Test func twoLiveFilesThatStartAlikeAreTwoFiles() throws {
        let dir = try ScratchDirectory()
        let a = dir.path("a.log")
        let b = dir.path("b.log")
        try (Self.shared + "only in a\n").write(toFile: a, atomically: false, encoding: .utf8)
        try (Self.shared + "only in b, longer\n").write(toFile: b, atomically: false, encoding: .utf8)
        var checkpoints = Checkpoints()
        try record(&checkpoints, a, offset: UInt64(Self.shared.utf8.count + 10))
        #expect(try lookup(checkpoints, a)?.offset == UInt64(Self.shared.utf8.count + 10))
        #expect(try lookup(checkpoints, b) == nil)
        try record(&checkpoints, b, offset: 5)
        #expect(try lookup(checkpoints, a)?.offset == UInt64(Self.shared.utf8.count + 10))
        #expect(try lookup(checkpoints, b)?.offset == 5)
    }

    @Test func aRenameKeepsTheCheckpointAndACopyFindsIt() throws {
        let dir = try ScratchDirectory()
        let live = dir.path("access.log")
        try Self.shared.write(toFile: live, atomically: false, encoding: .utf8)
        var checkpoints = Checkpoints()
        let offset = UInt64(Self.shared.utf8.count)
        try record(&checkpoints, live, offset: offset)
        // copytruncate caught between its copy and its truncation: both files exist, alike.
        let copy = dir.path("access.log.1")
        try FileManager.default.copyItem(atPath: live, toPath: copy)
        #expect(try lookup(checkpoints, copy)?.offset == offset)
        // ... and once truncated, the live file is new, the copy still the old one.
        try "10.9.9.9 - - [10/Oct/2025:14:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n".write(
            toFile: live, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, live) == nil)
        #expect(try lookup(checkpoints, copy)?.offset == offset)
        // A rename is the same inode.
        let renamed = dir.path("access.log.2")
        try FileManager.default.moveItem(atPath: copy, toPath: renamed)
        #expect(try lookup(checkpoints, renamed)?.offset == offset)
    }

    /// While gzip compresses `access.log.1`, the plain file and its `.gz` exist at once; the checkpoint
    /// may name the `.gz`. The plain file is the same content (compared decompressed), another plain
    /// file that only starts alike is not.
    @Test func thePlainFileAGzipIsMadeFromIsItsRotation() throws {
        let dir = try ScratchDirectory()
        let plain = dir.path("access.log.1")
        let tail = (0..<40).map { "10.1.1.\($0) - - [10/Oct/2025:13:30:00 +0000] \"GET /x HTTP/1.1\" 200 1\n" }.joined()
        try (Self.shared + tail).write(toFile: plain, atomically: false, encoding: .utf8)
        #expect(system("gzip -k '\(plain)'") == 0)
        var checkpoints = Checkpoints()
        let offset = UInt64((Self.shared + tail).utf8.count)
        try record(&checkpoints, plain + ".gz", offset: offset)
        #expect(checkpoints.entries.count == 1 && checkpoints.entries[0].path.hasSuffix(".gz"))
        #expect(try lookup(checkpoints, plain)?.offset == offset)
        let other = dir.path("other.log")
        try (Self.shared + tail.replacingOccurrences(of: "/x", with: "/y")).write(
            toFile: other, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, other) == nil)
    }

    /// copytruncate has only begun its copy: the copy is shorter than a fingerprint, the live file's
    /// entry has a full one. The copy is the live file's (checked by content), not a new file.
    @Test func aCopyShorterThanAFingerprintFindsTheFileItCopies() throws {
        let dir = try ScratchDirectory()
        let live = dir.path("access.log")
        try Self.shared.write(toFile: live, atomically: false, encoding: .utf8)
        var checkpoints = Checkpoints()
        let offset = UInt64(Self.shared.utf8.count)
        try record(&checkpoints, live, offset: offset)
        #expect(checkpoints.entries[0].fingerprintLength == Checkpoints.fingerprintSize)
        let copy = dir.path("access.log.1")
        try String(Self.shared.prefix(600)).write(toFile: copy, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, copy)?.offset == offset)
        // So is a copy too short for a prefix to go by.
        let begun = dir.path("access.log.2")
        try String(Self.shared.prefix(100)).write(toFile: begun, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, begun)?.offset == offset)
        // Another short file that starts with the same few lines, then differs: a file of its own.
        let other = dir.path("other.log")
        try (String(Self.shared.prefix(400)) + "something else entirely\n").write(
            toFile: other, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, other) == nil)
        // Truncated (the copy is done): the copy still resumes where the live file was read to.
        try "10.9.9.9 - - [10/Oct/2025:14:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n".write(
            toFile: live, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, copy)?.offset == offset)
    }

    @Test func aShortFileIsTrackedByInode() throws {
        let dir = try ScratchDirectory()
        let live = dir.path("access.log")
        try "short\n".write(toFile: live, atomically: false, encoding: .utf8)
        var checkpoints = Checkpoints()
        try record(&checkpoints, live, offset: 6)
        // Grows: still the same file.
        try "short\nand longer\n".write(toFile: live, atomically: false, encoding: .utf8)
        #expect(try lookup(checkpoints, live)?.offset == 6)
        // Deleted, and a new file that starts with the same few bytes takes its place: a new file.
        // (The old one is kept open, so that its inode is not reused at once.)
        let old = try InputFile(path: live)
        try FileManager.default.removeItem(atPath: live)
        try "short\nbut another file\n".write(toFile: live, atomically: false, encoding: .utf8)
        #expect(try InputFile(path: live).fileIdentity != old.fileIdentity)
        #expect(try lookup(checkpoints, live) == nil)
    }

    @Test func identitiesSurviveTheRoundTripThroughText() throws {
        var checkpoints = Checkpoints()
        checkpoints.record(
            source: "s\u{0}h", head: Array("head\n".utf8), offset: 5, path: "/var/log/a\tb.log",
            identity: FileIdentity(device: 2049, inode: 1_234_567), size: 99, replacing: nil)
        checkpoints.markGone(checkpoints.entries[0])
        let decoded = try Checkpoints.decode(checkpoints.encoded(), path: "state")
        #expect(decoded == checkpoints)
        #expect(decoded.entries[0].gone && decoded.entries[0].size == 99)
    }
}
