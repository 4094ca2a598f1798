import Testing

@testable import Tailing

/// Hands out a byte string in chunks of the given sizes (cycling), to split lines at every point.
struct ChunkedSource: ByteSource {
    let bytes: [UInt8]
    let sizes: [Int]
    var position = 0
    var turn = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard position < bytes.count else { return 0 }
        let n = min(sizes[turn % sizes.count], buffer.count, bytes.count - position)
        turn += 1
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
        position += n
        return n
    }
}

enum ReadLine: Equatable {
    case line(String)
    case tooLong
}

func readAll<S: ByteSource>(_ reader: inout LineReader<S>, atEnd: Bool = true) throws -> [ReadLine] {
    var out: [ReadLine] = []
    while let line = try reader.next(atEnd: atEnd) {
        switch line {
        case .complete(let bytes): out.append(.line(String(decoding: bytes, as: UTF8.self)))
        case .tooLong: out.append(.tooLong)
        }
    }
    return out
}

@Suite("Line reader")
struct LineReaderTests {
    let text = "first line\nsecond\n\nthird is a bit longer than the others\r\nlast without newline"
    let expected: [ReadLine] = [
        .line("first line"), .line("second"), .line(""), .line("third is a bit longer than the others\r"),
        .line("last without newline"),
    ]

    @Test func sameLinesWhereverTheStreamIsSplit() throws {
        let bytes = Array(text.utf8)
        for size in 1...bytes.count {
            var reader = LineReader(
                source: ChunkedSource(bytes: bytes, sizes: [size]), maxLineLength: 100, bufferSize: 128)
            #expect(try readAll(&reader) == expected, "chunks of \(size)")
            #expect(reader.offset == UInt64(bytes.count))
        }
        var irregular = LineReader(source: ChunkedSource(bytes: bytes, sizes: [3, 1, 7, 2, 11]), maxLineLength: 100)
        #expect(try readAll(&irregular) == expected)
    }

    @Test func partialLastLineWaitsWhenTailing() throws {
        var reader = LineReader(source: ChunkedSource(bytes: Array("a\nb\npart".utf8), sizes: [4]), maxLineLength: 100)
        #expect(try readAll(&reader, atEnd: false) == [.line("a"), .line("b")])
        #expect(reader.offset == 4)
        #expect(reader.pendingBytes == 4)
    }

    @Test func overlongLinesAreSkippedWithoutBufferingThem() throws {
        let long = String(repeating: "x", count: 1_000)
        let bytes = Array("ok\n\(long)\nafter\n\(long)".utf8)
        for size in [1, 7, 64, 4096] {
            var reader = LineReader(
                source: ChunkedSource(bytes: bytes, sizes: [size]), maxLineLength: 50, bufferSize: 64)
            #expect(try readAll(&reader) == [.line("ok"), .tooLong, .line("after"), .tooLong], "chunks of \(size)")
            #expect(reader.offset == UInt64(bytes.count))
            #expect(reader.lineNumber == 4)
        }
    }

    @Test func lineOfExactlyTheCapIsKept() throws {
        let line = String(repeating: "y", count: 50)
        var reader = LineReader(source: ChunkedSource(bytes: Array("\(line)\n".utf8), sizes: [13]), maxLineLength: 50)
        #expect(try readAll(&reader) == [.line(line)])
    }
}

@Suite("Rotated sets")
struct RotationOrderTests {
    @Test func numberedSetIsReadOldestFirst() {
        let given = [
            "access.log", "access.log.1", "access.log.10.gz", "access.log.2.gz", "error.log", "access.log.3.gz",
        ]
        #expect(
            RotationOrder.sorted(given) == [
                "access.log.10.gz", "access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log", "error.log",
            ])
    }

    @Test func datedSetIsReadOldestFirst() {
        let given = ["/v/a.log", "/v/a.log-20250103", "/v/a.log-20250101.gz", "/v/a.log-20250102.gz"]
        #expect(
            RotationOrder.sorted(given) == [
                "/v/a.log-20250101.gz", "/v/a.log-20250102.gz", "/v/a.log-20250103", "/v/a.log",
            ])
    }

    @Test(arguments: [
        ["a.log.20160917_235959", "a.log.20160918_135654.gz", "a.log.20160918_140000", "a.log"],
        ["a.log-2025-01-01", "a.log-2025-01-02.gz", "a.log-2025-01-03", "a.log"],
        ["a.log.2025010123", "a.log.2025010200.gz", "a.log"],
        ["a.log-20250101-1300", "a.log-20250101-1400.bz2", "a.log"],
    ])
    func otherDateFormatsAreReadOldestFirst(oldestFirst: [String]) {
        #expect(RotationOrder.sorted(oldestFirst.reversed()) == oldestFirst)
        #expect(RotationOrder.sorted(oldestFirst.shuffled()) == oldestFirst)
    }

    @Test func numbersThatAreNoDatesAreNotDates() {
        #expect(RotationOrder.place("a.log-12345678").age == 0)  // year 1234
        #expect(RotationOrder.place("a.log-2025010").age == 0)  // seven digits
        #expect(RotationOrder.place("a.log-20250101x").age == 0)
        // Longer than any date, and longer than an Int holds.
        #expect(RotationOrder.place("a.log-2025010112345678901234567890").age == 0)
    }

    @Test func unrelatedFilesKeepTheirOrder() {
        #expect(RotationOrder.sorted(["b.log", "a.log", "-"]) == ["b.log", "a.log", "-"])
    }
}
