import AccessLog
import ClientAddress
import ConfigFile
import GeoIP
import PostgresSink

/// Turns the parsed file into a ``Configuration``: every key checked, every default filled in.
struct ConfigurationDecoder {
    let reader: ConfigReader

    func fail(_ node: ConfigNode?, _ key: String?, _ message: String) -> ConfigurationError {
        reader.fail(node, key, message)
    }

    func configuration(_ root: ConfigNode) throws(ConfigurationError) -> Configuration {
        let top = try reader.mapping(
            root, nil,
            allowed: [
                "agent_id", "state_dir", "sources", "session", "privacy", "enrich", "postgres", "limits", "metrics",
            ])
        let session = try reader.mapping(
            top["session"]?.value ?? .null(line: 0), "session",
            allowed: ["gap", "lateness", "classify", "ua_regexes", "bot_patterns", "asset_extensions"])
        let gap = try reader.duration(session["gap"], "session.gap", default: 300_000)
        guard gap > 0 else { throw fail(session["gap"]?.value, "session.gap", "the gap must be longer than 0") }
        let lateness = try reader.duration(session["lateness"], "session.lateness", default: 60_000)
        var classification = Classification()
        classification.enabled = try reader.boolean(session["classify"], "session.classify", default: true)
        classification.regexes = try reader.string(
            session["ua_regexes"], "session.ua_regexes", default: classification.regexes)
        classification.botPatterns = try reader.strings(session["bot_patterns"], "session.bot_patterns")
        if session["asset_extensions"] != nil {
            let given = try reader.strings(session["asset_extensions"], "session.asset_extensions")
            classification.assetExtensions = Classification.assetExtensions(given)
            if let bad = classification.assetExtensions.first(where: {
                $0.isEmpty || $0.utf8.count > 8 || $0.contains("/")
            }) {
                throw fail(
                    session["asset_extensions"]?.value, "session.asset_extensions",
                    "'\(bad)' is no file extension (1 to 8 characters, no /)")
            }
        }

        let postgres = try reader.mapping(
            top["postgres"]?.value ?? .null(line: 0), "postgres",
            allowed: ["conninfo", "table", "batch_size", "batch_age", "retention"])
        let tableName = try reader.string(postgres["table"], "postgres.table", default: "sessions")
        let table: SessionTable
        do {
            table = try SessionTable(tableName)
        } catch {
            throw fail(postgres["table"]?.value, "postgres.table", error.description)
        }

        let limits = try reader.mapping(top["limits"]?.value ?? .null(line: 0), "limits", allowed: ["memory", "disk"])
        let metrics = try reader.mapping(top["metrics"]?.value ?? .null(line: 0), "metrics", allowed: ["listen"])
        let listen = try reader.optionalString(metrics["listen"], "metrics.listen")
        if let listen, !listen.isEmpty {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (1...65535).contains(port), colon != listen.startIndex
            else {
                throw fail(
                    metrics["listen"]?.value, "metrics.listen",
                    "'\(listen)' is not an address:port such as 127.0.0.1:9464")
            }
        }

        let agentID = try reader.string(top["agent_id"], "agent_id", default: AgentIdentity.defaultID)
        guard !agentID.isEmpty else { throw fail(top["agent_id"]?.value, "agent_id", "must not be empty") }
        let stateDirectory = try reader.string(top["state_dir"], "state_dir", default: "/var/lib/sessiontail")
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

        var configuration = Configuration(
            agentID: agentID, stateDirectory: stateDirectory, sources: sources, gapMillis: gap,
            latenessMillis: lateness,
            conninfo: try reader.string(postgres["conninfo"], "postgres.conninfo", default: ""),
            table: table, batchSize: try reader.integer(postgres["batch_size"], "postgres.batch_size", default: 10_000),
            batchAgeMillis: try reader.duration(postgres["batch_age"], "postgres.batch_age", default: 2_000),
            memoryLimit: try reader.size(limits["memory"], "limits.memory", default: 64 << 20),
            diskLimit: try reader.size(limits["disk"], "limits.disk", default: 1 << 30),
            metricsListen: (listen?.isEmpty ?? true) ? nil : listen)
        configuration.classification = classification
        configuration.privacy = try privacy(top["privacy"])
        if let text = try reader.optionalString(postgres["retention"], "postgres.retention"), !text.isEmpty {
            guard let retention = Partitions.retention(text) else {
                throw fail(
                    postgres["retention"]?.value, "postgres.retention",
                    "'\(text)' is no retention such as 13 months, 400 days or 2 years")
            }
            configuration.retention = retention
        }
        let enrich = try reader.mapping(top["enrich"]?.value ?? .null(line: 0), "enrich", allowed: ["geoip"])
        if let path = try reader.optionalString(enrich["geoip"], "enrich.geoip"), !path.isEmpty {
            do {
                _ = try GeoIPDatabase(path: path)
            } catch {
                throw fail(enrich["geoip"]?.value, "enrich.geoip", error.description)
            }
            configuration.geoip = path
        }
        return configuration
    }

