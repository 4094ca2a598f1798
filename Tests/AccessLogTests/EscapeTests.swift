import AccessLog
import Testing

@Suite("Quoted fields and escapes")
struct EscapeTests {
    let combined = preset("combined")

    func userAgent(_ quoted: String) -> String? {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "# + quoted
        guard case .event(let f) = parse(line, format: combined) else { return nil }
        return f.userAgent
    }

    @Test func apacheEscapedQuoteAndBackslash() {
        #expect(userAgent(#""say \"hi\" \\ bye""#) == #"say \"hi\" \\ bye"#)
        #expect(userAgent(#""ends with backslash \\""#) == #"ends with backslash \\"#)
    }

    @Test func nginxHexEscapes() {
        #expect(userAgent(#""a\x22b\x5Cc""#) == #"a\x22b\x5Cc"#)
    }

    @Test func aBareQuoteClosesTheFieldSoALineWithOneInsideIsRefused() {
        // nginx (`\x22`) and Apache since 2.0.46 (`\"`) escape every quote: a bare one not followed by
        // the format's next literal means a damaged line.
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a"b HTTP/1.1" 200 5 "-" "ua""#
        #expect(parse(line, format: combined) == .malformed(.unexpectedText))
        #expect(userAgent(#""say "hi" bye""#) == nil)
        #expect(userAgent(#""ua"x"#) == nil)
        #expect(userAgent(#""escaped backslash \\"then""#) == nil)
    }

    @Test func escapeNoneKeepsTheLenientReadingOfBareQuotes() throws {
        let none = try LogFormat(
            string:
                #"escape=none $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
        )
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a"b HTTP/1.1" 200 5 "-" "ends with \""#
        guard case .event(let f) = parse(line, format: none) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.path == #"/a"b"#)
        // A backslash escapes nothing in escape=none: the quote after it closes the field.
        #expect(f.userAgent == #"ends with \"#)
        #expect(!f.hasExtraFields)
    }

    @Test func extraTrailingFieldsAreToleratedAndReported() {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua" "10.1.1.1" 0.003"#
        guard case .event(let f) = parse(line, format: combined) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.userAgent == "ua")
        #expect(f.hasExtraFields)
    }

    @Test func nonUTF8BytesPassThrough() {
        var bytes = Array(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /caf"#.utf8)
        bytes += [0xE9, 0xFF]
        bytes += Array(#" HTTP/1.1" 200 5 "-" "ua""#.utf8)
        guard case .event(let f) = parse(bytes, format: combined) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.status == 200)
    }

    @Test func unescapeUndoesBothServersEscapes() {
        func unescape(_ s: String) -> [UInt8] { Array(s.utf8).withUnsafeBytes { FieldText.unescape($0) } }
        #expect(unescape(#"a\"b\\c"#) == Array(#"a"b\c"#.utf8))
        #expect(unescape(#"\x22q\x5c\xE9"#) == [0x22, UInt8(ascii: "q"), 0x5C, 0xE9])
        #expect(unescape(#"\xZZ\q"#) == Array(#"\xZZ\q"#.utf8))
    }

    @Test func unescapeUndoesJSONEscapes() {
        func unescape(_ s: String) -> [UInt8] {
            Array(s.utf8).withUnsafeBytes { FieldText.unescape($0, escaping: .json) }
        }
        #expect(unescape(#"a\"b\\c\/d"#) == Array(#"a"b\c/d"#.utf8))
        #expect(unescape(#"\b\f\n\r\t"#) == [0x08, 0x0C, 0x0A, 0x0D, 0x09])
        #expect(unescape(#"\u0001\u001F\u00e9\u2713"#) == [0x01, 0x1F] + Array("é✓".utf8))
        // nginx's default escapes are text in JSON: `\\x41` is a backslash, then `x41`.
        #expect(unescape(#"\\x41"#) == Array(#"\x41"#.utf8))
        #expect(unescape(#"\x41 \q \u12 \uD800 \"#) == Array(#"\x41 \q \u12 \uD800 \"#.utf8))
    }

    @Test func escapeNoneUndoesNothing() {
        let raw = Array(#"a\x22b\"c"#.utf8)
        #expect(raw.withUnsafeBytes { FieldText.unescape($0, escaping: .raw) } == raw)
        #expect(raw.withUnsafeBytes { FieldText.text($0, escaping: .raw) } == #"a\x22b\"c"#)
        #expect(
            ([0x61, 0x09, 0xFF] as [UInt8]).withUnsafeBytes { FieldText.text($0, escaping: .raw) } == #"a\x09\xFF"#)
    }

    @Test func displayTextFollowsTheEscaping() {
        func text(_ s: String, _ escaping: FieldEscaping) -> String {
            Array(s.utf8).withUnsafeBytes { FieldText.text($0, escaping: escaping) }
        }
        #expect(text(#"say \"hi\" \u0001 \x22"#, .json) == #"say "hi" \x01 \x22"#)
        #expect(text(#"say \"hi\" \u0001 \x22"#, .default) == #"say "hi" \u0001 ""#)
        #expect(text("-", .json) == "")
    }

    @Test func printableEscapesInvalidUTF8AndControls() {
        #expect(FieldText.printable(Array("café ✓".utf8)) == "café ✓")
        #expect(FieldText.printable([0x61, 0xE9, 0x62]) == #"a\xE9b"#)
        #expect(FieldText.printable([0x09, 0x41, 0xC0, 0x80]) == #"\x09A\xC0\x80"#)
        #expect(FieldText.printable([0xED, 0xA0, 0x80]) == #"\xED\xA0\x80"#)  // a surrogate is not UTF-8
        #expect(FieldText.text(UnsafeRawBufferPointer(start: nil, count: 0)) == "")
        #expect(Array("-".utf8).withUnsafeBytes { FieldText.text($0) } == "")
    }
}
