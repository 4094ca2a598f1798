import AccessLog
import Foundation
import Testing

@testable import ServerConfig

#if canImport(Glibc)
    import Glibc
#endif

/// The real servers, run on loopback ports of their own with configurations written for the test: discovery
/// reads their configuration, the servers serve a mix of requests (odd bytes in headers and paths included),
/// and sessiontail's own parser, compiled from each discovered format, must read every line they wrote.
@Suite("nginx and Apache running, their logs read with the discovered formats")
struct LiveServersTests {
    static let isRoot = getuid() == 0

    /// Requests for the virtual hosts `hosts`: plain ones, quotes and backslashes in headers and paths, UTF-8
    /// and bytes that are not, a control character, a long agent, HTTP/1.0 without Host, a request line the
    /// servers refuse, a POST and a HEAD.
    static func traffic(hosts: [String]) -> [[UInt8]] {
        var requests: [[UInt8]] = []
        let agents: [[UInt8]] = [
            Array("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".utf8),
            Array(#"agent with "quotes" and \backslash\"#.utf8),
            Array("Zoë ☃ UTF-8".utf8) + [0xFF, 0xFE, 0x80] + Array(" and not".utf8),
            Array("tab\there".utf8),
            Array(String(repeating: "long-agent ", count: 200).utf8),
        ]
        for (n, host) in hosts.enumerated() {
            requests.append(Loopback.request("/", host: host, headers: [("User-Agent", agents[0])]))
            requests.append(
                Loopback.request(
                    "/products?id=\(n)&q=%22x%22", host: host,
                    headers: [
                        ("User-Agent", agents[n % agents.count]),
                        ("Referer", Array(#"https://ref.example/?a="b"\c"#.utf8)),
                        ("X-Forwarded-For", Array("203.0.113.\(n + 1), 10.0.0.1".utf8)),
                    ]))
            requests.append(Loopback.request("/static/app.css", host: host, headers: [("User-Agent", agents[1])]))
            requests.append(Loopback.request("/admin/login", host: host, headers: [("User-Agent", agents[2])]))
            requests.append(Loopback.request("/q\"uote/a\\b", host: host, headers: [("User-Agent", agents[3])]))
            requests.append(Loopback.request("/health", host: host))
            requests.append(Loopback.request("/api/items", method: "POST", host: host, body: #"{"a":1}"#))
            requests.append(
                Loopback.request("/index.html", method: "HEAD", host: host, headers: [("User-Agent", agents[4])]))
        }
        requests.append(Loopback.request("/", host: nil, version: "HTTP/1.0"))
        requests.append(Array("GARBAGE\r\n\r\n".utf8))
        return requests
    }

    /// Every file a source's patterns match (`{host}` as `*`), with its bytes.
    static func files(of source: DiscoveredSource) -> [(path: String, bytes: [UInt8])] {
        source.paths.flatMap { ConfigFiles.glob($0.replacing("{host}", with: "*")) }
            .filter { path in !source.exclude.contains(path) }
            .map { ($0, FileManager.default.contents(atPath: $0).map { [UInt8]($0) } ?? []) }
    }

    /// Parses every line of every source's files with the source's compiled format; returns the number of
    /// lines per source.
    static func parseEverything(_ sources: [DiscoveredSource]) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for source in sources {
            let format = try source.compiledFormat()
            var lines = 0
            for (path, bytes) in files(of: source) {
                for line in bytes.split(separator: UInt8(ascii: "\n")) {
                    lines += 1
                    var out = ParsedLine()
                    let reason = Array(line).withUnsafeBytes { LineParser(plan: format.plan).parse($0, into: &out) }
                    let shown = "\(source.name): \(path): \(String(decoding: line, as: UTF8.self))"
                    guard reason == nil else {
                        Issue.record("\(shown) is \(reason.map(String.init(describing:)) ?? "")")
                        continue
                    }
                    // Fields cut where they belong: the client, a time in the test's day, a status.
                    let client = Array(line).withUnsafeBytes {
                        String(decoding: out.client.slice(of: $0), as: UTF8.self)
                    }
                    #expect(client == "127.0.0.1", "\(shown)")
                    #expect(abs(out.timeMillis - now) < 3_600_000, "\(shown)")
                    #expect((100..<600).contains(out.status), "\(shown)")
                }
            }
            counts[source.name] = lines
        }
        return counts
    }

    @Test func nginx() throws {
        let tree = try ConfigTree()
        let port = try Loopback.freePort()
        for directory in ["log/nginx", "prefix/logs", "run", "www/static", "www/admin"] {
            try tree.makeDirectory(directory)
        }
        try tree.write([
            "www/index.html": "<h1>hello</h1>\n", "www/static/app.css": "body {}\n",
            "nginx/nginx.conf": """
            \(Self.isRoot ? "user root;" : "")
            worker_processes 1;
            daemon off;
            pid @ROOT@/run/nginx.pid;
            error_log @ROOT@/log/nginx/error.log info;
            events { worker_connections 64; }
            http {
                client_body_temp_path @ROOT@/run/body;
                proxy_temp_path @ROOT@/run/proxy;
                fastcgi_temp_path @ROOT@/run/fastcgi;
                uwsgi_temp_path @ROOT@/run/uwsgi;
                scgi_temp_path @ROOT@/run/scgi;
                root @ROOT@/www;
                log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                                '$status $body_bytes_sent "$http_referer" '
                                '"$http_user_agent" "$http_x_forwarded_for"';
                log_format json escape=json '{"time":"$time_iso8601","ip":"$remote_addr","host":"$host",'
                                            '"request":"$request","status":$status,"bytes":$body_bytes_sent,'
                                            '"referer":"$http_referer","ua":"$http_user_agent"}';
                log_format timed '$msec $remote_addr $host "$request" $status $bytes_sent $request_time '
                                 '"$http_user_agent"';
                access_log logs/access.log;
                include sites/*.conf;
            }
            """,
            "nginx/sites/shop.conf": """
            server {
                listen 127.0.0.1:\(port);
                server_name shop.test www.shop.test;
                access_log @ROOT@/log/nginx/shop.access.log main;
                location /static/ { access_log off; }
                location /admin/ { access_log @ROOT@/log/nginx/admin.log timed; }
            }
            """,
            "nginx/sites/api.conf": """
            server {
                listen 127.0.0.1:\(port);
                server_name api.test;
                access_log @ROOT@/log/nginx/api.json.log json;
            }
            """,
            "nginx/sites/shared.conf": """
            server { listen 127.0.0.1:\(port); server_name a.test; }
            server { listen 127.0.0.1:\(port); server_name b.test; }
            """,
            "nginx/sites/vhosts.conf": """
            server {
                listen 127.0.0.1:\(port) default_server;
                server_name _;
                access_log @ROOT@/log/nginx/$host.access.log;
                access_log syslog:server=unix:@ROOT@/run/no-syslog.sock;
            }
            """,
        ])

        var options = Discovery.Options()
        options.nginxPrefix = tree.path("prefix")
        let result = try Discovery.run(nginx: tree.path("nginx/nginx.conf"), apache: nil, options: options)
        let log = tree.path("log/nginx")
        #expect(
            result.sources.map(\.paths) == [
                ["\(log)/api.json.log"], [tree.path("prefix/logs/access.log")], ["\(log)/shop.access.log"],
                ["\(log)/admin.log"], ["\(log)/{host}.access.log"],
            ])
        #expect(try source(result.sources, path: "\(log)/shop.access.log").host == "shop.test")
        #expect(try source(result.sources, path: "\(log)/admin.log").host == nil)  // $host in the format
        #expect(try source(result.sources, path: "\(log)/{host}.access.log").exclude == ["\(log)/shop.access.log"])
        #expect(result.notes.count == 1)  // syslog

        let server = try ServerProcess(
            ["/usr/sbin/nginx", "-p", tree.path("prefix"), "-c", tree.path("nginx/nginx.conf")],
            output: tree.path("log/nginx/stdout.log"))
        defer { server.stop() }
        try #require(Loopback.waitUntilListening(port: port, server: server), "nginx did not start: \(server.printed)")
        let hosts = ["shop.test", "api.test", "a.test", "b.test", "Vhost1.Test", "vhost2.test"]
        for request in Self.traffic(hosts: hosts) { _ = try Loopback.exchange(port: port, request) }
        server.stop()

        let counts = try Self.parseEverything(result.sources)
        print("nginx: lines parsed per source: \(counts.sorted { $0.key < $1.key })")
        for source in result.sources { #expect(counts[source.name, default: 0] > 0, "\(source.name) has no lines") }
        #expect(counts["nginx-shop"] == 6)  // 8 requests, less /static/ (off) and /admin/ (its own log)
        #expect(counts["nginx-admin"] == 1)
        let perHost = Set(Self.files(of: try source(result.sources, path: "\(log)/{host}.access.log")).map(\.path))
        #expect(perHost.isSuperset(of: ["\(log)/vhost1.test.access.log", "\(log)/vhost2.test.access.log"]))
    }

    @Test func apache() throws {
        let tree = try ConfigTree()
        let port = try Loopback.freePort()
        for directory in ["log/apache2", "run/apache2", "www"] { try tree.makeDirectory(directory) }
        try tree.write([
            "www/index.html": "<h1>hello</h1>\n",
            "apache2/envvars": #"""
            unset HOME
            if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
            	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
            else
            	SUFFIX=
            fi
            export APACHE_RUN_USER=www-data
            export APACHE_RUN_GROUP=www-data
            export APACHE_PID_FILE=@ROOT@/run/apache2$SUFFIX/apache2.pid
            export APACHE_RUN_DIR=@ROOT@/run/apache2$SUFFIX
            export APACHE_LOG_DIR=@ROOT@/log/apache2$SUFFIX
            export LANG=C
            """#,
            "apache2/apache2.conf": #"""
            DefaultRuntimeDir ${APACHE_RUN_DIR}
            PidFile ${APACHE_PID_FILE}
            ServerName main.test
            \#(Self.isRoot ? "User ${APACHE_RUN_USER}\nGroup ${APACHE_RUN_GROUP}" : "")
            ErrorLog ${APACHE_LOG_DIR}/error.log
            LogLevel warn
            LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
            LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
            LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
            Listen 127.0.0.1:\#(port)
            DocumentRoot @ROOT@/www
            <Directory @ROOT@/www>
                Require all granted
            </Directory>
            LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
            LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
            LogFormat "%h %l %u %t \"%r\" %>s %O" common
            LogFormat "\"%{X-Forwarded-For}i\" %h %l %u %{msec}t \"%r\" %>s %B %D \"%{User-agent}i\"" proxy
            CustomLog ${APACHE_LOG_DIR}/other_vhosts_access.log vhost_combined
            CustomLog "|/bin/cat" common
            IncludeOptional sites-enabled/*.conf
            """#,
            "apache2/sites-enabled/000-default.conf": #"""
            <VirtualHost 127.0.0.1:\#(port)>
                CustomLog ${APACHE_LOG_DIR}/access.log combined
            </VirtualHost>
            """#,
            "apache2/sites-enabled/shop.conf": #"""
            <VirtualHost 127.0.0.1:\#(port)>
                ServerName shop.test
                SetEnvIf Request_URI "^/health" dontlog
                CustomLog ${APACHE_LOG_DIR}/shop.log proxy env=!dontlog
                LogFormat common
                TransferLog ${APACHE_LOG_DIR}/shop-transfer.log
            </VirtualHost>
            """#,
            "apache2/sites-enabled/plain.conf": #"""
            <VirtualHost 127.0.0.1:\#(port)>
                ServerName plain.test
            </VirtualHost>
            """#,
        ])

        let result = try Discovery.run(nginx: nil, apache: tree.path("apache2/apache2.conf"))
        let log = tree.path("log/apache2")
        #expect(
            result.sources.map(\.paths) == [
                ["\(log)/other_vhosts_access.log"], ["\(log)/access.log"], ["\(log)/shop.log"],
                ["\(log)/shop-transfer.log"],
            ])
        #expect(
            result.sources.map(\.formatText) == [
                "vhost_combined", "combined",
                #""%{X-Forwarded-For}i" %h %l %u %{msec}t "%r" %>s %B %D "%{User-agent}i""#,
                "common",
            ])
        #expect(result.sources.map(\.host) == [nil, "main.test", "shop.test", "shop.test"])
        #expect(result.notes.map(\.message).first?.hasPrefix(#"CustomLog "|/bin/cat" pipes the log"#) == true)

        let server = try ServerProcess(
            [
                "/bin/sh", "-c",
                // As apache2ctl starts it: envvars sourced, then apache2 with the variables it exported.
                ". \(tree.path("apache2/envvars")) && exec /usr/sbin/apache2 -d \(tree.path("apache2")) "
                    + "-f \(tree.path("apache2/apache2.conf")) -DFOREGROUND",
            ], environment: ["APACHE_CONFDIR": tree.path("apache2")],
            output: tree.path("log/apache2/stdout.log"))
        defer { server.stop() }
        try #require(
            Loopback.waitUntilListening(port: port, server: server), "apache2 did not start: \(server.printed)")
        for request in Self.traffic(hosts: ["shop.test", "plain.test", "unknown.test"]) {
            _ = try Loopback.exchange(port: port, request)
        }
        server.stop()

        let counts = try Self.parseEverything(result.sources)
        print("apache: lines parsed per source: \(counts.sorted { $0.key < $1.key })")
        for source in result.sources { #expect(counts[source.name, default: 0] > 0, "\(source.name) has no lines") }
        #expect(counts["apache-shop"] == 7)  // 8 requests less /health (env=!dontlog)
        #expect(counts["apache-shop-transfer"] == 8)
        #expect(counts["apache-other-vhosts"] == 8)  // plain.test, which has no log of its own
    }
}