    /// `privacy:`: what is kept of visitors' addresses; the key file is read (and refused if others may
    /// read it, or it is too short) here, so that a bad key is a bad configuration.
    func privacy(_ entry: ConfigEntry?) throws(ConfigurationError) -> ClientPrivacy {
        let fields = try reader.mapping(
            entry?.value ?? .null(line: 0), "privacy", allowed: ["client", "ipv4_prefix", "ipv6_prefix", "key_file"])
        var privacy = ClientPrivacy()
        let mode = try reader.string(fields["client"], "privacy.client", default: "keep")
        guard let parsed = ClientPrivacy.Mode(rawValue: mode) else {
            throw fail(fields["client"]?.value, "privacy.client", "'\(mode)' is not one of keep, truncate, hash")
        }
        privacy.mode = parsed
        for (name, bits) in [("ipv4_prefix", 32), ("ipv6_prefix", 128)] {
            let length = try reader.integer(fields[name], "privacy.\(name)", default: name == "ipv4_prefix" ? 24 : 48)
            guard (0...bits).contains(length) else {
                throw fail(fields[name]?.value, "privacy.\(name)", "\(length) bits: a prefix is 0 to \(bits) bits")
            }
            if bits == 32 { privacy.ipv4Prefix = length } else { privacy.ipv6Prefix = length }
        }
        privacy.keyFile = try reader.string(fields["key_file"], "privacy.key_file", default: privacy.keyFile)
        do {
            try privacy.loadKey()
        } catch {
            throw fail(fields["key_file"]?.value ?? fields["client"]?.value, "privacy.key_file", error.description)
        }
        return privacy
    }

    func source(_ node: ConfigNode, _ key: String) throws(ConfigurationError) -> Configuration.Source {
        let fields = try reader.mapping(
            node, key,
            allowed: [
                "name", "paths", "exclude", "format", "log_format", "formats", "host", "client_ip", "drop",
            ])
        guard let name = try reader.optionalString(fields["name"], "\(key).name"), !name.isEmpty else {
            throw fail(node, "\(key).name", "every source needs a name")
        }
        let paths = try reader.strings(fields["paths"], "\(key).paths")
        guard !paths.isEmpty else {
            throw fail(fields["paths"]?.value ?? node, "\(key).paths", "list at least one path")
        }
        for path in paths {
            guard path.hasPrefix("/") else {
                throw fail(fields["paths"]?.value, "\(key).paths", "'\(path)' is not an absolute path")
            }
            if path.components(separatedBy: "{host}").count > 2 {
                throw fail(fields["paths"]?.value, "\(key).paths", "'\(path)' has {host} more than once")
            }
        }
        let exclude = try reader.strings(fields["exclude"], "\(key).exclude")

        // The formats: one (`format:` a preset, `log_format:` a format string) or several (`formats:`,
        // each either), the presets tried first, then the format strings, each in the order given.
        let given = ["format", "log_format", "formats"].filter { fields[$0] != nil }
        if given.count > 1 {
            throw fail(fields[given[1]]?.value, "\(key).\(given[1])", "give one of format, log_format or formats")
        }
        let at = given.first ?? "format"
        let texts: [String]
        switch at {
        case "formats":
            texts = try reader.strings(fields["formats"], "\(key).formats")
            guard !texts.isEmpty else {
                throw fail(fields["formats"]?.value, "\(key).formats", "list at least one format")
            }
        case "log_format": texts = [try reader.string(fields["log_format"], "\(key).log_format", default: "")]
        default: texts = [try reader.string(fields["format"], "\(key).format", default: "combined")]
        }
        let client = try self.client(fields["client_ip"], "\(key).client_ip")
        var formats: [LogFormat] = []
        let ordered =
            texts.filter { LogFormat.presetNames.contains($0) } + texts.filter { !LogFormat.presetNames.contains($0) }
        for text in ordered {
            do {
                if at == "log_format" || (at == "formats" && !LogFormat.presetNames.contains(text)) {
                    formats.append(try LogFormat(string: text, clientHeader: client.header))
                } else {
                    formats.append(try LogFormat.preset(named: text, clientHeader: client.header))
                }
            } catch {
                throw fail(fields[at]?.value, "\(key).\(at)", (texts.count > 1 ? "'\(text)': " : "") + error.message)
            }
            if let header = client.header, !formats.last!.plan.hasClientHeader {
                throw fail(
                    fields["client_ip"]?.value, "\(key).client_ip",
                    "the log format\(texts.count > 1 ? " '\(text)'" : "") does not log the \(header) header: add $http_\(header.replacingAll("-", with: "_")) (nginx) or %{\(header)}i (Apache) to it"
                )
            }
        }
        var host = try reader.optionalString(fields["host"], "\(key).host")
        if host?.isEmpty == true { host = nil }
        let capturesHost = paths.allSatisfy { $0.contains("{host}") }
        if formats.contains(where: { !$0.plan.hasHost }) && !capturesHost && host == nil {
            // Formats without a virtual host on a host whose paths do not name it: the machine's name.
            host = AgentIdentity.defaultID
        }
        var source = Configuration.Source(
            name: name, paths: paths, exclude: exclude, formats: formats, formatNames: ordered,
            host: host?.lowercased(), client: client)
        if let drop = fields["drop"] { source.drop = try self.drop(drop, "\(key).drop") }
        return source
    }

