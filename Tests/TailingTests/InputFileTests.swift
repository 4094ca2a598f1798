import Foundation
import Testing

@testable import Tailing

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sessiontail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Runs a shell command and fails the test if it fails.
func sh(_ command: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(command)")
}

func lines(of path: String) throws -> [ReadLine] {
    var reader = LineReader(source: try InputFile(path: path), maxLineLength: 1 << 16)
    return try readAll(&reader)
}

@Suite("Input files")
struct InputFileTests {
    let content = (1...20_000).map { "line \($0) with some text to compress \($0 * 7919 % 1000)" }

    /// bzip2, xz and zstd are recognised by their magic bytes (whatever the name) and refused with
    /// one clear error, not read as thousands of malformed lines.
    @Test(arguments: [("bzip2", "bzip2"), ("xz", "xz"), ("zstd -q", "zstd")])
    func otherCompressionsAreRefusedByName(tool: String, name: String) throws {
        let dir = try ScratchDirectory()
        try (content.joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try sh("\(tool) -c \(dir.path("a.log")) > \(dir.path("a.log.1"))")
        #expect {
            _ = try InputFile(path: dir.path("a.log.1"))
        } throws: { error in
            let error = error as? InputError
            return error?.unsupportedCompression == name
                && error?.description.contains("a.log.1: it is \(name)-compressed") == true
        }
    }

    @Test func plainAndGzipGiveTheSameLines() throws {
        let dir = try ScratchDirectory()
        try (content.joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try sh("gzip -c \(dir.path("a.log")) > \(dir.path("a.log.gz"))")
        // A gzip file named without .gz is still recognised by its content.
        try sh("cp \(dir.path("a.log.gz")) \(dir.path("renamed"))")
        let expected = content.map(ReadLine.line)
        #expect(try lines(of: dir.path("a.log")) == expected)
        #expect(try lines(of: dir.path("a.log.gz")) == expected)
        #expect(try lines(of: dir.path("renamed")) == expected)
        #expect(try InputFile(path: dir.path("a.log.gz")).isGzip)
    }

    @Test func multiMemberGzipIsReadWhole() throws {
        let dir = try ScratchDirectory()
        try "one\ntwo\n".write(toFile: dir.path("p1"), atomically: false, encoding: .utf8)
        try "three\n".write(toFile: dir.path("p2"), atomically: false, encoding: .utf8)
        try sh("gzip -c \(dir.path("p1")) > \(dir.path("m.gz")) && gzip -c \(dir.path("p2")) >> \(dir.path("m.gz"))")
        #expect(try lines(of: dir.path("m.gz")) == [.line("one"), .line("two"), .line("three")])
    }

    @Test func truncatedGzipIsAnError() throws {
        let dir = try ScratchDirectory()
        try (content.joined(separator: "\n") + "\n").write(
            toFile: dir.path("a.log"), atomically: false, encoding: .utf8)
        try sh("gzip -c \(dir.path("a.log")) | head -c 20000 > \(dir.path("cut.gz"))")
        #expect(throws: InputError.self) { try lines(of: dir.path("cut.gz")) }
    }

    @Test func missingAndUnreadableFilesSayWhatToDo() throws {
        do {
            _ = try InputFile(path: "/nonexistent/access.log")
            Issue.record("opened a missing file")
        } catch {
            #expect(error.description == "Cannot read /nonexistent/access.log: no such file.")
        }
        let dir = try ScratchDirectory()
        do {
            _ = try lines(of: dir.url.path)
            Issue.record("read a directory")
        } catch {
            #expect("\(error)".contains("directory"))
        }
    }

    @Test func emptyFileHasNoLines() throws {
        let dir = try ScratchDirectory()
        FileManager.default.createFile(atPath: dir.path("empty"), contents: Data())
        #expect(try lines(of: dir.path("empty")) == [])
    }
}
