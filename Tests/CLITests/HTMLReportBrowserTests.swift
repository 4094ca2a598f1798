import Foundation
import Testing

/// The HTML report in a real browser: Debian's chromium, headless, offline (every host name resolves to
/// nothing), on sessions that `sessiontail sessionize --output postgres` made of the bundled real logs. It
/// draws the charts (the DOM after layout has every svg and bar), looks like something in light and dark
/// (the screenshots are not one colour, the background follows `prefers-color-scheme`), and asks the network
/// for nothing: the net log has no request from the page, where a page that does load something shows it.
///
/// With `SESSIONTAIL_REPORT_SCREENSHOT=PATH` the light screenshot is also written to PATH (the README's
/// `docs/report.png`).
@Suite("HTMLReportBrowser: the HTML report rendered by headless chromium, offline")
struct HTMLReportBrowserTests {
    static let chromium = "/usr/bin/chromium"

    /// The real logs as `scripts/demo.sh` ships them: host, format, file under data/real.
    static let logs = [
        ("semicomplete.com", "combined", "elastic-examples_apache_logs.log"),
        ("home.lan", "combined", "jul-yahi_biggersample.log"),
        ("ksc.nasa.gov", "common", "nasa-aug95_sample_aman-panchal.log"),
    ]

    /// Runs chromium headless on `page` with a profile of its own in `dir`, killed after 60 s.
    static func browse(_ page: String, dir: ScratchDirectory, _ args: [String]) throws -> RealLogsTests.Output {
        let profile = dir.path("profile-\(UUID().uuidString)")
        let out = try RealLogsTests.run(
            "/usr/bin/timeout",
            [
                "-k", "5", "60", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
            ] + args + ["file://" + page], cwd: URL(fileURLWithPath: dir.path("")))
        try #require(out.status == 0, "chromium \(args): status \(out.status): \(out.stderrText)")
        return out
    }

