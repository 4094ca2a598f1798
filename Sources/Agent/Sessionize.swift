import AccessLog
import Operations
import PostgresSink
import Sessionizer
import Tailing

/// `sessiontail sessionize`: reads log files to their end and prints their sessions (CSV or JSON
/// lines, sorted by host, ip and session_start) or ships them to PostgreSQL.
///
/// ```swift
/// var request = Sessionize.Request(files: ["access.log"])
/// request.host = "www.example.com"
/// let status = try Sessionize.run(request)
/// ```
public enum Sessionize {
    /// Where the sessions go.
    public enum Output: String, Sendable, CaseIterable {
        case csv, jsonl, postgres
    }

    /// The command line's options, as given.
    public struct Request: Sendable {
        public var files: [String]
        /// Presets and format strings; lines are tried with the presets first, then the strings, each
        /// in the order given (`combined` when neither is given).
        public var formats: [String] = []
        public var logFormats: [String] = []
        public var host: String? = nil
        public var gap = "5m"
        public var lateness = "60s"
        /// Where visitors' addresses come from (see ``ClientSource/header(named:)``), and the proxies
        /// trusted to say (none given: the private and loopback ranges).
        public var clientIP = "remote_addr"
        public var trustedProxies: [String] = []
        public var output = Output.csv
        public var postgres = ""
        public var table = "sessions"
        public var agentID = AgentIdentity.defaultID
        public var batchSize = 10_000
        public var maxLineLength = "64KiB"
        public var memory = "64MiB"
        /// How requests are classified (`--no-classify`, `--ua-regexes`, `--bot-pattern`, `--asset-extensions`).
        public var classification = Classification()
        /// What is dropped before sessionizing (`--drop-*`).
        public var drop = DropRules()
        /// What is kept of visitors' addresses (`--privacy`, `--ipv4-prefix`, `--ipv6-prefix`, `--key-file`).
        public var privacy = ClientPrivacy()
        /// The MaxMind DB file countries are looked up in (`--geoip`).
        public var geoip: String? = nil

        public init(files: [String]) { self.files = files }
    }

    /// Checks the request, reads the files and writes or ships the sessions; returns the exit status:
    /// 0, 1 when a file could not be read (what could be read is still sessionized) or the output
    /// could not be written, 2 when shipping failed permanently. Malformed lines do not make it
    /// non-zero. Options that cannot be used throw.
    public static func run(_ request: Request) throws(UsageError) -> Int32 {
        if request.files.isEmpty { throw UsageError("Name at least one log file, or '-' for standard input.") }
        let client = try ClientSource.parse(
            from: request.clientIP, trusted: request.trustedProxies.isEmpty ? nil : request.trustedProxies)
        var logFormats: [LogFormat] = []
        do {
            for name in request.formats.isEmpty && request.logFormats.isEmpty ? ["combined"] : request.formats {
                logFormats.append(try LogFormat.preset(named: name, clientHeader: client.header))
            }
            for string in request.logFormats {
                logFormats.append(try LogFormat(string: string, clientHeader: client.header))
            }
        } catch {
            throw UsageError(error.description)
        }
        let gapMillis = try Arguments.duration(request.gap, option: "--gap", example: "300s or 5m")
        let latenessMillis = try Arguments.duration(
            request.lateness, option: "--lateness", example: "60s", positive: false)
        let lineCap = try Arguments.size(request.maxLineLength, option: "--max-line-length", example: "64KiB")
        let memoryCap = try Arguments.size(request.memory, option: "--memory", example: "64MiB")
        var privacy = request.privacy
        try privacy.validate()
        try privacy.loadKey()
        let options = PipelineOptions(
            formats: logFormats, host: request.host, client: client,
            // Half of --memory for the window store, as the daemon has: beside it the fragments it sorts
            // (an eighth), reading ahead and writing.
            sessionizer: SessionizerConfiguration(
                gapMillis: gapMillis, latenessMillis: latenessMillis, memoryLimit: memoryCap / 2),
            maxLineLength: lineCap, classification: request.classification, drop: request.drop,
            privacy: privacy, geoip: request.geoip)
        var pipeline: SourcePipeline
        do {
            pipeline = try SourcePipeline(options: options)
        } catch {
            throw UsageError(error.description)
        }
        var sessionTable: SessionTable? = nil
        if request.output == .postgres {
            do {
                sessionTable = try SessionTable(request.table)
            } catch {
                throw UsageError(error.description)
            }
            guard !request.agentID.isEmpty else { throw UsageError("--agent-id must not be empty.") }
        }
        // A file that cannot be read (or breaks off, as a truncated .gz) is reported; what was read of
        // it and of the other files is still sessionized, and the exit status says something failed.
        var failed = false
        let progress = ProgressLine.onStandardError(totalBytes: ProgressLine.totalSize(of: request.files))
        pipeline.progress = progress
        for path in RotationOrder.sorted(request.files) {
            do {
                try pipeline.read(path: path)
            } catch {
                progress?.clear()
                printError("\(error)")
                failed = true
            }
        }
        progress?.clear()
        pipeline.progress = nil
        let status: Int32
        if let sessionTable {
            status = ship(&pipeline, to: sessionTable, request: request, gapMillis: gapMillis, client: privacy.setting)
        } else {
            status = write(&pipeline, as: request.output == .csv ? .csv : .jsonl)
        }
        return status != 0 ? status : failed ? 1 : 0
    }

    static func write(_ pipeline: inout SourcePipeline, as format: SessionWriter.Format) -> Int32 {
        var writer = SessionWriter(format: format)
        do {
            try writer.writeHeader()
            try pipeline.finish { try writer.write($0) }
            try writer.flush()
        } catch {
            printError("\(error)")
            return 1
        }
        report(pipeline)
        return 0
    }

    static func ship(
        _ pipeline: inout SourcePipeline, to table: SessionTable, request: Request, gapMillis: Int64,
        client: ClientSetting
    ) -> Int32 {
        do {
            let shipper = try BatchShipper(
                conninfo: request.postgres, table: table, gapMillis: gapMillis, agentID: request.agentID,
                client: client,
                batchSize: request.batchSize, log: { level, message in printError(message, level: level) })
            try pipeline.finish { try shipper.add($0) }
            try shipper.flush()
            report(pipeline)
            printError(
                "shipped \(shipper.sessions) sessions to \(table) as \(request.agentID): \(shipper.applied) new, \(shipper.sessions - shipper.applied) already there; \(shipper.transactions) transactions, \(shipper.retries) retries"
            )
            return 0
        } catch {
            report(pipeline)
            printError("\(error)")
            return 2
        }
    }

    static func report(_ pipeline: SourcePipeline) {
        for sample in pipeline.statistics.samples { printError("malformed line \(sample)") }
        printError(pipeline.statistics.summary)
        if let warning = pipeline.proxyWarning(source: nil, batch: true) { printError(warning, level: .warning) }
        if let warning = pipeline.statistics.extraFieldsWarning { printError(warning, level: .warning) }
    }
}
