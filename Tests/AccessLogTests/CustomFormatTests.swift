import AccessLog
import Testing

@Suite("Custom nginx and Apache formats")
struct CustomFormatTests {
    @Test func nginxFormatWithHostISOTimeAndForwardedFor() throws {
        let format = try LogFormat(
            string:
                #"$host $remote_addr - $remote_user [$time_iso8601] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time $upstream_addr"#
        )
        #expect(format.dialect == .nginx)
        #expect(format.plan.hasHost && format.plan.hasForwardedFor)
        let line =
            #"shop.example.org 10.0.0.5 - - [2025-07-15T20:29:43+02:00] "GET /cart?id=3 HTTP/1.1" 200 17 "-" "ua" "203.0.113.9, 10.0.0.5" 0.012 127.0.0.1:8080"#
        guard case .event(let f) = parse(line, format: format) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.host == "shop.example.org")
        #expect(f.time == 1_752_604_183_000)
        #expect(f.path == "/cart")
        #expect(f.forwardedFor == "203.0.113.9, 10.0.0.5")
        let first = Array(line.utf8).withUnsafeBytes { buffer -> String in
            var out = ParsedLine()
            _ = LineParser(plan: format.plan).parse(buffer, into: &out)
            return String(
                decoding: out.clientAddress(useForwardedFor: true, in: buffer).slice(of: buffer), as: UTF8.self)
        }
        #expect(first == "203.0.113.9")
    }

    @Test func nginxMsecAndBracedVariables() throws {
        let format = try LogFormat(nginx: #"${msec} ${remote_addr} ${host} "${request}" ${status}"#)
        #expect(
            parse(#"1752611383.123 ::1 a.example "GET / HTTP/1.1" 204"#, format: format)
                == .event(
                    Fields(
                        client: "::1", host: "a.example", time: 1_752_611_383_123, method: "GET", path: "/",
                        protocolVersion: "HTTP/1.1", status: 204)))
    }

    @Test func apacheFormatWithHostHeaderAndEscapedQuotes() throws {
        let format = try LogFormat(string: #"%{Host}i %a %l %u %t \"%r\" %>s %B %D \"%{User-agent}i\""#)
        #expect(format.dialect == .apache)
        let line = #"Blog.Example.NET 192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 404 0 1234 "bot""#
        guard case .event(let f) = parse(line, format: format) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.host == "Blog.Example.NET" && f.client == "192.0.2.7" && f.status == 404 && f.userAgent == "bot")
    }

    @Test func timeLocalWithoutBrackets() throws {
        let format = try LogFormat(nginx: #"$remote_addr $time_local "$request" $status"#)
        #expect(
            parse(#"10.0.0.1 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.1" 200"#, format: format)
                == .event(
                    Fields(
                        client: "10.0.0.1", time: apacheExampleMillis, method: "GET", path: "/",
                        protocolVersion: "HTTP/1.1", status: 200)))
        let first = try LogFormat(nginx: #"$time_local $remote_addr $status"#)
        #expect(
            parse("10/Oct/2000:13:55:36 -0700 ::1 404", format: first)
                == .event(Fields(client: "::1", time: apacheExampleMillis, status: 404)))
    }

    @Test func apacheMsecTime() throws {
        let format = try LogFormat(apache: "%{msec}t %h %>s")
        #expect(
            parse("1752611383123 10.1.1.1 200", format: format)
                == .event(Fields(client: "10.1.1.1", time: 1_752_611_383_123, status: 200)))
    }

    @Test func unsupportedFormatsAreRefusedWithAReason() {
        func message(_ s: String) -> String {
            do {
                _ = try LogFormat(string: s)
                return ""
            } catch { return error.description }
        }
        #expect(message("$remote_addr$remote_user [$time_local]").contains("not separated"))
        #expect(message("$host [$time_local]").contains("no client address"))
        #expect(message("%h %u").contains("no request time"))
        #expect(message("%h %{%Y-%m-%d}t").contains("custom time format"))
        #expect(message("%h %t %Z").contains("unknown directive %Z"))
        #expect(message("${remote_addr [$time_local]").contains("never closed"))
        #expect(message("no fields at all").contains("no client address"))
    }

    @Test func rhelSSLRequestLog() throws {
        // RHEL's ssl.conf: CustomLog logs/ssl_request_log "%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x \"%r\" %b"
        let format = try LogFormat(string: #"%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x \"%r\" %b"#)
        #expect(!format.plan.hasHost)
        #expect(format.plan.fieldNames == ["%t", "%h", "%{SSL_PROTOCOL}x", "%{SSL_CIPHER}x", "%r", "%b"])
        let line =
            #"[10/Oct/2000:13:55:36 -0700] 192.0.2.7 TLSv1.3 TLS_AES_256_GCM_SHA384 "GET /index.html HTTP/1.1" 2326"#
        // No status in the format: the event's is 0 (not an error).
        #expect(
            parse(line, format: format)
                == .event(
                    Fields(
                        client: "192.0.2.7", time: apacheExampleMillis, method: "GET", path: "/index.html",
                        protocolVersion: "HTTP/1.1", status: 0, bytes: 2326)))
        #expect(
            parse(#"[10/Oct/2000:13:55:36 -0700] 192.0.2.7 - - "-" -"#, format: format)
                == .event(Fields(client: "192.0.2.7", time: apacheExampleMillis)))
    }

    @Test func environmentNoteAndSSLVariablesAreOpaque() throws {
        let format = try LogFormat(apache: #"%h %t %{UNIQUE_ID}e %{ratio}n %{SSL_CLIENT_S_DN_CN}x %>s"#)
        #expect(
            parse("::1 [10/Oct/2000:13:55:36 -0700] YzAbc - CN=x 200", format: format)
                == .event(Fields(client: "::1", time: apacheExampleMillis, status: 200)))
    }

    @Test func secondOccurrenceOfAFieldIsOpaque() throws {
        let format = try LogFormat(nginx: "$remote_addr $remote_addr [$time_local]")
        guard case .event(let f) = parse("1.1.1.1 2.2.2.2 [10/Oct/2000:13:55:36 -0700]", format: format) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.client == "1.1.1.1")
    }
}

