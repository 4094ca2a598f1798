import Foundation
import Testing

/// `sessiontail report` on a small set of sessions whose figures are known by hand, shipped the way an
/// operator ships them (`sessiontail sessionize --output postgres` on a log written here) into a real
/// PostgreSQL (libpq's PG* environment; run under `pg_virtualenv`). Each test has a schema of its own
/// holding a table named `sessions`, so that the seed's queries run on it verbatim.
@Suite("ReportCommand: sessiontail report on known sessions in a real PostgreSQL")
struct ReportCommandTests {
    /// Eight sessions on two hosts (classified), one more on a third host shipped with `--no-classify`.
    ///
    /// Duration is from the first page view to the last (the session's own, when it differs, in brackets).
    ///
    /// | host | client | start (UTC) | events | pages | bot | duration | landing → exit | channel, referrer host |
    /// |---|---|---|---|---|---|---|---|---|
    /// | shop | .0.1 | 07-01 10:00 | 4 | 3 | | 120 s | / → /cart | direct; utm news/email/july sale; Firefox, Linux |
    /// | shop | .0.2 | 07-01 11:00 | 2 | 1 | | 0 s (30 s) | /products → /products | external www.google.com; Chrome, Windows |
    /// | shop | .0.9 | 07-01 12:00 | 5 | 4 | Googlebot | 30 s (40 s) | / → /cart (robots.txt first) | direct |
    /// | shop | .0.3 | 07-02 09:00 | 2 | 2 | | 180 s | / → /about | internal shop.techcreator.io; iPhone |
    /// | shop | .0.8 | 07-03 07:00 | 1 | 1 | user agent `-` | 0 s | / → / | direct |
    /// | blog | .1.1 | 07-02 14:00 | 1 | 1 | | 0 s | /post/1 → /post/1 | external news.ycombinator.com; Firefox |
    /// | blog | .1.9 | 07-02 15:00 | 2 | 2 | bingbot | 5 s | /post/1 → /post/2 | direct |
    /// | blog | .1.2 | 07-03 08:00 | 1 | 0 | | none (0 s) | /feed.xml → (none) | (none: no page view); Chrome, Windows |
    /// | legacy.test | 9.9 | 07-02 10:00 | 3 | NULL | NULL | unknown (20 s) | unclassified, as rows from before version 2 | |
    static let log = """
        shop.techcreator.io:443 10.0.0.1 - - [01/Jul/2025:10:00:00 +0000] "GET /?utm_source=news&utm_medium=email&utm_campaign=july%20sale HTTP/1.1" 200 512 "-" "\(firefox)"
        shop.techcreator.io:443 10.0.0.1 - - [01/Jul/2025:10:00:01 +0000] "GET /style.css HTTP/1.1" 200 100 "https://shop.techcreator.io/" "\(firefox)"
        shop.techcreator.io:443 10.0.0.1 - - [01/Jul/2025:10:01:00 +0000] "GET /products HTTP/1.1" 200 512 "https://shop.techcreator.io/" "\(firefox)"
        shop.techcreator.io:443 10.0.0.1 - - [01/Jul/2025:10:02:00 +0000] "GET /cart HTTP/1.1" 200 512 "https://shop.techcreator.io/products" "\(firefox)"
        shop.techcreator.io:443 10.0.0.2 - - [01/Jul/2025:11:00:00 +0000] "GET /products HTTP/1.1" 200 512 "https://www.google.com/search?q=x" "\(chrome)"
        shop.techcreator.io:443 10.0.0.2 - - [01/Jul/2025:11:00:30 +0000] "GET /logo.png HTTP/1.1" 200 512 "https://shop.techcreator.io/products" "\(chrome)"
        shop.techcreator.io:443 10.0.0.9 - - [01/Jul/2025:12:00:00 +0000] "GET /robots.txt HTTP/1.1" 200 50 "-" "\(googlebot)"
        shop.techcreator.io:443 10.0.0.9 - - [01/Jul/2025:12:00:10 +0000] "GET / HTTP/1.1" 200 512 "-" "\(googlebot)"
        shop.techcreator.io:443 10.0.0.9 - - [01/Jul/2025:12:00:20 +0000] "GET /products HTTP/1.1" 200 512 "-" "\(googlebot)"
        shop.techcreator.io:443 10.0.0.9 - - [01/Jul/2025:12:00:30 +0000] "GET /about HTTP/1.1" 200 512 "-" "\(googlebot)"
        shop.techcreator.io:443 10.0.0.9 - - [01/Jul/2025:12:00:40 +0000] "GET /cart HTTP/1.1" 200 512 "-" "\(googlebot)"
        shop.techcreator.io:443 10.0.0.3 - - [02/Jul/2025:09:00:00 +0000] "GET / HTTP/1.1" 200 512 "https://shop.techcreator.io/products" "\(iphone)"
        shop.techcreator.io:443 10.0.0.3 - - [02/Jul/2025:09:03:00 +0000] "GET /about HTTP/1.1" 200 512 "https://shop.techcreator.io/" "\(iphone)"
        shop.techcreator.io:443 10.0.0.8 - - [03/Jul/2025:07:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "-"
        blog.techcreator.io:443 10.0.1.1 - - [02/Jul/2025:14:00:00 +0000] "GET /post/1 HTTP/1.1" 200 512 "https://news.ycombinator.com/item?id=1" "\(firefox)"
        blog.techcreator.io:443 10.0.1.9 - - [02/Jul/2025:15:00:00 +0000] "GET /post/1 HTTP/1.1" 200 512 "-" "\(bingbot)"
        blog.techcreator.io:443 10.0.1.9 - - [02/Jul/2025:15:00:05 +0000] "GET /post/2 HTTP/1.1" 200 512 "-" "\(bingbot)"
        blog.techcreator.io:443 10.0.1.2 - - [03/Jul/2025:08:00:00 +0000] "GET /feed.xml HTTP/1.1" 200 512 "-" "\(chrome)"

        """
    static let legacyLog = """
        legacy.test:80 10.9.9.9 - - [02/Jul/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"
        legacy.test:80 10.9.9.9 - - [02/Jul/2025:10:00:10 +0000] "GET /a.css HTTP/1.1" 200 5 "-" "-"
        legacy.test:80 10.9.9.9 - - [02/Jul/2025:10:00:20 +0000] "GET /b HTTP/1.1" 200 5 "-" "-"

        """
    static let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    static let iphone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    static let bingbot = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"

