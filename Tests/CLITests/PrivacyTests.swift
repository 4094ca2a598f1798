import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `privacy.client` and `sessionize --privacy`: what is kept of a visitor's address. The sessions equal those
/// of the log with its clients keyed beforehand by Python's own `ipaddress` and `hmac`
/// (`scripts/privacy_reference.py`), and no raw address reaches the state directory, the daemon's output or
/// PostgreSQL.
@Suite("privacy: truncated and hashed clients")
struct PrivacyTests {
    static let reference = RealLogsTests.packageRoot.appendingPathComponent("scripts/privacy_reference.py").path

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    /// A key file of 32 random bytes, mode 0600.
    static func key(in dir: ScratchDirectory, name: String = "client.key") throws -> String {
        let path = dir.path(name)
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    /// `log` with its clients as `privacy_reference.py arguments` stores them.
    static func keyed(_ log: String, _ arguments: [String], into path: String) throws {
        let out = try RealLogsTests.run(
            "/bin/sh", ["-c", "python3 \(reference) \(arguments.joined(separator: " ")) < \(log) > \(path)"],
            cwd: RealLogsTests.packageRoot)
        #expect(out.status == 0, "privacy_reference.py: \(out.stderrText)")
    }

    /// Visitors of every kind: IPv4, IPv6 (upper case, compressed or not), IPv4-mapped, a host name.
    static func mixedLog(_ path: String) throws {
        let clients = [
            "192.0.2.7", "192.0.2.200", "198.51.100.23", "2001:db8:1a2b:3c4d::1", "2001:DB8:1A2B:ffff:0:0:0:9",
            "2001:db8:1a2c::5", "::ffff:192.0.2.9", "::ffff:203.0.113.77", "crawl-66-249-66-1.googlebot.com",
            "fe80::1", "203.0.113.254",
        ]
        var text = ""
        for i in 0..<600 {
            let client = clients[(i * 7 + i / 50) % clients.count]
            let second = i * 13 % 3_600
            text +=
                "\(client) - - [10/Oct/2025:1\(second / 600):\(String(format: "%02d", second / 10 % 60)):\(String(format: "%02d", second % 10)) +0000] \"GET /p\(i % 9) HTTP/1.1\" 200 \(i) \"-\" \"agent \(i % 3)\"\n"
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static let settings: [(name: String, flags: [String], reference: [String])] = [
        ("truncate 24/48", ["--privacy", "truncate"], ["truncate", "24", "48"]),
        (
            "truncate 16/56", ["--privacy", "truncate", "--ipv4-prefix", "16", "--ipv6-prefix", "56"],
            ["truncate", "16", "56"]
        ),
        ("hash", ["--privacy", "hash"], ["hash"]),
    ]

    @Test(arguments: ["elastic-examples_apache_logs.log", "nasa-aug95_sample_aman-panchal.log", "mixed"])
    func sessionsEqualTheLogKeyedTheSameWayBeforehand(_ file: String) throws {
        let dir = try ScratchDirectory()
        let key = try PrivacyTests.key(in: dir)
        let log: String
        if file == "mixed" {
            log = dir.path("mixed.log")
            try PrivacyTests.mixedLog(log)
        } else {
            log = RealLogsTests.packageRoot.appendingPathComponent("data/real/\(file)").path
        }
        let format = file.hasPrefix("nasa") ? "common" : "combined"
        let plain = try run(["sessionize", "--format", format, "--host", "x", log])
        #expect(plain.status == 0, "\(plain.stderrText)")
        for setting in PrivacyTests.settings {
            let keyedLog = dir.path("keyed.log")
            try PrivacyTests.keyed(log, setting.reference.map { $0 == "hash" ? "hash \(key)" : $0 }, into: keyedLog)
            let expected = try run(["sessionize", "--format", format, "--host", "x", keyedLog])
            let got = try run(
                ["sessionize", "--format", format, "--host", "x", "--key-file", key] + setting.flags + [log])
            #expect(got.status == 0, "\(setting.name): \(got.stderrText)")
            #expect(got.stdout == expected.stdout, "\(file), \(setting.name): sessions differ from the reference")
            // Not the plain sessions, and no raw address in them.
            #expect(got.stdout != plain.stdout)
            let text = String(decoding: got.stdout, as: UTF8.self)
            let ips = Set(text.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]) })
            for ip in ips {
                if setting.name == "hash" {
                    #expect(ip.count == 32 && ip.allSatisfy(\.isHexDigit), "\(ip)")
                } else {
                    #expect(ip.hasPrefix("*.") || ip.contains("/"), "\(ip)")
                }
            }
        }
        // `keep` changes nothing.
        let kept = try run(["sessionize", "--format", format, "--host", "x", "--privacy", "keep", log])
        #expect(kept.stdout == plain.stdout)
    }

