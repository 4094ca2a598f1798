import AccessLog
import PostgresSink
import Tailing

/// The daemon's configuration (`/etc/sessiontail/sessiontail.yaml`), decoded into typed values.
///
/// Every key is checked: unknown keys and wrong types are errors naming the file, line and key.
/// Durations (`5m`, `60s`) and sizes (`64MiB`) are parsed strictly.
public struct Configuration: Sendable {
    /// One set of log files read with one format.
    public struct Source: Sendable {
        /// How the client of a request is found.
        public enum ClientIP: String, Sendable {
            case remoteAddr = "remote_addr"
            case xForwardedFor = "x_forwarded_for"
        }

        /// A name for messages, metrics and checkpoints; unique.
        public var name: String
        /// Glob patterns; `{host}` matches like `*` and names the virtual host.
        public var paths: [String]
        /// Glob patterns of files to leave out.
        public var exclude: [String]
        /// The log format, compiled.
        public var format: LogFormat
        /// How the format was given: a preset name, or the format string.
        public var formatName: String
        /// Virtual host for lines without one (when no path captures `{host}`).
        public var host: String?
        /// Where the client comes from.
        public var clientIP: ClientIP
    }

    public var agentID: String
    public var stateDirectory: String
    public var sources: [Source]
    /// Session gap and allowed lateness, milliseconds.
    public var gapMillis: Int64
    public var latenessMillis: Int64
    /// libpq conninfo (empty: the `PG*` environment).
    public var conninfo: String
    public var table: SessionTable
    public var batchSize: Int
    public var batchAgeMillis: Int64
    /// Memory cap of the window store and buffers, and disk cap of the WAL and outbox, in bytes.
    public var memoryLimit: Int
    public var diskLimit: Int
    /// `host:port` to serve Prometheus metrics on; `nil` when off.
    public var metricsListen: String?

    /// The installed configuration file.
    public static let defaultPath = "/etc/sessiontail/sessiontail.yaml"

    /// Reads and decodes the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path)
        } catch {
            throw ConfigurationError(file: path, line: 0, key: nil, message: "cannot read it: \(error.problem)")
        }
        return try decode(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Decodes configuration text; `file` names it in errors.
    public static func decode(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let root: ConfigNode
        do {
            root = try YAMLSubset.parse(text, file: file)
        } catch {
            throw ConfigurationError(file: file, line: error.line, key: nil, message: error.message)
        }
        var decoder = Decoder(file: file)
        return try decoder.configuration(root)
    }
}

extension Configuration {
    /// The configuration with every default filled in, as YAML, for `check-config`. The password in the
    /// conninfo is not shown.
    public var resolvedDescription: String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        }
        func seconds(_ millis: Int64) -> String {
            millis % 1_000 == 0 ? "\(millis / 1_000)s" : "\(millis)ms"
        }
        var out = "agent_id: \(quote(agentID))\nstate_dir: \(quote(stateDirectory))\nsources:\n"
        for source in sources {
            out += "  - name: \(quote(source.name))\n"
            out += "    paths: [\(source.paths.map(quote).joined(separator: ", "))]\n"
            out += "    exclude: [\(source.exclude.map(quote).joined(separator: ", "))]\n"
            if LogFormat.presetNames.contains(source.formatName) {
                out += "    format: \(source.formatName)\n"
            } else {
                out += "    log_format: \(quote(source.formatName))\n"
            }
            out += "    host: \(source.host.map(quote) ?? "~    # from the log lines or the path's {host}")\n"
            out += "    client_ip: \(source.clientIP.rawValue)\n"
        }
        out += "session:\n  gap: \(seconds(gapMillis))\n  lateness: \(seconds(latenessMillis))\n"
        out += "postgres:\n  conninfo: \(quote(Conninfo.redacted(conninfo)))\n  table: \(table.name)\n"
        out += "  batch_size: \(batchSize)\n  batch_age: \(seconds(batchAgeMillis))\n"
        out += "limits:\n  memory: \(Units.describe(bytes: memoryLimit))\n  disk: \(Units.describe(bytes: diskLimit))\n"
        out += "metrics:\n  listen: \(quote(metricsListen ?? ""))\n"
        return out
    }
}

/// A configuration that cannot be used: where, which key, and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let file: String
    /// 1-based line; 0 when the whole file is at fault.
    public let line: Int
    /// The key at fault, as a path (`sources[1].format`).
    public let key: String?
    public let message: String

    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }
}

/// Walks the document, turning nodes into typed values and collecting the first error.
struct Decoder {
    let file: String

