import Foundation
import Testing

/// `sessionize --client-ip … --trusted-proxy …`: visitors behind proxies, and a forged header that never
/// becomes a visitor; and the warning when a proxy seems to stand in front of the server.
@Suite("sessionize: visitors behind proxies")
struct ClientBehindProxyTests {
    let format = #"$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_x_forwarded_for""#

    func line(_ remote: String, _ forwarded: String, second: Int) -> String {
        "\(remote) - - [10/Oct/2025:13:00:\(String(format: "%02d", second)) +0000] \"GET / HTTP/1.1\" 200 5 \"\(forwarded)\"\n"
    }

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    @Test func aForgedForwardedForNeverBecomesAVisitor() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        try [
            line("10.0.0.2", "<script>alert(1)</script>, 203.0.113.9", second: 1),
            line("10.0.0.2", "unknown", second: 2),
            line("10.0.0.2", "198.51.100.4, 10.0.0.7", second: 3),
            line("198.51.100.99", "10.9.9.9", second: 4),  // not through a trusted proxy: the header is ignored
            line("10.0.0.2", "-", second: 5),
        ].joined().write(toFile: log, atomically: false, encoding: .utf8)
        let out = try run([
            "sessionize", "--log-format", format, "--host", "example.com", "--client-ip", "x_forwarded_for",
            "--trusted-proxy", "10.0.0.0/8", log,
        ])
        #expect(out.status == 0, "\(out.stderrText)")
        let ips = Set(
            String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").dropFirst().map {
                String($0.split(separator: ",")[1])
            })
        #expect(ips == ["203.0.113.9", "10.0.0.2", "198.51.100.4", "198.51.100.99"])
        #expect(out.stderrText.contains("1 with a forged client address"), "\(out.stderrText)")
        let bad = try run([
            "sessionize", "--log-format", format, "--host", "x", "--trusted-proxy", "10.0.0.1/8", "--client-ip",
            "x_forwarded_for", log,
        ])
        #expect(bad.status != 0 && bad.stderrText.contains("'10.0.0.1/8' is not a network"))
    }

    @Test func mostEventsFromAHandfulOfAddressesAreSaidToLookLikeAProxy() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("access.log")
        var text = ""
        for i in 0..<3_000 { text += line(["173.245.48.1", "173.245.48.2"][i % 2], "-", second: i % 60) }
        for i in 0..<100 { text += line("203.0.113.\(i)", "-", second: i % 60) }
        try text.write(toFile: log, atomically: false, encoding: .utf8)
        let out = try run(["sessionize", "--log-format", format, "--host", "example.com", log])
        #expect(out.status == 0)
        #expect(
            out.stderrText.contains("warning: over half of the first 3100 events come from 2 addresses"),
            "\(out.stderrText)")
        #expect(out.stderrText.contains("173.245.48.1 (48 %)") && out.stderrText.contains("--client-ip"))
        // Spread over many visitors: nothing said.
        var spread = ""
        for i in 0..<3_000 { spread += line("203.0.\(i / 250).\(i % 250)", "-", second: i % 60) }
        try spread.write(toFile: log, atomically: false, encoding: .utf8)
        let quiet = try run(["sessionize", "--log-format", format, "--host", "example.com", log])
        #expect(!quiet.stderrText.contains("A proxy, load balancer or CDN"))
    }
}
