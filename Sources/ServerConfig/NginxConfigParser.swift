/// Reads nginx's configuration syntax into directives, as `ngx_conf_read_token` does: words separated by
/// blanks; `;` ends a directive and `{ … }` gives it a block; `#` at the start of a word comments out the rest
/// of the line; `"…"` and `'…'` quote; `\` escapes the next character (`\"`, `\'` and `\\` lose the backslash,
/// `\n`, `\r` and `\t` become control characters, anything else keeps it); `${name}` keeps its braces.
///
/// `include` is not followed here (see ``NginxConfigLoader``): a file is read on its own, as nginx reads each
/// included file with its blocks balanced within it.
struct NginxConfigParser {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1

    /// Parses `text`, the contents of `file` (named in errors).
    static func parse(_ text: String, file: String) throws(DiscoveryError) -> [NginxDirective] {
        var parser = NginxConfigParser(bytes: Array(text.utf8), file: file)
        return try parser.parseBlock(opened: nil)
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func fail(_ message: String, line: Int? = nil) -> DiscoveryError {
        DiscoveryError(message, at: ConfigLocation(file: file, line: line ?? self.line))
    }

    /// Directives up to the `}` closing a block opened at line `opened`, or to the end of the file.
    private mutating func parseBlock(opened: Int?) throws(DiscoveryError) -> [NginxDirective] {
        var directives: [NginxDirective] = []
        var words: [String] = []
        var start = 0
        while true {
            skipBlanks()
            guard index < bytes.count else {
                if !words.isEmpty { throw fail("unexpected end of file, expecting \";\" or \"}\"") }
                if let opened {
                    throw fail("unexpected end of file, expecting \"}\" to close the block on line \(opened)")
                }
                return directives
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: ";"):
                guard !words.isEmpty else { throw fail("unexpected \";\"") }
                index += 1
                directives.append(directive(words, block: nil, line: start))
                words = []
            case UInt8(ascii: "{"):
                guard !words.isEmpty else { throw fail("unexpected \"{\"") }
                index += 1
                let block = try parseBlock(opened: line)
                directives.append(directive(words, block: block, line: start))
                words = []
            case UInt8(ascii: "}"):
                guard words.isEmpty else { throw fail("unexpected \"}\"") }
                guard opened != nil else { throw fail("unexpected \"}\"") }
                index += 1
                return directives
            case UInt8(ascii: "#"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            default:
                if words.isEmpty { start = line }
                words.append(try word())
            }
        }
    }

    private func directive(_ words: [String], block: [NginxDirective]?, line: Int) -> NginxDirective {
        NginxDirective(
            name: words[0], arguments: Array(words.dropFirst()), block: block,
            location: ConfigLocation(file: file, line: line))
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }

    private mutating func skipBlanks() {
        while index < bytes.count && Self.isBlank(bytes[index]) {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
    }

    /// One word, quoted or not, with escapes undone; `index` is left on the byte after it.
    private mutating func word() throws(DiscoveryError) -> String {
        let first = bytes[index]
        let quote: UInt8? = first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") ? first : nil
        let startLine = line
        if quote != nil { index += 1 }
        var raw: [UInt8] = []
        var variable = false
        while true {
            guard index < bytes.count else {
                if quote != nil { throw fail("unexpected end of file inside the quoted string", line: startLine) }
                break
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && index + 1 < bytes.count {
                // The escaped byte never ends the word; the backslash is dealt with below, as nginx copies it.
                raw.append(byte)
                raw.append(bytes[index + 1])
                if bytes[index + 1] == UInt8(ascii: "\n") { line += 1 }
                index += 2
                variable = false
                continue
            }
            if let quote {
                index += 1
                if byte == quote { break }
                if byte == UInt8(ascii: "\n") { line += 1 }
                raw.append(byte)
                continue
            }
            if byte == UInt8(ascii: "{") && variable {
                raw.append(byte)
                index += 1
                variable = false
                continue
            }
            if Self.isBlank(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "{") { break }
            variable = byte == UInt8(ascii: "$")
            raw.append(byte)
            index += 1
        }
        if quote != nil && index < bytes.count {
            // nginx wants a blank, ';', '{' or ')' (which starts the next word) after a closing quote.
            let next = bytes[index]
            if !Self.isBlank(next) && next != UInt8(ascii: ";") && next != UInt8(ascii: "{")
                && next != UInt8(ascii: ")")
            {
                throw fail("unexpected \"\(Character(Unicode.Scalar(next)))\" after the quoted string")
            }
        }
        return String(decoding: Self.unescape(raw), as: UTF8.self)
    }

    /// nginx's copy of a word: `\"`, `\'` and `\\` lose their backslash; `\t`, `\r` and `\n` become the control
    /// characters; any other backslash stays.
    private static func unescape(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\") && i + 1 < raw.count {
                switch raw[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"):
                    out.append(raw[i + 1])
                    i += 2
                    continue
                case UInt8(ascii: "t"):
                    out.append(UInt8(ascii: "\t"))
                    i += 2
                    continue
                case UInt8(ascii: "r"):
                    out.append(UInt8(ascii: "\r"))
                    i += 2
                    continue
                case UInt8(ascii: "n"):
                    out.append(UInt8(ascii: "\n"))
                    i += 2
                    continue
                default:
                    break
                }
            }
            out.append(raw[i])
            i += 1
        }
        return out
    }
}
