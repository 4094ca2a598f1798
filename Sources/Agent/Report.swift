import AccessLog
import PostgresSink
import SystemIO

/// `sessiontail report`: the analysis of the sessions table.
public enum Report {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json, html
    }

    /// Prints the report; returns 0, 1 when the output cannot be written, or 2 when PostgreSQL cannot answer.
    /// `since` and `until` are ISO 8601 dates or times (UTC unless they carry an offset), empty when not given;
    /// `hosts` is comma-separated.
    ///
    /// `html`, when given, is where the HTML page goes, as GoAccess's `-o report.html`: a file, replaced whole
    /// (a web server serving it never sees half a page), with a note of where on standard error; standard output
    /// then carries `format` only when one is given. `-` is standard output, like `--format html`, and then no
    /// other format may be asked for.
    public static func run(
        postgres: String, table: String, hostLike: String, hosts: String, since: String = "", until: String = "",
        includeBots: Bool = false, top: Int = 10, format: Format?, html: String? = nil
    ) throws(UsageError) -> Int32 {
        let sessionTable: SessionTable
        do {
            sessionTable = try SessionTable(table)
        } catch {
            throw UsageError(error.description)
        }
        guard top >= 1 else { throw UsageError("--top \(top): give a number of rows of 1 or more.") }
        if html == "-", let format, format != .html {
            throw UsageError(
                "--html - and --format \(format.rawValue) both write to standard output: leave out --format, "
                    + "or give --html a file name.")
        }
        if html?.isEmpty == true { throw UsageError("--html needs a file name, or - for standard output.") }
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
        if let html, html != "-" {
            let page = Array(ReportFormatter.render(report, as: .html).utf8)
            do {
                try FileSystem.writeAtomically(page, to: html, durable: false, mode: 0o644)
            } catch {
                printError(
                    "Cannot write the HTML report to \(error). Check that its directory exists and is writable.",
                    level: .error)
                return 1
            }
            printError("wrote the HTML report to \(html) (\(page.count) bytes)")
            guard format != nil else { return 0 }
        }
        var out = OutputStream()
        do {
            try out.write(ReportFormatter.render(report, as: html == "-" ? .html : format ?? .text))
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
