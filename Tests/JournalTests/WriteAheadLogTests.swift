import Foundation
import Testing

@testable import Journal

final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sessiontail-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    var path: String { url.path }
    func segments() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix("wal-") }.sorted()
            .map { path + "/" + $0 }
    }
}

@Suite("Write-ahead log")
struct WriteAheadLogTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(
            CRC32C.checksum(Array(long[500...]), continuing: CRC32C.checksum(Array(long[..<500])))
                == CRC32C.checksum(long))
    }

    func payloads(_ n: Int) -> [[UInt8]] {
        (0..<n).map { i in Array("record \(i) ".utf8) + [UInt8](repeating: UInt8(i & 0xFF), count: i * 7) }
    }

    @Test func recordsSurviveReopeningAcrossSegments() throws {
        let dir = try ScratchDirectory()
        let written = payloads(50)
        do {
            let log = try WriteAheadLog(directory: dir.path, segmentLimit: 2_000)
            for (i, p) in written.enumerated() {
                #expect(try log.append(kind: UInt8(i % 3), payload: p) == UInt64(i + 1))
                if log.needsNewSegment { try log.startSegment() }
            }
            try log.sync()
        }
        #expect(try dir.segments().count > 3)
        let log = try WriteAheadLog(directory: dir.path, segmentLimit: 2_000)
        #expect(log.damage.isEmpty)
        #expect(log.recovered.map(\.payload) == written)
        #expect(log.recovered.map(\.kind) == (0..<50).map { UInt8($0 % 3) })
        #expect(log.nextSequence == 51)
        // Removing what precedes record 30 keeps every segment that holds it or later ones.
        log.removeSegments(before: 30)
        let reopened = try WriteAheadLog(directory: dir.path, segmentLimit: 2_000)
        let first = try #require(reopened.recovered.first?.sequence)
        #expect(first <= 30 && first > 1)
        #expect(reopened.recovered.last?.sequence == 50)
    }

    /// A crash can cut the last write anywhere: every cut keeps exactly the records before it, and
    /// appending goes on from there.
    @Test func aTornTailIsCutAtEveryPossibleByte() throws {
        let dir = try ScratchDirectory()
        let written = payloads(4)
        do {
            let log = try WriteAheadLog(directory: dir.path)
            for p in written { try log.append(kind: 1, payload: p) }
            try log.sync()
        }
        let segment = try #require(try dir.segments().first)
        let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
        let lastStart = whole.count - (17 + written[3].count)
        for cut in lastStart..<whole.count {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: segment))
            let log = try WriteAheadLog(directory: dir.path)
            #expect(log.recovered.map(\.payload) == Array(written.prefix(3)), "cut at \(cut)")
            #expect(log.damage.count == (cut == lastStart ? 0 : 1), "cut at \(cut)")
            try log.append(kind: 2, payload: [9, 9])
            try log.sync()
            let again = try WriteAheadLog(directory: dir.path)
            #expect(again.damage.isEmpty)
            #expect(again.recovered.map(\.payload) == Array(written.prefix(3)) + [[9, 9]])
        }
    }

    @Test func aFlippedByteDropsThatRecordAndWhatFollows() throws {
        let dir = try ScratchDirectory()
        let written = payloads(6)
        do {
            let log = try WriteAheadLog(directory: dir.path, segmentLimit: 100)
            for p in written {
                try log.append(kind: 1, payload: p)
                if log.needsNewSegment { try log.startSegment() }
            }
            try log.sync()
        }
        let segments = try dir.segments()
        #expect(segments.count >= 3)
        // Damage in the second segment: its records from there on, and every later segment, go.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segments[1]))
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: segments[1]))
        let log = try WriteAheadLog(directory: dir.path, segmentLimit: 100)
        #expect(log.damage.count == 1)
        #expect(log.damage[0].contains("a damaged record"), "\(log.damage)")
        let kept = log.recovered.map(\.payload)
        #expect(kept == Array(written.prefix(kept.count)))
        #expect(kept.count < written.count)
        #expect(try dir.segments().count == 2)
        #expect(log.nextSequence == UInt64(kept.count + 1))
    }

    @Test func aNewerFormatAndGarbageAreRefusedWithAClearError() throws {
        let dir = try ScratchDirectory()
        try Data(Array("sessWAL".utf8) + [2] + [UInt8](repeating: 0, count: 40)).write(
            to: URL(fileURLWithPath: dir.path + "/wal-0000000000000001.log"))
        #expect {
            _ = try WriteAheadLog(directory: dir.path)
        } throws: { error in
            "\(error)".contains("newer sessiontail") && "\(error)".contains("upgrade")
        }
        try Data("garbage that is no log at all".utf8).write(
            to: URL(fileURLWithPath: dir.path + "/wal-0000000000000001.log"))
        #expect {
            _ = try WriteAheadLog(directory: dir.path)
        } throws: { error in
            "\(error)".contains("not a sessiontail write-ahead log")
        }
    }
}
