import AccessLog
import Testing

@Suite("The client header")
struct ClientHeaderTests {
    let nginx =
        #"$remote_addr [$time_local] "$request" $status "$http_x_forwarded_for" "$http_cf_connecting_ip" "$http_forwarded" "$http_x_real_ip" "$http_true_client_ip""#
    let apache =
        #"%h %t \"%r\" %>s \"%{X-Forwarded-For}i\" \"%{CF-Connecting-IP}i\" \"%{Forwarded}i\" \"%{X-Real-IP}i\" \"%{True-Client-IP}i\""#
    let line =
        #"10.0.0.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 "203.0.113.9, 10.0.0.1" "198.51.100.7" "for=\x22[2001:db8::1]:443\x22;proto=https" "192.0.2.5" "192.0.2.6""#

    func header(_ format: String, _ name: String?) throws -> (has: Bool, value: String, xff: String) {
        let compiled = try LogFormat(string: format, clientHeader: name)
        guard case .event(let f) = parse(line, format: compiled) else {
            Issue.record("line refused by \(format)")
            return (false, "", "")
        }
        return (compiled.plan.hasClientHeader, f.clientHeader, f.forwardedFor)
    }

    @Test(arguments: [
        ("x_forwarded_for", "203.0.113.9, 10.0.0.1"), ("X-Forwarded-For", "203.0.113.9, 10.0.0.1"),
        ("cf-connecting-ip", "198.51.100.7"), ("CF_Connecting_IP", "198.51.100.7"),
        ("forwarded", #"for=\x22[2001:db8::1]:443\x22;proto=https"#), ("x_real_ip", "192.0.2.5"),
        ("True-Client-IP", "192.0.2.6"),
    ])
    func theNamedHeaderIsCutOutInBothSyntaxes(name: String, value: String) throws {
        for format in [nginx, apache] {
            let got = try header(format, name)
            #expect(got.has && got.value == value, "\(name) in \(format)")
            // X-Forwarded-For stays where it was, whichever header is named.
            #expect(got.xff == "203.0.113.9, 10.0.0.1")
        }
    }

    @Test func withoutANameXForwardedForIsStillCutOut() throws {
        for format in [nginx, apache] {
            let compiled = try LogFormat(string: format)
            #expect(compiled.plan.hasForwardedFor && !compiled.plan.hasClientHeader && compiled.clientHeader == nil)
            let got = try header(format, nil)
            #expect(got.value == "" && got.xff == "203.0.113.9, 10.0.0.1")
        }
    }

    @Test func aHeaderTheFormatDoesNotLogIsNoClientHeader() throws {
        let got = try header(nginx, "X-Client-IP")
        #expect(!got.has && got.value == "")
        let combined = try LogFormat.preset(named: "combined", clientHeader: "x-forwarded-for")
        #expect(!combined.plan.hasClientHeader && combined.clientHeader == "x-forwarded-for")
        // Any logged header can be named.
        let custom = try LogFormat(string: #"%h %t %{X-Client}i"#, clientHeader: "x_client")
        #expect(custom.plan.hasClientHeader)
        guard case .event(let f) = parse("::1 [10/Oct/2000:13:55:36 -0700] 192.0.2.9", format: custom) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.clientHeader == "192.0.2.9")
    }

    @Test func namesThatAreNoClientHeaderAreRefused() {
        for name in ["", "X Forwarded", "x-forwarded-for:", "$http_x_real_ip", "User-Agent", "referer", "Host"] {
            #expect(throws: LogFormatError.self, "\(name)") { try LogFormat(string: nginx, clientHeader: name) }
        }
    }

    @Test func aSecondFieldOfTheHeaderIsOpaque() throws {
        let format = try LogFormat(
            nginx: #"$remote_addr [$time_local] $http_x_real_ip $http_x_real_ip"#, clientHeader: "X-Real-IP")
        guard case .event(let f) = parse("::1 [10/Oct/2000:13:55:36 -0700] 1.1.1.1 2.2.2.2", format: format) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.clientHeader == "1.1.1.1")
    }
}