    /// The URLs the page asked the network for, from a chromium net log: requests whose initiator is an origin
    /// (a `file://` page's is `null`), not the browser's own (`not an origin`: its updater, its account check).
    static func pageRequests(netLog path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "net log: no object")
        let types = (log["constants"] as? [String: Any])?["logEventTypes"] as? [String: Int] ?? [:]
        let start = try #require(types["URL_REQUEST_START_JOB"], "net log: no URL_REQUEST_START_JOB type")
        return (log["events"] as? [[String: Any]] ?? []).compactMap { event in
            guard event["type"] as? Int == start, let params = event["params"] as? [String: Any],
                let url = params["url"] as? String, params["initiator"] as? String != "not an origin"
            else { return nil }
            return url
        }
    }

    /// A PNG's width, height, number of distinct colours and the colour at (4, 4), decoded by python3's zlib.
    static func png(_ path: String) throws -> (width: Int, height: Int, colours: Int, corner: [Int]) {
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
            pos, idat = 8, b''
            while pos < len(data):
                length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b'IHDR':
                    width, height, depth, colour = struct.unpack('>IIBB', body[:10])
                elif kind == b'IDAT':
                    idat += body
                pos += 12 + length
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
            raw, stride = zlib.decompress(idat), width * bpp
            prev, rows, i = bytearray(stride), [], 0
            for _ in range(height):
                f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
                i += 1 + stride
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0
                    b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                    if f == 1: line[x] = (line[x] + a) & 255
                    elif f == 2: line[x] = (line[x] + b) & 255
                    elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c
                        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                rows.append(bytes(line))
                prev = line
            colours = set()
            for line in rows:
                colours.update(line[x:x + 3] for x in range(0, stride, bpp))
            corner = rows[4][4 * bpp:4 * bpp + 3]
            print(width, height, len(colours), *corner)
            """
        let out = try RealLogsTests.run(
            "/usr/bin/env", ["python3", "-c", script, path], cwd: URL(fileURLWithPath: "/"))
        try #require(out.status == 0, "decoding \(path): \(out.stderrText)")
        let n = String(decoding: out.stdout, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(n.count == 6, "decoding \(path): \(String(decoding: out.stdout, as: UTF8.self))")
        return (n[0], n[1], n[2], Array(n[3...]))
    }

    @Test("chromium draws every chart and bar, light and dark, and fetches nothing")
    func rendersOffline() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.chromium), "scripts/install-deps.sh installs chromium")
        let sample = try ReportCommandTests.Sample(log: "", legacyLog: "")
        for (host, format, file) in Self.logs {
            let shipped = try ReportCommandTests.run([
                "sessionize", "--output", "postgres", "--table", sample.table, "--agent-id", "demo", "--format", format,
                "--host", host, RealLogsTests.packageRoot.appendingPathComponent("data/real/\(file)").path,
            ])
            try #require(shipped.status == 0, "sessionize \(file): \(shipped.stderrText)")
        }
        let args = ["--host-like", "semicomplete.com"]
        let page = sample.dir.path("report.html")
        _ = try sample.report(args + ["--html", page])
        let json = try sample.json(args)
        let rows = { (key: String) in (json[key] as? [Any] ?? []).count }
        let bars =
            rows("timeline") + 4 * rows("hosts") + rows("pages_per_session") + 2
            + HTMLReportTests.topLists.map(rows).reduce(0, +)
        #expect(rows("hosts") == 3 && rows("timeline") == 4 && json["timeline_step"] as? String == "day")

        // The DOM after parsing and layout: every chart and bar is there, and no script.
        let netLog = sample.dir.path("net.json")
        let dom = String(
            decoding: try Self.browse(page, dir: sample.dir, ["--dump-dom", "--log-net-log=\(netLog)"]).stdout,
            as: UTF8.self)
        #expect(HTMLReportTests.count("<svg", in: dom) == HTMLReportTests.charts.count)
        #expect(HTMLReportTests.count("<rect", in: dom) == bars)
        #expect(HTMLReportTests.count("<polyline", in: dom) == 1)
        #expect(!dom.lowercased().contains("<script"))
        #expect(dom.contains("semicomplete.com") && dom.contains("</html>"))
        #expect(try Self.pageRequests(netLog: netLog) == [])

        // The same check sees what a page that loads from elsewhere asks for (and is refused offline).
        let loader = sample.dir.path("loader.html")
        try #"<!DOCTYPE html><p>x<img src="https://sessiontail.invalid/x.png">"#.write(
            toFile: loader, atomically: false, encoding: .utf8)
        let loaderLog = sample.dir.path("loader-net.json")
        _ = try Self.browse(loader, dir: sample.dir, ["--dump-dom", "--log-net-log=\(loaderLog)"])
        #expect(try Self.pageRequests(netLog: loaderLog) == ["https://sessiontail.invalid/x.png"])

        // Light by default, dark when the reader prefers it; charts and text make many colours.
        let light = sample.dir.path("light.png")
        let dark = sample.dir.path("dark.png")
        _ = try Self.browse(page, dir: sample.dir, ["--window-size=1000,1600", "--screenshot=\(light)"])
        _ = try Self.browse(
            page, dir: sample.dir, ["--window-size=400,800", "--force-dark-mode", "--screenshot=\(dark)"])
        let l = try Self.png(light)
        #expect(l.width == 1000 && l.height == 1600)
        #expect(l.colours > 100, "light screenshot: \(l.colours) colours")
        #expect(l.corner == [255, 255, 255], "light background: \(l.corner)")
        let d = try Self.png(dark)
        #expect(d.width == 400 && d.height == 800)
        #expect(d.colours > 100, "dark screenshot: \(d.colours) colours")
        #expect(d.corner.allSatisfy { $0 < 40 }, "dark background: \(d.corner)")

        if let target = ProcessInfo.processInfo.environment["SESSIONTAIL_REPORT_SCREENSHOT"], !target.isEmpty {
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: light, toPath: target)
        }
    }
}
