import AccessLog
import PostgresSink

/// `sessiontail report` output as text, CSV, JSON or HTML, every section in each (the timeline in CSV, JSON and
/// HTML only: a row per hour or day is no reading for a terminal).
///
/// CSV is one block per section, blocks separated by an empty line, each with its own header row whose
/// first column, `section`, names the section on every row: a spreadsheet shows the blocks one under the
/// other, and a script can keep the rows of one section by their first field. JSON is one object: the
/// summary's figures as keys of their own (`host_like` and `avg_events` as before), and a key per section
/// holding an array of objects. NULL is an empty CSV field and JSON `null`. HTML is ``HTMLReport``'s page.
public enum ReportFormatter {
    public static func render(_ report: SessionReport, as format: Report.Format) -> String {
        switch format {
        case .text: text(report)
        case .csv: csv(report)
        case .json: json(report)
        case .html: HTMLReport.render(report)
        }
    }

    /// One value as the output writes it.
    enum Cell {
        /// Text; `nil` is NULL.
        case text(String?)
        /// A number as PostgreSQL wrote it; `nil` is NULL.
        case number(String?)
        case flag(Bool)
        case list([String])
    }

    /// A section as rows under named columns.
    struct Table {
        var name: String
        var columns: [String]
        var rows: [[Cell]]
    }

    static func summary(_ r: SessionReport) -> Table {
        let s = r.selection
        return Table(
            name: "summary",
            columns: [
                "host_like", "host_list", "since", "until", "include_bots", "top", "sessions", "bot_sessions",
                "avg_events", "avg_events_people", "timeline_step",
            ],
            rows: [
                [
                    .text(s.hostPattern), .list(s.hosts), .text(s.sinceMillis.map(Timestamp.iso8601(millis:))),
                    .text(s.untilMillis.map(Timestamp.iso8601(millis:))), .flag(s.includeBots), .number(String(s.top)),
                    .number(String(r.sessions)), .number(String(r.botSessions)), .number(r.averageEvents),
                    .number(r.averageEventsOfPeople), .text(r.timeline.step.rawValue),
                ]
            ])
    }

    static func tables(_ r: SessionReport) -> [Table] {
        let hosts = Table(
            name: "hosts",
            columns: [
                "host", "sessions", "avg_events", "avg_pages", "median_events", "median_duration_s", "bounce_rate",
                "bot_share",
            ],
            rows: r.hosts.map { h in
                [
                    .text(h.host), .number(String(h.sessions)), .number(h.averageEvents), .number(h.averagePages),
                    .number(h.medianEvents), .number(h.medianDurationSeconds), .number(h.bounceRate),
                    .number(h.botShare),
                ]
            })
        let timeline = Table(
            name: "timeline", columns: ["start", "sessions", "page_views"],
            rows: r.timeline.points.map { p in
                [
                    .text(Timestamp.iso8601(millis: p.startMillis)), .number(String(p.sessions)),
                    .number(String(p.pageViews)),
                ]
            })
        return [hosts]
            + (r.sections + [r.pagesPerSession]).map { section in
                Table(
                    name: section.name, columns: section.columns + ["sessions", "share"],
                    rows: section.rows.map { row in
                        row.values.map(Cell.text) + [.number(String(row.sessions)), .number(row.share)]
                    })
            } + [timeline]
    }

    // MARK: - CSV

    static func csv(_ r: SessionReport) -> String {
        ([summary(r)] + tables(r)).map { table in
            var block = (["section"] + table.columns).joined(separator: ",") + "\n"
            for row in table.rows {
                block += ([table.name] + row.map(csvValue)).map(csvField).joined(separator: ",") + "\n"
            }
            return block
        }.joined(separator: "\n")
    }

