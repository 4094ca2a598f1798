import AccessLog
import PostgresSink

/// `sessiontail report --html`: the report as one self-contained HTML page.
///
/// Nothing is loaded from anywhere: the style is inline, there is no script, no font, no image, and the charts
/// are inline SVG (``SVGChart``), so the file reads the same from a web server, a mail attachment or a disk
/// without a network. Light and dark follow the reader's `prefers-color-scheme`; widths are fluid and the
/// charts scale, so it reads on a phone. Every number is a ``SessionReport`` value written as the text, CSV and
/// JSON reports write it; every text from the table is escaped (``HTMLText``).
///
/// ```swift
/// let page = HTMLReport.render(report)   // a String holding the whole document
/// ```
public enum HTMLReport {
    /// The whole document.
    public static func render(_ r: SessionReport) -> String {
        var page = head(r)
        page += summary(r)
        page += timeline(r)
        page += hosts(r)
        page += "<div class=\"grid\">\n"
        page += durationAndBounce(r) + pagesPerSession(r) + botsAndPeople(r)
        for section in r.sections { page += topList(section, of: r) }
        page += "</div>\n"
        page +=
            "<footer><p>Made by sessiontail report from the sessions table, in one read-only snapshot. "
            + "Median duration is from the first page view to the last; a bounce is a session with exactly one "
            + "page view; both are of the sessions with at least one page view. Bots: share of all the host's "
            + "sessions, whether bots are shown or not.</p></footer>\n</main>\n</body>\n</html>\n"
        return page
    }

    /// The page's colours, as custom properties both schemes set; the charts take theirs from them.
    static let style = """
        :root{color-scheme:light dark;--fg:#1c2128;--muted:#5a6472;--bg:#ffffff;--card:#f4f6f9;--line:#d3d9e1;\
        --a:#2f6bd8;--b:#d9731f}
        @media (prefers-color-scheme: dark){:root{--fg:#e4e8ee;--muted:#9ba5b3;--bg:#101317;--card:#1a1f26;\
        --line:#313a46;--a:#6d9fff;--b:#f29b52}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--fg);\
        font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
        main{max-width:1120px;margin:0 auto;padding:8px 14px 24px}
        h1{font-size:1.5em;margin:.5em 0 .2em}
        h2{font-size:1.1em;margin:0 0 .4em}
        p{margin:.3em 0}
        .muted,footer{color:var(--muted)}
        footer{font-size:.85em;margin-top:1.5em}
        section{background:var(--card);border-radius:10px;padding:12px 14px;margin:14px 0;min-width:0}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:0 14px}
        dl.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,200px),1fr));gap:10px;margin:0}
        dl.figures div{background:var(--bg);border-radius:8px;padding:8px 10px}
        dt{color:var(--muted);font-size:.85em}
        dd{margin:0;font-size:1.6em;font-variant-numeric:tabular-nums}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9em}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
        th:first-child,td:first-child{text-align:left}
        th{font-weight:600;color:var(--muted)}
        details{margin-top:.5em}
        summary{cursor:pointer;color:var(--muted)}
        .legend{font-size:.85em;color:var(--muted)}
        .swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .3em 0 .8em;\
        vertical-align:-.05em}
        .swatch.a{background:var(--a)}
        .swatch.line{height:3px;vertical-align:.2em}
        .swatch.b{background:var(--b)}
        svg.chart{display:block;width:100%;height:auto;max-width:600px;margin-top:6px}
        #chart-timeline{max-width:none}
        #chart-timeline text{font-size:11px}
        svg text{fill:var(--fg);font-size:11px;font-variant-numeric:tabular-nums}
        svg text.value,svg text.muted{fill:var(--muted);font-size:10px}
        rect.bar.a{fill:var(--a)}
        rect.bar.b{fill:var(--b)}
        polyline.line.b{fill:none;stroke:var(--b);stroke-width:2;stroke-linejoin:round}
        line.axis{stroke:var(--muted);stroke-width:1}
        line.grid{stroke:var(--line);stroke-width:1;stroke-dasharray:3 3}
        """