    static let shop = "shop.techcreator.io"
    static let blog = "blog.techcreator.io"
    static let pattern = "%techcreator.io"
    /// The columns of a host's figures, in the order the expectations below list them.
    static let hostColumns = [
        "sessions", "avg_events", "avg_pages", "median_events", "median_duration_s", "bounce_rate", "bot_share",
    ]

    /// A schema of the test's own with the sample shipped into its `sessions` table; dropped on deinit.
    final class Sample {
        let schema = "report_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        var table: String { schema + ".sessions" }
        let dir: ScratchDirectory

        /// `log` shipped classified, and `legacyLog` (when not empty) as rows from before classification.
        init(log: String = ReportCommandTests.log, legacyLog: String = ReportCommandTests.legacyLog) throws {
            dir = try ScratchDirectory()
            _ = try PostgresCLITests.psql("CREATE SCHEMA \(schema)")
            try log.write(toFile: dir.path("access.log"), atomically: false, encoding: .utf8)
            try legacyLog.write(toFile: dir.path("legacy.log"), atomically: false, encoding: .utf8)
            for args in [
                ["--agent-id", "web-1", dir.path("access.log")],
                ["--agent-id", "old", "--no-classify", dir.path("legacy.log")],
            ] where !(args[1] == "old" && legacyLog.isEmpty) {
                let shipped = try ReportCommandTests.run(
                    ["sessionize", "--format", "vhost_combined", "--output", "postgres", "--table", table] + args)
                try #require(shipped.status == 0, "sessionize \(args): \(shipped.stderrText)")
            }
        }

        deinit {
            _ = try? PostgresCLITests.psql(
                "DROP SCHEMA \(schema) CASCADE; DELETE FROM sessiontail_schema WHERE table_name = '\(table)'")
        }

        /// `sessiontail report --table T args`, which must succeed.
        func report(_ args: [String]) throws -> RealLogsTests.Output {
            let out = try ReportCommandTests.run(["report", "--table", table] + args)
            try #require(out.status == 0, "report \(args): \(out.stderrText)")
            return out
        }

