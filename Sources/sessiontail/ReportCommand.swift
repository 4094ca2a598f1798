import Agent
import ArgumentParser
import PostgresSink

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Average events per session for matching hosts, and a per-host comparison.",
        discussion: """
            Reads the sessions table. The first figure is the seed analysis \
            SELECT ROUND(AVG(event_count), 2) FROM sessions WHERE host LIKE PATTERN; the comparison gives, per \
            host, sessions, average and median events per session, median duration and bounce rate (share of \
            one-event sessions).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, csv, json
    }

    @Option(help: "PostgreSQL conninfo string or URI (default: libpq's PG* environment).")
    var postgres: String = ""

    @Option(help: "Sessions table.")
    var table: String = "sessions"

    @Option(name: .customLong("host-like"), help: "SQL LIKE pattern of the hosts to average over, e.g. '%example.com'.")
    var hostLike: String = "%"

    @Option(help: "Compare only these hosts (comma-separated).")
    var hosts: String = ""

    @Option(help: "Output: text, csv or json.")
    var format: Format = .text

    func run() throws {
        let sessionTable: SessionTable
        do {
            sessionTable = try SessionTable(table)
        } catch {
            throw ValidationError(error.description)
        }
        let report: SessionReport
        do {
            let connection = try PostgresConnection(conninfo: postgres)
            report = try SessionReport.run(
                connection, table: sessionTable, hostPattern: hostLike,
                hosts: hosts.split(separator: ",").map { String($0) })
        } catch {
            printError("sessiontail: \(error)")
            throw ExitCode(2)
        }
        var out = OutputStream()
        try out.write(ReportFormatter.render(report, as: format.rawValue))
        try out.flush()
    }
}
