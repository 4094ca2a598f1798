import AccessLog
import Agent
import Foundation
import Sessionizer
import Testing

/// Requests classified and dropped as the pipeline does it, on log lines written here.
@Suite("Classification and drop rules")
struct ClassificationTests {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    static let iphone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"

    /// One combined-format line of client `client`, `second` seconds into the day.
    static func line(
        _ client: String, _ second: Int, _ request: String, status: Int = 200, referrer: String = "-",
        agent: String = chrome
    ) -> String {
        let time = String(format: "%02d:%02d:%02d", second / 3600, second / 60 % 60, second % 60)
        return "\(client) - - [10/Oct/2025:\(time) +0000] \"\(request)\" \(status) 10 \"\(referrer)\" \"\(agent)\""
    }

    /// Sessions of `lines`, and the pipeline's counts.
    static func sessions(
        _ lines: [String], classification: Classification = Classification(), drop: DropRules = DropRules()
    ) throws -> (sessions: [Fragment], statistics: InputStatistics) {
        let dir = NSTemporaryDirectory() + "classify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/access.log"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        var pipeline = try SourcePipeline(
            options: PipelineOptions(
                formats: [try LogFormat.preset(named: "combined")], host: "www.example.com",
                classification: classification, drop: drop))
        try pipeline.read(path: path)
        var out: [Fragment] = []
        try pipeline.finish { out.append($0) }
        return (out, pipeline.statistics)
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func aVisitSaysWhatItWas() throws {
        let (sessions, statistics) = try Self.sessions([
            Self.line("10.0.0.1", 0, "GET /style.CSS HTTP/1.1", referrer: "https://news.example.org/item?id=1"),
            Self.line(
                "10.0.0.1", 1,
                "GET /blog/post?utm_source=news%20letter&utm_medium=email&utm_campaign=spring+sale HTTP/1.1",
                referrer: "https://User@News.Example.org:8443/item?id=1"),
            Self.line("10.0.0.1", 2, "GET /logo.png HTTP/1.1"),
            Self.line("10.0.0.1", 3, "HEAD /blog/post HTTP/1.1"),
            Self.line("10.0.0.1", 4, "GET /missing HTTP/1.1", status: 404),
            Self.line("10.0.0.1", 5, "POST /comment HTTP/1.1", status: 302),
            Self.line("10.0.0.1", 6, "GET /blog/ HTTP/1.1", status: 304, referrer: "https://www.example.com/blog/post"),
            Self.line("10.0.0.1", 7, "GET /feed.rss HTTP/1.1"),
        ])
        try #require(sessions.count == 1)
        let s = sessions[0]
        let visit = try #require(s.visit)
        #expect(s.eventCount == 8)
        #expect(visit.pageViews == 2)
        #expect(!visit.isBot)
        #expect(Self.text(s.landingPath) == "/blog/post")
        #expect(Self.text(s.exitPath) == "/blog/")
        #expect(Self.text(s.referrerHost) == "news.example.org")
        #expect(visit.channel == .external)
        #expect(Self.text(s.utmSource) == "news letter")
        #expect(Self.text(s.utmMedium) == "email")
        #expect(Self.text(s.utmCampaign) == "spring sale")
        #expect(Self.text(s.browser) == "Chrome")
        #expect(Self.text(s.os) == "Windows")
        #expect(Self.text(s.device) == "Other")
        // The first request's texts stay the first request's.
        #expect(Self.text(s.firstPath) == "/style.CSS")
        #expect(statistics.pageViews == 2)
    }

    @Test func botsAreBotsByAgentByEmptyAgentAndByRobotsTxt() throws {
        let (sessions, statistics) = try Self.sessions([
            Self.line("10.0.0.1", 0, "GET / HTTP/1.1", agent: Self.googlebot),
            Self.line("10.0.0.2", 0, "GET / HTTP/1.1", agent: "-"),
            Self.line("10.0.0.3", 0, "GET / HTTP/1.1", agent: ""),
            Self.line("10.0.0.4", 0, "GET / HTTP/1.1"),
            Self.line("10.0.0.4", 1, "GET /robots.txt HTTP/1.1"),
            Self.line("10.0.0.5", 0, "GET / HTTP/1.1", agent: Self.iphone),
        ])
        let bots = Dictionary(uniqueKeysWithValues: sessions.map { (Self.text($0.client), $0.visit!.isBot) })
        #expect(bots == ["10.0.0.1": true, "10.0.0.2": true, "10.0.0.3": true, "10.0.0.4": true, "10.0.0.5": false])
        #expect(statistics.botEvents == 4)
        let iphone = try #require(sessions.first { Self.text($0.client) == "10.0.0.5" })
        #expect(Self.text(iphone.device) == "iPhone")
        #expect(Self.text(iphone.os) == "iOS")
        let google = try #require(sessions.first { Self.text($0.client) == "10.0.0.1" })
        #expect(Self.text(google.device) == "Spider")
    }

    @Test func anOperatorsPatternMakesABot() throws {
        let lines = [Self.line("10.0.0.1", 0, "GET / HTTP/1.1", agent: "uptime-checker/1.0 (+https://status.example)")]
        #expect(try Self.sessions(lines).sessions[0].visit?.isBot == false)
        var classification = Classification()
        classification.botPatterns = ["uptime-checker"]
        #expect(try Self.sessions(lines, classification: classification).sessions[0].visit?.isBot == true)
    }

    @Test func assetExtensionsAreAddedToOrReplaced() throws {
        let lines = [
            Self.line("10.0.0.1", 0, "GET /report.pdf HTTP/1.1"), Self.line("10.0.0.1", 1, "GET /a.css HTTP/1.1"),
        ]
        #expect(try Self.sessions(lines).sessions[0].visit?.pageViews == 1)
        var classification = Classification()
        classification.assetExtensions = Classification.assetExtensions(["default", ".PDF"])
        #expect(try Self.sessions(lines, classification: classification).sessions[0].visit?.pageViews == 0)
        classification.assetExtensions = Classification.assetExtensions(["pdf"])
        #expect(try Self.sessions(lines, classification: classification).sessions[0].visit?.pageViews == 1)
    }

    @Test func withoutClassificationSessionsCarryNoVisit() throws {
        let (sessions, _) = try Self.sessions(
            [Self.line("10.0.0.1", 0, "GET /a.css HTTP/1.1"), Self.line("10.0.0.1", 1, "GET /page HTTP/1.1")],
            classification: Classification(enabled: false))
        #expect(sessions[0].visit == nil)
        #expect(Self.text(sessions[0].landingPath) == "/a.css")
        #expect(sessions[0].browser.isEmpty)
    }

    @Test func referrersSayTheChannel() throws {
        let (sessions, _) = try Self.sessions([
            Self.line("10.0.0.1", 0, "GET / HTTP/1.1"),
            Self.line("10.0.0.2", 0, "GET / HTTP/1.1", referrer: "http://WWW.example.com/other"),
            Self.line("10.0.0.3", 0, "GET / HTTP/1.1", referrer: "android-app://com.example"),
            Self.line("10.0.0.4", 0, "GET / HTTP/1.1", referrer: "https://[2001:db8::1]:8080/x"),
        ])
        let got = sessions.map { "\(Self.text($0.client)) \($0.visit!.channel!) \(Self.text($0.referrerHost))" }
        #expect(
            got == [
                "10.0.0.1 direct ", "10.0.0.2 internal www.example.com", "10.0.0.3 external com.example",
                "10.0.0.4 external [2001:db8::1]",
            ])
    }

