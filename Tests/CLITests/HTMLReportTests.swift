import Foundation
import Testing

/// `sessiontail report --html` on ``ReportCommandTests``' sessions in a real PostgreSQL: one self-contained page
/// whose numbers are the JSON report's, a chart per figure, every text from the table escaped.
@Suite("HTMLReport: sessiontail report --html on known sessions in a real PostgreSQL")
struct HTMLReportTests {
    /// The charts' ids, in page order, and the top lists among them.
    static let topLists = [
        "landing_pages", "exit_pages", "channels", "referrer_hosts", "utm_campaigns", "browsers", "os", "devices",
        "countries",
    ]
    static let charts =
        ["timeline", "hosts", "duration-bounce", "pages_per_session", "bots"] + topLists

    /// Each `<svg id="chart-NAME" …>…</svg>` of the page, by NAME.
    static func svgs(_ html: String) -> [String: String] {
        var found: [String: String] = [:]
        for part in html.components(separatedBy: "<svg id=\"chart-").dropFirst() {
            let name = String(part.prefix { $0 != "\"" })
            found[name] = part.components(separatedBy: "</svg>").first ?? ""
        }
        return found
    }

    /// How often `needle` occurs in `text`.
    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// The `<td>` cells of each row of `<table class="NAME">`.
    static func table(_ html: String, _ name: String) -> [[String]] {
        guard let start = html.range(of: "<table class=\"\(name)\">") else { return [] }
        let body = html[start.upperBound...].components(separatedBy: "</table>").first ?? ""
        return body.components(separatedBy: "<tr>").dropFirst().compactMap { row in
            let cells = row.components(separatedBy: "<td>").dropFirst().map {
                $0.components(separatedBy: "</td>").first ?? ""
            }
            return cells.isEmpty ? nil : cells
        }
    }

    /// The numbers written beside a chart's bars (`<text … class="value">`), in order.
    static func values(_ svg: String) -> [String] {
        svg.components(separatedBy: "class=\"value\">").dropFirst().map {
            $0.components(separatedBy: "</text>").first ?? ""
        }
    }

    /// A JSON number, nil for null.
    static func figure(_ value: Any?) -> Double? { ReportCommandTests.number(value) }

    /// A cell of the page as a number (nil for `-`, NaN when it is no number).
    static func cell(_ text: String) -> Double? { text == "-" ? nil : Double(text) ?? .nan }

    @Test("--html FILE: a chart per figure, bars per row, the numbers of the JSON report, nothing from elsewhere")
    func pageAgreesWithJSON() throws {
        let sample = try ReportCommandTests.Sample()
        for args in [["--host-like", ReportCommandTests.pattern], ["--include-bots"]] {
            let path = sample.dir.path("report.html")
            let out = try sample.report(args + ["--html", path])
            #expect(out.stdout.isEmpty, "\(args): --html FILE alone prints nothing on standard output")
            #expect(out.stderrText.contains("wrote the HTML report to \(path)"), "\(out.stderrText)")
            let html = try String(contentsOfFile: path, encoding: .utf8)
            let json = try sample.json(args)

            // Self-contained: no script, nothing fetched, a phone's viewport, both colour schemes.
            let lower = html.lowercased()
            #expect(!lower.contains("<script") && !lower.contains("javascript:"))
            #expect(!lower.contains("src=") && !lower.contains("href=") && !lower.contains("url("))
            #expect(!lower.contains("http://") && !lower.contains("https://") && !lower.contains("@import"))
            #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
            #expect(html.contains("@media (prefers-color-scheme: dark)"))
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))

            // One svg per chart, each scalable, with a rect per bar: a row per series.
            let svgs = Self.svgs(html)
            #expect(Self.count("<svg", in: html) == Self.charts.count)
            #expect(Set(svgs.keys) == Set(Self.charts))
            for svg in svgs.values {
                #expect(svg.contains("viewBox=\"0 0 ") && svg.contains("width=\"100%\""))
            }
            let rows = { (key: String) in (json[key] as? [[String: Any]] ?? []).count }
            #expect(Self.count("<rect", in: svgs["timeline"] ?? "") == rows("timeline"))
            #expect(rows("timeline") == 47)
            #expect(Self.count("<rect", in: svgs["hosts"] ?? "") == 2 * rows("hosts"))
            #expect(Self.count("<rect", in: svgs["duration-bounce"] ?? "") == 2 * rows("hosts"))
            #expect(Self.count("<rect", in: svgs["pages_per_session"] ?? "") == rows("pages_per_session"))
            #expect(Self.count("<rect", in: svgs["bots"] ?? "") == 2)
            for name in Self.topLists {
                #expect(Self.count("<rect", in: svgs[name] ?? "") == rows(name), "\(name)")
                #expect(rows(name) > 0, "\(name)")
                // Each bar's numbers are the row's sessions and share: `N · S %`.
                let expected = (json[name] as? [[String: Any]] ?? []).map { row in
                    [Self.figure(row["sessions"]), Self.figure(row["share"])]
                }
                let shown = Self.values(svgs[name] ?? "").map { text in
                    text.replacingOccurrences(of: " %", with: "").components(separatedBy: " · ").map(Self.cell)
                }
                #expect(shown == expected, "\(name)")
            }

