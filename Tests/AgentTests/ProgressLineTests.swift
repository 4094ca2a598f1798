import Foundation
import Operations
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

/// The progress line of long reads: its text (a pure function) and when it is drawn, to a pipe the
/// test reads, by a clock the test holds.
@Suite("Progress line")
struct ProgressLineTests {
    @Test func theTextSaysBytesShareLinesRateAndTimeLeft() {
        #expect(
            ProgressLine.text(bytes: 432_013_312, totalBytes: 1_288_490_189, lines: 3_100_000, elapsedMicros: 1_630_000)
                == "412 MiB of 1.2 GiB (33 %), 3.1M lines, 1.9M lines/s, 0:03 left")
        // Half read in 42 s: 42 s left.
        #expect(
            ProgressLine.text(bytes: 50 << 20, totalBytes: 100 << 20, lines: 420_000, elapsedMicros: 42_000_000)
                == "50 MiB of 100 MiB (50 %), 420k lines, 10k lines/s, 0:42 left")
        // Hours left.
        #expect(
            ProgressLine.text(bytes: 1 << 20, totalBytes: 4_000 << 20, lines: 10, elapsedMicros: 1_000_000)
                == "1 MiB of 3.9 GiB (0 %), 10 lines, 10 lines/s, 1:06:39 left")
        // Nothing read yet: no time left to say.
        #expect(
            ProgressLine.text(bytes: 0, totalBytes: 1_000, lines: 0, elapsedMicros: 0)
                == "0 B of 1000 B (0 %), 0 lines, 0 lines/s")
        // A total unknown (a pipe): neither share nor time left.
        #expect(
            ProgressLine.text(bytes: 3 << 20, totalBytes: 0, lines: 30_000, elapsedMicros: 2_000_000)
                == "3 MiB, 30k lines, 15k lines/s")
        // A file that grew while read: never past 100 %.
        #expect(
            ProgressLine.text(bytes: 2_000, totalBytes: 1_000, lines: 20, elapsedMicros: 1_000_000)
                == "2 KiB of 1000 B (100 %), 20 lines, 20 lines/s, 0:00 left")
    }

    @Test func clockTimes() {
        #expect(ProgressLine.clockTime(seconds: 0) == "0:00")
        #expect(ProgressLine.clockTime(seconds: 41.6) == "0:42")
        #expect(ProgressLine.clockTime(seconds: 725) == "12:05")
        #expect(ProgressLine.clockTime(seconds: 3_723) == "1:02:03")
    }

    /// A pipe whose read end is non-blocking; what was written so far.
    final class Pipe {
        let read: Int32
        let write: Int32
        init() throws {
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            (read, write) = (fds[0], fds[1])
            _ = fcntl(read, F_SETFL, O_NONBLOCK)
        }
        deinit {
            close(read)
            close(write)
        }
        func take() -> String {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                out += buffer[..<n]
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    @Test func drawsOnlyWhenDueCountsFilesAndClears() throws {
        let pipe = try Pipe()
        var now: UInt64 = 1_000_000
        let line = ProgressLine(
            totalBytes: 3_000, descriptor: pipe.write, intervalMillis: 250, columns: 200, clock: { now })
        line.beginFile(at: 0)
        now += 100_000
        line.advance(lines: 10, position: 500)
        #expect(pipe.take() == "", "drawn before its interval")
        now += 150_000
        line.advance(lines: 10, position: 1_000)
        #expect(pipe.take() == "\r\u{1B}[K1000 B of 2.9 KiB (33 %), 20 lines, 80 lines/s, 0:01 left")
        // The second file is read from byte 200 on: what lies before is not read now.
        line.beginFile(at: 200)
        now += 250_000
        line.advance(lines: 5, position: 700)
        #expect(line.bytesRead == 1_500)
        #expect(pipe.take().hasPrefix("\r\u{1B}[K1.5 KiB of 2.9 KiB (50 %), 25 lines"))
        line.clear()
        #expect(pipe.take() == "\r\u{1B}[K")
        line.clear()
        #expect(pipe.take() == "", "cleared twice")
    }

    @Test func aLineWiderThanTheTerminalIsCut() throws {
        let pipe = try Pipe()
        var now: UInt64 = 0
        let line = ProgressLine(
            totalBytes: 3_000, descriptor: pipe.write, intervalMillis: 1, columns: 20, clock: { now })
        line.beginFile(at: 0)
        now += 10_000
        line.advance(lines: 1, position: 1)
        #expect(pipe.take() == "\r\u{1B}[K" + "1 B of 2.9 KiB (0 %")
    }
}
