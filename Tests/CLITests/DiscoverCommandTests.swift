import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sessiontail discover` as an operator runs it: on Debian's own nginx and Apache configuration, and on
/// a site of its own served by the real nginx, whose sources `--write` puts into a configuration that
/// `check-config` accepts and that `run --drain` sessionizes into PostgreSQL.
@Suite("discover")
struct DiscoverCommandTests {
    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    @Test func debiansOwnConfigurationIsReadAsTheInstalledFileReadsIt() throws {
        let out = try run(["discover"])
        #expect(out.status == 0, "\(out.stderrText)")
        let yaml = String(decoding: out.stdout, as: UTF8.self)
        #expect(yaml.contains("/var/log/nginx/access.log"), "\(yaml)")
        #expect(yaml.contains("/var/log/apache2/other_vhosts_access.log") && yaml.contains("vhost_combined"))
        // The installed configuration already reads all of it: --write changes nothing.
        let dir = try ScratchDirectory()
        let config = dir.path("sessiontail.yaml")
        try FileManager.default.copyItem(
            atPath: RealLogsTests.packageRoot.appendingPathComponent("etc/sessiontail/sessiontail.yaml").path,
            toPath: config)
        let before = try String(contentsOfFile: config, encoding: .utf8)
        let write = try run(["discover", "--write", "--config", config])
        #expect(write.status == 0, "\(write.stderrText)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == before)
    }

    @Test func aSiteServedByNginxIsSessionizedFromWhatDiscoverWrote() throws {
        let dir = try ScratchDirectory()
        let root = dir.path("site")
        let port = try OperationTests.freePort()
        for sub in ["logs", "run", "www"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        try "hello\n".write(toFile: "\(root)/www/index.html", atomically: false, encoding: .utf8)
        // One process (a SIGKILL ends it all), as root: a log path with $host is opened per request, in a
        // directory only root may write.
        try """
        user root;
        master_process off;
        daemon off;
        pid \(root)/run/nginx.pid;
        error_log \(root)/logs/error.log;
        events { worker_connections 64; }
        http {
            client_body_temp_path \(root)/run; proxy_temp_path \(root)/run; fastcgi_temp_path \(root)/run;
            uwsgi_temp_path \(root)/run; scgi_temp_path \(root)/run;
            root \(root)/www;
            log_format forwarded '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                                 '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"';
            server {
                listen 127.0.0.1:\(port);
                server_name shop.test;
                access_log \(root)/logs/shop.access.log forwarded;
            }
            server {
                listen 127.0.0.1:\(port) default_server;
                server_name _;
                access_log \(root)/logs/$host.access.log;
            }
        }
        """.write(toFile: "\(root)/nginx.conf", atomically: false, encoding: .utf8)
        let table = PostgresCLITests.freshTable()
        defer { PostgresCLITests.dropTable(table) }
        let config = dir.path("sessiontail.yaml")
        try """
        # The agent's own settings; discover adds the sources.
        agent_id: discover-test
        state_dir: \(dir.path("state"))
        postgres:
          table: \(table)
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let written = try run(["discover", "--nginx", "\(root)/nginx.conf", "--write", "--config", config])
        #expect(written.status == 0, "\(written.stderrText)")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("# The agent's own settings"), "\(text)")
        #expect(text.contains("\(root)/logs/{host}.access.log") && text.contains("host: shop.test"), "\(text)")
        let check = try run(["check-config", "--config", config])
        #expect(check.status == 0, "\(check.stderrText)")

        let nginx = try Child(
            ["/usr/sbin/nginx", "-p", root, "-c", "\(root)/nginx.conf"], output: dir.path("nginx.out"))
        defer { nginx.kill9() }
        var up = false
        for _ in 0..<100 where !up {
            up = system("curl -s -o /dev/null http://127.0.0.1:\(port)/ 2>/dev/null") == 0
            if !up { Thread.sleep(forTimeInterval: 0.05) }
        }
        try #require(up, "nginx did not start")
        // Three visitors a host, each from a loopback address of its own, two requests each.
        for host in ["shop.test", "a.test", "b.test"] {
            for visitor in 11...13 {
                for _ in 0..<2 {
                    #expect(
                        system(
                            "curl -s -o /dev/null --interface 127.0.0.\(visitor) -H 'Host: \(host)' -A 'Mozilla/5.0' http://127.0.0.1:\(port)/"
                        ) == 0)
                }
            }
        }
        // nginx logs a request after answering it: wait for the last line before stopping it.
        var logged = 0
        for _ in 0..<200 where logged < 19 {
            logged =
                (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/logs"))?.filter {
                    $0.hasSuffix(".access.log")
                }.reduce(0) { total, name in
                    total
                        + ((try? String(contentsOfFile: "\(root)/logs/\(name)", encoding: .utf8))?.split(
                            separator: "\n"
                        ).count ?? 0)
                } ?? 0
            if logged < 19 { Thread.sleep(forTimeInterval: 0.05) }
        }
        nginx.kill9()
        let drain = try run(["run", "--drain", "--config", config])
        #expect(drain.status == 0, "\(drain.stderrText)")
        let rows = try PostgresCLITests.psqlValue(
            "SELECT string_agg(host || ' ' || ip || ' ' || event_count, ';' ORDER BY host, ip) FROM \(table)")
        #expect(
            rows
                == [
                    "127.0.0.1 127.0.0.1 1",  // the request that found nginx up
                    "a.test 127.0.0.11 2", "a.test 127.0.0.12 2", "a.test 127.0.0.13 2", "b.test 127.0.0.11 2",
                    "b.test 127.0.0.12 2", "b.test 127.0.0.13 2", "shop.test 127.0.0.11 2", "shop.test 127.0.0.12 2",
                    "shop.test 127.0.0.13 2",
                ].joined(separator: ";"),
            "\(drain.stderrText)\n\(text)\n\((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/logs")) ?? [])"
        )
    }
}
