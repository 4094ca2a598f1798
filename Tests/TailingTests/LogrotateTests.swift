import Foundation
import Testing

@testable import Tailing

/// The follower against the real `logrotate` (Debian's package), run with `-f` while a writer appends
/// numbered lines as fast as it can.
@Suite("Following through real logrotate", .serialized)
struct LogrotateTests {
    enum Mode: String, CaseIterable, Sendable {
        case create
        case delaycompress = "create\n    compress\n    delaycompress"
        case copytruncate
    }

    @Test(arguments: Mode.allCases)
    func everyLineOnceThroughRotations(mode: Mode) throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let config = dir.path("logrotate.conf")
        try """
            \(log) {
                rotate 10
                missingok
                nomail
                \(mode.rawValue)
            }
            """.write(toFile: config, atomically: false, encoding: .utf8)

        let follower = FileFollower(path: log, quietPeriod: 200)
        var received: [Int] = []
        var torn = 0
        func poll() throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try follower.poll(now: now) { event in
                if case .line(let bytes, _, _) = event {
                    let text = String(decoding: bytes, as: UTF8.self)
                    if text.hasPrefix("line "), let n = Int(text.dropFirst(5)) { received.append(n) } else { torn += 1 }
                }
            }
        }

        // The writer reopens the path for every burst, as a server does after logrotate signals it.
        let total = 30_000
        let writer = Thread {
            var n = 0
            while n < total {
                guard let handle = FileHandle(forWritingAtPath: log) else { continue }
                handle.seekToEndOfFile()
                var burst = ""
                for _ in 0..<500 where n < total {
                    burst += "line \(n)\n"
                    n += 1
                }
                handle.write(Data(burst.utf8))
                handle.closeFile()
                usleep(3_000)
            }
        }
        writer.start()
        var rotations = 0
        while !writer.isFinished {
            try poll()
            if rotations < 4 && received.count > (rotations + 1) * total / 6 {
                let status = try runLogrotate(config: config, state: dir.path("state"))
                #expect(status == 0)
                rotations += 1
            }
            usleep(2_000)
        }
        // Let rotated files go quiet and be finished.
        for _ in 0..<30 {
            try poll()
            usleep(20_000)
        }
        #expect(rotations == 4)
        #expect(torn == 0)
        #expect(Set(received).count == received.count, "a line was read twice")
        if mode == .copytruncate {
            // Lines written between logrotate's copy and its truncate are in neither file: logrotate's
            // documented race (seen here: 0–2 bursts of 500 lines over 4 rotations). What was written
            // before the copy but not yet read is recovered from the copy.
            #expect(received.count >= total - 4 * 2 * 500)
        } else {
            #expect(received.count == total, "missing: \(Set(0..<total).subtracting(received).sorted().prefix(10))")
        }
    }

    func runLogrotate(config: String, state: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/logrotate")
        process.arguments = ["-f", "-s", state, config]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
