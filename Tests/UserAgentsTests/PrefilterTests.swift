import Testing

@testable import UserAgents

@Suite("Prefilter: the literals a pattern requires")
struct PrefilterTests {
    func required(_ pattern: String) -> [[String]] {
        RequiredLiterals.of(pattern: Array(pattern.utf8), minimumLength: 2).allOf.map { set in
            set.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test(
        "literals found",
        arguments: [
            (#"(Namoroka|Shiretoko|Minefield)/(\d+)\.(\d+)"#, [["minefield/", "namoroka/", "shiretoko/"]]),
            (#"[Mm]obile Safari"#, [["mobile safari"]]),
            (#"^(.{0,200})-iPad\/(\d+)(?:\.(\d+)|) CFNetwork"#, [[" cfnetwork"], ["-ipad/"]]),
            (#"(?:abc|)def"#, [["abcdef", "def"]]),
            (#"(?=abc)def"#, [["def"]]),
            (#"(?i)Bot[ _]x"#, [["bot x", "bot_x"]]),
            (#"ab?cd"#, [["abcd", "acd"]]),
            (#"Chrome/(\d+)\.(\d+) Mobile"#, [[" mobile"], ["chrome/"]]),
            (#"x\x41y"#, [["xay"]]),
            (#"a{2}b"#, []),
            (#"A{x}"#, [["a{x}"]]),
        ] as [(String, [[String]])])
    func found(_ pattern: String, _ expected: [[String]]) {
        #expect(required(pattern) == expected)
    }

    @Test(
        "nothing claimed where the pattern could match without it",
        arguments: [
            #"abc|.*"#, #"a*"#, #"(?:abc)?"#, #"\Qabc\E"#, #"(?x) a b c"#, #"x{,3}abc"#, #"x{ 1,3}abc"#,
            #"\p{L}abc"#, #"(?R)abc"#, #"a"#, #"[^a]b"#,
        ])
    func nothing(_ pattern: String) {
        #expect(required(pattern).isEmpty)
    }

    /// The safety property on real data: a rule that PCRE2 matches is always among the candidates.
    @Test("every rule that matches is a candidate, on real user agents")
    func noMatchFiltered() throws {
        let rules = try Fixtures.rules()
        let all = rules.userAgentParsers + rules.osParsers + rules.deviceParsers
        let prefilter = Prefilter(
            requirements: all.map { RequiredLiterals.of(pattern: Array($0.regex.utf8), minimumLength: 2) })
        #expect(prefilter.unfilteredRules < all.count / 20)
        let jit = PCRE2JIT(requested: true)
        let regexes = try all.map { rule in
            let regex = try PCRE2Regex(pattern: Array(rule.regex.utf8), caseInsensitive: rule.caseInsensitive)
            regex.compileJIT(jit)
            return regex
        }
        let state = PCRE2MatchState(groups: 9)
        let userAgents = try Fixtures.logUserAgents() + Fixtures.tricky + Fixtures.uapTestUserAgents(stride: 40)
        var matches = 0
        var candidates = 0
        for ua in userAgents {
            ua.withUnsafeBytes { bytes in
                prefilter.scan(bytes)
                for (index, regex) in regexes.enumerated() {
                    let isCandidate = prefilter.isCandidate(index)
                    if isCandidate { candidates += 1 }
                    guard regex.matches(bytes, state: state) else { continue }
                    matches += 1
                    #expect(isCandidate, "rule at line \(all[index].line) matches \(Fixtures.show(ua))")
                }
            }
        }
        #expect(matches > userAgents.count)
        // The point of it: far fewer candidates than rules.
        #expect(candidates < userAgents.count * all.count / 10)
    }
}
