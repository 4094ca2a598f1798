import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import Agent

/// logrotate acting in the middle of a read, driven deterministically through the daemon's seam
/// between reading a piece of a file and recording its checkpoint. The daemon runs in-process with
/// PostgreSQL out of reach: these tests look at what is read, not at what is shipped.
@Suite("Rotation during a read")
struct RotationRaceTests {
    /// A directory for one test, removed afterwards.
    final class Scratch {
        let path: String
        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("sessiontail-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// `count` lines, each from its own address, numbered from `first`.
    static func lines(_ first: Int, _ count: Int) -> [UInt8] {
        Array(
            (first..<(first + count)).map {
                "10.1.\($0 >> 8).\($0 & 255) - - [10/Oct/2025:13:00:00 +0000] \"GET /page/\($0) HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
            }.joined().utf8)
    }

    static func write(_ bytes: some Collection<UInt8>, to path: String, append: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        defer { close(fd) }
        let data = Array(bytes)
        #expect(data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == data.count)
    }

    func daemon(_ scratch: Scratch, log: String) throws -> Daemon {
        let text = """
            state_dir: \(scratch.path)/state
            sources:
              - name: web
                paths: ["\(log)"]
                host: example.com
            postgres:
              conninfo: "host=\(scratch.path)/no-server connect_timeout=1"
            """
        return try Daemon(configuration: try Configuration.decode(text, file: "test.yaml"), log: { _, _ in })
    }

    /// Issue: a pass reads the copy `access.log.1` while logrotate is still copying, then the live file
    /// from where the copy had got to; before the live file's checkpoint is recorded, logrotate
    /// finishes the copy, truncates the live file and the server writes on. Asking again at record
    /// time whether the live file is the copy's rotation got "no" (its bytes had changed), so the
    /// copy's stale checkpoint stayed beside the new one and the next pass read part of it twice.
    @Test func copytruncateBetweenReadingAndRecordingReadsEveryLineOnce() throws {
        let scratch = try Scratch()
        let live = scratch.path + "/access.log"
        let copy = live + ".1"
        let before = Self.lines(0, 100)
        let grown = Self.lines(100, 50)
        let after = Self.lines(1_000, 10)
        try Self.write(before, to: live)
        let daemon = try self.daemon(scratch, log: live)
        try daemon.pass()
        #expect(daemon.totals.lines == 100)

        // The server writes on; logrotate has copied 120 of the 150 lines so far.
        try Self.write(grown, to: live, append: true)
        let whole = before + grown
        let copied = before.count + Self.lines(100, 20).count
        try Self.write(whole[..<copied], to: copy)
        var acted = false
        daemon.afterReading = { path in
            guard path == live, !acted else { return }
            acted = true
            // logrotate finishes its copy and truncates; the server writes on into the empty file.
            try? Self.write(whole[copied...], to: copy, append: true)
            truncate(live, 0)
            try? Self.write(after, to: live, append: true)
        }
        try daemon.pass()
        #expect(acted)
        #expect(daemon.totals.lines == 150)
        // Nothing of the copy again; the new lines once.
        try daemon.pass()
        #expect(daemon.totals.lines == 160)
        try daemon.pass()
        #expect(daemon.totals.lines == 160)
    }

    /// While gzip compresses `access.log.1` into `access.log.1.gz`, both exist. The checkpoint then
    /// names the `.gz`; the plain file is the same content and must not be read again from its start.
    @Test func thePlainFileBesideItsGzipIsNotReadAgain() throws {
        let scratch = try Scratch()
        let live = scratch.path + "/access.log"
        let content = Self.lines(0, 200)
        try Self.write(content, to: live)
        let daemon = try self.daemon(scratch, log: live)
        try daemon.pass()
        #expect(daemon.totals.lines == 200)
        // Renamed (delaycompress), the live file created anew: the rename is the same file.
        #expect(rename(live, live + ".1") == 0)
        try Self.write([], to: live)
        try daemon.pass()
        #expect(daemon.totals.lines == 200)
        // Compressed: first the .gz alone (the plain file out of sight), so that the checkpoint names
        // the .gz; then the plain file is back beside it, as while gzip works.
        let hidden = scratch.path + "/hidden"
        #expect(rename(live + ".1", hidden) == 0)
        #expect(system("gzip -c '\(hidden)' > '\(live).1.gz'") == 0)
        try daemon.pass()
        #expect(daemon.totals.lines == 200)
        #expect(rename(hidden, live + ".1") == 0)
        try daemon.pass()
        #expect(daemon.totals.lines == 200)
        try daemon.pass()
        #expect(daemon.totals.lines == 200)
    }

    /// Found by the rotation torture: the reader thread reads a large file ahead of the parser; if
    /// copytruncate truncates it and the server writes it full again before the reader gets further,
    /// the reader went on in the new content as if it were the old file (the rest of the old file
    /// lost, the new read twice). A read now ends where the file stopped starting as it did.
    @Test func aFileTruncatedAndRefilledWhileItIsReadIsReadOnce() throws {
        let h = try DaemonHarness()
        try h.append("access.log", clients: 0, count: 120_000)  // 9 MiB: more than the reader reads ahead
        try h.writeConfig(sources: [h.source("web", file: "access.log")], more: "postgres:\n  batch_size: 2000")
        let daemon = try h.daemon()
        var acted = false
        daemon.afterReading = { _ in
            guard !acted else { return }
            acted = true
            // copytruncate, and the server writes 6 MiB more into the emptied file.
            let live = h.path("access.log")
            #expect(system("cp '\(live)' '\(live).1'") == 0)
            truncate(live, 0)
            try h.append("access.log", clients: 200_000, count: 80_000)
        }
        try daemon.pass()
        #expect(acted)
        try daemon.pass()
        try daemon.closeAll()
        try daemon.commitAndShip(force: true)
        let events = h.table.eventsByClient()
        #expect(events.count == 200_000)
        #expect(events.values.filter { $0 != 1 }.isEmpty)
        #expect(daemon.truncatedWhileRead == 1)
    }
}