    @Test func dropRulesDropAndCountByReason() throws {
        let lines = [
            Self.line("10.0.0.1", 0, "GET /healthz HTTP/1.1"),
            Self.line("10.0.0.1", 1, "GET /wp-admin/setup.php HTTP/1.1"),
            Self.line("10.0.0.1", 2, "HEAD / HTTP/1.1"),
            Self.line("10.0.0.1", 3, "options / HTTP/1.1"),
            Self.line("10.0.0.1", 4, "GET /old HTTP/1.1", status: 301),
            Self.line("10.0.0.1", 5, "GET /a.js HTTP/1.1"),
            Self.line("10.0.0.1", 6, "GET / HTTP/1.1", agent: Self.googlebot),
            Self.line("10.0.0.1", 7, "GET /page HTTP/1.1"),
            Self.line("10.0.0.1", 8, "GET /healthz/deep HTTP/1.1"),
        ]
        let drop = DropRules(
            bots: true, assets: true, paths: ["/healthz", "/wp-admin/*"], methods: ["HEAD", "OPTIONS"],
            statuses: ["3xx"])
        let (sessions, statistics) = try Self.sessions(lines, drop: drop)
        #expect(sessions.count == 1)
        #expect(sessions[0].eventCount == 2)  // /page and /healthz/deep
        #expect(statistics.events == 2)
        #expect(statistics.malformed == 0)
        #expect(statistics.lines == 9)
        let counts = Dictionary(
            uniqueKeysWithValues: statistics.droppedReasons.map { ($0.reason.description, $0.count) })
        #expect(counts == ["path": 2, "method": 2, "status": 1, "asset": 1, "bot": 1])
        #expect(statistics.linesSummary.contains("7 dropped (method 2, status 1, path 2, asset 1, bot 1)"))
    }

    @Test(arguments: ["2xx", "99", "6xx", "abc", "1234"])
    func aStatusThatIsNoneIsRefused(status: String) {
        let valid = ["2xx"].contains(status)
        if case .failure = DropRules.statusRanges([status]) { #expect(!valid) } else { #expect(valid) }
    }

    @Test func aMissingRegexesFileSaysWhatToDo() {
        var classification = Classification()
        classification.regexes = "/nonexistent/regexes.yaml"
        #expect {
            _ = try SourcePipeline(
                options: PipelineOptions(
                    formats: [try LogFormat.preset(named: "combined")], host: "h", classification: classification))
        } throws: { error in
            "\(error)".contains("uap-core") && "\(error)".contains("/nonexistent/regexes.yaml")
        }
    }
}