    @Test func truncatedNetworksAreWrittenAsRFC5952Says() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("mixed.log")
        try PrivacyTests.mixedLog(log)
        let out = try run(["sessionize", "--host", "x", "--privacy", "truncate", log])
        let ips = Set(
            String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").dropFirst().map {
                String($0.split(separator: ",")[1])
            })
        #expect(
            ips == [
                "192.0.2.0/24", "198.51.100.0/24", "2001:db8:1a2b::/48", "2001:db8:1a2c::/48", "203.0.113.0/24",
                "fe80::/48", "*.googlebot.com",
            ])
    }

    @Test func aKeyOthersMayReadOrTooShortIsRefused() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("a.log")
        try PrivacyTests.mixedLog(log)
        let key = try PrivacyTests.key(in: dir)
        chmod(key, 0o644)
        let open = try run(["sessionize", "--host", "x", "--privacy", "hash", "--key-file", key, log])
        #expect(open.status != 0 && open.stderrText.contains(key), "\(open.stderrText)")
        #expect(open.stdout.isEmpty)
        let short = dir.path("short.key")
        try Data(repeating: 7, count: 16).write(to: URL(fileURLWithPath: short))
        chmod(short, 0o600)
        let tooShort = try run(["sessionize", "--host", "x", "--privacy", "hash", "--key-file", short, log])
        #expect(tooShort.status != 0 && tooShort.stderrText.contains("16"), "\(tooShort.stderrText)")
        let bad = try run(["sessionize", "--host", "x", "--privacy", "scramble", log])
        #expect(bad.status != 0 && bad.stderrText.contains("keep, truncate or hash"), "\(bad.stderrText)")
    }

    /// What quotes a line (malformed-line samples, the extra-fields example) shows the client as stored.
    @Test func samplesOfLinesShowTheClientAsStored() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("a.log")
        try """
        192.0.2.77 - - [10/Oct/2025:13:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"
        192.0.2.78 - - [10/Oct/2025:13:00:02 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" extra 2001:db8::7
        192.0.2.79 - - [10/Oct/2025:13:00:03 +0000] "GET / HTTP/1.1" 200 5 "-" "ua
        garbage from [2001:db8:77::1]:443 and 198.51.100.5:8080

        """.write(toFile: log, atomically: false, encoding: .utf8)
        let kept = try run(["sessionize", "--host", "x", log])
        #expect(kept.stderrText.contains("192.0.2.79") && kept.stderrText.contains("198.51.100.5:8080"))
        let out = try run(["sessionize", "--host", "x", "--privacy", "truncate", log])
        #expect(out.status == 0)
        for raw in ["192.0.2.7", "2001:db8::7", "2001:db8:77::1", "198.51.100.5"] {
            #expect(!out.stderrText.contains(raw), "\(raw) in \(out.stderrText)")
            #expect(!String(decoding: out.stdout, as: UTF8.self).contains(raw))
        }
        #expect(out.stderrText.contains("192.0.2.0/24"), "\(out.stderrText)")
        #expect(out.stderrText.contains("[2001:db8:77::/48]:443") && out.stderrText.contains("198.51.100.0/24:8080"))
    }

    /// `--drop-client`: the office and the uptime monitor are left out, counted as dropped.
    @Test func droppedClientsAreCountedAndLeftOut() throws {
        let dir = try ScratchDirectory()
        let log = dir.path("mixed.log")
        try PrivacyTests.mixedLog(log)
        let all = try run(["sessionize", "--host", "x", log])
        let out = try run([
            "sessionize", "--host", "x", "--drop-client", "192.0.2.0/24", "--drop-client", "2001:db8:1a2b::/48",
            "--privacy", "truncate", log,
        ])
        #expect(out.status == 0, "\(out.stderrText)")
        let rows = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty)
        #expect(!rows.contains { $0.contains(",192.0.2.0/24,") || $0.contains(",2001:db8:1a2b::/48,") })
        // Those of the log's visitors in the networks: 192.0.2.7, .200, ::ffff:192.0.2.9, and two IPv6.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let expected = lines.filter {
            $0.hasPrefix("192.0.2.") || $0.hasPrefix("::ffff:192.0.2.") || $0.lowercased().hasPrefix("2001:db8:1a2b:")
        }.count
        #expect(out.stderrText.contains("\(expected) dropped (client \(expected))"), "\(out.stderrText)")
        #expect(all.status == 0)
        let bad = try run(["sessionize", "--host", "x", "--drop-client", "10.0.0.1/8", log])
        #expect(bad.status != 0 && bad.stderrText.contains("10.0.0.1/8"))
    }
}
