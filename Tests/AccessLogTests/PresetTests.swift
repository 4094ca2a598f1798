import AccessLog
import Testing

@Suite("Presets")
struct PresetTests {
    @Test func combinedLine() {
        let line =
            #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#
        #expect(
            parse(line, format: preset("combined"))
                == .event(
                    Fields(
                        client: "127.0.0.1", time: apacheExampleMillis, method: "GET", path: "/apache_pb.gif",
                        protocolVersion: "HTTP/1.0", status: 200, bytes: 2326,
                        referrer: "http://www.example.com/start.html", userAgent: "Mozilla/4.08 [en] (Win98; I ;Nav)")))
    }

    @Test func commonLine() {
        let line =
            #"in24.inetnebr.com - - [01/Aug/1995:00:00:01 -0400] "GET /shuttle/missions/sts-68/news/sts-68-mcc-05.txt HTTP/1.0" 200 1839"#
        guard case .event(let f) = parse(line, format: preset("common")) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.client == "in24.inetnebr.com")
        #expect(f.time == 807_249_601_000)
        #expect(f.path == "/shuttle/missions/sts-68/news/sts-68-mcc-05.txt")
        #expect(f.bytes == 1839)
        #expect(f.referrer == "" && f.userAgent == "")
    }

    @Test func vhostCombinedLine() {
        let line =
            #"www.Example.com:443 2001:db8::1 - - [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/2.0" 302 512 "-" "curl/8.0""#
        #expect(
            parse(line, format: preset("vhost_combined"))
                == .event(
                    Fields(
                        client: "2001:db8::1", host: "www.Example.com", time: apacheExampleMillis, method: "POST",
                        path: "/login", protocolVersion: "HTTP/2.0", status: 302, bytes: 512, referrer: "-",
                        userAgent: "curl/8.0")))
    }

    @Test func dashesAndShortRequests() {
        let dash = #"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 400 - "-" "-""#
        guard case .event(let f) = parse(dash, format: preset("combined")) else {
            Issue.record("a '-' request is valid")
            return
        }
        #expect(f.method == "" && f.path == "" && f.bytes == 0 && f.status == 400)

        let old = #"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /index.html" 200 100"#
        guard case .event(let g) = parse(old, format: preset("common")) else {
            Issue.record("a request without protocol is valid")
            return
        }
        #expect(g.method == "GET" && g.path == "/index.html" && g.protocolVersion == "")
    }

    @Test func unknownPresetIsRefused() {
        #expect(throws: LogFormatError.self) { try LogFormat.preset(named: "json") }
    }

    @Test func crlfEnding() {
        let line = "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"\r"
        guard case .event(let f) = parse(line, format: preset("combined")) else {
            Issue.record("CRLF line not parsed")
            return
        }
        #expect(f.userAgent == "ua")
    }
}