    func fail(_ node: ConfigNode?, _ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.line ?? 0, key: key, message: message)
    }

    /// The entries of a mapping, refusing keys not in `allowed`.
    func mapping(_ node: ConfigNode, _ key: String?, allowed: [String]) throws(ConfigurationError) -> [String: ConfigEntry] {
        switch node {
        case .null: return [:]
        case .mapping(let entries, _):
            var out: [String: ConfigEntry] = [:]
            for entry in entries {
                guard allowed.contains(entry.key) else {
                    throw ConfigurationError(
                        file: file, line: entry.line, key: join(key, entry.key),
                        message: "unknown key; expected one of: \(allowed.joined(separator: ", "))")
                }
                out[entry.key] = entry
            }
            return out
        default:
            throw fail(node, key, "expected a mapping of keys to values")
        }
    }

    func string(_ entry: ConfigEntry?, _ key: String, default value: String) throws(ConfigurationError) -> String {
        guard let entry else { return value }
        switch entry.value {
        case .scalar(let text, _, _): return text
        case .null: return value
        default: throw fail(entry.value, key, "expected a string")
        }
    }

    func optionalString(_ entry: ConfigEntry?, _ key: String) throws(ConfigurationError) -> String? {
        guard let entry else { return nil }
        switch entry.value {
        case .scalar(let text, _, _): return text
        case .null: return nil
        default: throw fail(entry.value, key, "expected a string")
        }
    }

    func strings(_ entry: ConfigEntry?, _ key: String) throws(ConfigurationError) -> [String] {
        guard let entry else { return [] }
        switch entry.value {
        case .null: return []
        case .scalar(let text, _, _): return [text]
        case .sequence(let items, _):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let text, _, _) = item else {
                    throw fail(item, "\(key)[\(i)]", "expected a string")
                }
                out.append(text)
            }
            return out
        default:
            throw fail(entry.value, key, "expected a list of strings")
        }
    }

    func duration(_ entry: ConfigEntry?, _ key: String, default value: Int64) throws(ConfigurationError) -> Int64 {
        guard let text = try optionalString(entry, key) else { return value }
        guard let millis = Units.durationMillis(text) else {
            throw fail(entry?.value, key, "'\(text)' is not a duration such as 300s, 5m or 1h")
        }
        return millis
    }

    func size(_ entry: ConfigEntry?, _ key: String, default value: Int) throws(ConfigurationError) -> Int {
        guard let text = try optionalString(entry, key) else { return value }
        guard let bytes = Units.bytes(text), bytes > 0 else {
            throw fail(entry?.value, key, "'\(text)' is not a size such as 64MiB or 1GiB")
        }
        return bytes
    }

    func integer(_ entry: ConfigEntry?, _ key: String, default value: Int) throws(ConfigurationError) -> Int {
        guard let entry else { return value }
        guard case .scalar(let text, false, _) = entry.value, let number = Int(text), number > 0 else {
            throw fail(entry.value, key, "expected a positive whole number")
        }
        return number
    }

    func join(_ parent: String?, _ key: String) -> String { parent.map { "\($0).\(key)" } ?? key }

    mutating func configuration(_ root: ConfigNode) throws(ConfigurationError) -> Configuration {
        let top = try mapping(
            root, nil, allowed: ["agent_id", "state_dir", "sources", "session", "postgres", "limits", "metrics"])
        let session = try mapping(top["session"]?.value ?? .null(line: 0), "session", allowed: ["gap", "lateness"])
        let gap = try duration(session["gap"], "session.gap", default: 300_000)
        guard gap > 0 else { throw fail(session["gap"]?.value, "session.gap", "the gap must be longer than 0") }
        let lateness = try duration(session["lateness"], "session.lateness", default: 60_000)

        let postgres = try mapping(
            top["postgres"]?.value ?? .null(line: 0), "postgres",
            allowed: ["conninfo", "table", "batch_size", "batch_age"])
        let tableName = try string(postgres["table"], "postgres.table", default: "sessions")
        let table: SessionTable
        do {
            table = try SessionTable(tableName)
        } catch {
            throw fail(postgres["table"]?.value, "postgres.table", error.description)
        }

        let limits = try mapping(top["limits"]?.value ?? .null(line: 0), "limits", allowed: ["memory", "disk"])
        let metrics = try mapping(top["metrics"]?.value ?? .null(line: 0), "metrics", allowed: ["listen"])
        let listen = try optionalString(metrics["listen"], "metrics.listen")
        if let listen, !listen.isEmpty {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (1...65535).contains(port), colon != listen.startIndex
            else {
                throw fail(metrics["listen"]?.value, "metrics.listen", "'\(listen)' is not an address:port such as 127.0.0.1:9464")
            }
        }

        let agentID = try string(top["agent_id"], "agent_id", default: AgentIdentity.defaultID)
        guard !agentID.isEmpty else { throw fail(top["agent_id"]?.value, "agent_id", "must not be empty") }
        let stateDirectory = try string(top["state_dir"], "state_dir", default: "/var/lib/sessiontail")
        guard stateDirectory.hasPrefix("/") else {
            throw fail(top["state_dir"]?.value, "state_dir", "must be an absolute path")
        }

        guard let sourcesEntry = top["sources"] else {
            throw fail(root, "sources", "no sources: list the access logs to read under 'sources:'")
        }
        guard case .sequence(let items, _) = sourcesEntry.value, !items.isEmpty else {
            throw fail(sourcesEntry.value, "sources", "expected a list of sources (each with name, paths and format)")
        }
        var sources: [Configuration.Source] = []
        for (i, item) in items.enumerated() {
            let source = try self.source(item, "sources[\(i)]")
            if sources.contains(where: { $0.name == source.name }) {
                throw fail(item, "sources[\(i)].name", "'\(source.name)' names two sources; names must differ")
            }
            sources.append(source)
        }

        return Configuration(
            agentID: agentID, stateDirectory: stateDirectory, sources: sources, gapMillis: gap,
            latenessMillis: lateness, conninfo: try string(postgres["conninfo"], "postgres.conninfo", default: ""),
            table: table, batchSize: try integer(postgres["batch_size"], "postgres.batch_size", default: 10_000),
            batchAgeMillis: try duration(postgres["batch_age"], "postgres.batch_age", default: 2_000),
            memoryLimit: try size(limits["memory"], "limits.memory", default: 64 << 20),
            diskLimit: try size(limits["disk"], "limits.disk", default: 1 << 30),
            metricsListen: (listen?.isEmpty ?? true) ? nil : listen)
    }

    func source(_ node: ConfigNode, _ key: String) throws(ConfigurationError) -> Configuration.Source {
        let fields = try mapping(
            node, key, allowed: ["name", "paths", "exclude", "format", "log_format", "host", "client_ip"])
        guard let name = try optionalString(fields["name"], "\(key).name"), !name.isEmpty else {
            throw fail(node, "\(key).name", "every source needs a name")
        }
        let paths = try strings(fields["paths"], "\(key).paths")
        guard !paths.isEmpty else { throw fail(fields["paths"]?.value ?? node, "\(key).paths", "list at least one path") }
        for path in paths {
            guard path.hasPrefix("/") else {
                throw fail(fields["paths"]?.value, "\(key).paths", "'\(path)' is not an absolute path")
            }
            if path.components(separatedBy: "{host}").count > 2 {
                throw fail(fields["paths"]?.value, "\(key).paths", "'\(path)' has {host} more than once")
            }
        }
        let exclude = try strings(fields["exclude"], "\(key).exclude")

        let presetName = try optionalString(fields["format"], "\(key).format")
        let formatString = try optionalString(fields["log_format"], "\(key).log_format")
        if presetName != nil && formatString != nil {
            throw fail(fields["log_format"]?.value, "\(key).log_format", "give either format or log_format, not both")
        }
        let format: LogFormat
        do {
            if let formatString {
                format = try LogFormat(string: formatString)
            } else {
                format = try LogFormat.preset(named: presetName ?? "combined")
            }
        } catch {
            let at = formatString != nil ? "log_format" : "format"
            throw fail(fields[at]?.value, "\(key).\(at)", error.message)
        }

        let clientText = try string(fields["client_ip"], "\(key).client_ip", default: "remote_addr")
        guard let clientIP = Configuration.Source.ClientIP(rawValue: clientText) else {
            throw fail(fields["client_ip"]?.value, "\(key).client_ip", "'\(clientText)' is neither remote_addr nor x_forwarded_for")
        }
        if clientIP == .xForwardedFor && !format.plan.hasForwardedFor {
            throw fail(
                fields["client_ip"]?.value, "\(key).client_ip",
                "x_forwarded_for needs $http_x_forwarded_for (or %{X-Forwarded-For}i) in the log format")
        }
        var host = try optionalString(fields["host"], "\(key).host")
        if host?.isEmpty == true { host = nil }
        let capturesHost = paths.allSatisfy { $0.contains("{host}") }
        if !format.plan.hasHost && !capturesHost && host == nil {
            // Formats without a virtual host on a host whose paths do not name it: the machine's name.
            host = AgentIdentity.defaultID
        }
        return Configuration.Source(
            name: name, paths: paths, exclude: exclude, format: format,
            formatName: formatString ?? presetName ?? "combined", host: host?.lowercased(), clientIP: clientIP)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }

    func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
