import Foundation
import Testing

@testable import ConfigFile

/// The configuration file's YAML subset: what it reads, what it refuses (with the line), and that no input crashes it.
@Suite("YAMLSubset")
struct YAMLSubsetTests {
    // MARK: Helpers

    func parse(_ text: String) throws(ConfigSyntaxError) -> ConfigNode {
        try YAMLSubset.parse(text, file: "test.yaml")
    }

    /// The error `text` is refused with (fails the test if it parses).
    func syntaxError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigSyntaxError? {
        switch Result(catching: { () throws(ConfigSyntaxError) -> ConfigNode in try parse(text) }) {
        case .success(let node):
            Issue.record("expected a syntax error, parsed \(node)", sourceLocation: sourceLocation)
            return nil
        case .failure(let error):
            return error
        }
    }

    func plain(_ value: String, _ line: Int) -> ConfigNode { .scalar(value, quoted: false, line: line) }
    func quoted(_ value: String, _ line: Int) -> ConfigNode { .scalar(value, quoted: true, line: line) }
    func entry(_ key: String, _ line: Int, _ value: ConfigNode) -> ConfigEntry {
        ConfigEntry(key: key, line: line, value: value)
    }

    // MARK: The SPEC §4 example

    /// The configuration example of the product contract (SPEC §4), shared with the configuration tests.
    static let specExample = try! String(
        contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/spec-example.yaml").path, encoding: .utf8)

    @Test func specExampleParsesToTheExpectedTree() throws {
        let root = try parse(Self.specExample)
        let expected = ConfigNode.mapping(
            [
                entry("agent_id", 1, plain("web-01", 1)),
                entry("state_dir", 2, plain("/var/lib/sessiontail", 2)),
                entry(
                    "sources", 3,
                    .sequence(
                        [
                            .mapping(
                                [
                                    entry("name", 4, plain("nginx", 4)),
                                    entry(
                                        "paths", 5, .sequence([quoted("/var/log/nginx/{host}.access.log", 5)], line: 5)),
                                    entry("exclude", 6, .sequence([], line: 6)),
                                    entry("format", 7, plain("combined", 7)),
                                    entry("host", 8, plain("www.example.com", 8)),
                                    entry("client_ip", 9, plain("remote_addr", 9)),
                                ], line: 4)
                        ], line: 4)),
                entry(
                    "session", 10,
                    .mapping(
                        [
                            entry("gap", 11, plain("5m", 11)),
                            entry("lateness", 12, plain("60s", 12)),
                        ], line: 11)),
                entry(
                    "postgres", 13,
                    .mapping(
                        [
                            entry("conninfo", 14, quoted("host=db.internal dbname=analytics user=sessiontail", 14)),
                            entry("table", 15, plain("sessions", 15)),
                            entry("batch_size", 16, plain("10000", 16)),
                            entry("batch_age", 17, plain("2s", 17)),
                        ], line: 14)),
                entry(
                    "limits", 18,
                    .mapping(
                        [
                            entry("memory", 19, plain("64MiB", 19)),
                            entry("disk", 20, plain("1GiB", 20)),
                        ], line: 19)),
                entry(
                    "metrics", 21,
                    .mapping(
                        [
                            entry("listen", 22, plain("127.0.0.1:9464", 22))
                        ], line: 22)),
            ], line: 1)
        #expect(root == expected)
        // A few nodes on their own, so a mismatch above is easy to place.
        #expect(root[path: "sources", 0, "format"] == plain("combined", 7))
        #expect(root[path: "sources", 0, "paths"]?.line == 5)
        #expect(root[path: "metrics", "listen"] == plain("127.0.0.1:9464", 22))
        #expect(root[path: "postgres", "batch_size"] == plain("10000", 16))
        #expect(root[path: "session"]?.line == 11)
    }

    @Test func specExampleWithCRLFAndBOMAndDocumentStartParsesTheSame() throws {
        let crlf =
            "\u{FEFF}---\r\n"
            + Self.specExample.split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\r\n")
        let shifted = try parse(crlf)
        // The `---` line shifts every line by one.
        #expect(shifted[path: "metrics", "listen"] == plain("127.0.0.1:9464", 23))
        #expect(shifted[path: "sources", 0, "client_ip"] == plain("remote_addr", 10))
        #expect(unlined(shifted) == unlined(try parse(Self.specExample)))
    }

    // MARK: Supported constructs

    @Test func emptyDocumentsAreEmptyMappings() throws {
        let texts = [
            "", "\n\n", "# only a comment\n  # another\n", "---\n", "--- # start\n# c\n", "\u{FEFF}", " \t \n",
        ]
        for text in texts {
            #expect(try parse(text) == .mapping([], line: 1), "\(text.debugDescription)")
        }
    }

    @Test func nestedMappings() throws {
        let root = try parse("a:\n  b:\n    c: 1\n  d: 2\ne: 3\n")
        #expect(
            root
                == .mapping(
                    [
                        entry(
                            "a", 1,
                            .mapping(
                                [
                                    entry("b", 2, .mapping([entry("c", 3, plain("1", 3))], line: 3)),
                                    entry("d", 4, plain("2", 4)),
                                ], line: 2)),
                        entry("e", 5, plain("3", 5)),
                    ], line: 1))
    }

