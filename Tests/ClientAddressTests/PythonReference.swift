import Foundation

/// Runs `Fixtures/ipaddress_reference.py` on a batch of questions, one Python process per batch.
enum PythonReference {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ipaddress_reference.py").path

    /// The answers to `lines` in `mode`, one per line; throws when Python fails.
    static func answers(_ mode: String, _ lines: [String]) throws -> [String] {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("ipref-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        let output = dir.appendingPathComponent("out")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: input)
        _ = fm.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, mode]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReferenceFailed(status: process.terminationStatus) }
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        let answers = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        guard answers.count == lines.count else { throw ReferenceFailed(status: -1) }
        return answers
    }

    struct ReferenceFailed: Error {
        let status: Int32
    }
}
