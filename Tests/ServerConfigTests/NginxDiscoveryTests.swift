import AccessLog
import Testing

@testable import ServerConfig

/// nginx configurations written for the tests: several sites in included files, with the features discovery
/// must follow.
@Suite("nginx discovery")
struct NginxDiscoveryTests {
    /// A host with a shop, an API logging JSON, two sites sharing the http block's log, sites logging to
    /// `$host` files, syslog, a conditional log, a relative path and a variable the glob cannot know.
    static let sites: [String: String] = [
        "nginx.conf": #"""
        user www-data;
        events { worker_connections 64; }
        http {
            include mime.types;          # relative to the configuration's directory
            include conf.d/*.conf;       # matches nothing: no error
            log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                            '$status $body_bytes_sent "$http_referer" '
                            '"$http_user_agent" "$http_x_forwarded_for"';
            log_format json escape=json '{"time":"$time_iso8601","ip":"$remote_addr",'
                                        '"host":"$host","request":"$request","status":$status,'
                                        '"bytes":$body_bytes_sent,"ua":"$http_user_agent"}';
            log_format same_as_combined escape=default
                '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                '"$http_referer" "$http_user_agent"';
            access_log @ROOT@/log/access.log;
            include sites-enabled/*;
        }
        stream {
            server { listen 5353; access_log @ROOT@/log/stream.log; }
        }
        """#,
        "mime.types": "types { text/html html; }\n",
        "sites-enabled/shop": """
        server {
            listen 80;
            server_name shop.example.com www.shop.example.com;
            access_log @ROOT@/log/shop.access.log main;
            location /admin/ {
                access_log @ROOT@/log/shop-admin.log same_as_combined gzip=5 flush=1m;
            }
            location /static/ { access_log off; }
        }
        """,
        "sites-enabled/api": """
        server {
            server_name api.example.com;
            access_log @ROOT@/log/api.json.log json buffer=32k flush=5s;
            location = /health { access_log off; }
        }
        """,
        "sites-enabled/shared": """
        server { server_name a.example.com; }
        server { server_name b.example.com; location / { } }
        """,
        "sites-enabled/vhosts": #"""
        server {
            server_name ~^(?<sub>.+)\.example\.org$ *.example.net;
            access_log @ROOT@/log/$host.access.log;
            access_log syslog:server=unix:/dev/log,tag=nginx;
            access_log logs/relative.log combined if=$loggable;
            access_log @ROOT@/log/$request_id/$server_name.log;
        }
        """#,
    ]

    @Test func everyLogOfAFewSites() throws {
        let tree = try ConfigTree()
        try tree.write(Self.sites)
        var options = Discovery.Options()
        options.nginxPrefix = tree.path("prefix")
        let result = try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil, options: options)
        let log = tree.path("log")
        #expect(
            result.sources.map(\.paths) == [
                ["\(log)/api.json.log"], ["\(log)/access.log"], ["\(log)/shop.access.log"], ["\(log)/shop-admin.log"],
                ["\(log)/{host}.access.log"], ["\(tree.path("prefix"))/logs/relative.log"], ["\(log)/*/{host}.log"],
            ])
        #expect(
            result.sources.map(\.name) == [
                "nginx-api-json", "nginx", "nginx-shop", "nginx-shop-admin", "nginx-hosts", "nginx-relative",
                "nginx-hosts-2",
            ])

        let shop = try source(result.sources, path: "\(log)/shop.access.log")
        #expect(shop.host == "shop.example.com")
        #expect(
            shop.format
                == .string(
                    #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "#
                        + #""$http_user_agent" "$http_x_forwarded_for""#))
        #expect(try shop.compiledFormat().plan.hasForwardedFor)
        #expect(shop.definedAt == [ConfigLocation(file: tree.path("sites-enabled/shop"), line: 4)])

        // A location's own log; escape=default changes nothing, so the string is the preset.
        let admin = try source(result.sources, path: "\(log)/shop-admin.log")
        #expect(admin.format == .preset("combined") && admin.host == "shop.example.com")
        #expect(admin.notes.contains { $0.message.contains("gzip-compressed (gzip=5)") })

        let api = try source(result.sources, path: "\(log)/api.json.log")
        #expect(api.host == nil)  // the format writes $host
        guard case .string(let json) = api.format else {
            Issue.record("api's format is \(api.format)")
            return
        }
        #expect(json.hasPrefix(#"escape=json {"time":"$time_iso8601","ip":"$remote_addr","host":"$host","#))
        #expect(try api.compiledFormat().plan.hasHost)

        // The http block's log, written by the two servers without one of their own: no single host.
        let shared = try source(result.sources, path: "\(log)/access.log")
        #expect(shared.format == .preset("combined") && shared.host == nil)
        #expect(
            shared.notes.map(\.message) == [
                "2 servers write this file (a.example.com, b.example.com) and the format has no host, so their "
                    + "visitors are not told apart by site; add $host to the format or give each site its own file"
            ])

        let perHost = try source(result.sources, path: "\(log)/{host}.access.log")
        #expect(perHost.format == .preset("combined") && perHost.host == nil)
        // The {host} glob also matches the shop's file, which has a source of its own.
        #expect(perHost.exclude == ["\(log)/shop.access.log"])

        let relative = try source(result.sources, path: "\(tree.path("prefix"))/logs/relative.log")
        #expect(
            relative.notes.map(\.message) == [
                #"only requests for which $loggable is neither empty nor "0" are logged (if=$loggable)"#
            ])
        // Regular expressions and wildcards are no host name.
        #expect(relative.host == nil)

        let unknown = try source(result.sources, path: "\(log)/*/{host}.log")
        #expect(
            unknown.notes.map(\.message) == [
                "$request_id in the path cannot be known before a request; read as the glob *"
            ])

        #expect(
            result.notes.map(\.message) == [
                "access_log syslog:server=unix:/dev/log,tag=nginx goes to syslog, not a file; skipped (point a source "
                    + "at the file the syslog daemon writes, if it keeps one)"
            ])
        #expect(result.notes.first?.location == ConfigLocation(file: tree.path("sites-enabled/vhosts"), line: 4))
        #expect(result.configFiles.first == tree.path("nginx.conf"))
        #expect(result.configFiles.contains(tree.path("mime.types")))
        for source in result.sources { _ = try source.compiledFormat() }
    }

    /// A context with an access_log of its own uses only those; one without inherits; `off` writes nothing.
    @Test func inheritanceAsNginxDoesIt() throws {
        let tree = try ConfigTree()
        try tree.write([
            "nginx.conf": """
            events {}
            http {
                access_log /l/http.log;
                server { server_name inherits.example; }
                server { server_name off.example; access_log off; location / { } }
                server {
                    server_name own.example;
                    access_log /l/own.log combined;
                    location / { }
                    location /a/ { access_log /l/a.log; location /a/b/ { } }
                    location /c/ { if ($args) { access_log /l/if.log; } }
                }
                server {
                    server_name both.example;
                    access_log /l/both.log;
                    access_log off;
                }
            }
            """
        ])
        let result = try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil)
        #expect(result.sources.map(\.paths) == [["/l/http.log"], ["/l/own.log"], ["/l/a.log"], ["/l/if.log"]])
        #expect(result.sources.map(\.host) == ["inherits.example", "own.example", "own.example", "own.example"])
        #expect(
            result.notes.map(\.message) == [
                "access_log off in the same context turns this log off too; nginx writes nothing to it here"
            ])
    }

    /// Two formats written to one file make one source, with the first format and a note.
    @Test func oneFileTwoFormats() throws {
        let tree = try ConfigTree()
        try tree.write([
            "nginx.conf": """
            http {
                log_format main '$remote_addr [$time_local] "$request" $status';
                access_log /l/access.log;
                server { server_name a.example; }
                server { server_name b.example; access_log /l/access.log main; }
            }
            """
        ])
        let result = try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil)
        #expect(result.sources.map(\.paths) == [["/l/access.log"]])
        #expect(result.sources[0].format == .preset("combined"))
        #expect(result.sources[0].definedAt.map(\.line) == [3, 5])
        #expect(result.sources[0].host == nil)
        #expect(
            result.sources[0].notes.map(\.message) == [
                #"this file is also written in another format ($remote_addr [$time_local] "$request" $status); "#
                    + "lines in that format will count as malformed: give each format its own file",
                "2 servers write this file (a.example, b.example) and the format has no host, so their visitors are "
                    + "not told apart by site; add $host to the format or give each site its own file",
            ])
    }

    @Test func compiledInDefaultWhereNoAccessLogApplies() throws {
        let tree = try ConfigTree()
        try tree.write(["nginx.conf": "events {}\nhttp { server { server_name only.example; } }\n"])
        let result = try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil)
        let log = try source(result.sources, path: "/var/log/nginx/access.log")
        #expect(log.format == .preset("combined") && log.name == "nginx" && log.host == "only.example")
        #expect(
            log.notes.map(\.message) == [
                "no access_log applies, so nginx writes its compiled-in default /var/log/nginx/access.log"
            ])
    }

    @Test func formatsNginxWouldRefuse() throws {
        let tree = try ConfigTree()
        try tree.write([
            "nginx.conf": """
            http {
                log_format combined '$remote_addr';
                log_format a '$remote_addr [$time_local] $status';
                log_format a '$remote_addr';
                log_format b escape=xml '$remote_addr';
                access_log /l/a.log a;
                access_log /l/b.log b;
                include missing.conf;
            }
            """
        ])
        let result = try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil)
        #expect(result.sources.map(\.paths) == [["/l/a.log"]])
        #expect(result.sources[0].format == .string("$remote_addr [$time_local] $status"))
        #expect(
            result.notes.map(\.message) == [
                "include: cannot read \(tree.path("missing.conf")): no such file or directory; nginx would refuse to "
                    + "start",
                "log_format combined is defined twice (nginx predefines it); nginx refuses to start, the first is "
                    + "used",
                "log_format a is defined twice (first at \(tree.path("nginx.conf")):3); nginx refuses to start, the "
                    + "first is used",
                "log_format b: unknown escape=xml (nginx knows default, json and none); not used",
                "access_log /l/b.log names log_format b, which is not defined; nginx refuses to start, so it is "
                    + "skipped",
            ])
    }

    @Test func syntaxErrorInAnIncludedFile() throws {
        let tree = try ConfigTree()
        try tree.write(["nginx.conf": "http { include sites/*; }\n", "sites/broken": "server {\n  listen 80\n}\n"])
        #expect(
            throws: DiscoveryError("unexpected \"}\"", at: ConfigLocation(file: tree.path("sites/broken"), line: 3))
        ) {
            try Discovery.run(nginx: tree.path("nginx.conf"), apache: nil)
        }
    }

    @Test func missingMainFileIsAnError() {
        #expect(
            throws: DiscoveryError(
                "cannot read /nonexistent/nginx.conf: no such file or directory",
                at: ConfigLocation(file: "/nonexistent/nginx.conf", line: 1))
        ) {
            try Discovery.run(nginx: "/nonexistent/nginx.conf", apache: nil)
        }
    }
}
