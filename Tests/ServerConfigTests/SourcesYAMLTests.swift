import Agent
import ConfigFile
import Testing

@testable import ServerConfig

@Suite("sources: as YAML")
struct SourcesYAMLTests {
    static let sources = [
        DiscoveredSource(
            name: "nginx-shop", server: .nginx, paths: ["/var/log/nginx/shop.log"],
            format: .string(#"$remote_addr - [$time_local] "$request" $status 'x' \"$http_user_agent\""#),
            host: "shop.example.com", definedAt: [ConfigLocation(file: "/etc/nginx/sites-enabled/shop", line: 4)],
            notes: [DiscoveryNote("a note\nwith a line break", at: nil)]),
        DiscoveredSource(
            name: "nginx-hosts", server: .nginx, paths: ["/var/log/nginx/{host}.access.log"],
            exclude: ["/var/log/nginx/shop.access.log"], format: .preset("combined")),
        DiscoveredSource(
            name: "apache-tabs", server: .apache, paths: ["/var/log/apache2/it's.log"],
            format: .string("%h\t%t \"%r\" %>s"), host: "1.example"),
    ]

    @Test func rendering() {
        #expect(
            SourcesYAML.render(Self.sources) == #"""
                sources:
                  # nginx: /etc/nginx/sites-enabled/shop:4
                  # a note\nwith a line break
                  - name: nginx-shop
                    paths: ['/var/log/nginx/shop.log']
                    log_format: '$remote_addr - [$time_local] "$request" $status ''x'' \"$http_user_agent\"'
                    host: shop.example.com
                  # nginx
                  - name: nginx-hosts
                    paths: ['/var/log/nginx/{host}.access.log']
                    exclude: ['/var/log/nginx/shop.access.log']
                    format: combined
                  # apache
                  - name: apache-tabs
                    paths: ['/var/log/apache2/it''s.log']
                    log_format: "%h\t%t \"%r\" %>s"
                    host: '1.example'

                """#)
        #expect(SourcesYAML.render([]) == "sources: []\n")
    }

    @Test(arguments: ["plain", "on", "null", "~", "-x", ".x", "a b", "#x", "x: y", "", "it's", "\u{1}", "ü"])
    func scalarsReadBackAsWritten(value: String) throws {
        let node = try YAMLSubset.parse("key: \(SourcesYAML.scalar(value))\n", file: "t.yaml")
        guard case .mapping(let entries, _) = node, case .scalar(let read, _, _)? = entries.first?.value else {
            Issue.record("\(node)")
            return
        }
        #expect(read == value)
    }

    /// sessiontail's own loader reads the rendering back: the same paths, formats and hosts.
    @Test func configurationLoaderAcceptsIt() throws {
        let text = "state_dir: /tmp/x\n" + SourcesYAML.render(Self.sources)
        let configuration = try Configuration.decode(text, file: "sessiontail.yaml")
        #expect(configuration.sources.map(\.name) == Self.sources.map(\.name))
        #expect(configuration.sources.map(\.paths) == Self.sources.map(\.paths))
        #expect(configuration.sources.map(\.exclude) == Self.sources.map(\.exclude))
        #expect(configuration.sources.map { $0.formatNames[0] } == Self.sources.map(\.formatText))
        #expect(configuration.sources[0].host == "shop.example.com")
        #expect(configuration.sources[2].host == "1.example")
    }
}
