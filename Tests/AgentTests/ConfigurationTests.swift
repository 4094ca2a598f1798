import Agent
import ConfigFile
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The configuration example of the product contract (SPEC §4).
    static let specExample = try! String(
        contentsOfFile: root.appendingPathComponent("Tests/Fixtures/spec-example.yaml").path, encoding: .utf8)

    func decode(_ text: String) throws(ConfigurationError) -> Configuration {
        try Configuration.decode(text, file: "test.yaml")
    }

    func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func theInstalledFileIsValidAndWorksForDebianLayouts() throws {
        let configuration = try Configuration.load(
            path: Self.root.appendingPathComponent("etc/sessiontail/sessiontail.yaml").path)
        #expect(configuration.sources.map(\.name) == ["nginx", "apache", "apache-vhosts"])
        #expect(configuration.sources[0].paths == ["/var/log/nginx/access.log"])
        #expect(configuration.sources[0].host == AgentIdentity.defaultID.lowercased())
        #expect(configuration.sources[2].format.plan.hasHost)
        #expect(configuration.sources[2].host == nil)
        #expect(configuration.gapMillis == 300_000 && configuration.latenessMillis == 60_000)
        #expect(configuration.memoryLimit == 64 << 20 && configuration.diskLimit == 1 << 30)
        #expect(configuration.metricsListen == "127.0.0.1:9464")
        #expect(configuration.stateDirectory == "/var/lib/sessiontail")
    }

    @Test func clientAddressesComeFromAHeaderOnlyThroughTrustedProxies() throws {
        let format =
            "log_format: '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $http_x_forwarded_for'"
        // The old spelling: X-Forwarded-For, the private ranges trusted.
        let legacy = try decode(
            "sources:\n  - name: a\n    paths: [/a.log]\n    \(format)\n    client_ip: x_forwarded_for\n")
        #expect(legacy.sources[0].client.header == "x-forwarded-for")
        #expect(legacy.sources[0].client.trusted.map(\.description).contains("10.0.0.0/8"))
        let explicit = try decode(
            "sources:\n  - name: a\n    paths: [/a.log]\n    \(format)\n    client_ip:\n      from: $http_x_forwarded_for\n      trusted_proxies: [203.0.113.0/24, \"2001:db8::/32\"]\n"
        )
        #expect(explicit.sources[0].client.header == "x-forwarded-for")
        #expect(explicit.sources[0].client.trusted.map(\.description) == ["203.0.113.0/24", "2001:db8::/32"])
        #expect(
            explicit.resolvedDescription.contains(
                "      from: x_forwarded_for\n      trusted_proxies: [\"203.0.113.0/24\", \"2001:db8::/32\"]"))
        let plain = try decode("sources:\n  - name: a\n    paths: [/a.log]\n")
        #expect(plain.sources[0].client.header == nil)
    }

    @Test func aSourceMayListSeveralFormatsPresetsFirst() throws {
        let configuration = try decode(
            "sources:\n  - name: a\n    paths: [/a.log]\n    host: x\n    formats: ['$remote_addr [$time_local] $status', vhost_combined, combined]\n"
        )
        #expect(
            configuration.sources[0].formatNames == [
                "vhost_combined", "combined", "$remote_addr [$time_local] $status",
            ])
        #expect(configuration.sources[0].formats.count == 3)
        #expect(configuration.resolvedDescription.contains("formats: [\"vhost_combined\", \"combined\""))
        #expect(
            try Configuration.decode(configuration.resolvedDescription, file: "again").sources[0].formatNames
                == configuration.sources[0].formatNames)
    }

    @Test func theContractExampleIsValid() throws {
        let configuration = try decode(Self.specExample)
        #expect(configuration.agentID == "web-01")
        #expect(configuration.sources[0].host == "www.example.com")
        #expect(configuration.conninfo == "host=db.internal dbname=analytics user=sessiontail")
        #expect(configuration.batchAgeMillis == 2_000)
        #expect(configuration.resolvedDescription.contains("gap: 300s"))
    }

    @Test func resolvedDescriptionHidesThePassword() throws {
        let configuration = try decode(
            """
            sources:
              - name: a
                paths: [/var/log/a.log]
                host: a.example
            postgres:
              conninfo: "host=db password=s3cret"
            """)
        #expect(!configuration.resolvedDescription.contains("s3cret"))
        #expect(try decode(configuration.resolvedDescription).sources[0].paths == ["/var/log/a.log"])
    }

    @Test(arguments: [
        ("sources:\n  - name: a\n    paths: [/a.log]\n    hots: x\n", 4, "sources[0].hots", "unknown key"),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\nsession:\n  gap: 5 minutes\n", 5, "session.gap",
            "not a duration"
        ),
        ("sources:\n  - name: a\n    paths: [/a.log]\nsession:\n  gap: 0s\n", 5, "session.gap", "longer than 0"),
        ("sources:\n  - name: a\n    paths: [/a.log]\nlimits:\n  memory: lots\n", 5, "limits.memory", "not a size"),
        ("sources:\n  - name: a\n    paths: [/a.log]\n    format: json\n", 4, "sources[0].format", "unknown preset"),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    log_format: '$host [$time_local]'\n", 4,
            "sources[0].log_format", "no client address"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    format: common\n    log_format: '%h %t'\n", 5,
            "sources[0].log_format", "give one of format, log_format or formats"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n  - name: a\n    paths: [/b.log]\n", 4, "sources[1].name",
            "two sources"
        ),
        ("sources:\n  - name: a\n    paths: [logs/a.log]\n", 3, "sources[0].paths", "not an absolute path"),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    client_ip: x_forwarded_for\n", 4, "sources[0].client_ip",
            "does not log the x-forwarded-for header: add $http_x_forwarded_for"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    client_ip:\n      from: \"who?\"\n", 5,
            "sources[0].client_ip", "'who?' is not an address's origin"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    log_format: '$remote_addr [$time_local] $http_x_forwarded_for'\n    client_ip:\n      from: x_forwarded_for\n      trusted_proxies: [10.0.0.1/8]\n",
            7, "sources[0].client_ip", "'10.0.0.1/8' is not a network"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\npostgres:\n  table: \"a;drop\"\n", 5, "postgres.table",
            "not a plain SQL name"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\npostgres:\n  batch_size: -3\n", 5, "postgres.batch_size",
            "positive whole number"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\nmetrics:\n  listen: everywhere\n", 5, "metrics.listen",
            "address:port"
        ),
        ("sources: []\n", 1, "sources", "expected a list of sources"),
        ("state_dir: /x\n", 1, "sources", "no sources"),
        ("sources:\n  - name: a\n    paths: [/a.log]\nsession: 5m\n", 4, "session", "expected a mapping"),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    drop:\n      statuses: [\"3xx\", 7]\n", 5,
            "sources[0].drop.statuses", "'7' is no status"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    drop:\n      bots: yes\n", 5, "sources[0].drop.bots",
            "expected true or false"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    drop:\n      paths: [healthz]\n", 5,
            "sources[0].drop.paths", "'healthz' is no path"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\n    drop:\n      method: [HEAD]\n", 5,
            "sources[0].drop.method", "unknown key"
        ),
        (
            "sources:\n  - name: a\n    paths: [/a.log]\nsession:\n  asset_extensions: [default, toolongext]\n", 5,
            "session.asset_extensions", "'toolongext' is no file extension"
        ),
    ])
    func errorsNameTheLineAndKey(text: String, line: Int, key: String, message: String) {
        guard let e = error(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(e.line == line, "\(e)")
        #expect(e.key == key, "\(e)")
        #expect(e.message.contains(message), "\(e)")
        #expect(e.description.hasPrefix("test.yaml:\(line): \(key): "))
    }

    @Test func classificationAndDropRulesAreRead() throws {
        let configuration = try decode(
            """
            sources:
              - name: a
                paths: [/a.log]
                drop:
                  bots: true
                  paths: ["/healthz", "/wp-admin/*"]
                  methods: [HEAD, OPTIONS]
                  statuses: ["3xx", 404]
              - name: b
                paths: [/b.log]
            session:
              classify: true
              ua_regexes: /opt/uap/regexes.yaml
              bot_patterns: ["uptime-checker"]
              asset_extensions: [default, pdf]
            """)
        let drop = configuration.sources[0].drop
        #expect(
            drop
                == DropRules(
                    bots: true, paths: ["/healthz", "/wp-admin/*"], methods: ["HEAD", "OPTIONS"],
                    statuses: ["3xx", "404"]))
        #expect(configuration.sources[1].drop == DropRules())
        #expect(configuration.classification.regexes == "/opt/uap/regexes.yaml")
        #expect(configuration.classification.botPatterns == ["uptime-checker"])
        #expect(configuration.classification.assetExtensions == Classification.defaultAssetExtensions + ["pdf"])
        // What check-config prints reads back the same.
        let again = try decode(configuration.resolvedDescription)
        #expect(again.sources[0].drop == drop)
        #expect(again.classification == configuration.classification)
    }

    @Test func privacyAndDroppedClientsAreReadAndABadKeyIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privacy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = dir + "/client.key"
        try Data((0..<32).map { UInt8($0 * 7 % 256) }).write(to: URL(fileURLWithPath: key))
        chmod(key, 0o640)
        func file(_ privacy: String) -> String {
            """
            sources:
              - name: a
                paths: [/a.log]
                drop:
                  clients: [192.0.2.10, "10.0.0.0/8", "2001:db8::/32"]
            privacy:
            \(privacy)
            """
        }
        let configuration = try decode(file("  client: hash\n  key_file: \(key)"))
        #expect(configuration.privacy.mode == .hash && configuration.privacy.key != nil)
        #expect(configuration.sources[0].drop.clients == ["192.0.2.10", "10.0.0.0/8", "2001:db8::/32"])
        let again = try decode(configuration.resolvedDescription)
        #expect(again.privacy == configuration.privacy && again.sources[0].drop == configuration.sources[0].drop)
        let truncate = try decode(file("  client: truncate\n  ipv4_prefix: 16"))
        #expect(truncate.privacy.mode == .truncate && truncate.privacy.ipv4Prefix == 16)
        #expect(truncate.privacy.setting.mode == "truncate /16 /48")
        // Refused, with the key and line at fault.
        chmod(key, 0o644)
        let open = error(file("  client: hash\n  key_file: \(key)"))
        #expect(open?.key == "privacy.key_file" && open?.line == 8, "\(String(describing: open))")
        #expect(open?.description.contains("chmod") == true, "\(String(describing: open))")
        let mode = error(file("  client: scramble"))
        #expect(mode?.key == "privacy.client" && mode?.line == 7)
        let prefix = error(file("  client: truncate\n  ipv6_prefix: 129"))
        #expect(prefix?.key == "privacy.ipv6_prefix" && prefix?.line == 8, "\(String(describing: prefix))")
        let network = error(file("  client: keep").replacingOccurrences(of: "192.0.2.10", with: "10.1.0.0/8"))
        #expect(network?.key == "sources[0].drop.clients" && network?.line == 5, "\(String(describing: network))")
    }

    @Test func syntaxErrorsNameTheLine() {
        let e = error("sources:\n  - name: a\n\tpaths: [/a.log]\n")
        #expect(e?.line == 3)
        #expect(e?.key == nil)
    }

    @Test func aMissingFileSaysSo() {
        do {
            _ = try Configuration.load(path: "/nonexistent/sessiontail.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/sessiontail.yaml: cannot read it: no such file or directory")
        }
    }
}