    static func head(_ r: SessionReport) -> String {
        let s = r.selection
        var scope = [
            "Hosts like '\(s.hostPattern)'" + (s.hosts.isEmpty ? "" : ", only " + s.hosts.joined(separator: ", "))
        ]
        let range = [
            s.sinceMillis.map { "at or after " + Timestamp.iso8601(millis: $0) },
            s.untilMillis.map { "before " + Timestamp.iso8601(millis: $0) },
        ].compactMap { $0 }
        if !range.isEmpty { scope.append("sessions starting " + range.joined(separator: " and ")) }
        scope.append(
            s.includeBots
                ? "all sessions, bots included"
                : "sessions of people only (bot sessions left out; --include-bots counts them)")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>Sessions: hosts like \(HTMLText.escape("'" + s.hostPattern + "'")) — sessiontail report</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            <h1>Visitor sessions</h1>
            <p class="muted">\(HTMLText.escape(scope.joined(separator: "; "))).</p>

            """
    }

    static func summary(_ r: SessionReport) -> String {
        let figures: [(String, String)] = [
            ("Sessions counted", String(r.sessions)),
            (r.selection.includeBots ? "Bot sessions among them" : "Bot sessions left out", String(r.botSessions)),
            ("Average events per session (all sessions, the seed's figure)", r.averageEvents ?? "-"),
            ("Average events per session, people", r.averageEventsOfPeople ?? "-"),
        ]
        return "<section id=\"summary\"><dl class=\"figures\">"
            + figures.map { "<div><dt>\(HTMLText.escape($0.0))</dt><dd>\(HTMLText.escape($0.1))</dd></div>" }.joined()
            + "</dl></section>\n"
    }

    /// A time as the timeline labels it: the hour, the day, the week's Monday or the month, UTC.
    static func label(_ millis: Int64, _ step: SessionReport.Timeline.Step) -> String {
        let iso = Timestamp.iso8601(millis: millis)  // 2025-07-01T10:00:00Z
        switch step {
        case .hour: return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5))
        case .day: return String(iso.prefix(10))
        case .week: return "week of " + String(iso.prefix(10))
        case .month: return String(iso.prefix(7))
        }
    }

    static func timeline(_ r: SessionReport) -> String {
        let step = r.timeline.step
        let points = r.timeline.points.map { p in
            let when = label(p.startMillis, step)
            return SVGChart.Point(
                label: when, bar: p.sessions, line: p.pageViews,
                tooltip: "\(when) UTC: \(p.sessions) sessions, \(p.pageViews) page views")
        }
        let title = "Sessions and page views per \(step.rawValue)"
        var html = "<section id=\"timeline\"><h2>\(title)</h2>"
        html += legend([("a", "sessions"), ("b line", "page views")]) + " <span class=\"legend\">(times in UTC)</span>"
        html += SVGChart.timeSeries(id: "chart-timeline", label: title, points: points)
        html += "<details><summary>The numbers</summary><div class=\"scroll\"><table class=\"timeline\">"
        html += "<tr><th>\(step.rawValue) (UTC)</th><th>sessions</th><th>page views</th></tr>"
        for p in r.timeline.points {
            html +=
                "<tr><td>\(HTMLText.escape(label(p.startMillis, step)))</td><td>\(p.sessions)</td>"
                + "<td>\(p.pageViews)</td></tr>"
        }
        return html + "</table></div></details></section>\n"
    }

    static func hosts(_ r: SessionReport) -> String {
        var html = "<section id=\"hosts\"><h2>Hosts</h2><div class=\"scroll\"><table class=\"hosts\">"
        html +=
            "<tr><th>host</th><th>sessions</th><th>avg events</th><th>avg pages</th><th>median events</th>"
            + "<th>median duration (s)</th><th>bounce rate (%)</th><th>bots (%)</th></tr>"
        for h in r.hosts {
            let cells = [
                h.host, String(h.sessions), h.averageEvents ?? "-", h.averagePages ?? "-", h.medianEvents ?? "-",
                h.medianDurationSeconds ?? "-", h.bounceRate ?? "-", h.botShare ?? "-",
            ]
            html += "<tr>" + cells.map { "<td>" + HTMLText.escape($0) + "</td>" }.joined() + "</tr>"
        }
        html += "</table></div>"
        let sessions = Double(r.hosts.map(\.sessions).max() ?? 0)
        let events = r.hosts.compactMap { $0.averageEvents.flatMap(Double.init) }.max() ?? 0
        let rows = r.hosts.map { h in
            SVGChart.Row(
                label: h.host,
                bars: [
                    .init(value: Double(h.sessions), maximum: sessions, text: "\(h.sessions) sessions", series: "a"),
                    .init(
                        value: h.averageEvents.flatMap(Double.init) ?? 0, maximum: events,
                        text: (h.averageEvents ?? "-") + " events", series: "b"),
                ])
        }
        html += legend([("a", "sessions"), ("b", "average events per session")])
        html += SVGChart.horizontal(
            id: "chart-hosts", label: "Sessions and average events per session by host", rows: rows)
        return html + "</section>\n"
    }

    static func durationAndBounce(_ r: SessionReport) -> String {
        let longest = r.hosts.compactMap { $0.medianDurationSeconds.flatMap(Double.init) }.max() ?? 0
        let rows = r.hosts.map { h in
            SVGChart.Row(
                label: h.host,
                bars: [
                    .init(
                        value: h.medianDurationSeconds.flatMap(Double.init) ?? 0, maximum: longest,
                        text: h.medianDurationSeconds.map { $0 + " s" } ?? "-", series: "a"),
                    .init(
                        value: h.bounceRate.flatMap(Double.init) ?? 0, maximum: 100,
                        text: h.bounceRate.map { $0 + " %" } ?? "-", series: "b"),
                ])
        }
        let title = "Median duration and bounce rate by host"
        return "<section id=\"duration-bounce\"><h2>\(title)</h2>"
            + legend([("a", "median duration"), ("b", "bounce rate")])
            + SVGChart.horizontal(id: "chart-duration-bounce", label: title, rows: rows) + "</section>\n"
    }

    static func pagesPerSession(_ r: SessionReport) -> String {
        let section = r.pagesPerSession
        return "<section id=\"pages_per_session\"><h2>Pages per session</h2>"
            + "<p class=\"legend\">of \(r.sessions) sessions</p>"
            + SVGChart.horizontal(id: "chart-pages_per_session", label: "Sessions by pages viewed", rows: rows(section))
            + "</section>\n"
    }

    static func botsAndPeople(_ r: SessionReport) -> String {
        let highest = Double(max(r.people, r.botSessions))
        let rows = [
            SVGChart.Row(
                label: "People",
                bars: [.init(value: Double(r.people), maximum: highest, text: "\(r.people) sessions", series: "a")]),
            SVGChart.Row(
                label: "Bots",
                bars: [
                    .init(
                        value: Double(r.botSessions), maximum: highest, text: "\(r.botSessions) sessions", series: "b")
                ]),
        ]
        let note =
            r.selection.includeBots
            ? "Both are counted in this report."
            : "Bot sessions are left out of the other figures (--include-bots counts them)."
        return "<section id=\"bots\"><h2>People and bots</h2><p class=\"legend\">\(HTMLText.escape(note))</p>"
            + SVGChart.horizontal(id: "chart-bots", label: "Sessions of people and of bots", rows: rows)
            + "</section>\n"
    }

    static func topList(_ section: SessionReport.Section, of r: SessionReport) -> String {
        let title = ReportFormatter.titles[section.name] ?? section.name
        return "<section id=\"\(HTMLText.escape(section.name))\"><h2>\(HTMLText.escape(title))</h2>"
            + "<p class=\"legend\">top \(r.selection.top) of \(r.sessions) sessions</p>"
            + SVGChart.horizontal(id: "chart-" + HTMLText.escape(section.name), label: title, rows: rows(section))
            + "</section>\n"
    }

    /// A section's rows as bars of their sessions, against its largest; a row of NULLs is `(none)`.
    static func rows(_ section: SessionReport.Section) -> [SVGChart.Row] {
        let most = Double(section.rows.map(\.sessions).max() ?? 0)
        return section.rows.map { row in
            let label =
                row.values.allSatisfy { $0 == nil } ? "(none)" : row.values.map { $0 ?? "-" }.joined(separator: " / ")
            return SVGChart.Row(
                label: label,
                bars: [
                    .init(
                        value: Double(row.sessions), maximum: most, text: "\(row.sessions) · \(row.share) %",
                        series: "a")
                ])
        }
    }

    static func legend(_ items: [(series: String, text: String)]) -> String {
        "<span class=\"legend\">"
            + items.map { "<span class=\"swatch \($0.series)\"></span>" + HTMLText.escape($0.text) }.joined()
            + "</span>"
    }
}