        /// `report args --format json`, parsed.
        func json(_ args: [String]) throws -> [String: Any] {
            let out = try report(args + ["--format", "json"])
            return try #require(
                try JSONSerialization.jsonObject(with: out.stdout) as? [String: Any],
                "not a JSON object: \(String(decoding: out.stdout, as: UTF8.self))")
        }
    }

    static func run(_ args: [String]) throws -> RealLogsTests.Output {
        let binary = try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found")
        return try RealLogsTests.run("/usr/bin/timeout", ["60", binary] + args, cwd: RealLogsTests.packageRoot)
    }

    /// A JSON number or null as `Double?` (`nil` for null, NaN when the value is something else).
    static func number(_ value: Any?) -> Double? {
        if value is NSNull { return nil }
        return (value as? NSNumber)?.doubleValue ?? .nan
    }

    /// Each host's figures, by host, in ``hostColumns`` order.
    static func hostFigures(_ json: [String: Any]) -> [String: [Double?]] {
        var figures: [String: [Double?]] = [:]
        for h in json["hosts"] as? [[String: Any]] ?? [] {
            figures[h["host"] as? String ?? "?"] = hostColumns.map { number(h[$0]) }
        }
        return figures
    }

    /// The hosts in the order the report lists them.
    static func hostOrder(_ json: [String: Any]) -> [String] {
        (json["hosts"] as? [[String: Any]] ?? []).map { $0["host"] as? String ?? "?" }
    }

    /// A top list as `value[,value…]|sessions|share` lines, NULL as `NULL`.
    static func section(_ json: [String: Any], _ name: String, columns: [String]) -> [String] {
        (json[name] as? [[String: Any]] ?? []).map { row in
            let values = columns.map { row[$0] as? String ?? (row[$0] is NSNull ? "NULL" : "?") }
            return values.joined(separator: ",") + "|\(number(row["sessions"]).map { Int($0) } ?? -1)|"
                + "\(number(row["share"]) ?? -1)"
        }
    }

    // MARK: - people by default, bots with --include-bots

    @Test("bots are left out by default; --include-bots counts them; the bot share is over all sessions")
    func peopleByDefault() throws {
        let sample = try Sample()
        let people = try sample.json(["--host-like", Self.pattern])
        #expect(people["include_bots"] as? Bool == false)
        #expect(Self.number(people["sessions"]) == 5 && Self.number(people["bot_sessions"]) == 3)
        // The seed's figure is over every session: (4+2+5+2+1 + 1+2+1) / 8; people's: (4+2+2 + 1+1) / 5.
        #expect(Self.number(people["avg_events"]) == 2.25)
        #expect(Self.number(people["avg_events_people"]) == 2.0)
        #expect(Self.hostOrder(people) == [Self.shop, Self.blog, "legacy.test"])
        // sessions, events, pages, median events, median duration, bounce rate, bot share.
        let peopleFigures: [String: [Double?]] = [
            // Pages 3, 1, 2; durations 120, 0, 180 s; one of three bounces; 2 of 5 sessions are bots'.
            Self.shop: [3, 2.67, 2.0, 2, 120.0, 33.3, 40.0],
            // Pages 1 and 0: only the first counts for duration and bounce rate, and it bounced; 1 bot of 3.
            Self.blog: [2, 1.0, 0.5, 1, 0.0, 100.0, 33.3],
            // Unclassified: a person's, with no page views known, so no pages, duration or bounce rate.
            "legacy.test": [1, 3.0, nil, 3, nil, nil, 0.0],
        ]
        #expect(Self.hostFigures(people) == peopleFigures)

        let everyone = try sample.json(["--host-like", Self.pattern, "--include-bots"])
        #expect(everyone["include_bots"] as? Bool == true)
        #expect(Self.number(everyone["sessions"]) == 8 && Self.number(everyone["bot_sessions"]) == 3)
        #expect(Self.number(everyone["avg_events"]) == 2.25)
        #expect(Self.number(everyone["avg_events_people"]) == 2.0)
        let everyoneFigures: [String: [Double?]] = [
            // Pages 3, 1, 4, 2, 1; durations 120, 0, 30, 180, 0 s; two of five bounce (.0.2 and the bot .0.8).
            Self.shop: [5, 2.8, 2.2, 2, 30.0, 40.0, 40.0],
            // Pages 1, 2, 0: durations 0 and 5 s (median 2.5); one of the two with a page view bounced.
            Self.blog: [3, 1.33, 1.0, 1, 2.5, 50.0, 33.3],
            "legacy.test": [1, 3.0, nil, 3, nil, nil, 0.0],
        ]
        #expect(Self.hostFigures(everyone) == everyoneFigures)

        // --hosts limits the comparison (and the top lists), not the seed's average.
        let limited = try sample.json(["--host-like", Self.pattern, "--hosts", "\(Self.blog),legacy.test"])
        #expect(Self.hostOrder(limited) == [Self.blog, "legacy.test"])
        #expect(Self.number(limited["avg_events"]) == 2.25)
        #expect(Self.number(limited["sessions"]) == 2 && Self.number(limited["bot_sessions"]) == 1)
        #expect(limited["host_list"] as? [String] == [Self.blog, "legacy.test"])
    }

    // MARK: - top lists

    @Test("every top list counts people's sessions with shares, NULL as a row of its own; --top limits them")
    func topLists() throws {
        let sample = try Sample()
        let json = try sample.json(["--host-like", Self.pattern])
        let expected: [(name: String, columns: [String], rows: [String])] = [
            // .1.2 requested only /feed.xml, no page: no landing page, as no exit page.
            (
                "landing_pages", ["landing_path"],
                ["/|2|40.0", "/post/1|1|20.0", "/products|1|20.0", "NULL|1|20.0"]
            ),
            (
                "exit_pages", ["exit_path"],
                ["/about|1|20.0", "/cart|1|20.0", "/post/1|1|20.0", "/products|1|20.0", "NULL|1|20.0"]
            ),
            ("channels", ["channel"], ["external|2|40.0", "direct|1|20.0", "internal|1|20.0", "NULL|1|20.0"]),
            (
                "referrer_hosts", ["referrer_host"],
                ["NULL|2|40.0", "news.ycombinator.com|1|20.0", "shop.techcreator.io|1|20.0", "www.google.com|1|20.0"]
            ),
            (
                "utm_campaigns", ["utm_source", "utm_medium", "utm_campaign"],
                ["NULL,NULL,NULL|4|80.0", "news,email,july sale|1|20.0"]
            ),
            ("browsers", ["browser"], ["Chrome|2|40.0", "Firefox|2|40.0", "Mobile Safari|1|20.0"]),
            ("os", ["os"], ["Linux|2|40.0", "Windows|2|40.0", "iOS|1|20.0"]),
            ("devices", ["device"], ["Other|4|80.0", "iPhone|1|20.0"]),
        ]
        for s in expected {
            #expect(Self.section(json, s.name, columns: s.columns) == s.rows, "\(s.name)")
        }

        let top2 = try sample.json(["--host-like", Self.pattern, "--top", "2", "--include-bots"])
        #expect(Self.number(top2["top"]) == 2)
        for s in expected {
            #expect((top2[s.name] as? [Any])?.count == 2, "\(s.name) with --top 2")
        }
        // With bots: Googlebot and bingbot are browsers of their own, their device is Spider.
        #expect(Self.section(top2, "devices", columns: ["device"]) == ["Other|5|62.5", "Spider|2|25.0"])
        #expect(Self.section(top2, "landing_pages", columns: ["landing_path"]) == ["/|4|50.0", "/post/1|2|25.0"])
    }

    // MARK: - pages per session, the timeline

    @Test("pages per session in fixed buckets, unknown as a row of its own; sessions and page views per hour or day")
    func pagesAndTimeline() throws {
        let sample = try Sample()
        let people = try sample.json(["--host-like", Self.pattern])
        let columns = ["pages"]
        // People's pages: 3, 1, 2 (shop), 1, 0 (blog).
        #expect(
            Self.section(people, "pages_per_session", columns: columns) == [
                "0|1|20.0", "1|2|40.0", "2|1|20.0", "3|1|20.0", "4|0|0.0", "5-9|0|0.0", "10+|0|0.0",
            ])
        // With the bots' 4, 1 and 2 pages; the base is 8 sessions.
        let everyone = try sample.json(["--host-like", Self.pattern, "--include-bots"])
        #expect(
            Self.section(everyone, "pages_per_session", columns: columns) == [
                "0|1|12.5", "1|3|37.5", "2|2|25.0", "3|1|12.5", "4|1|12.5", "5-9|0|0.0", "10+|0|0.0",
            ])
        // Every host: legacy.test's page views are unknown, a NULL row after the buckets.
        let all = try sample.json([])
        #expect(
            Self.section(all, "pages_per_session", columns: columns) == [
                "0|1|16.7", "1|2|33.3", "2|1|16.7", "3|1|16.7", "4|0|0.0", "5-9|0|0.0", "10+|0|0.0", "NULL|1|16.7",
            ])

        // People's sessions start from 1 July 10:00 to 3 July 08:00: 46 hours, so hourly, 47 points.
        #expect(people["timeline_step"] as? String == "hour")
        let points = Self.timeline(people)
        #expect(points.count == 47)
        #expect(points.first == "2025-07-01T10:00:00Z 1 3" && points.last == "2025-07-03T08:00:00Z 1 0")
        #expect(
            points.filter { !$0.hasSuffix(" 0 0") } == [
                "2025-07-01T10:00:00Z 1 3", "2025-07-01T11:00:00Z 1 1", "2025-07-02T09:00:00Z 1 2",
                "2025-07-02T14:00:00Z 1 1", "2025-07-03T08:00:00Z 1 0",
            ])
        #expect(points.contains("2025-07-02T00:00:00Z 0 0"))
        // Every counted session is at one point, bots too when they are counted.
        let sessions = (everyone["timeline"] as? [[String: Any]] ?? []).compactMap { Self.number($0["sessions"]) }
        #expect(sessions.reduce(0, +) == 8)
        #expect((try sample.json(["--until", "2025-07-01"])["timeline"] as? [Any])?.isEmpty == true)

        // Sessions more than three days apart: daily, each day present, empty ones too.
        let spread = try Sample(
            log: """
                a.test:80 10.0.0.1 - - [01/Jul/2025:23:59:00 +0000] "GET / HTTP/1.1" 200 5 "-" "\(Self.firefox)"
                a.test:80 10.0.0.1 - - [01/Jul/2025:23:59:30 +0000] "GET /b HTTP/1.1" 200 5 "-" "\(Self.firefox)"
                a.test:80 10.0.0.2 - - [05/Jul/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "\(Self.firefox)"

                """, legacyLog: "")
        let daily = try spread.json([])
        #expect(daily["timeline_step"] as? String == "day")
        #expect(
            Self.timeline(daily) == [
                "2025-07-01T00:00:00Z 1 2", "2025-07-02T00:00:00Z 0 0", "2025-07-03T00:00:00Z 0 0",
                "2025-07-04T00:00:00Z 0 0", "2025-07-05T00:00:00Z 1 1",
            ])
    }

    /// The timeline as `start sessions page_views` lines.
    static func timeline(_ json: [String: Any]) -> [String] {
        (json["timeline"] as? [[String: Any]] ?? []).map { p in
            let count = { (key: String) in number(p[key]).map { String(Int($0)) } ?? "?" }
            return "\(p["start"] as? String ?? "?") \(count("sessions")) \(count("page_views"))"
        }
    }

    // MARK: - --since / --until

    @Test("--since and --until select sessions by their start: from since, before until; dates, times and offsets")
    func timeRange() throws {
        let sample = try Sample()
        // 2 July: shop .0.3, blog .1.1 and the bot .1.9, legacy.
        let day = try sample.json(["--host-like", Self.pattern, "--since", "2025-07-02", "--until", "2025-07-03"])
        #expect(day["since"] as? String == "2025-07-02T00:00:00Z" && day["until"] as? String == "2025-07-03T00:00:00Z")
        #expect(Self.number(day["avg_events"]) == 1.67 && Self.number(day["avg_events_people"]) == 1.5)
        #expect(Self.number(day["sessions"]) == 2 && Self.number(day["bot_sessions"]) == 1)
        let dayFigures: [String: [Double?]] = [
            Self.shop: [1, 2.0, 2.0, 2, 180.0, 0.0, 0.0],
            Self.blog: [1, 1.0, 1.0, 1, 0.0, 100.0, 50.0],
            "legacy.test": [1, 3.0, nil, 3, nil, nil, 0.0],
        ]
        #expect(Self.hostFigures(day) == dayFigures)
        #expect(Self.section(day, "landing_pages", columns: ["landing_path"]) == ["/|1|50.0", "/post/1|1|50.0"])

        // From 2 July 14:30 UTC on, bots included: blog .1.9 and .1.2, shop's bot .0.8.
        let later = try sample.json(["--since", "2025-07-02T14:30:00Z", "--include-bots"])
        #expect(Self.hostOrder(later) == [Self.blog, Self.shop])
        #expect(Self.hostFigures(later)[Self.shop]?.first == 1)
        // An offset is applied, and the end is exclusive: .0.1 starts at 10:00:00 UTC exactly.
        let first = try sample.json(["--until", "2025-07-01T12:00:01+02:00"])
        #expect(Self.hostOrder(first) == [Self.shop] && Self.number(first["sessions"]) == 1)
        let none = try sample.json(["--until", "2025-07-01T12:00+02:00"])
        #expect(Self.hostOrder(none).isEmpty && Self.number(none["sessions"]) == 0)
        #expect(none["avg_events"] is NSNull)

        for (args, says) in [
            (["--since", "2025-02-30"], "--since '2025-02-30' is not an ISO 8601 date or time"),
            (["--since", "yesterday"], "--since 'yesterday' is not an ISO 8601 date or time"),
            (["--since", "2025-07-02", "--until", "2025-07-02"], "is not after --since"),
            (["--top", "0"], "--top 0"),
        ] {
            let out = try Self.run(["report", "--table", sample.table] + args)
            #expect(out.status == 64 && out.stderrText.contains(says), "\(args): \(out.status) \(out.stderrText)")
        }
    }

    // MARK: - formats

    @Test("text, CSV and JSON carry every section; CSV is blocks with a section column")
    func formats() throws {
        let sample = try Sample()
        let args = ["--host-like", Self.pattern]
        let json = try sample.json(args)
        for key in [
            "host_like", "host_list", "since", "until", "include_bots", "top", "sessions", "bot_sessions", "avg_events",
            "avg_events_people", "timeline_step", "hosts", "landing_pages", "exit_pages", "channels", "referrer_hosts",
            "utm_campaigns", "browsers", "os", "devices", "countries", "pages_per_session", "timeline",
        ] {
            #expect(json[key] != nil, "JSON has no \(key)")
        }

        let rows = RealLogsTests.parseCSV(try sample.report(args + ["--format", "csv"]).stdout)
        // Blocks are separated by an empty line; each starts with its header.
        var blocks: [[[String]]] = [[]]
        for row in rows {
            if row == [""] { blocks.append([]) } else { blocks[blocks.count - 1].append(row) }
        }
        let headers = blocks.map { $0.first ?? [] }
        #expect(
            headers == [
                [
                    "section", "host_like", "host_list", "since", "until", "include_bots", "top", "sessions",
                    "bot_sessions", "avg_events", "avg_events_people", "timeline_step",
                ],
                [
                    "section", "host", "sessions", "avg_events", "avg_pages", "median_events", "median_duration_s",
                    "bounce_rate", "bot_share",
                ],
                ["section", "landing_path", "sessions", "share"], ["section", "exit_path", "sessions", "share"],
                ["section", "channel", "sessions", "share"], ["section", "referrer_host", "sessions", "share"],
                ["section", "utm_source", "utm_medium", "utm_campaign", "sessions", "share"],
                ["section", "browser", "sessions", "share"], ["section", "os", "sessions", "share"],
                ["section", "device", "sessions", "share"], ["section", "country", "sessions", "share"],
                ["section", "pages", "sessions", "share"], ["section", "start", "sessions", "page_views"],
            ])
        let names = [
            "summary", "hosts", "landing_pages", "exit_pages", "channels", "referrer_hosts", "utm_campaigns",
            "browsers", "os", "devices", "countries", "pages_per_session", "timeline",
        ]
        for (block, name) in zip(blocks, names) {
            #expect(block.count > 1, "\(name): no rows")
            for row in block.dropFirst() {
                #expect(row.first == name && row.count == block[0].count, "\(name): \(row)")
            }
        }
        if blocks.count == names.count {
            #expect(
                blocks[0][1] == ["summary", Self.pattern, "", "", "", "false", "10", "5", "3", "2.25", "2.00", "hour"])
            #expect(
                Array(blocks[1].dropFirst()) == [
                    ["hosts", Self.shop, "3", "2.67", "2.00", "2", "120.0", "33.3", "40.0"],
                    ["hosts", Self.blog, "2", "1.00", "0.50", "1", "0.0", "100.0", "33.3"],
                    ["hosts", "legacy.test", "1", "3.00", "", "3", "", "", "0.0"],
                ])
            #expect(blocks[6].dropFirst().first == ["utm_campaigns", "", "", "", "4", "80.0"])
        }

        let text = String(decoding: try sample.report(args).stdout, as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "Sessions of people only (bot sessions left out: 3; --include-bots counts them).")
        #expect(
            lines.contains(
                "Average events per session, hosts like '\(Self.pattern)': 2.25 (all sessions, the seed's figure); people: 2.00"
            ))
        let fields = { (host: String) in
            lines.first { $0.hasPrefix(host + " ") }?.split(separator: " ").map(String.init) ?? []
        }
        #expect(fields(Self.shop) == [Self.shop, "3", "2.67", "2.00", "2", "120.0", "s", "33.3", "%", "40.0", "%"])
        #expect(fields("legacy.test") == ["legacy.test", "1", "3.00", "-", "3", "-", "-", "0.0", "%"])
        for title in [
            "Landing pages", "Exit pages", "Channels", "Referrer hosts", "UTM campaigns", "Browsers", "OS", "Devices",
        ] {
            #expect(lines.contains("\(title), top 10 of 5 sessions of hosts like '\(Self.pattern)'"), "\(title)")
        }
        #expect(lines.contains { $0.hasPrefix("news ") && $0.contains("july sale") })
        #expect(lines.contains("Pages per session of 5 sessions of hosts like '\(Self.pattern)'"))
        #expect(lines.contains { $0.split(separator: " ") == ["5-9", "0", "0.0", "%"] })
        let withBots = try sample.report(args + ["--include-bots"]).stdout
        #expect(
            String(decoding: withBots, as: UTF8.self).hasPrefix("All sessions, bots included (bot sessions: 3 of 8)."))
    }

    // MARK: - the seed's queries and hostile arguments

    @Test("the seed's two queries run verbatim on the table and agree with the report")
    func seedQueries() throws {
        let sample = try Sample()
        let average = try PostgresCLITests.psqlValue(
            "SET search_path TO \(sample.schema); "
                + "SELECT ROUND(AVG(event_count), 2) AS avg_events FROM sessions WHERE host LIKE '%techcreator.io';")
        #expect(average == "2.25")
        let perHost = try PostgresCLITests.psqlValue(
            "SET search_path TO \(sample.schema); "
                + "SELECT host, COUNT(*) AS sessions, ROUND(AVG(event_count), 2) AS avg_events FROM sessions GROUP BY host ORDER BY host;"
        )
        #expect(
            perHost.split(separator: "\n") == [
                "blog.techcreator.io,3,1.33", "legacy.test,1,3.00", "shop.techcreator.io,5,2.80",
            ])
        let json = try sample.json(["--host-like", "%techcreator.io", "--include-bots"])
        #expect(Self.number(json["avg_events"]) == Double(average))
        #expect(Self.hostFigures(json)[Self.shop]?.prefix(2) == [5, 2.8])
    }

    @Test("arguments are bound, never SQL: quotes in --host-like and --hosts match nothing and harm nothing")
    func argumentsAreBound() throws {
        let sample = try Sample()
        let hostile = "x'; DROP TABLE \(sample.table); --"
        let json = try sample.json(["--host-like", hostile, "--hosts", "\"a\\\",\(hostile)"])
        #expect(json["host_like"] as? String == hostile)
        #expect(json["avg_events"] is NSNull && Self.hostOrder(json).isEmpty)
        #expect(try PostgresCLITests.psqlValue("SELECT count(*) FROM \(sample.table)") == "9")
    }
}