            // The per-host table is the JSON report's hosts, figure for figure.
            let hosts = (json["hosts"] as? [[String: Any]] ?? []).map { h in
                [h["host"] as? String ?? "?"]
                    + ReportCommandTests.hostColumns.map { Self.figure(h[$0]).map { String($0) } ?? "-" }
            }
            let table = Self.table(html, "hosts").map { row in
                [row.first ?? ""] + row.dropFirst().map { Self.cell($0).map { String($0) } ?? "-" }
            }
            #expect(!hosts.isEmpty && table == hosts)
            // So are the host charts' numbers, and the summary's, as PostgreSQL wrote them (the CSV report's).
            let csv = try Self.csvBlocks(sample.report(args + ["--format", "csv"]).stdout)
            let dash = { (text: String) in text.isEmpty ? "-" : text }
            #expect(Self.table(html, "hosts") == (csv["hosts"] ?? []).map { $0.map(dash) })
            #expect(
                Self.values(svgs["hosts"] ?? "")
                    == (csv["hosts"] ?? []).flatMap { h in ["\(h[1]) sessions", "\(dash(h[2])) events"] })
            #expect(
                Self.values(svgs["duration-bounce"] ?? "")
                    == (csv["hosts"] ?? []).flatMap { h in
                        [h[5].isEmpty ? "-" : h[5] + " s", h[6].isEmpty ? "-" : h[6] + " %"]
                    })
            for name in Self.topLists + ["pages_per_session"] {
                #expect(
                    Self.values(svgs[name] ?? "")
                        == (csv[name] ?? []).map { "\($0[$0.count - 2]) · \($0[$0.count - 1]) %" },
                    "\(name)")
            }
            let summary = try #require(csv["summary"]?.first)
            // sessions, bot_sessions, avg_events, avg_events_people
            let figures = Array(summary[6...9]).map(dash)
            #expect(
                figures.allSatisfy { html.contains("</dt><dd>\($0)</dd>") }
                    && Self.count("</dt><dd>", in: html) == figures.count, "\(figures)")
            let sessions = Int(summary[6]) ?? -1
            let bots = Int(summary[7]) ?? -1
            let people = json["include_bots"] as? Bool == true ? sessions - bots : sessions
            #expect(Self.values(svgs["bots"] ?? "") == ["\(people) sessions", "\(bots) sessions"])

            // The timeline's table is the CSV's and the JSON's timeline, point for point.
            let points = Self.table(html, "timeline")
            #expect(points.map { Array($0.dropFirst()) } == (csv["timeline"] ?? []).map { Array($0.dropFirst()) })
            #expect(points.count == (json["timeline"] as? [Any])?.count)
            #expect(points.first?.first == "2025-07-01 10:00" && points.last?.first == "2025-07-03 08:00")
        }
    }

    /// The CSV report's rows by section, without the header and the section column.
    static func csvBlocks(_ data: Data) -> [String: [[String]]] {
        var blocks: [String: [[String]]] = [:]
        for row in RealLogsTests.parseCSV(data) where row.count > 1 && row[0] != "section" {
            blocks[row[0], default: []].append(Array(row.dropFirst()))
        }
        return blocks
    }

    @Test("text from the table is escaped: a path, a host and a campaign of markup are text, never markup")
    func escaping() throws {
        let sample = try ReportCommandTests.Sample(
            log: """
                x<i>.test:80 10.0.0.1 - - [01/Jul/2025:10:00:00 +0000] "GET /<script>alert('1')</script>?utm_source=%3Cb%3E&utm_campaign=%22%26 HTTP/1.1" 200 5 "https://evil.test/\\"><img src=x>" "\(ReportCommandTests.firefox)"

                """, legacyLog: "")
        let json = try sample.json([])
        #expect(
            ReportCommandTests.section(json, "landing_pages", columns: ["landing_path"]) == [
                "/<script>alert('1')</script>|1|100.0"
            ])
        let out = try sample.report(["--html", "-"])
        let html = String(decoding: out.stdout, as: UTF8.self)
        #expect(!html.lowercased().contains("<script") && !html.contains("<i>") && !html.contains("<b>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("/&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;"))
        #expect(html.contains("<td>x&lt;i&gt;.test</td>"))
        #expect(html.contains("&lt;b&gt; / - / &quot;&amp;"))
        #expect(Self.count("<svg", in: html) == Self.charts.count)
    }

    @Test("--html - is standard output, as --format html; with a file, --format adds standard output; errors")
    func options() throws {
        let sample = try ReportCommandTests.Sample()
        let path = sample.dir.path("report.html")
        let file = try sample.report(["--html", path, "--format", "json"])
        #expect(try JSONSerialization.jsonObject(with: file.stdout) is [String: Any])
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(String(decoding: try sample.report(["--html", "-"]).stdout, as: UTF8.self) == page)
        #expect(String(decoding: try sample.report(["--format", "html"]).stdout, as: UTF8.self) == page)
        #expect(try sample.report(["--html", "-"]).stderrText.isEmpty)
        // The file is replaced whole: no temporary file is left beside it.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: sample.dir.path("")).filter { $0.hasSuffix(".tmp") }
                .isEmpty)

        let both = try ReportCommandTests.run(["report", "--table", sample.table, "--html", "-", "--format", "csv"])
        #expect(both.status == 64 && both.stderrText.contains("both write to standard output"), "\(both.stderrText)")
        let missing = try ReportCommandTests.run(
            ["report", "--table", sample.table, "--html", sample.dir.path("no/such/dir/report.html")])
        #expect(
            missing.status == 1 && missing.stderrText.contains("Cannot write the HTML report"), "\(missing.stderrText)")
        #expect(missing.stdout.isEmpty)
    }
}
