import Foundation
import Testing

@Suite("check-config command")
struct CheckConfigCommandTests {
    let root = RealLogsTests.packageRoot

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        let bin = try #require(
            RealLogsTests.sessiontailBinary(), "sessiontail binary not found next to the test bundle")
        return try RealLogsTests.run(bin, args, cwd: root)
    }

    @Test func theInstalledFileValidatesAndPrintsResolved() throws {
        let out = try run(["check-config", "--config", "etc/sessiontail/sessiontail.yaml"])
        #expect(out.status == 0, "\(out.stderrText)")
        let text = String(decoding: out.stdout, as: UTF8.self)
        #expect(text.hasPrefix("# etc/sessiontail/sessiontail.yaml: valid\n"))
        #expect(text.contains("format: vhost_combined"))
        #expect(text.contains("gap: 300s"))
    }

    @Test func aBadFileIsRefusedWithFileLineAndKey() throws {
        let dir = try ScratchDirectory()
        try "sources:\n  - name: nginx\n    paths: [/var/log/nginx/access.log]\nsession:\n  gap: soon\n"
            .write(toFile: dir.path("bad.yaml"), atomically: false, encoding: .utf8)
        let out = try run(["check-config", "--config", dir.path("bad.yaml")])
        #expect(out.status == 1)
        #expect(out.stderrText.contains("bad.yaml:5: session.gap: 'soon' is not a duration"))
        #expect(out.stdout.isEmpty)
    }
}
