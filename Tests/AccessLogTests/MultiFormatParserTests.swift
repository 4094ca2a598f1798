import AccessLog
import Testing

@Suite("Several formats per source")
struct MultiFormatParserTests {
    let common = preset("common")
    let combined = preset("combined")
    let vhost = preset("vhost_combined")
    let commonLine = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#
    var combinedLine: String { commonLine + #" "-" "ua""# }
    var vhostLine: String { "www.example:443 " + combinedLine }

    @Test func theFirstFormatThatTakesTheLineWholeReadsIt() {
        // `common` takes a combined line with extra fields; `combined`, later in the list, takes it whole.
        let (result, index) = parse(combinedLine, formats: [common, combined])
        #expect(index == 1)
        guard case .event(let f) = result else {
            Issue.record("not parsed")
            return
        }
        #expect(f.userAgent == "ua" && !f.hasExtraFields)
        #expect(parse(commonLine, formats: [common, combined]).format == 0)
        #expect(parse(combinedLine, formats: [combined, common]).format == 0)
        #expect(parse(vhostLine, formats: [common, combined, vhost]).format == 2)
    }

    @Test func withExtraFieldsOnlyWhenNoFormatTakesTheLineWhole() {
        let line = combinedLine + " 0.003"
        // Both take it with extra fields: the first of them reads it.
        let (result, index) = parse(line, formats: [vhost, common, combined])
        #expect(index == 1)
        guard case .event(let f) = result else {
            Issue.record("not parsed")
            return
        }
        #expect(f.hasExtraFields && f.userAgent == "" && f.bytes == 5)
        #expect(parse(line, formats: [vhost, combined, common]).format == 1)
        // The fields are those of the format that read it, not of a later one that tried.
        guard case .event(let g) = parse(commonLine + " 0.003", formats: [common, vhost]).result else {
            Issue.record("not parsed")
            return
        }
        #expect(g.hasExtraFields && g.client == "1.2.3.4" && g.bytes == 5)
    }

    @Test func aLineNoFormatTakesHasTheFirstFormatsReason() {
        let damaged = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2x0 5 "-" "ua""#
        #expect(parse(damaged, formats: [combined, vhost]).result == .malformed(.badStatus))
        #expect(parse(damaged, formats: [vhost, combined]).result == .malformed(.unexpectedText))
        #expect(parse("", formats: [vhost, combined]).result == .malformed(.emptyLine))
    }

    @Test func oneFormatReadsAsTheLineParser() {
        for line in [commonLine, combinedLine, combinedLine + " x", vhostLine, "garbage", ""] {
            let alone = parse(line, format: combined)
            let (result, index) = parse(line, formats: [combined])
            #expect(result == alone && index == 0)
            let single = MultiFormatParser(format: combined)
            var out = ParsedLine()
            let reason = Array(line.utf8).withUnsafeBytes { single.parse($0, into: &out) }
            if case .malformed(let expected) = alone { #expect(reason == expected) } else { #expect(reason == nil) }
        }
        #expect(throws: LogFormatError.self) { try MultiFormatParser(formats: []) }
    }

    @Test func formatsOfBothSyntaxesAndEscapings() throws {
        let json = try LogFormat(
            string: #"escape=json $remote_addr [$time_local] "$request" $status "$http_user_agent""#)
        let apache = try LogFormat(string: #"%h %t \"%r\" %>s %b \"%{User-Agent}i\""#)
        let parser = try MultiFormatParser(formats: [apache, json])
        #expect(parser.formats.map(\.plan.escaping) == [.default, .json])
        let line = #"::1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 "say \"hi\"""#
        #expect(parse(line, formats: [apache, json]).format == 1)
        #expect(
            parse(#"::1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12 "ua""#, formats: [apache, json]).format
                == 0)
    }
}