    /// `drop:`: what a source drops before sessionizing.
    func drop(_ entry: ConfigEntry, _ key: String) throws(ConfigurationError) -> DropRules {
        let fields = try reader.mapping(
            entry.value, key, allowed: ["bots", "assets", "paths", "methods", "statuses", "clients"])
        var rules = DropRules()
        rules.bots = try reader.boolean(fields["bots"], "\(key).bots", default: false)
        rules.assets = try reader.boolean(fields["assets"], "\(key).assets", default: false)
        rules.paths = try reader.strings(fields["paths"], "\(key).paths")
        if let bad = rules.paths.first(where: { !$0.hasPrefix("/") && !$0.hasPrefix("*") }) {
            throw fail(fields["paths"]?.value, "\(key).paths", "'\(bad)' is no path: paths start with / (or *)")
        }
        rules.methods = try reader.strings(fields["methods"], "\(key).methods")
        if let bad = rules.methods.first(where: { $0.isEmpty || !$0.allSatisfy({ $0.isLetter && $0.isASCII }) }) {
            throw fail(fields["methods"]?.value, "\(key).methods", "'\(bad)' is no HTTP method such as HEAD")
        }
        rules.clients = try reader.strings(fields["clients"], "\(key).clients")
        if let bad = rules.clients.first(where: { IPNetwork($0) == nil }) {
            throw fail(
                fields["clients"]?.value, "\(key).clients",
                "'\(bad)' is no address or network such as 192.0.2.10 or 10.0.0.0/8 (the host bits zero)")
        }
        rules.statuses = try reader.strings(fields["statuses"], "\(key).statuses")
        if case .failure(let error) = DropRules.statusRanges(rules.statuses) {
            throw fail(fields["statuses"]?.value, "\(key).statuses", error.description)
        }
        return rules
    }

    /// `client_ip`: `remote_addr` (the default), a header's name (the old `x_forwarded_for`, with the
    /// private ranges trusted), or a mapping of `from` and `trusted_proxies`.
    func client(_ entry: ConfigEntry?, _ key: String) throws(ConfigurationError) -> ClientSource {
        guard let entry else { return .remoteAddress }
        var from = "remote_addr"
        var trusted: [String]? = nil
        var at = entry.value
        switch entry.value {
        case .null: return .remoteAddress
        case .scalar(let text, _, _): from = text
        case .mapping:
            let fields = try reader.mapping(entry.value, key, allowed: ["from", "trusted_proxies"])
            from = try reader.string(fields["from"], "\(key).from", default: "remote_addr")
            if let list = fields["trusted_proxies"] {
                trusted = try reader.strings(list, "\(key).trusted_proxies")
                at = list.value
            }
            if let value = fields["from"]?.value, trusted == nil { at = value }
        default:
            throw fail(
                entry.value, key, "expected remote_addr, a header's name, or a mapping of from and trusted_proxies")
        }
        let client: ClientSource
        do {
            client = try ClientSource.parse(from: from, trusted: trusted)
        } catch {
            throw fail(at, key, error.description)
        }
        return client
    }
}
