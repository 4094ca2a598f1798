import Agent
import ArgumentParser

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

    @Option(help: "PostgreSQL conninfo string or URI (default: libpq's PG* environment).")
    var postgres: String = ""

    @Option(help: "Sessions table.")
    var table: String = "sessions"

    @Option(name: .customLong("host-like"), help: "SQL LIKE pattern of the hosts to average over, e.g. '%example.com'.")
    var hostLike: String = "%"

    @Option(help: "Compare only these hosts (comma-separated).")
    var hosts: String = ""

    @Option(help: "Output: text, csv or json.")
    var format: Report.Format = .text

    func run() throws {
        let status: Int32
        do {
            status = try Report.run(postgres: postgres, table: table, hostLike: hostLike, hosts: hosts, format: format)
        } catch {
            throw ValidationError(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension Report.Format: ExpressibleByArgument {}