    @Test func keysKeepFileOrder() throws {
        let root = try parse("zeta: 1\nalpha: 2\nmid: 3\n")
        guard case .mapping(let entries, _) = root else { Issue.record("not a mapping"); return }
        #expect(entries.map(\.key) == ["zeta", "alpha", "mid"])
    }

    @Test func blockSequencesIndentedOrAtTheKeysIndentation() throws {
        let expected = ConfigNode.sequence([plain("a", 2), plain("b", 3)], line: 2)
        #expect(try parse("k:\n  - a\n  - b\n")[path: "k"] == expected)
        #expect(try parse("k:\n- a\n- b\nnext: 1\n")[path: "k"] == expected)
        #expect(try parse("k:\n- a\n- b\nnext: 1\n")[path: "next"] == plain("1", 4))
        #expect(try parse("- a\n- b\n") == .sequence([plain("a", 1), plain("b", 2)], line: 1))
    }

    @Test func mappingItemsInASequence() throws {
        let text = """
            sources:
              - name: x
                paths: [a, b]
                nested:
                  deep: 1
              -   name: y
                  format: combined
            sources2:
            - name: z
              paths:
              - p
            """
        let root = try parse(text)
        #expect(
            root[path: "sources"]
                == .sequence(
                    [
                        .mapping(
                            [
                                entry("name", 2, plain("x", 2)),
                                entry("paths", 3, .sequence([plain("a", 3), plain("b", 3)], line: 3)),
                                entry("nested", 4, .mapping([entry("deep", 5, plain("1", 5))], line: 5)),
                            ], line: 2),
                        .mapping([entry("name", 6, plain("y", 6)), entry("format", 7, plain("combined", 7))], line: 6),
                    ], line: 2))
        #expect(
            root[path: "sources2"]
                == .sequence(
                    [
                        .mapping(
                            [
                                entry("name", 9, plain("z", 9)),
                                entry("paths", 10, .sequence([plain("p", 11)], line: 11)),
                            ], line: 9)
                    ], line: 9))
    }

    @Test func nestedSequencesAndEmptyItems() throws {
        #expect(
            try parse("- - a\n  - b\n- c\n")
                == .sequence(
                    [
                        .sequence([plain("a", 1), plain("b", 2)], line: 1),
                        plain("c", 3),
                    ], line: 1))
        #expect(
            try parse("-\n  - a\n-\n- # nothing\n")
                == .sequence(
                    [
                        .sequence([plain("a", 2)], line: 2), .null(line: 3), .null(line: 4),
                    ], line: 1))
        #expect(try parse("-\n  k: v\n") == .sequence([.mapping([entry("k", 2, plain("v", 2))], line: 2)], line: 1))
    }

    @Test func flowSequences() throws {
        #expect(
            try parse(#"k: ["/var/log/*.log", 'b', c]"#)[path: "k"]
                == .sequence([quoted("/var/log/*.log", 1), quoted("b", 1), plain("c", 1)], line: 1))
        #expect(try parse("k: []")[path: "k"] == .sequence([], line: 1))
        #expect(try parse("k: [ ]  # none")[path: "k"] == .sequence([], line: 1))
        #expect(
            try parse("k: [ a b , c#d ,]")[path: "k"]
                == .sequence([plain("a b", 1), plain("c#d", 1)], line: 1))
        #expect(
            try parse("k: [~, null, 'null', http://x:1]")[path: "k"]
                == .sequence([.null(line: 1), .null(line: 1), quoted("null", 1), plain("http://x:1", 1)], line: 1))
        #expect(
            try parse("- [a, \"x: y\"]")
                == .sequence(
                    [.sequence([plain("a", 1), quoted("x: y", 1)], line: 1)],
                    line: 1))
        #expect(try parse("k:\n  [a]\n")[path: "k"] == .sequence([plain("a", 2)], line: 2))
    }

    @Test func plainScalarsAndComments() throws {
        let root = try parse(
            """
            # header

            a: b#c
            b: b #c
            c: 127.0.0.1:9464
            d: http://example.com/x?y=1#frag
              # an indented comment
            e: two words   \t
            f: $host [$time_local] "$request"
            g: -1
            h: a-b:c
            i:\tvalue
            j  : spaced key
            """)
        #expect(root[path: "a"] == plain("b#c", 3))
        #expect(root[path: "b"] == plain("b", 4))
        #expect(root[path: "c"] == plain("127.0.0.1:9464", 5))
        #expect(root[path: "d"] == plain("http://example.com/x?y=1#frag", 6))
        #expect(root[path: "e"] == plain("two words", 8))
        #expect(root[path: "f"] == plain(#"$host [$time_local] "$request""#, 9))
        #expect(root[path: "g"] == plain("-1", 10))
        #expect(root[path: "h"] == plain("a-b:c", 11))
        #expect(root[path: "i"] == plain("value", 12))
        #expect(root[path: "j"] == plain("spaced key", 13))
    }

    @Test func singleQuotedScalars() throws {
        let root = try parse("a: 'it''s # not a comment'  # a comment\nb: ''\nc: 'x: y'\n'quoted key': 1\n")
        #expect(root[path: "a"] == quoted("it's # not a comment", 1))
        #expect(root[path: "b"] == quoted("", 2))
        #expect(root[path: "c"] == quoted("x: y", 3))
        #expect(root[path: "quoted key"] == plain("1", 4))
    }

    @Test func doubleQuotedScalarsAndEscapes() throws {
        let root = try parse(
            #"""
            a: "q\" b\\ n\n t\t u\u00e9 U\U0001F600 s\/"
            b: ""
            "key: with colon": "v"
            c: "é # not a comment" # comment
            """#)
        #expect(root[path: "a"] == quoted("q\" b\\ n\n t\t u\u{E9} U\u{1F600} s/", 1))
        #expect(root[path: "b"] == quoted("", 2))
        #expect(root[path: "key: with colon"] == quoted("v", 3))
        #expect(root[path: "c"] == quoted("é # not a comment", 4))
    }

    @Test func quotedTellsStringsFromNumbers() throws {
        let root = try parse("a: 5\nb: \"5\"\nc: '5'\n")
        #expect(root[path: "a"] == plain("5", 1))
        #expect(root[path: "b"] == quoted("5", 2))
        #expect(root[path: "c"] == quoted("5", 3))
    }

    @Test func emptyValuesAndNulls() throws {
        let root = try parse("a:\nb: ~\nc: null\nd: NULL\ne: \"null\"\nf:   # comment\ng:\n")
        #expect(
            root
                == .mapping(
                    [
                        entry("a", 1, .null(line: 1)),
                        entry("b", 2, .null(line: 2)),
                        entry("c", 3, .null(line: 3)),
                        entry("d", 4, .null(line: 4)),
                        entry("e", 5, quoted("null", 5)),
                        entry("f", 6, .null(line: 6)),
                        entry("g", 7, .null(line: 7)),
                    ], line: 1))
    }

    @Test func valueAloneOnTheNextLine() throws {
        let root = try parse("conninfo:\n    \"host=db dbname=x\"\nnext: 1\n")
        #expect(root[path: "conninfo"] == quoted("host=db dbname=x", 2))
        #expect(root[path: "next"] == plain("1", 3))
    }

    @Test func crlfBomAndLeadingDocumentStart() throws {
        let expected = ConfigNode.mapping(
            [
                entry("a", 2, plain("1", 2)),
                entry("b", 3, .sequence([plain("x", 4)], line: 4)),
            ], line: 2)
        #expect(try parse("\u{FEFF}---\r\na: 1\r\nb:\r\n  - x\r\n") == expected)
        #expect(try parse("--- # doc\na: 1\nb:\n  - x") == expected)
    }

    @Test func wholeDocumentMayBeIndented() throws {
        #expect(
            try parse("  a: 1\n  b: 2\n")
                == .mapping(
                    [entry("a", 1, plain("1", 1)), entry("b", 2, plain("2", 2))],
                    line: 1))
    }

    @Test func blankLinesMayHoldTabsAndCommentsMayFollowTabs() throws {
        #expect(try parse("a: 1\n\t\n\t# comment\nb: 2\n")[path: "b"] == plain("2", 4))
    }

    // MARK: Refused constructs

    struct Refusal: CustomTestStringConvertible, Sendable {
        let text: String
        let line: Int
        let message: String  // a fragment the message must contain
        var testDescription: String { text.debugDescription }
    }

    static let refusals: [Refusal] = [
        // Tabs in indentation.
        .init(text: "a:\n\tb: 1\n", line: 2, message: "tab character in indentation"),
        .init(text: "a:\n  \tb: 1\n", line: 2, message: "tab character in indentation"),
        .init(text: "a:\n  -\tb\n", line: 2, message: "tab after '-'"),
        // Duplicate keys, at any depth.
        .init(text: "a: 1\nb: 2\na: 3\n", line: 3, message: "duplicate key 'a' (first defined on line 1)"),
        .init(text: "s:\n  - name: x\n    name: y\n", line: 3, message: "duplicate key 'name'"),
        .init(text: "'a': 1\na: 2\n", line: 2, message: "duplicate key 'a'"),
        // Inconsistent indentation.
        .init(text: "a:\n    b: 1\n  c: 2\n", line: 3, message: "inconsistent indentation"),
        .init(text: "a: 1\n  b: 2\n", line: 2, message: "unexpected indentation"),
        .init(text: "s:\n  - a\n   - b\n", line: 3, message: "unexpected indentation"),
        .init(text: "s:\n  - a\n - b\n", line: 3, message: "inconsistent indentation"),
        .init(text: "s:\n  - name: x\n   paths: []\n", line: 3, message: "inconsistent indentation"),
        .init(text: "  a: 1\nb: 2\n", line: 2, message: "less than the first line"),
        .init(text: "a: 1\n- b\n", line: 2, message: "cannot follow 'key: value'"),
        .init(text: "a:\n  - x\n  b: 1\n", line: 3, message: "cannot follow sequence items"),
        .init(text: "a: some\n  continued text\n", line: 2, message: "multi-line values are not supported"),
        // Anchors, aliases, tags.
        .init(text: "a: &anchor 1\n", line: 1, message: "anchors ('&')"),
        .init(text: "a: 1\nb: *anchor\n", line: 2, message: "aliases ('*')"),
        .init(text: "a: !!str 5\n", line: 1, message: "tags ('!')"),
        .init(text: "- !tag x\n", line: 1, message: "tags ('!')"),
        .init(text: "&a key: 1\n", line: 1, message: "anchors ('&')"),
        .init(text: "k: [*x]\n", line: 1, message: "aliases ('*')"),
        // Block and multi-line scalars.
        .init(text: "a: 1\nb: |\n  text\n", line: 2, message: "block scalars"),
        .init(text: "b: >-\n  text\n", line: 1, message: "block scalars"),
        .init(text: "a: \"two\n  lines\"\n", line: 1, message: "unterminated double-quoted"),
        // Multiple documents and directives.
        .init(text: "a: 1\n---\nb: 2\n", line: 2, message: "multiple documents"),
        .init(text: "---\n---\n", line: 2, message: "multiple documents"),
        .init(text: "a: 1\n...\n", line: 2, message: "document end marker"),
        .init(text: "%YAML 1.2\n---\na: 1\n", line: 1, message: "directives"),
        .init(text: "--- a: 1\n", line: 1, message: "content after '---'"),
        // Flow mappings.
        .init(text: "a: {b: 1}\n", line: 1, message: "flow mappings"),
        .init(text: "{a: 1}\n", line: 1, message: "flow mappings"),
        .init(text: "- {a: 1}\n", line: 1, message: "flow mappings"),
        .init(text: "a: [b: 1]\n", line: 1, message: "flow mappings are not supported"),
        .init(text: "a: [{b}]\n", line: 1, message: "flow mappings"),
        .init(text: "a: [b, [c]]\n", line: 1, message: "nested flow sequences"),
        // Unterminated quotes and brackets.
        .init(text: "x: 1\na: \"abc\n", line: 2, message: "unterminated double-quoted string"),
        .init(text: "a: 'abc\n", line: 1, message: "unterminated single-quoted string"),
        .init(text: "a: 'it''s\n", line: 1, message: "unterminated single-quoted string"),
        .init(text: "a: \"abc\\\"\n", line: 1, message: "unterminated double-quoted string"),
        .init(text: "\"key: 1\n", line: 1, message: "unterminated double-quoted string"),
        .init(text: "x: 1\npaths: [\"/a\",\n  \"/b\"]\n", line: 2, message: "unterminated '['"),
        .init(text: "a: [b, c  # comment]\n", line: 1, message: "unterminated '['"),
        .init(text: "a: [\"b\"\n", line: 1, message: "unterminated '['"),
        // Lines that are neither.
        .init(text: "a: 1\njust some text\n", line: 2, message: "expected 'key: value' or '- item'"),
        .init(text: "hello\n", line: 1, message: "expected 'key: value' or '- item', found 'hello'"),
        .init(text: "key:value\n", line: 1, message: "put a space after ':'"),
        .init(text: "-item\n", line: 1, message: "put a space after '-'"),
        .init(text: "a: 1 # c\nb # c: 2\n", line: 2, message: "expected 'key: value'"),
        .init(text: "[a, b]\n", line: 1, message: "flow sequence '[…]' must be the value"),
        .init(text: "\"just a string\"\n", line: 1, message: "expected 'key: value' or '- item'"),
        .init(text: "? complex\n: value\n", line: 1, message: "complex keys"),
        .init(text: ": value\n", line: 1, message: "missing key before ':'"),
        // Other malformed values.
        .init(text: "a: b: c\n", line: 1, message: "unexpected ': '"),
        .init(text: "a: - b\n", line: 1, message: "'- ' sequence cannot start on the line of its key"),
        .init(text: "a: \"x\" y\n", line: 1, message: "unexpected text after the closing quote: 'y'"),
        .init(text: "a: \"x\"#y\n", line: 1, message: "unexpected text after the closing quote"),
        .init(text: "a: [b] c\n", line: 1, message: "unexpected text after ']'"),
        .init(text: "a: [b,,c]\n", line: 1, message: "empty entry"),
        .init(text: "a: [b, 'c]\n", line: 1, message: "unterminated single-quoted string"),
        .init(text: "a: [\"b\" c]\n", line: 1, message: "expected ',' or ']'"),
        .init(text: "a: \"\\q\"\n", line: 1, message: "unknown escape '\\q'"),
        .init(text: "a: \"\\u12\"\n", line: 1, message: "'\\u' must be followed by 4 hex digits"),
        .init(text: "a: \"\\uD800\"\n", line: 1, message: "not a Unicode scalar value"),
        .init(text: "a: @x\n", line: 1, message: "'@' cannot start a plain value"),
        .init(text: "a: 1\nb: x\u{07}y\n", line: 2, message: "control character 0x07"),
        .init(text: "a: 1\rb: 2\n", line: 1, message: "control character 0x0D"),
    ]

    @Test(arguments: YAMLSubsetTests.refusals)
    func refusedWithTheLineAndAHelpfulMessage(_ refusal: Refusal) {
        guard let error = syntaxError(refusal.text) else { return }
        #expect(error.line == refusal.line, "\(error)")
        #expect(error.message.contains(refusal.message), "\(error)")
        #expect(error.file == "test.yaml")
    }

    @Test func errorDescriptionIsFileLineMessage() {
        let error = syntaxError("a: 1\na: 2\n")
        #expect(error?.description == "test.yaml:2: duplicate key 'a' (first defined on line 1)")
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() {
        let deep = String(repeating: "- ", count: 10_000) + "x"
        #expect(syntaxError(deep)?.message.contains("nested more than") == true)
        var indented = ""
        for level in 0..<200 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(syntaxError(indented)?.line == YAMLSubset.maximumDepth + 1)
        // The limit leaves plenty of room for real files.
        var ok = ""
        for level in 0..<30 { ok += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(throws: Never.self) { try parse(ok) }
    }

    // MARK: Properties

    /// Random printable text, YAML-flavoured text and mutations of the SPEC example: the parser either returns a
    /// tree whose lines all exist or throws `ConfigSyntaxError` naming an existing line; it never crashes.
    @Test func randomInputNeverCrashes() {
        var random = SplitMix64(seed: 0x5E55_107A)
        let printable = (0x20...0x7E).map { UInt8($0) } + [0x0A, 0x09, 0x0A]
        let yamlish = Array("  \n\n- : # ' \" [ ] { } , & * ! | > ? % @ ` \\ ~ --- a b k: v: x 1 é\u{FEFF}\r\t".utf8)
        let example = Array(Self.specExample.utf8)
        var parsed = 0
        for round in 0..<4_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<random.below(160)).map { _ in printable[random.below(printable.count)] }
            case 1:
                bytes = (0..<random.below(160)).map { _ in yamlish[random.below(yamlish.count)] }
            default:
                bytes = example
                for _ in 0...random.below(4) {
                    let at = random.below(bytes.count + 1)
                    switch random.below(3) {
                    case 0: bytes.insert(yamlish[random.below(yamlish.count)], at: at)
                    case 1: if at < bytes.count { bytes.remove(at: at) }
                    default: if at < bytes.count { bytes[at] = printable[random.below(printable.count)] }
                    }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
            switch Result(catching: { () throws(ConfigSyntaxError) in try YAMLSubset.parse(text, file: "fuzz") }) {
            case .success(let node):
                parsed += 1
                #expect(allLines(node).allSatisfy { (1...lineCount).contains($0) }, "\(text.debugDescription)")
            case .failure(let error):
                #expect((1...lineCount).contains(error.line), "\(error) for \(text.debugDescription)")
                #expect(!error.message.isEmpty && error.file == "fuzz")
            }
        }
        #expect(parsed > 100)  // the mutations keep many inputs valid, so success paths are exercised too
    }

    /// Random trees written out as YAML in the styles the parser accepts parse back to the same tree.
    @Test func randomTreesRoundTrip() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<1_500 {
            let tree = randomMapping(&random, depth: 0)
            var writer = Writer(random: random)
            writer.writeMapping(tree, indent: 0)
            random = writer.random
            let parsed = try YAMLSubset.parse(writer.text, file: "roundtrip")
            #expect(unlined(parsed) == unlined(tree), "\(writer.text)")
        }
    }
}

// MARK: - Test support

private extension ConfigNode {
    enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String)
        case index(Int)
        init(stringLiteral value: String) { self = .key(value) }
        init(integerLiteral value: Int) { self = .index(value) }
    }

    /// The node at a path of keys and sequence indices, or nil.
    subscript(path steps: Step...) -> ConfigNode? {
        var node: ConfigNode? = self
        for step in steps {
            switch (node, step) {
            case (.mapping(let entries, _)?, .key(let key)): node = entries.first { $0.key == key }?.value
            case (.sequence(let items, _)?, .index(let index)):
                node = items.indices.contains(index) ? items[index] : nil
            default: return nil
            }
        }
        return node
    }
}

/// The tree with every line set to 0, to compare shapes.
private func unlined(_ node: ConfigNode) -> ConfigNode {
    switch node {
    case .scalar(let value, let quoted, _): .scalar(value, quoted: quoted, line: 0)
    case .null: .null(line: 0)
    case .sequence(let items, _): .sequence(items.map(unlined), line: 0)
    case .mapping(let entries, _):
        .mapping(entries.map { ConfigEntry(key: $0.key, line: 0, value: unlined($0.value)) }, line: 0)
    }
}

private func allLines(_ node: ConfigNode) -> [Int] {
    switch node {
    case .scalar, .null: [node.line]
    case .sequence(let items, let line): [line] + items.flatMap(allLines)
    case .mapping(let entries, let line): [line] + entries.flatMap { [$0.line] + allLines($0.value) }
    }
}

private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in `0..<bound` (0 when `bound` is 0).
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}

// Random trees: keys unique per mapping, mappings never empty below the root (block style cannot write `{}`).

private func randomScalar(_ random: inout SplitMix64) -> ConfigNode {
    switch random.below(4) {
    case 0:
        let words = ["web-01", "5m", "64MiB", "127.0.0.1:9464", "/var/log/*.log", "a#b", "x y", "-1", "true", "é"]
        return .scalar(words[random.below(words.count)], quoted: false, line: 0)
    case 1:
        return .null(line: 0)
    default:
        let alphabet = Array("ab #:'\"\\[]{},-&*!|>é\n\t😀")
        let value = String((0..<random.below(8)).map { _ in alphabet[random.below(alphabet.count)] })
        return .scalar(value, quoted: true, line: 0)
    }
}

private func randomNode(_ random: inout SplitMix64, depth: Int) -> ConfigNode {
    guard depth < 4 else { return randomScalar(&random) }
    switch random.below(5) {
    case 0: return randomMapping(&random, depth: depth + 1)
    case 1:
        return .sequence((0..<random.below(4)).map { _ in randomNode(&random, depth: depth + 1) }, line: 0)
    default: return randomScalar(&random)
    }
}

private func randomMapping(_ random: inout SplitMix64, depth: Int) -> ConfigNode {
    let count = (depth == 0 ? 0 : 1) + random.below(4)
    let keys = ["name", "paths", "a b", "x:y", "k", "é"]
    let entries = (0..<count).map { i in ConfigEntry(key: keys[i], line: 0, value: randomNode(&random, depth: depth)) }
    return .mapping(entries, line: 0)
}

/// Writes a tree as YAML, choosing at random among the equivalent styles the parser must accept.
private struct Writer {
    var random: SplitMix64
    var text = ""

    mutating func writeMapping(_ node: ConfigNode, indent: Int, firstLineWritten: Bool = false) {
        guard case .mapping(let entries, _) = node else { return }
        for (i, entry) in entries.enumerated() {
            if !(firstLineWritten && i == 0) { text += String(repeating: " ", count: indent) }
            text += key(entry.key) + ":"
            writeValue(entry.value, indent: indent, inMapping: true)
        }
    }

    mutating func writeSequence(_ node: ConfigNode, indent: Int, firstLineWritten: Bool = false) {
        guard case .sequence(let items, _) = node else { return }
        for (i, item) in items.enumerated() {
            if !(firstLineWritten && i == 0) { text += String(repeating: " ", count: indent) }
            text += "-"
            writeValue(item, indent: indent, inMapping: false)
        }
    }

    /// Writes what follows a `key:` or `-` at `indent`, ending with a newline.
    mutating func writeValue(_ node: ConfigNode, indent: Int, inMapping: Bool) {
        switch node {
        case .scalar, .null:
            text += " " + scalar(node) + comment() + "\n"
        case .sequence(let items, _):
            if items.isEmpty || (items.allSatisfy(Writer.isScalar) && random.below(2) == 0) {  // `[a, "b"]`
                var parts: [String] = []
                for item in items { parts.append(scalar(item, inFlow: true)) }
                text += " [" + parts.joined(separator: ", ") + "]" + comment() + "\n"
            } else if !inMapping && random.below(2) == 0 {  // `- - a`
                text += " "
                writeSequence(node, indent: indent + 2, firstLineWritten: true)
            } else {
                text += comment() + "\n"
                let sameIndent = inMapping && random.below(2) == 0  // `key:\n- a`
                writeSequence(node, indent: sameIndent ? indent : indent + 2 + random.below(2))
            }
        case .mapping:
            if !inMapping && random.below(2) == 0 {  // `- key: value`
                let gap = 1 + random.below(2)
                text += String(repeating: " ", count: gap)
                writeMapping(node, indent: indent + 1 + gap, firstLineWritten: true)
            } else {
                text += comment() + "\n"
                if random.below(3) == 0 { text += "\n" + String(repeating: " ", count: random.below(6)) + "# c\n" }
                writeMapping(node, indent: indent + 2 + random.below(2))
            }
        }
    }

    static func isScalar(_ node: ConfigNode) -> Bool {
        if case .mapping = node { return false }
        if case .sequence = node { return false }
        return true
    }

    mutating func comment() -> String { random.below(4) == 0 ? "   # note: x" : "" }

    mutating func key(_ key: String) -> String {
        key == "x:y" || random.below(4) == 0 ? doubleQuoted(key) : key
    }

    mutating func scalar(_ node: ConfigNode, inFlow: Bool = false) -> String {
        switch node {
        case .null: return ["~", "null", ""][random.below(inFlow ? 2 : 3)]
        case .scalar(let value, true, _):
            if !value.contains("\n"), !value.contains("\t"), random.below(2) == 0 {
                return "'" + value.replacingAll("'", with: "''") + "'"
            }
            return doubleQuoted(value)
        case .scalar(let value, false, _): return value
        default: return ""
        }
    }

    func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "😀": out += "\\U0001F600"
            case "é": out += "\\u00e9"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

private extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
