/// Finds the access logs of an nginx configuration (its includes already expanded): the `log_format`s of the
/// `http` block, and every `access_log` in `http`, `server`, `location`, `if` and `limit_except` contexts with
/// nginx's inheritance: a context with any `access_log` of its own (`off` included) uses those and none of its
/// parent's; one without inherits its parent's; where no context has one, nginx's compiled-in default log
/// (Debian's `/var/log/nginx/access.log`) is written in `combined`.
struct NginxLogResolver {
    /// Where relative log paths are resolved (nginx's `-p` prefix; Debian's is `/usr/share/nginx`).
    let prefix: String
    /// The log nginx writes when no `access_log` applies (`--http-log-path`).
    let defaultAccessLog: String

    /// A named format from `log_format`.
    private struct NamedFormat {
        var format: String
        var escape: String?
        var location: ConfigLocation?
    }

    /// An `access_log` directive, or nginx's default standing in for one.
    private struct AccessLog {
        var location: ConfigLocation?
        var arguments: [String]
    }

    /// The `access_log`s in force in a context, and whether `off` is among them.
    private struct Level {
        var logs: [AccessLog]
        var off: Bool
    }

    private var formats: [String: NamedFormat] = [:]
    private var notes: [DiscoveryNote] = []
    /// A server block (its location; `nil` for the implicit one) and its name.
    private typealias Writer = (server: ConfigLocation?, name: String?)
    /// Each log in force somewhere, in the order first met, with the servers that write it.
    private var uses: [(log: AccessLog, writers: [Writer])] = []

    init(prefix: String, defaultAccessLog: String) {
        self.prefix = prefix
        self.defaultAccessLog = defaultAccessLog
    }

    /// The logs `directives` (a whole configuration) write, and notes on what was skipped.
    mutating func resolve(_ directives: [NginxDirective]) -> (logs: [LogDestination], notes: [DiscoveryNote]) {
        let https = directives.filter { $0.name == "http" && $0.block != nil }
        guard let http = https.first, let block = http.block else {
            notes.append(
                DiscoveryNote("no http block: this nginx serves no web site and writes no access log", at: nil))
            return ([], notes)
        }
        for extra in https.dropFirst() {
            notes.append(DiscoveryNote("a second http block; nginx refuses it, so it is not read", at: extra.location))
        }
        formats["combined"] = NamedFormat(format: KnownFormats.nginxCombined, escape: nil, location: nil)
        for directive in block where directive.name == "log_format" { define(directive) }

        let defaultLevel = Level(logs: [AccessLog(location: nil, arguments: [defaultAccessLog])], off: false)
        let httpLevel = level(of: block, inheriting: defaultLevel)
        let servers = block.filter { $0.name == "server" && $0.block != nil }
        if servers.isEmpty {
            // Without a server block nginx still serves port 80 with the http block's settings.
            record(httpLevel, writer: (nil, nil))
        }
        for server in servers {
            walk(server.block ?? [], inheriting: httpLevel, writer: (server.location, serverName(of: server)))
        }
        var logs: [LogDestination] = []
        for use in uses {
            if let destination = destination(use.log, writers: use.writers.map(\.name)) { logs.append(destination) }
        }
        return (logs, notes)
    }

    // MARK: Formats

    private mutating func define(_ directive: NginxDirective) {
        var arguments = directive.arguments[...]
        guard let name = arguments.popFirst() else {
            notes.append(DiscoveryNote("log_format without a name; nginx refuses it", at: directive.location))
            return
        }
        var escape: String? = nil
        if let first = arguments.first, first.hasPrefix("escape=") {
            let value = String(first.dropFirst("escape=".count))
            guard ["default", "json", "none"].contains(value) else {
                notes.append(
                    DiscoveryNote(
                        "log_format \(name): unknown \(first) (nginx knows default, json and none); not used",
                        at: directive.location))
                return
            }
            escape = value == "default" ? nil : value
            arguments = arguments.dropFirst()
        }
        guard !arguments.isEmpty else {
            notes.append(
                DiscoveryNote("log_format \(name) has no format string; nginx refuses it", at: directive.location))
            return
        }
        if let earlier = formats[name] {
            let at = earlier.location.map { " (first at \($0))" } ?? " (nginx predefines it)"
            notes.append(
                DiscoveryNote(
                    "log_format \(name) is defined twice\(at); nginx refuses to start, the first is used",
                    at: directive.location))
            return
        }
        formats[name] = NamedFormat(format: arguments.joined(), escape: escape, location: directive.location)
    }

    // MARK: Contexts

