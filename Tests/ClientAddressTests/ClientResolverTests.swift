import Foundation
import Testing

@testable import ClientAddress

#if canImport(Glibc)
    import Glibc
#endif

/// The visitor behind trusted proxies: nginx's `real_ip_recursive on`, addresses only.
@Suite("Client behind proxies")
struct ClientResolverTests {
    let xff = ClientResolver(trusted: ClientResolver.privateNetworks, syntax: .list)
    let forwarded = ClientResolver(trusted: ClientResolver.privateNetworks, syntax: .forwarded)

    /// Resolves `remote` with `header` as a log line `remote|header` holds them.
    func resolve(_ resolver: ClientResolver, _ remote: String, _ header: String) -> (String, Bool) {
        let line = Array((remote + "|" + header).utf8)
        return line.withUnsafeBytes { raw in
            let bar = remote.utf8.count
            let found = resolver.resolve(remote: 0..<bar, header: (bar + 1)..<raw.count, in: raw)
            return (String(decoding: raw[found.range], as: UTF8.self), found.forged)
        }
    }

    @Test func theVisitorIsTheFirstUntrustedAddressFromTheRight() {
        #expect(resolve(xff, "10.0.0.1", "203.0.113.9") == ("203.0.113.9", false))
        #expect(resolve(xff, "10.0.0.1", "198.51.100.7, 203.0.113.9, 10.0.0.2") == ("203.0.113.9", false))
        #expect(resolve(xff, "10.0.0.1", "192.168.1.5, 10.0.0.2") == ("192.168.1.5", false))  // all trusted: leftmost
        #expect(resolve(xff, "::1", "2001:db8::7") == ("2001:db8::7", false))
        #expect(resolve(xff, "10.0.0.1", "-") == ("10.0.0.1", false))
        #expect(resolve(xff, "10.0.0.1", "") == ("10.0.0.1", false))
    }

    @Test func anUntrustedConnectionIsTheVisitorWhateverTheHeaderSays() {
        #expect(resolve(xff, "203.0.113.9", "10.0.0.5") == ("203.0.113.9", false))
        #expect(resolve(xff, "www.example.com", "198.51.100.7") == ("www.example.com", false))
    }

    /// Anyone can write into X-Forwarded-For: what is not an address is never a visitor.
    @Test func aForgedValueStopsTheWalkAtTheLastTrustedHop() {
        #expect(resolve(xff, "10.0.0.1", "<script>alert(1)</script>, 203.0.113.9") == ("203.0.113.9", false))
        #expect(resolve(xff, "10.0.0.1", "<script>alert(1)</script>, 10.0.0.9") == ("10.0.0.9", true))
        #expect(resolve(xff, "10.0.0.1", "unknown") == ("10.0.0.1", true))
        #expect(resolve(xff, "10.0.0.1", "203.0.113.9:4711") == ("10.0.0.1", true))
        #expect(resolve(xff, "10.0.0.1", "[2001:db8::1]") == ("10.0.0.1", true))
    }

    @Test func forwardedTakesTheForParameter() {
        #expect(resolve(forwarded, "10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43") == ("192.0.2.60", false))
        #expect(resolve(forwarded, "10.0.0.1", #"for="[2001:db8:cafe::17]:4711""#) == ("2001:db8:cafe::17", false))
        #expect(resolve(forwarded, "10.0.0.1", #"For="192.0.2.43:47011", for=10.0.0.3"#) == ("192.0.2.43", false))
        // As nginx's log escapes the quotes.
        #expect(resolve(forwarded, "10.0.0.1", #"for=\x22[2001:db8::17]:4711\x22"#) == ("2001:db8::17", false))
        #expect(resolve(forwarded, "10.0.0.1", "for=_hidden, for=10.0.0.2") == ("10.0.0.2", true))
        #expect(resolve(forwarded, "10.0.0.1", "proto=https") == ("10.0.0.1", true))
    }

