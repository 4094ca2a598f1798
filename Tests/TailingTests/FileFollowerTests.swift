import Foundation
import Testing

@testable import Tailing

/// Collects what a follower delivers.
final class Collected {
    var lines: [String] = []
    var events: [String] = []

    func take(_ event: FileFollower.Event) {
        switch event {
        case .line(let bytes, _, _): lines.append(String(decoding: bytes, as: UTF8.self))
        case .tooLong: events.append("too long")
        case .truncated: events.append("truncated")
        case .finished(let path, _): events.append("finished \(URL(fileURLWithPath: path).lastPathComponent)")
        }
    }
}

func append(_ text: String, to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
}

@Suite("Following a file through rotations")
struct FileFollowerTests {
    @Test func partialLinesWaitForTheirNewline() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try "a\nb".write(toFile: log, atomically: false, encoding: .utf8)
        let follower = FileFollower(path: log)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        #expect(got.lines == ["a"])
        try append("c\nd", to: log)
        try follower.poll(now: 1, got.take)
        #expect(got.lines == ["a", "bc"])
        #expect(follower.offset == 5)
    }

    @Test func renameAndCreateLosesNothingWrittenToEitherFile() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try "1\n2\n".write(toFile: log, atomically: false, encoding: .utf8)
        let follower = FileFollower(path: log, quietPeriod: 1_000)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        try append("3\n", to: log)
        try FileManager.default.moveItem(atPath: log, toPath: dir.path("access.log.1"))
        // The server writes to the old file until it reopens its log, and to the new one after.
        try append("4\n", to: dir.path("access.log.1"))
        try "5\n".write(toFile: log, atomically: false, encoding: .utf8)
        try follower.poll(now: 100, got.take)
        try append("6\n", to: dir.path("access.log.1"))
        try append("7\n", to: log)
        try follower.poll(now: 200, got.take)
        #expect(Set(got.lines) == ["1", "2", "3", "4", "5", "6", "7"])
        #expect(got.lines.count == 7)
        #expect(follower.isFinishingRotatedFiles)
        try follower.poll(now: 1_300, got.take)
        #expect(got.events == ["finished access.log"])
        #expect(!follower.isFinishingRotatedFiles)
    }

    @Test func copytruncateIsDetectedEvenWhenTheFileRegrowsPastTheOffset() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try "first line\nsecond line\n".write(toFile: log, atomically: false, encoding: .utf8)
        let follower = FileFollower(path: log)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        // copytruncate, then a burst longer than what had been read.
        try FileManager.default.copyItem(atPath: log, toPath: dir.path("access.log.1"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try append("after truncation, a longer line than before\n", to: log)
        try follower.poll(now: 1, got.take)
        #expect(got.events == ["truncated"])
        #expect(got.lines == ["first line", "second line", "after truncation, a longer line than before"])
    }

    @Test func aFileDeletedWhileOpenIsReadToItsEnd() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try "1\n".write(toFile: log, atomically: false, encoding: .utf8)
        let follower = FileFollower(path: log)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        try append("2\nlast without newline", to: log)
        let keep = open(log, O_RDONLY)  // the file stays readable through open descriptors
        try FileManager.default.removeItem(atPath: log)
        try follower.poll(now: 1, got.take)
        try follower.poll(now: 2, got.take)
        close(keep)
        #expect(got.lines == ["1", "2", "last without newline"])
        #expect(got.events == ["finished access.log"])
    }

    @Test func aFileThatAppearsLaterIsPickedUp() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        let follower = FileFollower(path: log)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        #expect(got.lines.isEmpty)
        try "hello\n".write(toFile: log, atomically: false, encoding: .utf8)
        try follower.poll(now: 1, got.take)
        #expect(got.lines == ["hello"])
    }

    @Test func resumesAtACheckpointedOffset() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try "1\n2\n3\n".write(toFile: log, atomically: false, encoding: .utf8)
        let follower = FileFollower(path: log, startingAt: 2)
        let got = Collected()
        try follower.poll(now: 0, got.take)
        #expect(got.lines == ["2", "3"])
    }
}