    /// The logs in force in `block`: its own `access_log`s if it has any, its parent's otherwise.
    private mutating func level(of block: [NginxDirective], inheriting parent: Level) -> Level {
        let own = block.filter { $0.name == "access_log" && $0.block == nil && !$0.arguments.isEmpty }
        guard !own.isEmpty else { return parent }
        var level = Level(logs: [], off: false)
        for directive in own {
            if directive.arguments.first == "off" {
                level.off = true
            } else {
                level.logs.append(AccessLog(location: directive.location, arguments: directive.arguments))
            }
        }
        if level.off {
            for log in level.logs {
                notes.append(
                    DiscoveryNote(
                        "access_log off in the same context turns this log off too; nginx writes nothing to it here",
                        at: log.location))
            }
        }
        return level
    }

    /// Records the logs of a server, location, `if` or `limit_except` context and walks the contexts in it.
    private mutating func walk(_ block: [NginxDirective], inheriting parent: Level, writer: Writer) {
        let current = level(of: block, inheriting: parent)
        record(current, writer: writer)
        for child in block where child.block != nil {
            switch child.name {
            case "location", "if", "limit_except":
                walk(child.block ?? [], inheriting: current, writer: writer)
            default:
                break
            }
        }
    }

    private mutating func record(_ level: Level, writer: Writer) {
        guard !level.off else { return }
        for log in level.logs {
            if let index = uses.firstIndex(where: { $0.log.location == log.location }) {
                if !uses[index].writers.contains(where: { $0.server == writer.server }) {
                    uses[index].writers.append(writer)
                }
            } else {
                uses.append((log, [writer]))
            }
        }
    }

    /// The first `server_name` that names one host: not `_`, empty, a wildcard or a regular expression.
    private func serverName(of server: NginxDirective) -> String? {
        let names = (server.block ?? []).filter { $0.name == "server_name" }.flatMap(\.arguments)
        return names.first { name in
            !name.isEmpty && name != "_" && !name.hasPrefix("~") && !name.hasPrefix(".") && !name.contains("*")
                && !name.contains("$")
        }?.lowercased()
    }

    // MARK: Logs

    private mutating func destination(_ log: AccessLog, writers: [String?]) -> LogDestination? {
        let location = log.location
        let rawPath = log.arguments[0]
        if rawPath.hasPrefix("syslog:") {
            notes.append(
                DiscoveryNote(
                    "access_log \(rawPath) goes to syslog, not a file; skipped (point a source at the file the "
                        + "syslog daemon writes, if it keeps one)", at: location))
            return nil
        }
        let formatName = log.arguments.count >= 2 ? log.arguments[1] : "combined"
        guard let named = formats[formatName] else {
            notes.append(
                DiscoveryNote(
                    "access_log \(rawPath) names log_format \(formatName), which is not defined; nginx refuses to "
                        + "start, so it is skipped", at: location))
            return nil
        }
        var destinationNotes: [DiscoveryNote] = []
        if location == nil {
            destinationNotes.append(
                DiscoveryNote("no access_log applies, so nginx writes its compiled-in default \(rawPath)", at: nil))
        }
        for parameter in log.arguments.dropFirst(2) {
            if parameter == "gzip" || parameter.hasPrefix("gzip=") {
                destinationNotes.append(
                    DiscoveryNote(
                        "nginx writes this log gzip-compressed (\(parameter)), in blocks as its buffer fills; "
                            + "sessiontail recognises gzip by content", at: location))
            } else if parameter.hasPrefix("if=") {
                destinationNotes.append(
                    DiscoveryNote(
                        "only requests for which \(parameter.dropFirst(3)) is neither empty nor \"0\" are logged "
                            + "(\(parameter))", at: location))
            }
        }
        let (path, pathNotes) = globPath(ConfigFiles.join(prefix, rawPath), at: location)
        destinationNotes += pathNotes
        return LogDestination(
            server: .nginx, path: path, format: named.format, escape: named.escape,
            formatHasHost: KnownFormats.nginxHasHost(named.format), writers: writers,
            location: location ?? ConfigLocation(file: "nginx (compiled-in default)", line: 0), notes: destinationNotes)
    }

    /// `path` as a sessiontail glob: its first `$host` or `$server_name` becomes `{host}`, other variables `*`,
    /// and glob characters in the literal text are escaped.
    private func globPath(_ path: String, at location: ConfigLocation?) -> (String, [DiscoveryNote]) {
        var out = ""
        var hasHost = false
        var others: [String] = []
        for piece in NginxVariables.pieces(of: path) {
            switch piece {
            case .text(let text):
                for character in text {
                    if character == "*" || character == "?" || character == "[" || character == "\\" { out += "\\" }
                    out.append(character)
                }
            case .variable(let name):
                if (name == "host" || name == "server_name") && !hasHost {
                    out += "{host}"
                    hasHost = true
                } else {
                    if !out.hasSuffix("*") { out += "*" }
                    others.append("$" + name)
                }
            }
        }
        var notes: [DiscoveryNote] = []
        if !others.isEmpty {
            notes.append(
                DiscoveryNote(
                    "\(others.joined(separator: ", ")) in the path cannot be known before a request; "
                        + "read as the glob *",
                    at: location))
        }
        return (out, notes)
    }
}
