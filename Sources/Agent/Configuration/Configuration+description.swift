import AccessLog
import ConfigFile
import GeoIP
import PostgresSink

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
            if source.formatNames.count > 1 {
                out += "    formats: [\(source.formatNames.map(quote).joined(separator: ", "))]\n"
            } else if LogFormat.presetNames.contains(source.formatNames[0]) {
                out += "    format: \(source.formatNames[0])\n"
            } else {
                out += "    log_format: \(quote(source.formatNames[0]))\n"
            }
            out += "    host: \(source.host.map(quote) ?? "~    # from the log lines or the path's {host}")\n"
            if source.client.header == nil {
                out += "    client_ip: remote_addr\n"
            } else {
                out += "    client_ip:\n      from: \(source.client.name)\n"
                out +=
                    "      trusted_proxies: [\(source.client.trusted.map { quote($0.description) }.joined(separator: ", "))]\n"
            }
            let drop = source.drop
            out += "    drop:\n      bots: \(drop.bots)\n      assets: \(drop.assets)\n"
            out += "      paths: [\(drop.paths.map(quote).joined(separator: ", "))]\n"
            out += "      methods: [\(drop.methods.joined(separator: ", "))]\n"
            out += "      statuses: [\(drop.statuses.map(quote).joined(separator: ", "))]\n"
            out += "      clients: [\(drop.clients.map(quote).joined(separator: ", "))]\n"
        }
        out += "session:\n  gap: \(seconds(gapMillis))\n  lateness: \(seconds(latenessMillis))\n"
        out += "  classify: \(classification.enabled)\n  ua_regexes: \(quote(classification.regexes))\n"
        out += "  bot_patterns: [\(classification.botPatterns.map(quote).joined(separator: ", "))]\n"
        out += "  asset_extensions: [\(classification.assetExtensions.joined(separator: ", "))]\n"
        out += "privacy:\n  client: \(privacy.mode.rawValue)\n"
        out += "  ipv4_prefix: \(privacy.ipv4Prefix)\n  ipv6_prefix: \(privacy.ipv6Prefix)\n"
        out += "  key_file: \(quote(privacy.keyFile))"
        out += privacy.key.map { "    # key \($0.fingerprint)\n" } ?? "\n"
        out += "enrich:\n  geoip: \(geoip.map(quote) ?? "~")"
        if let geoip, let database = try? GeoIPDatabase(path: geoip) {
            out += "    # \(database.databaseType), built \(database.buildDate), IPv\(database.ipVersion)"
        }
        out += "\n"
        out += "postgres:\n  conninfo: \(quote(Conninfo.redacted(conninfo)))\n  table: \(table.name)\n"
        out += "  batch_size: \(batchSize)\n  batch_age: \(seconds(batchAgeMillis))\n"
        out += "  retention: \(retention.map(quote) ?? "~    # keep every session")\n"
        out += "limits:\n  memory: \(Units.describe(bytes: memoryLimit))\n  disk: \(Units.describe(bytes: diskLimit))\n"
        out += "metrics:\n  listen: \(quote(metricsListen ?? ""))\n"
        return out
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
