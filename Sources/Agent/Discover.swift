import AccessLog
import Operations
import ServerConfig
import SystemIO

/// `sessiontail discover`: reads the web server's own configuration (nginx's and Apache's, following
/// their includes) and proposes the `sources:` of sessiontail's configuration file for the access logs
/// it writes; `--write` merges them into the file, keeping its comments and other keys.
public enum Discover {
    /// Prints the sources found (YAML, with what could not be followed as comments) or, with `write`,
    /// merges them into `config`; returns 0, or 1 when a configuration cannot be read or the merged
    /// file would not be valid (nothing is written then).
    public static func run(nginx: String?, apache: String?, write: Bool, config: String) -> Int32 {
        var result: Discovery.Result
        do {
            result = try Discovery.run(nginx: nginx, apache: apache)
        } catch {
            printError("\(error)", level: .error)
            return 1
        }
        // What sessiontail cannot read is said, and left out.
        result.sources = result.sources.filter { source in
            do {
                switch source.format {
                case .preset(let name): _ = try LogFormat.preset(named: name)
                case .string(let string): _ = try LogFormat(string: string)
                }
                return true
            } catch {
                printError("\(source.paths.joined(separator: ", ")): \(error); left out", level: .warning)
                return false
            }
        }
        for note in result.notes { printError("\(note)", level: .info) }
        if result.sources.isEmpty {
            printError("no access logs found in \(result.configFiles.joined(separator: ", "))", level: .warning)
        }
        guard write else {
            var out = OutputStream()
            do {
                try out.write(result.yaml)
                try out.flush()
            } catch {
                printError("\(error)", level: .error)
                return 1
            }
            return 0
        }
        let existing: String
        do {
            existing = String(decoding: try FileSystem.readAll(config), as: UTF8.self)
        } catch {
            guard error.isNotFound else {
                printError("cannot read \(config): \(error)", level: .error)
                return 1
            }
            existing = ""
        }
        let merged = result.merge(into: existing)
        do {
            _ = try Configuration.decode(merged.text, file: config)
        } catch {
            printError(
                "the merged configuration would not be valid, so \(config) is left as it is: \(error)", level: .error)
            return 1
        }
        for change in merged.changes { printError("\(change)", level: .info) }
        guard merged.text != existing else {
            printError("\(config) already reads every access log found", level: .info)
            return 0
        }
        do {
            try FileSystem.writeAtomically(Array(merged.text.utf8), to: config, durable: true, mode: 0o644)
        } catch {
            printError("cannot write \(config): \(error)", level: .error)
            return 1
        }
        printError("wrote \(config); check it with 'sessiontail check-config', then 'systemctl reload sessiontail'")
        return 0
    }
}
