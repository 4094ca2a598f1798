import AccessLog
import Agent
import ArgumentParser
import PostgresSink
import Sessionizer
import Tailing

#if canImport(Glibc)
import Glibc
#endif

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

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl, postgres
    }

    enum ClientIP: String, ExpressibleByArgument, CaseIterable {
        case remoteAddr = "remote_addr"
        case xForwardedFor = "x_forwarded_for"
    }

    @Option(help: "Log format preset: combined, common or vhost_combined.")
    var format: String?

    @Option(name: .customLong("log-format"), help: "An nginx log_format or Apache LogFormat string.")
    var logFormat: String?

    @Option(help: "Virtual host for formats without one ($host, %v).")
    var host: String?

    @Option(help: "Inactivity gap that ends a session (e.g. 300s, 5m).")
    var gap: String = "5m"

    @Option(help: "How late an event may arrive and still find its session open in memory (e.g. 60s).")
    var lateness: String = "60s"

    @Option(name: .customLong("client-ip"), help: "Key sessions by remote_addr or by the first x_forwarded_for address.")
    var clientIP: ClientIP = .remoteAddr

    @Option(help: "Output: csv, jsonl or postgres.")
    var output: OutputFormat = .csv

    @Option(help: "PostgreSQL conninfo string or URI (default: libpq's PG* environment).")
    var postgres: String = ""

    @Option(help: "Sessions table.")
    var table: String = "sessions"

    @Option(name: .customLong("agent-id"), help: "Name this shipper (default: the host name).")
    var agentID: String = AgentIdentity.defaultID

    @Option(name: .customLong("batch-size"), help: "Sessions per PostgreSQL transaction.")
    var batchSize: Int = 10_000

    @Option(name: .customLong("max-line-length"), help: "Longer lines are skipped and counted as too_long (e.g. 64KiB).")
    var maxLineLength: String = "64KiB"

    @Option(help: "Memory cap of the open-session store (e.g. 64MiB).")
    var memory: String = "64MiB"

    @Argument(help: "Log files, plain or gzip; '-' for standard input.")
    var files: [String]

    func validate() throws {
        if format != nil && logFormat != nil {
            throw ValidationError("Give either --format or --log-format, not both.")
        }
        if files.isEmpty { throw ValidationError("Name at least one log file, or '-' for standard input.") }
    }

    func run() throws {
        let logFormat: LogFormat
        do {
            if let string = self.logFormat {
                logFormat = try LogFormat(string: string)
            } else {
                logFormat = try LogFormat.preset(named: format ?? "combined")
            }
        } catch {
            throw ValidationError(error.description)
        }
        guard let gapMillis = Units.durationMillis(gap), gapMillis > 0 else {
            throw ValidationError("--gap '\(gap)' is not a duration such as 300s or 5m.")
        }
        guard let latenessMillis = Units.durationMillis(lateness) else {
            throw ValidationError("--lateness '\(lateness)' is not a duration such as 60s.")
        }
        guard let lineCap = Units.bytes(maxLineLength), lineCap > 0 else {
            throw ValidationError("--max-line-length '\(maxLineLength)' is not a size such as 64KiB.")
        }
        guard let memoryCap = Units.bytes(memory), memoryCap > 0 else {
            throw ValidationError("--memory '\(memory)' is not a size such as 64MiB.")
        }
        let options = BatchOptions(
            format: logFormat, host: host, useForwardedFor: clientIP == .xForwardedFor,
            sessionizer: SessionizerConfiguration(
                gapMillis: gapMillis, latenessMillis: latenessMillis, memoryLimit: memoryCap),
            maxLineLength: lineCap)
        var batch: BatchSessionizer
        do {
            batch = try BatchSessionizer(options: options)
        } catch {
            throw ValidationError(error.description)
        }
        // A file that cannot be read (or breaks off, as a truncated .gz) is reported; what was read of
        // it and of the other files is still sessionized, and the exit status says something failed.
        var failed = false
        for path in RotationOrder.sorted(files) {
            do {
                try batch.read(path: path)
            } catch {
                printError("sessiontail: \(error)")
                failed = true
            }
        }

        if output == .postgres {
            try shipToPostgres(&batch, gapMillis: gapMillis)
        } else {
            var writer = SessionWriter(format: output == .csv ? .csv : .jsonl)
            do {
                try writer.writeHeader()
                try batch.finish { try writer.write($0) }
                try writer.flush()
            } catch {
                printError("sessiontail: \(error)")
                throw ExitCode(1)
            }
            report(batch.statistics)
        }
        if failed { throw ExitCode(1) }
    }

    func report(_ statistics: InputStatistics) {
        for sample in statistics.samples { printError("sessiontail: malformed line \(sample)") }
        printError("sessiontail: \(statistics.summary)")
    }

    func shipToPostgres(_ batch: inout BatchSessionizer, gapMillis: Int64) throws {
        let sessionTable: SessionTable
        do {
            sessionTable = try SessionTable(table)
        } catch {
            throw ValidationError(error.description)
        }
        guard !agentID.isEmpty else { throw ValidationError("--agent-id must not be empty.") }
        do {
            let shipper = try BatchShipper(
                conninfo: postgres, table: sessionTable, gapMillis: gapMillis, agentID: agentID,
                batchSize: batchSize, log: { printError("sessiontail: \($0)") })
            try batch.finish { try shipper.add($0) }
            try shipper.flush()
            report(batch.statistics)
            printError(
                "sessiontail: shipped \(shipper.sessions) sessions to \(sessionTable) as \(agentID): \(shipper.applied) new, \(shipper.sessions - shipper.applied) already there; \(shipper.transactions) transactions, \(shipper.retries) retries"
            )
        } catch {
            report(batch.statistics)
            printError("sessiontail: \(error)")
            throw ExitCode(2)
        }
    }
}

func printError(_ text: String) {
    var line = Array(text.utf8)
    line.append(10)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
