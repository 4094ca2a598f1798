import Foundation

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

extension ScratchDirectory {
    /// Writes `access.log` with `count` visitors of one request each, every one from its own address,
    /// `perMinute` to a minute from 10 Oct 2025 13:10 UTC on; returns its path.
    func writeVisitors(_ count: Int, perMinute: Int) throws -> String {
        let log = path("access.log")
        var text = ""
        for i in 0..<count {
            text +=
                "10.\(i >> 16).\((i >> 8) & 255).\(i & 255) - - [10/Oct/2025:13:\(10 + i / perMinute % 50):00 +0000] \"GET /\(i % 7) HTTP/1.1\" 200 \(i % 1_000) \"-\" \"ua\"\n"
        }
        try text.write(toFile: log, atomically: false, encoding: .utf8)
        return log
    }

    /// Writes `sessiontail.yaml`: state in `state/`, one source `web` reading `log` as `host`, shipping
    /// to `table`, with `postgres` and `more` added as YAML lines (indented for their section, or
    /// whole sections); returns its path.
    func writeConfig(log: String, host: String, table: String, postgres: [String] = [], more: String = "") throws
        -> String
    {
        let config = path("sessiontail.yaml")
        try
            ("""
        state_dir: \(path("state"))
        sources:
          - name: web
            paths: ["\(log)"]
            host: \(host)
        postgres:
          table: \(table)

        """ + postgres.map { "  \($0)\n" }.joined() + more).write(toFile: config, atomically: false, encoding: .utf8)
        return config
    }
}
