import PostgresSink

/// `sessiontail report`: the analysis of the sessions table.
public enum Report {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json
    }

    /// Prints the report; returns 0, or 2 when PostgreSQL cannot answer.
    public static func run(postgres: String, table: String, hostLike: String, hosts: String, format: Format)
        throws(UsageError) -> Int32
    {
        let sessionTable: SessionTable
        do {
            sessionTable = try SessionTable(table)
        } catch {
            throw UsageError(error.description)
        }
        let report: SessionReport
        do {
            let connection = try PostgresConnection(conninfo: postgres)
            report = try SessionReport.run(
                connection, table: sessionTable, hostPattern: hostLike,
                hosts: hosts.split(separator: ",").map { String($0) })
        } catch {
            printError("\(error)", level: .error)
            return 2
        }
        var out = OutputStream()
        do {
            try out.write(ReportFormatter.render(report, as: format.rawValue))
            try out.flush()
        } catch {
            printError("\(error)", level: .error)
            return 1
        }
        return 0
    }
}
