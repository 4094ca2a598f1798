import Testing

@testable import ServerConfig

@Suite("nginx configuration syntax")
struct NginxConfigParserTests {
    func parse(_ text: String) throws -> [NginxDirective] {
        try NginxConfigParser.parse(text, file: "nginx.conf")
    }

    @Test func quotesEscapesAndConcatenatedStrings() throws {
        let directives = try parse(
            #"""
            log_format main '$remote_addr "$request" it\'s'
                            "\"q\"\t$status" plain\\word \x;
            """#)
        #expect(directives.count == 1)
        #expect(directives[0].name == "log_format")
        #expect(
            directives[0].arguments == [
                "main", #"$remote_addr "$request" it's"#, "\"q\"\t$status", #"plain\word"#, #"\x"#,
            ])
        #expect(directives[0].location.line == 1)
    }

    @Test func commentsOnlyAtTheStartOfAWord() throws {
        let directives = try parse(
            """
            # a comment; with { braces }
            access_log /var/log/a#b.log;  # trailing comment
            add_header X "#not a comment";
            """)
        #expect(directives.map(\.arguments) == [["/var/log/a#b.log"], ["X", "#not a comment"]])
        #expect(directives.map(\.location.line) == [2, 3])
    }

    @Test func blocksAndBracedVariables() throws {
        let directives = try parse(
            """
            http {
                server {
                    server_name a.example;
                    location / { access_log /var/log/${host}.log; }
                    if ($http_x = "y") { return 404; }
                }
            }
            events {}
            """)
        #expect(directives.map(\.name) == ["http", "events"])
        let server = try #require(directives[0].block?.first)
        #expect(server.name == "server" && server.location.line == 2)
        let block = try #require(server.block)
        #expect(block.map(\.name) == ["server_name", "location", "if"])
        #expect(block[1].arguments == ["/"])
        #expect(block[1].block?.first?.arguments == ["/var/log/${host}.log"])
        // ')' right after a closing quote starts the next word, as in nginx.
        #expect(block[2].arguments == ["($http_x", "=", "y", ")"])
        #expect(directives[1].block == [])
    }

    @Test func quotedStringsSpanLines() throws {
        let directives = try parse("log_format x '$remote_addr\n$status';\naccess_log off;")
        #expect(directives[0].arguments == ["x", "$remote_addr\n$status"])
        #expect(directives[1].location.line == 3)
    }

    @Test(arguments: [
        ("http {\n  server {\n}\n", 4, "unexpected end of file, expecting \"}\" to close the block on line 1"),
        ("}", 1, "unexpected \"}\""),
        ("access_log /x", 1, "unexpected end of file, expecting \";\" or \"}\""),
        ("a;\n;", 2, "unexpected \";\""),
        ("log_format x 'abc;\n", 1, "unexpected end of file inside the quoted string"),
        ("log_format x \"a\"b;", 1, "unexpected \"b\" after the quoted string"),
        ("server { listen 80 }", 1, "unexpected \"}\""),
    ])
    func refusedAsNginxRefusesIt(text: String, line: Int, message: String) {
        #expect(throws: DiscoveryError(message, at: ConfigLocation(file: "nginx.conf", line: line))) {
            try parse(text)
        }
    }
}
