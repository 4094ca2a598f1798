import AccessLog
import Foundation
import Testing

@testable import UserAgents

/// The three families and the bot flag of one user agent, as text, for comparisons.
struct Families: Equatable, CustomStringConvertible {
    var browser: String
    var os: String
    var device: String
    var isBot = false

    var description: String { "\(browser) / \(os) / \(device)\(isBot ? " (bot)" : "")" }
}

extension UserAgentClassifier {
    func classify(_ ua: [UInt8]) -> UserAgentClass {
        ua.withUnsafeBytes { classify(uaBytes: $0) }
    }

    func classify(_ ua: String) -> UserAgentClass {
        classify(Array(ua.utf8))
    }

    func families(_ ua: [UInt8]) -> Families {
        let c = classify(ua)
        return Families(browser: family(c.browser), os: family(c.os), device: family(c.device), isBot: c.isBot)
    }

    func families(_ ua: String) -> Families {
        families(Array(ua.utf8))
    }
}

enum Fixtures {
    static var packageRoot: URL {
        // <root>/Tests/UserAgentsTests/Support.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func rules() throws -> UserAgentRules {
        try UserAgentRules.load()
    }

    /// The real logs in combined format: the worktree's `data/real/`, and the team's shared copy
    /// (`/work/shared/data/real`, or `shared/` beside the checkout) where there is one.
    static var realLogs: [String] {
        let directories = [
            packageRoot.appendingPathComponent("data/real").path, "/work/shared/data/real",
            packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/real").path,
        ]
        var logs: [String] = []
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            logs += names.filter { $0.hasSuffix(".log") }.sorted().map { "\(directory)/\($0)" }
        }
        return logs
    }

    /// Every distinct user agent of the real logs, as the access-log parser delimits it (escapes kept).
    static func logUserAgents() throws -> [[UInt8]] {
        let parser = LineParser(plan: try LogFormat.preset(named: "combined").plan)
        var parsed = ParsedLine()
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        for path in realLogs {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            for line in data.split(separator: 10, omittingEmptySubsequences: true) {
                Array(line).withUnsafeBytes { raw in
                    guard parser.parse(raw, into: &parsed) == nil else { return }
                    let ua = Array(parsed.userAgent.slice(of: raw))
                    if seen.insert(ua).inserted { out.append(ua) }
                }
            }
        }
        return out
    }

    /// The `user_agent_string:` values of uap-core's test files (real user agents collected by the
    /// project), distinct; every `stride`-th one.
    static func uapTestUserAgents(stride: Int) throws -> [[UInt8]] {
        let files = [
            "tests/test_ua.yaml", "tests/test_os.yaml", "tests/test_device.yaml",
            "test_resources/firefox_user_agent_strings.yaml", "test_resources/opera_mini_user_agent_strings.yaml",
            "test_resources/pgts_browser_list.yaml", "test_resources/podcasting_user_agent_strings.yaml",
        ]
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        for file in files {
            let text = try String(contentsOfFile: "/usr/share/uap-core/\(file)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let range = line.range(of: "user_agent_string: ") else { continue }
                var value = String(line[range.upperBound...])
                if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 {
                    value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
                } else if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
                    value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                        .replacingOccurrences(of: "\\\\", with: "\\")
                }
                let bytes = Array(value.utf8)
                if seen.insert(bytes).inserted { out.append(bytes) }
            }
        }
        return out.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }

    /// User agents that probe the corners: bots, none, odd bytes, escapes as logged, case, length.
    static let tricky: [[UInt8]] =
        [
            "", "-", " ", "Mozilla/5.0", "mozilla/5.0 (compatible)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/W.X.Y.Z Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "curl/7.88.1", "Wget/1.21.3", "python-requests/2.31.0", "Go-http-client/1.1", "okhttp/4.9.2",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 "
                + "Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
                + "Safari/537.36 Edg/120.0.0.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
                + "Safari/537.36 OPR/105.0.0.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                + "Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 "
                + "Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; U; Android 4.2.2; de-de; PEDI_PLUS_W Build/JDQ39) AppleWebKit/534.30 (KHTML, "
                + "like Gecko) Version/4.0 Safari/534.30",
            // regex_flag 'i' rules, in upper and lower case.
            "SAMSUNG-SGH-I337/I337UCUAMDL Mozilla/5.0 (Linux; U; Android 4.2.2) AppleWebKit/534.30",
            "samsung-sgh-i337/i337ucuamdl mozilla/5.0 (linux; u; android 4.2.2) applewebkit/534.30",
            "Mozilla/5.0 (Mobile; rv:48.0; A405DL) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
            "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
            "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)",
            "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, "
                + "like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.14977",
            "Mozilla/5.0 (PlayStation 4 3.11) AppleWebKit/537.73 (KHTML, like Gecko)",
            "Mozilla/5.0 (SMART-TV; Linux; Tizen 2.4.0) AppleWebKit/538.1 (KHTML, like Gecko) Version/2.4.0 TV "
                + "Safari/538.1",
            "Mozilla/5.0 (Linux; U; Android 9; HTC One M9 Build/PQ3A) AppleWebKit/537.36 Chrome/74.0 Mobile",
            "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Pro  ) AppleWebKit/537.36 Chrome/88.0 Mobile Safari",
            "UCWEB/2.0 (MIDP-2.0; U; Adr 4.0.4; en-US; ZTE_U795) U2/1.0.0 UCBrowser/10.7.6.805 U2/1.0.0 Mobile",
            "Mozilla/5.0 (Linux; Android 11; Редми 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Mobile",
            "Mozilla/5.0 (Windows NT 10.0; rv:109.0) Gecko/20100101 Firefox/115.0\tTAB",
            // Escapes as nginx and Apache log them (the classifier sees the field's bytes as logged).
            #"Mozilla/5.0 (compatible; \"quoted\"; Googlebot/2.1)"#, #"Mozilla/5.0 \x22Chrome/99.0\x22"#,
            String(repeating: "Mozilla/5.0 (Windows NT 10.0) ", count: 200) + "Chrome/120.0",
            "Uptime-Kuma/1.23.0", "Mozilla/5.0+(compatible;+UptimeRobot/2.0;+http://www.uptimerobot.com/)",
            "Java/1.8.0_151", "Apache-HttpClient/4.5.13 (Java/11.0.16)", "Slackbot-LinkExpanding 1.0",
        ].map { Array($0.utf8) } + [
            // Not UTF-8: a Latin-1 byte, a lone continuation byte, a truncated sequence.
            Array("Mozilla/5.0 (Linux; Android 8.0; Caf".utf8) + [0xE9] + Array(") Chrome/70.0 Mobile".utf8),
            [0x80, 0xFF] + Array(" Googlebot/2.1".utf8),
            Array("Opera/9.80 (J2ME/MIDP; Opera Mini/5.1.21214/28.2725; U; ru) Presto/2.8.119 Version/11.10 ".utf8)
                + [0xE2, 0x82],
        ]

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs `arguments` (PATH is searched), feeding `input` on standard input.
    static func run(_ arguments: [String], input: Data = Data()) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read on separate threads: either side can fill a pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errors = ErrorCollector(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out, stderr: errors.text())
    }

    /// Reads a pipe to its end on a thread of its own.
    final class ErrorCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread {
                let all = handle.readDataToEndOfFile()
                self.lock.withLock { self.data = all }
                self.done.signal()
            }.start()
        }

        func text() -> String {
            done.wait()
            return lock.withLock { String(decoding: data, as: UTF8.self) }
        }
    }

    /// The families ua-parser's Python package gives each of `userAgents` (nil where it raises), from
    /// `scripts/uap_reference.py` on the same regexes.yaml.
    static func reference(_ userAgents: [[UInt8]]) throws -> [Families?] {
        var input = ""
        for ua in userAgents { input += ua.map { String(format: "%02x", $0) }.joined() + "\n" }
        let script = packageRoot.appendingPathComponent("scripts/uap_reference.py").path
        let output = try run(["python3", script, "--regexes", UserAgentRules.debianPath], input: Data(input.utf8))
        try #require(
            output.status == 0,
            "uap_reference.py failed (\(output.status)): \(output.stderr) — scripts/install-deps.sh installs ua-parser")
        let lines = String(decoding: output.stdout, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == userAgents.count + 1, "uap_reference.py gave \(lines.count - 1) lines")
        return lines.dropLast().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if fields.first == "!error" || fields.count != 3 { return nil }
            return Families(browser: fields[0], os: fields[1], device: fields[2])
        }
    }

    /// A user agent for messages: valid UTF-8 as is, other bytes as `\xHH`.
    static func show(_ ua: [UInt8]) -> String {
        FieldText.printable(ua)
    }
}
