import Foundation
import Testing

@testable import UserAgents

@Suite("UserAgentClassifier")
struct UserAgentClassifierTests {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        + "Safari/537.36"
    static let iPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 5_1_1 like Mac OS X) AppleWebKit/534.46 (KHTML, like Gecko) "
        + "Version/5.1 Mobile/9B206 Safari/7534.48.3"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

    @Test("families of well-known user agents")
    func wellKnown() throws {
        let classifier = try UserAgentClassifier(rules: Fixtures.rules())
        #expect(classifier.families(Self.chrome) == Families(browser: "Chrome", os: "Windows", device: "Other"))
        #expect(classifier.families(Self.iPhone) == Families(browser: "Mobile Safari", os: "iOS", device: "iPhone"))
        #expect(
            classifier.families(Self.googlebot)
                == Families(browser: "Googlebot", os: "Other", device: "Spider", isBot: true))
        // The specification's examples: `Firefox ($1)` and `Odys $1 $2 $3`.
        let minefield = "Mozilla/5.0 (Windows; Windows NT 5.1; rv:2.0b3pre) Gecko/20100727 Minefield/4.0.1pre"
        #expect(classifier.families(minefield).browser == "Firefox (Minefield)")
        let odys =
            "Mozilla/5.0 (Linux; U; Android 4.2.2; de-de; PEDI_PLUS_W Build/JDQ39) AppleWebKit/534.30 (KHTML, "
            + "like Gecko) Version/4.0 Safari/534.30"
        #expect(classifier.families(odys).device == "Odys PEDI PLUS W")
        #expect(classifier.family(.other) == "Other")
        #expect(MemoryLayout<UserAgentClass>.size <= 8)
    }

    @Test("an empty or '-' user agent is a bot")
    func none() throws {
        let classifier = try UserAgentClassifier(rules: Fixtures.rules())
        for ua in ["", "-"] {
            #expect(classifier.families(ua) == Families(browser: "Other", os: "Other", device: "Other", isBot: true))
        }
        #expect(!classifier.classify("--").isBot)
        #expect(!classifier.classify(Self.chrome).isBot)
    }

    @Test("extra bot patterns: case-insensitive, anywhere; a bad one is refused")
    func extraBotPatterns() throws {
        let rules = try Fixtures.rules()
        let classifier = try UserAgentClassifier(
            rules: rules, options: .init(extraBotPatterns: [#"uptime-?kuma"#, #"^internal-monitor/\d"#]))
        #expect(classifier.classify("Uptime-Kuma/1.23.0").isBot)
        #expect(classifier.classify("Mozilla/5.0 UPTIMEKUMA").isBot)
        #expect(classifier.classify("Internal-Monitor/2").isBot)
        #expect(!classifier.classify("x Internal-Monitor/2").isBot)
        #expect(!classifier.classify(Self.chrome).isBot)
        // The families are ua-parser's, bot pattern or not.
        #expect(classifier.families("Uptime-Kuma/1.23.0").browser == "Other")
        let plain = try UserAgentClassifier(rules: rules)
        #expect(!plain.classify("Uptime-Kuma/1.23.0").isBot)

        #expect(throws: UserAgentClassifierError.self) {
            _ = try UserAgentClassifier(rules: rules, options: .init(extraBotPatterns: ["bot(s"]))
        }
        do {
            _ = try UserAgentClassifier(rules: rules, options: .init(extraBotPatterns: ["bot(s"]))
        } catch {
            #expect(error.description.hasPrefix("The extra bot pattern 'bot(s' is not a valid regular expression: "))
        }
    }

    @Test("a rule PCRE2 cannot compile is refused with file and line")
    func badRule() throws {
        let rules = try UserAgentRules(
            yaml: Array("user_agent_parsers:\n  - regex: 'a(b'\nos_parsers:\ndevice_parsers:\n".utf8), path: "r.yaml")
        do {
            _ = try UserAgentClassifier(rules: rules)
            Issue.record("accepted 'a(b'")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:2: a user_agent_parsers regex that PCRE2 cannot compile: "))
        }
    }

    @Test("the cache holds at most its capacity, and stays right when it empties")
    func cacheBound() throws {
        let rules = try Fixtures.rules()
        let small = try UserAgentClassifier(rules: rules, options: .init(cacheCapacity: 8))
        let large = try UserAgentClassifier(rules: rules)
        let userAgents = Array(try Fixtures.logUserAgents().prefix(50))
        try #require(userAgents.count == 50)
        for round in 0..<3 {
            for ua in userAgents {
                #expect(small.families(ua) == large.families(ua), "round \(round): \(Fixtures.show(ua))")
                #expect(small.statistics.cacheEntries <= 8)
            }
        }
        let s = small.statistics
        #expect(s.cacheClears >= 150 / 8 - 1)
        #expect(s.cacheHits + s.cacheMisses == 150)
        let l = large.statistics
        #expect(l.cacheMisses == 50)
        #expect(l.cacheEntries == 50)
        #expect(l.cacheClears == 0)
    }

    @Test("a user agent longer than the cache's room is classified, not kept")
    func longerThanCache() throws {
        let classifier = try UserAgentClassifier(rules: Fixtures.rules(), options: .init(cacheCapacity: 1))
        let long = "Googlebot/2.1 " + String(repeating: "x", count: 300)
        #expect(classifier.classify(long).isBot)
        #expect(classifier.classify(long).isBot)
        #expect(classifier.statistics.cacheEntries == 0)
        #expect(classifier.statistics.cacheMisses == 2)
    }

    @Test("family ids are stable, the table grows, and it is bounded")
    func familyTable() {
        let table = FamilyTable()
        #expect(table.name(.other) == "Other")
        let ids = (0..<70_000).map { table.intern(Array("family \($0)".utf8)) }
        #expect(table.count == FamilyTable.capacity)
        #expect(table.overflows == 70_000 - (FamilyTable.capacity - 1))
        #expect(ids.last == .other)
        #expect(table.intern(Array("family 5".utf8)) == ids[5])
        #expect(table.name(ids[5]) == "family 5")
        #expect(table.name(ids[60_000]) == "family 60000")
        #expect(table.intern(Array("Other".utf8)) == .other)
    }

    @Test("a cache hit runs no pattern")
    func hit() throws {
        let classifier = try UserAgentClassifier(rules: Fixtures.rules())
        let first = classifier.classify(Self.iPhone)
        let before = classifier.statistics
        #expect(before.cacheMisses == 1)
        #expect(before.regexRuns > 0)
        let again = classifier.classify(Self.iPhone)
        let after = classifier.statistics
        #expect(again == first)
        #expect(after.cacheHits == before.cacheHits + 1)
        #expect(after.regexRuns == before.regexRuns)
        // Same bytes elsewhere in memory, and a prefix of them, are told apart by content.
        let copy = Array(Self.iPhone.utf8) + [0]
        copy.withUnsafeBytes { raw in
            #expect(classifier.classify(uaBytes: UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 1)])) == first)
        }
        #expect(classifier.statistics.cacheHits == after.cacheHits + 1)
        _ = classifier.classify(String(Self.iPhone.dropLast()))
        #expect(classifier.statistics.cacheMisses == 2)
    }

    @Test("without the JIT (turned off) the interpreter gives the same families")
    func interpreterFallback() throws {
        let rules = try Fixtures.rules()
        let interpreted = try UserAgentClassifier(rules: rules, options: .init(usesJIT: false))
        let jitted = try UserAgentClassifier(rules: rules)
        #expect(!interpreted.isJITActive)
        #expect(interpreted.jitUnavailableReason == "the JIT is turned off")
        if PCRE2JIT.isAvailable {
            #expect(jitted.isJITActive)
            #expect(jitted.jitUnavailableReason == nil)
        }
        for ua in try Fixtures.logUserAgents() + Fixtures.tricky {
            #expect(interpreted.families(ua) == jitted.families(ua), "\(Fixtures.show(ua))")
        }
        #expect(interpreted.statistics.jitCompiledPatterns == 0)
        if PCRE2JIT.isAvailable { #expect(jitted.statistics.jitCompiledPatterns > 0) }
    }

    @Test("the prefilter changes nothing but the speed")
    func prefilterSameResults() throws {
        let rules = try Fixtures.rules()
        let plain = try UserAgentClassifier(rules: rules, options: .init(usesPrefilter: false))
        let filtered = try UserAgentClassifier(rules: rules)
        let userAgents = try Fixtures.logUserAgents() + Fixtures.tricky + Fixtures.uapTestUserAgents(stride: 25)
        for ua in userAgents {
            #expect(plain.families(ua) == filtered.families(ua), "\(Fixtures.show(ua))")
        }
        #expect(filtered.statistics.regexRuns * 10 < plain.statistics.regexRuns)
    }

    /// Executable memory denied for real: `uabench --deny-write-execute` sets PR_SET_MDWE (as systemd's
    /// MemoryDenyWriteExecute=yes does) before it makes a classifier, so the JIT fails and the interpreter
    /// must take over, silently and with the same results.
    @Test(
        "with executable memory denied (PR_SET_MDWE) the JIT falls back to the interpreter",
        .enabled(if: Self.kernelHasMDWE && Self.uabench != nil))
    func memoryDenyWriteExecute() throws {
        let bench = try #require(Self.uabench)
        let log = Fixtures.packageRoot.appendingPathComponent("data/real/elastic-examples_apache_logs.log").path
        let output = try Fixtures.run([bench, "--deny-write-execute", "--print", "--generated", "0", "--log", log])
        try #require(output.status == 0, "\(output.stderr)")
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let last = try #require(lines.last)
        if PCRE2JIT.isAvailable {
            #expect(last.hasPrefix("# jit: off (the JIT failed"), "\(last)")
        }
        let classifier = try UserAgentClassifier(rules: Fixtures.rules())
        var compared = 0
        for line in lines.dropLast() {
            let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 5)
            let ours = classifier.families(fields[4])
            #expect(Families(browser: fields[1], os: fields[2], device: fields[3], isBot: fields[0] == "true") == ours)
            compared += 1
        }
        #expect(compared > 400)
    }

    /// Whether this kernel knows PR_SET_MDWE (Linux 6.3): PR_GET_MDWE (66) answers rather than fails.
    /// prctl is variadic, which Swift does not import: it is called through a pointer.
    static var kernelHasMDWE: Bool {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return false }
        return unsafeBitCast(symbol, to: Prctl.self)(66, 0, 0, 0, 0) >= 0
    }

    /// The benchmark, built beside the test bundle (SwiftPM builds every product before testing).
    static var uabench: String? {
        var starts: [URL] = Bundle.allBundles.map(\.bundleURL)
        if let arg0 = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: arg0)) }
        for start in starts {
            var url = start.standardizedFileURL
            for _ in 0..<4 {
                url = url.deletingLastPathComponent()
                let candidate = url.appendingPathComponent("uabench").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}
