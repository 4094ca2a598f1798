import AccessLog
import Agent
import Foundation
import ServerConfig
import Testing

/// Discovery on the configuration files Debian's `nginx` and `apache2` packages install
/// (`scripts/install-deps.sh` installs them without starting the servers).
@Suite("Debian's default nginx and Apache configurations")
struct DebianDefaultsTests {
    @Test func nginxWritesAccessLogInCombined() throws {
        let result = try Discovery.run(nginx: Discovery.defaultNginxConfig, apache: nil)
        #expect(result.sources.count == 1, "\(result.sources)")
        let nginx = try source(result.sources, path: "/var/log/nginx/access.log")
        #expect(nginx.name == "nginx")
        #expect(nginx.format == .preset("combined"))
        #expect(nginx.host == nil)  // `server_name _;` names no host
        #expect(nginx.definedAt.map(\.file) == ["/etc/nginx/nginx.conf"])
        #expect(result.configFiles.contains("/etc/nginx/sites-enabled/default"))
        #expect(result.notes.isEmpty, "\(result.notes)")
    }

    @Test func apacheWritesAccessLogAndOtherVhostsLog() throws {
        let result = try Discovery.run(nginx: nil, apache: Discovery.defaultApacheConfig)
        #expect(
            result.sources.map(\.paths) == [
                ["/var/log/apache2/other_vhosts_access.log"], ["/var/log/apache2/access.log"],
            ])
        let vhosts = try source(result.sources, path: "/var/log/apache2/other_vhosts_access.log")
        #expect(vhosts.format == .preset("vhost_combined"))
        #expect(vhosts.host == nil)
        #expect(vhosts.definedAt.map(\.file) == ["/etc/apache2/conf-enabled/other-vhosts-access-log.conf"])
        let access = try source(result.sources, path: "/var/log/apache2/access.log")
        // Debian's combined writes %O where the preset has %b: the parser reads both as the response size.
        #expect(access.format == .preset("combined"))
        #expect(access.host == nil)  // 000-default has no ServerName, nor has the main server
        #expect(access.name == "apache")
        #expect(access.definedAt.map(\.file) == ["/etc/apache2/sites-enabled/000-default.conf"])
        #expect(result.configFiles.contains("/etc/apache2/envvars"))
        #expect(result.notes.isEmpty, "\(result.notes)")
    }

    @Test func bothDefaultsWhenNoFileIsNamed() throws {
        let result = try Discovery.run(nginx: nil, apache: nil)
        #expect(result.sources.map(\.name) == ["nginx", "apache-other-vhosts", "apache"])
        for source in result.sources { _ = try source.compiledFormat() }
    }

    /// The shipped sessiontail.yaml already reads what Debian's servers write: merged into it, the discovered
    /// sources match its three by their files and leave the file byte for byte as it was.
    @Test func mergeIntoShippedConfiguration() throws {
        let shipped = try String(
            contentsOfFile: Self.packageRoot + "/etc/sessiontail/sessiontail.yaml", encoding: .utf8)
        let result = try Discovery.run(nginx: nil, apache: nil)
        let merged = result.merge(into: shipped)
        #expect(merged.changes == [.unchanged("nginx"), .unchanged("apache-vhosts"), .unchanged("apache")])
        #expect(merged.text == shipped)
        let configuration = try Configuration.decode(merged.text, file: "sessiontail.yaml")
        #expect(configuration.sources.map(\.name) == ["nginx", "apache", "apache-vhosts"])
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
