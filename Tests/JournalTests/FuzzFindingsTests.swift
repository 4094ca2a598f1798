import Foundation
import Testing

@testable import Journal

/// Inputs the journal fuzzer (Fuzz/JournalFuzzer) found, run through the same code path: opening the
/// log on a directory that holds them, then appending.
@Suite("Write-ahead log: fuzzing findings")
struct FuzzFindingsTests {
    /// The fuzzer's minimized crash: a segment named `wal-ffffffffffffffff.log` (its header, then 16 bytes
    /// of 0xFF, a record cut short). Recovery kept its header and made the last sequence the next one, so
    /// the first append overflowed the sequence and trapped. Such a segment is now refused with an error.
    @Test func aSegmentNamedPastAnySequenceIsRefused() throws {
        let dir = try ScratchDirectory()
        try Data(Array("sessWAL".utf8) + [1] + [UInt8](repeating: 0xFF, count: 16)).write(
            to: URL(fileURLWithPath: dir.path + "/wal-ffffffffffffffff.log"))
        #expect {
            let log = try WriteAheadLog(directory: dir.path)
            try log.append(kind: 1, payload: [1])
        } throws: { error in
            error is JournalError && "\(error)".contains("move the state directory away")
        }
    }

    /// A file whose name reads as a sequence only with a sign (`wal-+000000000000000.log` is 0 to
    /// `UInt64(_:radix:)`) was taken for the first segment: the log's real first segment then looked like
    /// a gap and was deleted. (Two such files read as 0 made the gap's message compute `0 - 1` and trap.)
    /// It is not a segment name, and is now left alone.
    @Test func aSignedNameIsNoSegment() throws {
        let dir = try ScratchDirectory()
        do {
            let log = try WriteAheadLog(directory: dir.path)
            try log.append(kind: 1, payload: [1])
            try log.append(kind: 2, payload: [2, 2])
            try log.sync()
        }
        let stray = dir.path + "/wal-+000000000000000.log"
        try Data(Array("sessWAL".utf8) + [1]).write(to: URL(fileURLWithPath: stray))
        let log = try WriteAheadLog(directory: dir.path)
        #expect(log.damage.isEmpty, "\(log.damage)")
        #expect(log.recovered.map(\.payload) == [[1], [2, 2]])
        #expect(FileManager.default.fileExists(atPath: stray))
    }
}