    static func csvValue(_ cell: Cell) -> String {
        switch cell {
        case .text(let s), .number(let s): s ?? ""
        case .flag(let b): b ? "true" : "false"
        case .list(let l): l.joined(separator: ",")
        }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    // MARK: - JSON

    static func json(_ r: SessionReport) -> String {
        func object(_ columns: [String], _ row: [Cell]) -> [String] {
            zip(columns, row).map { column, cell in jsonString(column) + ":" + jsonValue(cell) }
        }
        let head = summary(r)
        let members =
            object(head.columns, head.rows[0])
            + tables(r).map { table in
                let rows = table.rows.map { "{" + object(table.columns, $0).joined(separator: ",") + "}" }
                return jsonString(table.name) + ":[" + rows.joined(separator: ",") + "]"
            }
        return "{" + members.joined(separator: ",") + "}\n"
    }

    static func jsonValue(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): s.map(jsonString) ?? "null"
        case .number(let s): s ?? "null"
        case .flag(let b): b ? "true" : "false"
        case .list(let l): "[" + l.map(jsonString).joined(separator: ",") + "]"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: - text

    /// Headings of the top lists, by section name.
    static let titles = [
        "landing_pages": "Landing pages", "exit_pages": "Exit pages", "channels": "Channels",
        "referrer_hosts": "Referrer hosts", "utm_campaigns": "UTM campaigns", "browsers": "Browsers", "os": "OS",
        "devices": "Devices", "countries": "Countries", "pages_per_session": "Pages per session",
    ]

    static func text(_ r: SessionReport) -> String {
        let s = r.selection
        var out =
            s.includeBots
            ? "All sessions, bots included (bot sessions: \(r.botSessions) of \(r.sessions)).\n"
            : "Sessions of people only (bot sessions left out: \(r.botSessions); --include-bots counts them).\n"
        let range = [
            s.sinceMillis.map { "at or after " + Timestamp.iso8601(millis: $0) },
            s.untilMillis.map { "before " + Timestamp.iso8601(millis: $0) },
        ].compactMap { $0 }
        if !range.isEmpty { out += "Sessions starting " + range.joined(separator: " and ") + ".\n" }
        out +=
            "Average events per session, hosts like '\(s.hostPattern)': \(r.averageEvents ?? "no sessions")"
            + " (all sessions, the seed's figure); people: \(r.averageEventsOfPeople ?? "no sessions")\n\n"

        func unit(_ value: String?, _ unit: String) -> String { value.map { $0 + unit } ?? "-" }
        out += table(
            header: [
                "host", "sessions", "avg events", "avg pages", "median events", "median duration", "bounce rate",
                "bots",
            ],
            rows: r.hosts.map { h in
                [
                    h.host, String(h.sessions), h.averageEvents ?? "-", h.averagePages ?? "-", h.medianEvents ?? "-",
                    unit(h.medianDurationSeconds, " s"), unit(h.bounceRate, " %"), unit(h.botShare, " %"),
                ]
            }, labels: 1)
        out +=
            "Median duration: from the first page view to the last; bounce rate: sessions with exactly one page\n"
            + "view. Both are of the sessions with at least one page view. Bots: share of all the host's sessions,\n"
            + "whether bots are shown or not.\n"

        let scope = "\(r.sessions) sessions of hosts like '\(s.hostPattern)'" + (s.hosts.isEmpty ? "" : " in --hosts")
        for section in r.sections + [r.pagesPerSession] {
            let title = titles[section.name] ?? section.name
            out +=
                "\n"
                + (section.name == r.pagesPerSession.name
                    ? "\(title) of \(scope)" : "\(title), top \(s.top) of \(scope)") + "\n"
            out += table(
                header: section.columns + ["sessions", "share"],
                rows: section.rows.map { row in
                    row.values.map { $0 ?? "(none)" } + [String(row.sessions), row.share + " %"]
                }, labels: section.columns.count)
        }
        return out
    }

    /// Columns padded to their widest cell: the first `labels` left-aligned, numbers right-aligned.
    static func table(header: [String], rows: [[String]], labels: Int) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < labels ? cell + pad : pad + cell
            }
            var text = padded.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