@Suite("Malformed lines")
struct MalformedTests {
    let combined = preset("combined")
    let good = #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua""#

    @Test(arguments: [
        ("", MalformedReason.emptyLine),
        ("\r", .emptyLine),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200"#, .missingField),
        (#"1.2.3.4 - - (10/Oct/2000:13:55:36 -0700) "GET / HTTP/1.1" 200 5 "-" "ua""#, .unexpectedText),
        (
            #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (compat"#,
            .unterminatedQuote
        ),
        (#"1.2.3.4 - - [32/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua""#, .badTime),
        (#"1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua""#, .badTime),
        (#"1.2.3.4 - - [29/Feb/2001:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua""#, .badTime),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 5 "-" "ua""#, .badTime),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2x0 5 "-" "ua""#, .badStatus),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2000 5 "-" "ua""#, .badStatus),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5k "-" "ua""#, .badBytes),
        (#"- - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "ua""#, .badClient),
    ])
    func reason(line: String, expected: MalformedReason) {
        #expect(parse(line, format: combined) == .malformed(expected))
    }

    @Test func leapDayIsAValidTime() {
        let line = #"1.2.3.4 - - [29/Feb/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#
        guard case .event(let f) = parse(line, format: combined) else {
            Issue.record("not parsed")
            return
        }
        #expect(f.time == 1_709_164_800_000)
    }

    @Test func reasonsHaveStableNames() {
        #expect(
            MalformedReason.allCases.map(\.description) == [
                "empty_line", "missing_field", "unexpected_text", "unterminated_quote", "bad_time", "bad_status",
                "bad_bytes", "bad_client", "too_long",
            ])
    }
}
