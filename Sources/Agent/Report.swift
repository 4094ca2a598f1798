import AccessLog
import PostgresSink

/// `sessiontail report`: the analysis of the sessions table.
public enum Report {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json
    }

    /// Prints the report; returns 0, or 2 when PostgreSQL cannot answer. `since` and `until` are ISO 8601
    /// dates or times (UTC unless they carry an offset), empty when not given; `hosts` is comma-separated.
    public static func run(
        postgres: String, table: String, hostLike: String, hosts: String, since: String = "", until: String = "",
        includeBots: Bool = false, top: Int = 10, format: Format
    ) throws(UsageError) -> Int32 {
        let sessionTable: SessionTable
        do {
            sessionTable = try SessionTable(table)
        } catch {
            throw UsageError(error.description)
        }
        guard top >= 1 else { throw UsageError("--top \(top): give a number of rows of 1 or more.") }
        let selection = SessionReport.Selection(
            hostPattern: hostLike, hosts: hosts.split(separator: ",").map { String($0) },
            sinceMillis: try since.isEmpty ? nil : instant(since, option: "--since"),
            untilMillis: try until.isEmpty ? nil : instant(until, option: "--until"), includeBots: includeBots, top: top
        )
        if let from = selection.sinceMillis, let to = selection.untilMillis, to <= from {
            throw UsageError("--until \(until) is not after --since \(since): the range holds no session start.")
        }
        let report: SessionReport
        do {
            let connection = try PostgresConnection(conninfo: postgres)
            report = try SessionReport.run(connection, table: sessionTable, selection: selection)
        } catch {
            printError("\(error)", level: .error)
            return 2
        }
        var out = OutputStream()
        do {
            try out.write(ReportFormatter.render(report, as: format))
            try out.flush()
        } catch {
            printError("\(error)", level: .error)
            return 1
        }
        return 0
    }

    /// `2025-07-01` (midnight), `2025-07-01T12:30` or `2025-07-01T12:30:00[.123]`, UTC, or followed by `Z`
    /// or an offset (`+02:00`); a space may stand for the `T`. Milliseconds since the epoch.
    static func instant(_ text: String, option: String) throws(UsageError) -> Int64 {
        var bytes = Array(text.utf8)
        if bytes.count == 10 { bytes += Array("T00:00".utf8) }
        if bytes.count >= 16 && (bytes.count == 16 || bytes[16] != UInt8(ascii: ":")) {
            bytes.insert(contentsOf: Array(":00".utf8), at: 16)
        }
        for candidate in [bytes, bytes + [UInt8(ascii: "Z")]] {
            if let millis = candidate.withUnsafeBytes({ Timestamp.parseISO8601($0) }) { return millis }
        }
        throw UsageError(
            "\(option) '\(text)' is not an ISO 8601 date or time: write 2025-07-01 or 2025-07-01T12:00:00 (UTC), "
                + "or add an offset (2025-07-01T14:00:00+02:00)."
        )
    }
}
