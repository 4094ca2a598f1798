import Agent
import Testing

@testable import ServerConfig

@Suite("Merging discovered sources into a configuration file")
struct ConfigMergeTests {
    static let config = #"""
        # my sessiontail
        state_dir: /var/lib/sessiontail

        sources:
          # the shop, behind the balancer
          - name: shop
            paths:
              - /var/log/nginx/shop.log
            log_format: '$remote_addr $time_local'   # old format
            client_ip: x_forwarded_for
          - name: nginx
            paths: ["/var/log/nginx/old.log"]
            format: combined
          -
            name: "everything-else"
            paths: ['/var/log/other/*.log']
          # - name: commented-out
          #   paths: [x]

        # after the sources
        postgres:
          table: sessions
        """#

    static func source(_ name: String, _ path: String, _ format: DiscoveredSource.Format, host: String? = nil)
        -> DiscoveredSource
    {
        DiscoveredSource(
            name: name, server: .nginx, paths: [path], format: format, host: host,
            definedAt: [ConfigLocation(file: "/etc/nginx/nginx.conf", line: 7)])
    }

    static let xff = #"$remote_addr [$time_local] "$request" $status "$http_x_forwarded_for""#

    @Test func updateRenameSkipAndAdd() throws {
        let merged = ConfigMerge.merge(
            [
                Self.source("nginx-shop", "/var/log/nginx/shop.log", .string(Self.xff), host: "shop.example.com"),
                Self.source("nginx", "/var/log/nginx/access.log", .preset("combined")),
                Self.source("nginx-other", "/var/log/other/a.log", .preset("combined")),
                Self.source("nginx-hosts", "/var/log/nginx/{host}.log", .preset("combined")),
            ], into: Self.config)
        #expect(
            merged.changes == [
                .updated("shop"), .renamed("nginx", as: "nginx-2"),
                .skipped("nginx-other", existing: "everything-else"),
                .added("nginx-hosts"),
            ])
        #expect(
            merged.text == #"""
                # my sessiontail
                state_dir: /var/lib/sessiontail

                sources:
                  # the shop, behind the balancer
                  - name: shop
                    paths:
                      - /var/log/nginx/shop.log
                    log_format: '$remote_addr [$time_local] "$request" $status "$http_x_forwarded_for"'
                    client_ip: x_forwarded_for
                    host: shop.example.com
                  - name: nginx
                    paths: ["/var/log/nginx/old.log"]
                    format: combined
                  -
                    name: "everything-else"
                    paths: ['/var/log/other/*.log']
                  # nginx: /etc/nginx/nginx.conf:7
                  - name: nginx-2
                    paths: ['/var/log/nginx/access.log']
                    format: combined
                  # nginx: /etc/nginx/nginx.conf:7
                  - name: nginx-hosts
                    paths: ['/var/log/nginx/{host}.log']
                    exclude: ['/var/log/nginx/shop.log', '/var/log/nginx/old.log']
                    format: combined
                  # - name: commented-out
                  #   paths: [x]

                # after the sources
                postgres:
                  table: sessions
                """#)
        let configuration = try Configuration.decode(merged.text, file: "sessiontail.yaml")
        #expect(configuration.sources.map(\.name) == ["shop", "nginx", "everything-else", "nginx-2", "nginx-hosts"])
        #expect(configuration.sources[0].client.header == "x-forwarded-for")

        // Merging again changes nothing more.
        let again = ConfigMerge.merge(
            [
                Self.source("nginx-shop", "/var/log/nginx/shop.log", .string(Self.xff), host: "shop.example.com"),
                Self.source("nginx", "/var/log/nginx/access.log", .preset("combined")),
            ], into: merged.text)
        #expect(again.changes == [.unchanged("shop"), .unchanged("nginx-2")])
        #expect(again.text == merged.text)
    }

    @Test func formatReplacesLogFormatAndTheOtherWayRound() {
        let text = "sources:\n  - name: a\n    paths: [/a.log]\n    log_format: '%h %t'\n    host: kept.example\n"
        let merged = ConfigMerge.merge([Self.source("x", "/a.log", .preset("common"))], into: text)
        #expect(
            merged.text == "sources:\n  - name: a\n    paths: [/a.log]\n    format: common\n    host: kept.example\n")
        let back = ConfigMerge.merge([Self.source("x", "/a.log", .string("%h %t \"%r\""))], into: merged.text)
        #expect(back.text.contains("    log_format: '%h %t \"%r\"'\n    host: kept.example\n"))
    }

    @Test func withoutSourcesOrWithAnEmptyList() {
        let added = ConfigMerge.merge(
            [Self.source("nginx", "/var/log/nginx/access.log", .preset("combined"))], into: "state_dir: /x\n")
        #expect(
            added.text == """
                state_dir: /x

                sources:
                  # nginx: /etc/nginx/nginx.conf:7
                  - name: nginx
                    paths: ['/var/log/nginx/access.log']
                    format: combined

                """)
        let inline = ConfigMerge.merge(
            [Self.source("nginx", "/var/log/nginx/access.log", .preset("combined"))],
            into: "sources: []\nsession:\n  gap: 5m\n")
        #expect(
            inline.text == """
                sources:
                  # nginx: /etc/nginx/nginx.conf:7
                  - name: nginx
                    paths: ['/var/log/nginx/access.log']
                    format: combined
                session:
                  gap: 5m

                """)
    }

    @Test func itemsAtTheKeysIndentationAndCRLF() throws {
        let text = "sources:\r\n- name: web\r\n  paths: [/a.log]\r\n  format: common\r\nsession:\r\n  gap: 5m\r\n"
        let merged = ConfigMerge.merge(
            [Self.source("web", "/a.log", .preset("combined")), Self.source("b", "/b.log", .preset("combined"))],
            into: text)
        #expect(merged.changes == [.updated("web"), .added("b")])
        #expect(
            merged.text
                == "sources:\r\n- name: web\r\n  paths: [/a.log]\r\n  format: combined\r\n"
                + "# nginx: /etc/nginx/nginx.conf:7\r\n- name: b\r\n  paths: ['/b.log']\r\n  format: combined\r\n"
                + "session:\r\n  gap: 5m\r\n")
        _ = try Configuration.decode(merged.text, file: "sessiontail.yaml")
    }
}
