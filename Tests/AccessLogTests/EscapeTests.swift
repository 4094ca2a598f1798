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

    @Test func rawQuoteInsideFieldIsKeptWhenNotFollowedByTheFormat() {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a"b HTTP/1.1" 200 5 "-" "ua""#
        guard case .event(let f) = parse(line, format: combined) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.path == #"/a"b"#)
    }

    @Test func extraTrailingFieldsAreTolerated() {
        let line = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua" "10.1.1.1" 0.003"#
        guard case .event(let f) = parse(line, format: combined) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.userAgent == "ua")
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

    @Test func printableEscapesInvalidUTF8AndControls() {
        #expect(FieldText.printable(Array("café ✓".utf8)) == "café ✓")
        #expect(FieldText.printable([0x61, 0xE9, 0x62]) == #"a\xE9b"#)
        #expect(FieldText.printable([0x09, 0x41, 0xC0, 0x80]) == #"\x09A\xC0\x80"#)
        #expect(FieldText.printable([0xED, 0xA0, 0x80]) == #"\xED\xA0\x80"#)  // a surrogate is not UTF-8
        #expect(FieldText.text(UnsafeRawBufferPointer(start: nil, count: 0)) == "")
        #expect(Array("-".utf8).withUnsafeBytes { FieldText.text($0) } == "")
    }
}
