import PostgresSink

/// `sessiontail report` output as a text table, CSV or JSON.
public enum ReportFormatter {
    public static func render(_ report: SessionReport, as format: String) -> String {
        switch format {
        case "csv":
            var out = "host,sessions,avg_events,median_events,median_duration_s,bounce_rate\n"
            for h in report.hosts {
                out +=
                    [
                        h.host, String(h.sessions), h.averageEvents, h.medianEvents, h.medianDurationSeconds,
                        h.bounceRate,
                    ]
                    .map(csvField).joined(separator: ",") + "\n"
            }
            return out
        case "json":
            let hosts = report.hosts.map { h in
                "{\"host\":\(jsonString(h.host)),\"sessions\":\(h.sessions),\"avg_events\":\(h.averageEvents),"
                    + "\"median_events\":\(h.medianEvents),\"median_duration_s\":\(h.medianDurationSeconds),"
                    + "\"bounce_rate\":\(h.bounceRate)}"
            }
            return "{\"host_like\":\(jsonString(report.hostPattern)),\"avg_events\":\(report.averageEvents ?? "null"),"
                + "\"hosts\":[\(hosts.joined(separator: ","))]}\n"
        default:
            var out =
                "Average events per session, hosts like '\(report.hostPattern)': \(report.averageEvents ?? "no sessions")\n\n"
            let header = ["host", "sessions", "avg events", "median events", "median duration", "bounce rate"]
            let rows = report.hosts.map { h in
                [
                    h.host, String(h.sessions), h.averageEvents, h.medianEvents, h.medianDurationSeconds + " s",
                    h.bounceRate + " %",
                ]
            }
            let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i == 0 ? cell + pad : pad + cell
                }.joined(separator: "  ") + "\n"
            }
            out += line(header)
            for row in rows { out += line(row) }
            return out
        }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
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
}
