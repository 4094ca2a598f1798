/// Turns the logs found in the servers' configurations into sessiontail sources: one source per file pattern
/// (virtual hosts sharing a file make one source), a preset name where one reads the format exactly, the
/// virtual host where the lines cannot say it, unique names, and excludes where a `{host}` pattern would also
/// match another source's file.
enum SourceAssembly {
    static func sources(from logs: [LogDestination]) -> [DiscoveredSource] {
        var groups: [(log: LogDestination, writers: [String?], locations: [ConfigLocation], notes: [DiscoveryNote])] =
            []
        for log in logs {
            guard let index = groups.firstIndex(where: { $0.log.path == log.path }) else {
                groups.append((log, log.writers, [log.location], log.notes))
                continue
            }
            groups[index].writers += log.writers
            if !groups[index].locations.contains(log.location) { groups[index].locations.append(log.location) }
            for note in log.notes where !groups[index].notes.contains(note) { groups[index].notes.append(note) }
            let first = groups[index].log
            if first.format != log.format || first.escape != log.escape {
                groups[index].notes.append(
                    DiscoveryNote(
                        "this file is also written in another format (\(spec(log).text)); lines in that format will "
                            + "count as malformed: give each format its own file", at: log.location))
            }
        }
        var sources: [DiscoveredSource] = []
        var names: Set<String> = []
        for group in groups {
            var notes = group.notes
            let host = host(of: group.log, writers: group.writers, notes: &notes)
            var name = baseName(group.log)
            if names.contains(name) {
                var n = 2
                while names.contains("\(name)-\(n)") { n += 1 }
                name = "\(name)-\(n)"
            }
            names.insert(name)
            sources.append(
                DiscoveredSource(
                    name: name, server: group.log.server, paths: [group.log.path], format: spec(group.log).format,
                    host: host, definedAt: group.locations, notes: notes))
        }
        for i in sources.indices {
            guard let pattern = globPattern(sources[i].paths[0]) else { continue }
            for other in sources where other.name != sources[i].name {
                for path in other.paths where globPattern(path) == nil {
                    if ConfigFiles.matches(pattern, unescape(path)) && !sources[i].exclude.contains(path) {
                        sources[i].exclude.append(path)
                    }
                }
            }
        }
        return sources
    }

    /// The format as a preset name where one reads it exactly, otherwise the string.
    static func spec(_ log: LogDestination) -> (format: DiscoveredSource.Format, text: String) {
        switch log.server {
        case .nginx:
            if log.escape == nil, let preset = KnownFormats.presetName(nginx: log.format) {
                return (.preset(preset), preset)
            }
            let text = log.escape.map { "escape=\($0) " + log.format } ?? log.format
            return (.string(text), text)
        case .apache:
            if let preset = KnownFormats.presetName(apache: log.format) { return (.preset(preset), preset) }
            return (.string(log.format), log.format)
        }
    }

    /// The virtual host a source must be given: needed when neither the format nor the path says it, and
    /// known when every server writing the file has the same usable name.
    private static func host(of log: LogDestination, writers: [String?], notes: inout [DiscoveryNote]) -> String? {
        guard !log.formatHasHost && !log.pathHasHost else { return nil }
        var named: [String] = []
        for case let name? in writers where !named.contains(name) { named.append(name) }
        if named.count == 1 && !writers.contains(where: { $0 == nil }) { return named[0] }
        if named.count > 1 || (named.count == 1 && writers.count > 1) {
            let field = log.server == .nginx ? "$host" : "%v"
            let shown = named.prefix(5).joined(separator: ", ") + (named.count > 5 ? ", …" : "")
            let unnamed = named.count < writers.count ? " and unnamed ones" : ""
            notes.append(
                DiscoveryNote(
                    "\(writers.count) servers write this file (\(shown)\(unnamed)) "
                        + "and the format has no host, so their visitors are not told apart by site; add \(field) "
                        + "to the format or give each site its own file", at: log.location))
        }
        return nil
    }

    /// `nginx`, `apache` for a server's main `access.log`; otherwise the server and what the file name adds:
    /// `nginx-shop` for `shop.access.log`, `nginx-hosts` for `{host}.access.log`.
    static func baseName(_ log: LogDestination) -> String {
        var stem = Substring(ConfigFiles.fileName(of: log.path))
        while stem.hasSuffix(".log") || stem.hasSuffix("_log") || stem.hasSuffix("-log") { stem = stem.dropLast(4) }
        var words: [String] = []
        for word in stem.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" }) {
            let lower = word.lowercased()
            if lower == "access" || lower == "log" { continue }
            if lower.contains("{host}") {
                words.append("hosts")
                continue
            }
            let cleaned = String(lower.filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            if !cleaned.isEmpty { words.append(cleaned) }
        }
        if log.pathHasHost && !words.contains("hosts") { words.append("hosts") }
        return ([log.server.rawValue] + words).joined(separator: "-")
    }

    /// `path` as an `fnmatch` pattern if it is a glob (`{host}` or an unescaped `*`, `?`, `[`), else `nil`.
    private static func globPattern(_ path: String) -> String? {
        var escaped = false
        var isGlob = path.contains("{host}")
        for character in path {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "*" || character == "?" || character == "[" {
                isGlob = true
            }
        }
        guard isGlob else { return nil }
        var out = ""
        var rest = Substring(path)
        while let range = rest.firstRange(of: "{host}") {
            out += rest[..<range.lowerBound] + "*"
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// A literal path from a pattern without glob characters: backslash escapes removed.
    private static func unescape(_ path: String) -> String {
        var out = ""
        var escaped = false
        for character in path {
            if character == "\\" && !escaped {
                escaped = true
                continue
            }
            escaped = false
            out.append(character)
        }
        return out
    }
}
