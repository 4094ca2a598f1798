import AccessLog
import Foundation
import ServerConfig
import Testing

/// A scratch directory of configuration files, removed when the value goes away. `@ROOT@` in a file's text
/// stands for the directory itself.
final class ConfigTree {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("serverconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// `root/name`.
    func path(_ name: String) -> String { root + "/" + name }

    /// Writes each file (directories made as needed), `@ROOT@` replaced by `root`.
    func write(_ files: [String: String]) throws {
        for (name, text) in files {
            let file = path(name)
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "@ROOT@", with: root).write(
                toFile: file, atomically: false, encoding: .utf8)
        }
    }

    /// Makes a directory under `root`.
    func makeDirectory(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
    }
}

extension DiscoveredSource {
    /// The format string or preset name, as the YAML says it.
    var formatText: String {
        switch format {
        case .preset(let name): name
        case .string(let string): string
        }
    }

    /// The source's format compiled by sessiontail's own parser. nginx's `escape=` parameter is taken off first:
    /// it says how nginx escapes values, which the parser reads whatever it is.
    func compiledFormat() throws -> LogFormat {
        switch format {
        case .preset(let name): return try LogFormat.preset(named: name)
        case .string(var string):
            for escape in ["escape=default ", "escape=json ", "escape=none "] where string.hasPrefix(escape) {
                string.removeFirst(escape.count)
            }
            return try LogFormat(string: string)
        }
    }
}

/// The source of `sources` whose first path is `path`.
func source(_ sources: [DiscoveredSource], path: String) throws -> DiscoveredSource {
    try #require(sources.first { $0.paths.first == path }, "no source for \(path) in \(sources.map(\.paths))")
}

/// Parses every line of `text` with `format`; returns the lines that do not parse, with the reason.
func malformedLines(_ text: String, format: LogFormat) -> [(String, MalformedReason)] {
    let parser = LineParser(plan: format.plan)
    var bad: [(String, MalformedReason)] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        let bytes = Array(line.utf8)
        var out = ParsedLine()
        if let reason = bytes.withUnsafeBytes({ parser.parse($0, into: &out) }) { bad.append((String(line), reason)) }
    }
    return bad
}