    /// nginx itself, with `set_real_ip_from` the private ranges, `real_ip_header X-Forwarded-For` and
    /// `real_ip_recursive on`, says who the visitor is for random chains of proxies; the resolver
    /// must say the same. (nginx also takes an address with a port; the chains here have none.)
    @Test func agreesWithNginxsRealIPModule() throws {
        let nginx = try RealNginx()
        defer { nginx.stop() }
        var random = SystemRandomNumberGenerator()
        let trusted = ["10.1.2.3", "10.200.0.1", "192.168.7.7", "172.16.5.4", "127.0.0.9", "fc00::5"]
        let visitors = ["203.0.113.9", "198.51.100.77", "2001:db8::42", "8.8.4.4", "2a00:1450:4001::200e"]
        var chains: [String] = []
        for _ in 0..<300 {
            let count = Int.random(in: 1...5, using: &random)
            var items: [String] = (0..<count).map { _ in
                Bool.random(using: &random)
                    ? trusted.randomElement(using: &random)! : visitors.randomElement(using: &random)!
            }
            if Int.random(in: 0..<6, using: &random) == 0 {
                items.insert(
                    ["unknown", "<script>", "x"].randomElement(using: &random)!,
                    at: Int.random(in: 0...count, using: &random))
            }
            chains.append(items.joined(separator: Bool.random(using: &random) ? ", " : ","))
        }
        let answers = try nginx.remoteAddresses(forwardedFor: chains)
        #expect(answers.count == chains.count)
        for (chain, answer) in zip(chains, answers) {
            #expect(resolve(xff, "127.0.0.1", chain).0 == answer, "X-Forwarded-For: \(chain)")
        }
    }
}

/// nginx on a loopback port with the realip module set up, logging what it made of each request.
final class RealNginx {
    let prefix: String
    let port: Int
    let process: Process

    init() throws {
        prefix = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
        port = try RealNginx.freePort()
        let config = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/logs/error.log;
            events { worker_connections 64; }
            http {
                log_format realip '$remote_addr';
                access_log \(prefix)/logs/access.log realip;
                client_body_temp_path \(prefix); proxy_temp_path \(prefix); fastcgi_temp_path \(prefix);
                uwsgi_temp_path \(prefix); scgi_temp_path \(prefix);
                server {
                    listen 127.0.0.1:\(port);
                    set_real_ip_from 10.0.0.0/8;
                    set_real_ip_from 172.16.0.0/12;
                    set_real_ip_from 192.168.0.0/16;
                    set_real_ip_from 127.0.0.0/8;
                    set_real_ip_from fc00::/7;
                    set_real_ip_from ::1/128;
                    real_ip_header X-Forwarded-For;
                    real_ip_recursive on;
                    location / { return 204; }
                }
            }
            """
        try config.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready once it accepts a connection.
        for _ in 0..<200 {
            if (try? request(forwardedFor: nil)) != nil { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        stop()
        throw RealNginxFailed(
            what:
                "nginx did not start: \((try? String(contentsOfFile: prefix + "/logs/error.log", encoding: .utf8)) ?? "")"
        )
    }

    struct RealNginxFailed: Error, CustomStringConvertible { let what: String; var description: String { what } }

    func stop() {
        if process.isRunning {
            // SIGKILL: without a master process nginx keeps the signal mask it was started with, and the
            // test runner's threads block SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: prefix)
    }

    /// One request over a fresh connection, with the header when given.
    func request(forwardedFor: String?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RealNginxFailed(what: "connect: \(errno)") }
        var text = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        if let forwardedFor { text += "X-Forwarded-For: \(forwardedFor)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
    }

    /// What nginx logged as `$remote_addr` for each header, in order.
    func remoteAddresses(forwardedFor chains: [String]) throws -> [String] {
        let log = prefix + "/logs/access.log"
        let before = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count ?? 0
        for chain in chains { try request(forwardedFor: chain) }
        for _ in 0..<100 {
            let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            if lines.count >= before + chains.count { return lines.dropFirst(before).map(String.init) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw RealNginxFailed(what: "nginx did not log every request")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
