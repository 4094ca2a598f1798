/// The charts of the HTML report, drawn as inline SVG: no script, colours from the page's stylesheet (so
/// they follow its light and dark schemes), a `viewBox` and `width="100%"` so they scale to a phone.
///
/// Every bar is one `<rect class="bar …">` and nothing else in a chart is a `rect`: a chart of N rows of
/// one series has N of them, zero-length bars included, which is what the tests count.
enum SVGChart {
    /// One bar of a row: its length as a number, the maximum it is drawn against, the text beside it, and the
    /// class that colours it (`a`, `b`).
    struct Bar {
        var value: Double
        var maximum: Double
        var text: String
        var series: String
    }

    /// A row of a horizontal bar chart: a label above its bars.
    struct Row {
        var label: String
        var bars: [Bar]
    }

    /// Width of the horizontal charts in SVG units; about a phone's width in CSS pixels, so text stays legible.
    static let width = 360
    /// Where the bars end and their numbers begin.
    static let barsEnd = 260
    /// Characters of a label before it is cut (with `…`, the whole label in the bar's tooltip).
    static let labelCharacters = 58

    /// Horizontal bars, each row's label on a line of its own over its bars.
    static func horizontal(id: String, label: String, rows: [Row]) -> String {
        let series = rows.first?.bars.count ?? 1
        let rowHeight = 16 + series * 12 + 4
        let height = max(rows.count * rowHeight, 20)
        var svg = open(id: id, label: label, width: width, height: height)
        if rows.isEmpty {
            svg += #"<text x="0" y="14" class="muted">no sessions</text>"#
        }
        for (i, row) in rows.enumerated() {
            let top = i * rowHeight
            svg += #"<text x="0" y="\#(top + 11)" class="label">"# + HTMLText.escape(cut(row.label)) + "</text>"
            for (j, bar) in row.bars.enumerated() {
                let y = top + 15 + j * 12
                let length = bar.maximum > 0 && bar.value > 0 ? max(1, Double(barsEnd) * bar.value / bar.maximum) : 0
                svg +=
                    #"<rect class="bar \#(bar.series)" x="0" y="\#(y)" width="\#(number(length))" height="9" rx="1.5">"#
                    + "<title>" + HTMLText.escape(row.label + ": " + bar.text) + "</title></rect>"
                svg +=
                    #"<text x="\#(width)" y="\#(y + 8)" text-anchor="end" class="value">"# + HTMLText.escape(bar.text)
                    + "</text>"
            }
        }
        return svg + "</svg>"
    }

    /// A point of a time series: when (its axis label), the bar's value and the line's.
    struct Point {
        var label: String
        var bar: Int
        var line: Int
        var tooltip: String
    }

    /// Vertical bars (series `a`) with a line over them (series `b`), on one scale: sessions and page views over
    /// time. The first, middle and last points are labelled under the axis.
    static func timeSeries(id: String, label: String, points: [Point]) -> String {
        let (width, height) = (640, 230)
        let (left, right, top, bottom) = (44.0, 632.0, 10.0, 196.0)
        var svg = open(id: id, label: label, width: width, height: height)
        guard !points.isEmpty else {
            return svg + #"<text x="0" y="14" class="muted">no sessions</text></svg>"#
        }
        let highest = max(1, points.map { max($0.bar, $0.line) }.max() ?? 1)
        let step = (right - left) / Double(points.count)
        func y(_ value: Int) -> Double { bottom - (bottom - top) * Double(value) / Double(highest) }

        svg += #"<line class="axis" x1="\#(left)" y1="\#(bottom)" x2="\#(right)" y2="\#(bottom)"/>"#
        svg += #"<line class="grid" x1="\#(left)" y1="\#(top)" x2="\#(right)" y2="\#(top)"/>"#
        svg += #"<text x="\#(left - 4)" y="\#(bottom + 4)" text-anchor="end" class="muted">0</text>"#
        svg += #"<text x="\#(left - 4)" y="\#(top + 4)" text-anchor="end" class="muted">\#(highest)</text>"#
        for (i, p) in points.enumerated() {
            let x = left + Double(i) * step
            let h = bottom - y(p.bar)
            svg +=
                #"<rect class="bar a" x="\#(number(x + step * 0.1))" y="\#(number(bottom - h))" width="\#(number(step * 0.8))" height="\#(number(h))">"#
                + "<title>" + HTMLText.escape(p.tooltip) + "</title></rect>"
        }
        let line = points.enumerated().map { i, p in number(left + (Double(i) + 0.5) * step) + "," + number(y(p.line)) }
        svg += #"<polyline class="line b" points="\#(line.joined(separator: " "))"/>"#
        let labelled = Set([0, points.count / 2, points.count - 1])
        for i in labelled.sorted() {
            let anchor = i == 0 ? "start" : i == points.count - 1 ? "end" : "middle"
            let x = i == 0 ? left : i == points.count - 1 ? right : left + (Double(i) + 0.5) * step
            svg +=
                #"<text x="\#(number(x))" y="\#(bottom + 20)" text-anchor="\#(anchor)" class="muted">"#
                + HTMLText.escape(points[i].label) + "</text>"
        }
        return svg + "</svg>"
    }

    /// The opening tag, with the chart's accessible name as its first child. Inline SVG in HTML needs no
    /// `xmlns`, so the page names no URL at all.
    static func open(id: String, label: String, width: Int, height: Int) -> String {
        #"<svg id="\#(id)" class="chart" role="img" aria-labelledby="\#(id)-title" viewBox="0 0 \#(width) \#(height)" width="100%" preserveAspectRatio="xMinYMin meet">"#
            + #"<title id="\#(id)-title">"# + HTMLText.escape(label) + "</title>"
    }

    /// `label`, cut to ``labelCharacters``.
    static func cut(_ label: String) -> String {
        label.count <= labelCharacters ? label : String(label.prefix(labelCharacters - 1)) + "…"
    }

    /// A coordinate with at most one decimal: short, and exact enough for a screen.
    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : String(tenths / 10) + "." + String(abs(tenths % 10))
    }
}
