import Agent
import ArgumentParser

extension Sessionize.Output: ExpressibleByArgument {}

struct SessionizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessionize",
        abstract: "Read access logs to their end and print their sessions.",
        discussion: """
            Files may be plain or gzip; '-' reads standard input. With --output postgres the sessions are \
            merged into the sessions table (see 'sessiontail report'); shipping the same files again changes \
            nothing. The files of a rotated set given together \
            (access.log.2.gz access.log.1 access.log) are read oldest first. Sessions are printed sorted by \
            host, ip and session_start; counts of lines, events, malformed lines by reason, and sessions go to \
            standard error. Malformed lines do not make the exit status non-zero.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Log format preset: combined, common or vhost_combined (repeatable: each line is read by the first format that takes it).",
            valueName: "preset"))
    var format: [String] = []

    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp(
            "An nginx log_format (it may begin with escape=json or escape=none) or Apache LogFormat string (repeatable; tried after the presets).",
            valueName: "string"))
    var logFormat: [String] = []

    @Option(help: "Virtual host for formats without one ($host, %v).")
    var host: String?

    @Option(help: "Inactivity gap that ends a session (e.g. 300s, 5m).")
    var gap: String = "5m"

    @Option(help: "How late an event may arrive and still find its session open in memory (e.g. 60s).")
    var lateness: String = "60s"

    @Option(
        name: .customLong("client-ip"),
        help: ArgumentHelp(
            "Where visitors' addresses come from: remote_addr, or a header trusted proxies set (x_forwarded_for, forwarded, x_real_ip, cf_connecting_ip, true_client_ip, $http_NAME, %{Name}i).",
            valueName: "from"))
    var clientIP: String = "remote_addr"

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A network of proxies whose forwarding header is believed (repeatable; default: the private and loopback ranges).",
            valueName: "cidr"))
    var trustedProxies: [String] = []

    @Option(help: "Output: csv, jsonl or postgres.")
    var output: Sessionize.Output = .csv

    @Option(help: "PostgreSQL conninfo string or URI (default: libpq's PG* environment).")
    var postgres: String = ""

    @Option(help: "Sessions table.")
    var table: String = "sessions"

    @Option(name: .customLong("agent-id"), help: "Name this shipper (default: the host name).")
    var agentID: String = AgentIdentity.defaultID

    @Option(name: .customLong("batch-size"), help: "Sessions per PostgreSQL transaction.")
    var batchSize: Int = 10_000

    @Option(
        name: .customLong("max-line-length"), help: "Longer lines are skipped and counted as too_long (e.g. 64KiB).")
    var maxLineLength: String = "64KiB"

    @Option(
        help:
            "Memory cap: half for open sessions (past it the least recently active are written out early and merged back), an eighth for sorting them (e.g. 64MiB)."
    )
    var memory: String = "64MiB"

    @Flag(
        name: .customLong("no-classify"),
        help: "Do not classify requests: sessions say nothing of page views, bots, landing and exit, browsers.")
    var noClassify = false

    @Option(
        name: .customLong("ua-regexes"), help: ArgumentHelp("ua-parser's regexes.yaml.", valueName: "path"))
    var uaRegexes: String = Classification.defaultRegexes

    @Option(
        name: .customLong("bot-pattern"),
        help: ArgumentHelp(
            "A user-agent pattern (PCRE2, case-insensitive) that makes a request a bot's (repeatable).",
            valueName: "regex"))
    var botPatterns: [String] = []

    @Option(
        name: .customLong("asset-extensions"),
        help: ArgumentHelp(
            "Extensions of assets, whose requests are no page views, comma-separated; begin with 'default,' to add to the defaults.",
            valueName: "list"))
    var assetExtensions: String? = nil

    @Flag(name: .customLong("drop-bots"), help: "Drop bots' requests before sessionizing.")
    var dropBots = false

    @Flag(name: .customLong("drop-assets"), help: "Drop requests for assets before sessionizing.")
    var dropAssets = false

    @Option(
        name: .customLong("drop-path"),
        help: ArgumentHelp("Drop requests for this path; * stands for anything (repeatable).", valueName: "path"))
    var dropPaths: [String] = []

    @Option(
        name: .customLong("drop-method"),
        help: ArgumentHelp("Drop requests with this method (repeatable).", valueName: "method"))
    var dropMethods: [String] = []

    @Option(
        name: .customLong("drop-status"),
        help: ArgumentHelp(
            "Drop responses with this status or class, such as 404 or 3xx (repeatable).", valueName: "status"))
    var dropStatuses: [String] = []

    @Option(help: "What is kept of visitors' addresses: keep, truncate or hash.")
    var privacy = "keep"

    @Option(name: .customLong("ipv4-prefix"), help: "Leading bits of IPv4 addresses kept with --privacy truncate.")
    var ipv4Prefix = 24

    @Option(name: .customLong("ipv6-prefix"), help: "Leading bits of IPv6 addresses kept with --privacy truncate.")
    var ipv6Prefix = 48

    @Option(
        name: .customLong("key-file"),
        help: "HMAC-SHA256 key of --privacy hash (at least 32 bytes, readable by owner and group only).")
    var keyFile = "/etc/sessiontail/client.key"

    @Option(
        name: .customLong("drop-client"),
        help: ArgumentHelp(
            "Drop this visitor: an address or network such as 10.0.0.0/8 (repeatable).", valueName: "cidr"))
    var dropClients: [String] = []

    @Option(help: "A MaxMind DB country database (GeoLite2-Country, DB-IP's) to look visitors' countries up in.")
    var geoip: String? = nil

    @Argument(help: "Log files, plain or gzip; '-' for standard input.")
    var files: [String]

    func run() throws {
        var request = Sessionize.Request(files: files)
        request.formats = format
        request.logFormats = logFormat
        request.host = host
        request.gap = gap
        request.lateness = lateness
        request.clientIP = clientIP
        request.trustedProxies = trustedProxies
        request.output = output
        request.postgres = postgres
        request.table = table
        request.agentID = agentID
        request.batchSize = batchSize
        request.maxLineLength = maxLineLength
        request.memory = memory
        request.classification.enabled = !noClassify
        request.classification.regexes = uaRegexes
        request.classification.botPatterns = botPatterns
        if let assetExtensions {
            request.classification.assetExtensions = Classification.assetExtensions(
                assetExtensions.split(separator: ",").map { String($0.filter { $0 != " " }) })
        }
        request.drop = DropRules(
            bots: dropBots, assets: dropAssets, paths: dropPaths, methods: dropMethods, statuses: dropStatuses,
            clients: dropClients)
        guard let mode = ClientPrivacy.Mode(rawValue: privacy) else {
            throw ValidationError("--privacy is '\(privacy)': say keep, truncate or hash.")
        }
        request.privacy.mode = mode
        request.privacy.ipv4Prefix = ipv4Prefix
        request.privacy.ipv6Prefix = ipv6Prefix
        request.privacy.keyFile = keyFile
        request.geoip = geoip
        let status: Int32
        do {
            status = try Sessionize.run(request)
        } catch {
            throw ValidationError(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
