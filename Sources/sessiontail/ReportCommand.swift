import Agent
import ArgumentParser

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "What visitors did, from the sessions table: per host, and the top pages, sources and browsers.",
        discussion: """
            About people by default: bot sessions are left out (--include-bots counts them); rows shipped \
            before classification count as people. The first figure is the seed analysis \
            SELECT ROUND(AVG(event_count), 2) FROM sessions WHERE host LIKE PATTERN, over all sessions, then \
            the same over people's. The comparison gives, per host, sessions, average events and pages per \
            session, median events, the median duration (first page view to last) and the bounce rate \
            (sessions with exactly one page view), both of the sessions with at least one page view, and the \
            share of bot sessions (of all the host's sessions, whether bots are shown or not). Then top lists \
            (--top N rows, default 10) with sessions and shares, none as a row of its own: landing and exit \
            pages, channels, referrer hosts, UTM campaigns, browsers, OS and devices. --host-like selects the \
            hosts of the averages and the top lists; --hosts limits the comparison and the top lists. --since \
            and --until select sessions by their start: from --since, before --until. CSV: one block per \
            section with its own header, separated by an empty line, the section's name in the first column; \
            JSON: one object. CSV and JSON add pages per session and the timeline (sessions and page views per \
            hour, or per day when the sessions span more than three days). --html FILE writes all of it as one \
            self-contained page with charts (no script, nothing loaded from elsewhere), replacing FILE whole; \
            standard output then carries a report only when --format is given. --html - writes the page to \
            standard output.
            """
    )

    @Option(help: "PostgreSQL conninfo string or URI (default: libpq's PG* environment).")
    var postgres: String = ""

    @Option(help: "Sessions table.")
    var table: String = "sessions"

    @Option(
        name: .customLong("host-like"),
        help: "SQL LIKE pattern of the hosts of the averages and top lists, e.g. '%example.com'.")
    var hostLike: String = "%"

    @Option(help: "Compare only these hosts (comma-separated); the top lists too.")
    var hosts: String = ""

    @Option(help: "Sessions starting at or after this ISO 8601 date or time, UTC unless it has an offset.")
    var since: String = ""

    @Option(help: "Sessions starting before this ISO 8601 date or time (2025-08-01: up to July's end).")
    var until: String = ""

    @Flag(name: .customLong("include-bots"), help: "Count bot sessions too (left out by default).")
    var includeBots = false

    @Option(help: "Rows of each top list.")
    var top: Int = 10

    @Option(help: "Output: text (the default), csv, json or html.")
    var format: Report.Format?

    @Option(
        help: ArgumentHelp(
            "Write the report as one self-contained HTML page to FILE (- for standard output).", valueName: "FILE"))
    var html: String?

    func run() throws {
        let status: Int32
        do {
            status = try Report.run(
                postgres: postgres, table: table, hostLike: hostLike, hosts: hosts, since: since, until: until,
                includeBots: includeBots, top: top, format: format, html: html)
        } catch {
            throw ValidationError(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension Report.Format: ExpressibleByArgument {}
