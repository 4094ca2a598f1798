import Foundation
import Testing

@testable import UserAgents

@Suite("UserAgentRules: reading regexes.yaml")
struct UserAgentRulesTests {
    func read(_ text: String, path: String = "test.yaml") throws(UserAgentRulesError) -> UserAgentRules {
        try UserAgentRules(yaml: Array(text.utf8), path: path)
    }

    func error(_ text: String) -> UserAgentRulesError? {
        do {
            _ = try read(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("Debian's file: three lists, lines, flags and replacements")
    func debianFile() throws {
        let rules = try Fixtures.rules()
        #expect(rules.path == UserAgentRules.debianPath)
        #expect(rules.userAgentParsers.count > 300)
        #expect(rules.osParsers.count > 150)
        #expect(rules.deviceParsers.count > 500)
        let text = try String(contentsOfFile: UserAgentRules.debianPath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Every rule's line is the one with its `- regex:`.
        for rule in rules.userAgentParsers + rules.osParsers + rules.deviceParsers {
            #expect(lines[rule.line - 1].contains("- regex:"), "line \(rule.line)")
        }
        let flagged = lines.filter { $0.contains("regex_flag: 'i'") }.count
        #expect(rules.deviceParsers.filter(\.caseInsensitive).count == flagged)
        #expect(rules.userAgentParsers.contains { $0.familyReplacement == "Firefox ($1)" })
    }

    @Test("Debian's file: the same rules as PyYAML reads")
    func agreesWithPyYAML() throws {
        let rules = try Fixtures.rules()
        let script = """
            import json, sys, yaml
            d = yaml.safe_load(open(sys.argv[1], 'rb'))
            keys = {'user_agent_parsers': 'family_replacement', 'os_parsers': 'os_replacement',
                    'device_parsers': 'device_replacement'}
            out = {k: [[r['regex'], r.get('regex_flag'), r.get(f), sorted((a, b) for a, b in r.items()
                        if a not in ('regex', 'regex_flag', f))] for r in d[k]] for k, f in keys.items()}
            json.dump(out, sys.stdout)
            """
        let output = try Fixtures.run(["python3", "-c", script, UserAgentRules.debianPath])
        try #require(output.status == 0, "\(output.stderr)")
        let decoded = try JSONSerialization.jsonObject(with: output.stdout) as? [String: [[Any]]]
        let reference = try #require(decoded)
        let ours = [
            "user_agent_parsers": rules.userAgentParsers, "os_parsers": rules.osParsers,
            "device_parsers": rules.deviceParsers,
        ]
        for (list, rulesOfList) in ours {
            let theirs = try #require(reference[list])
            try #require(theirs.count == rulesOfList.count, "\(list)")
            for (rule, entry) in zip(rulesOfList, theirs) {
                #expect(rule.regex == entry[0] as? String, "line \(rule.line)")
                let flag = entry[1] as? String
                #expect(rule.caseInsensitive == (flag == "i" && list == "device_parsers"), "line \(rule.line)")
                #expect(rule.familyReplacement == entry[2] as? String, "line \(rule.line)")
                let others = (entry[3] as? [[String]] ?? []).map { ($0[0], $0[1]) }
                #expect(rule.otherReplacements == Dictionary(uniqueKeysWithValues: others), "line \(rule.line)")
            }
        }
    }

    @Test("scalars: '' in single quotes, backslash escapes in double quotes, plain, comments, CRLF")
    func scalars() throws {
        let rules = try read(
            "# a comment\r\n"
                + "user_agent_parsers:\r\n"
                + "  - regex: 'it''s (\\d+)'   # trailing comment\r\n"
                + "    family_replacement: \"A\\\\b\\\"c\\x41\\u00e9\\t\"\n"
                + "\n"
                + "  # between rules\n"
                + "  - regex: plain text # comment\n"
                + "    v1_replacement: '$2'\n"
                + "other_key:\n"
                + "  - whatever: [1, 2]\n"
                + "os_parsers:\n"
                + "- regex: 'Windows'\n"
                + "  os_replacement: 'Windows'\n"
                + "device_parsers:\n"
                + "  - regex: 'x'\n"
                + "    regex_flag: 'i'\n"
                + "    brand_replacement: ''\n")
        #expect(rules.userAgentParsers.count == 2)
        #expect(rules.userAgentParsers[0].regex == "it's (\\d+)")
        #expect(rules.userAgentParsers[0].line == 3)
        #expect(rules.userAgentParsers[0].familyReplacement == "A\\b\"cAé\t")
        #expect(rules.userAgentParsers[1].regex == "plain text")
        #expect(rules.userAgentParsers[1].otherReplacements == ["v1_replacement": "$2"])
        #expect(rules.osParsers == [UserAgentRule(regex: "Windows", familyReplacement: "Windows", line: 12)])
        #expect(rules.deviceParsers[0].caseInsensitive)
        #expect(rules.deviceParsers[0].otherReplacements == ["brand_replacement": ""])
    }

    @Test(
        "what it refuses, with the line",
        arguments: [
            ("user_agent_parsers:\n  - regex: 'open\n", 2, "not closed"),
            ("user_agent_parsers:\n\t- regex: 'x'\n", 2, "tab"),
            ("user_agent_parsers:\n  - family_replacement: 'x'\nos_parsers:\n", 2, "without 'regex'"),
            ("user_agent_parsers:\n  - regex: 'x'\n    regex: 'y'\n", 3, "twice"),
            ("device_parsers:\n  - regex: 'x'\n    regex_flag: 'g'\n", 3, "only flag"),
            ("user_agent_parsers:\n  - regex: 'x' y\n", 2, "after the closing quote"),
            ("user_agent_parsers:\n  - regex: 'x'\n      family_replacement: 'y'\n", 3, "indented"),
            ("  - regex: 'x'\n", 1, "before the first list"),
            ("user_agent_parsers: []\n", 1, "list of rules"),
            ("user_agent_parsers:\n  - regex: \"\\q\"\n", 2, "not a YAML escape"),
            ("user_agent_parsers:\n  - regex: [a, b]\n", 2, "quote the value"),
            ("user_agent_parsers:\n  - regex: 'x'\nuser_agent_parsers:\n", 3, "second"),
        ] as [(String, Int, String)])
    func refused(_ text: String, line: Int, words: String) throws {
        let failure = try #require(error(text))
        #expect(failure.line == line)
        #expect(failure.description.hasPrefix("test.yaml:\(line): "))
        #expect(failure.reason.contains(words), "\(failure)")
    }

    @Test("a list missing, a file missing")
    func missing() throws {
        let failure = try #require(error("user_agent_parsers:\n  - regex: 'x'\nos_parsers:\n"))
        #expect(failure.line == nil)
        #expect(
            failure.description == "test.yaml: there is no 'device_parsers' list; is this ua-parser's regexes.yaml?")
        #expect(throws: UserAgentRulesError.self) { try UserAgentRules.load(path: "/nonexistent/regexes.yaml") }
        do {
            _ = try UserAgentRules.load(path: "/nonexistent/regexes.yaml")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/regexes.yaml: cannot read the file: No such file"))
        }
    }
}
