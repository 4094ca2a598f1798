/// A strict parser for the small part of YAML that sessiontail's configuration file needs, stdlib only (the
/// product avoids Foundation and YAML libraries to stay small).
///
/// Supported: block mappings and block sequences nested by space indentation (including `- key: value` items and
/// sequences at the same indentation as their key), flow sequences of scalars on one line (`[a, "b", 'c']`), plain,
/// single-quoted and double-quoted scalars, empty values, `~` and `null`, comments, blank lines, one leading `---`,
/// CRLF line ends and a UTF-8 byte order mark.
///
/// Everything else is refused with the line to fix rather than guessed at: tabs in indentation, duplicate keys,
/// inconsistent indentation, anchors, aliases, tags, block and multi-line scalars, multiple documents, flow
/// mappings, unterminated quotes and brackets, and lines that are neither `key: value` nor `- item`. A
/// configuration file is small and written by hand, so a clear refusal is worth more than YAML's full generality.
public enum YAMLSubset {
    /// Nesting deeper than this is refused. No configuration comes close, and the parser recurses once per level,
    /// so an unbounded depth would let a garbled file (`- - - - …`) overflow the stack.
    static let maximumDepth = 64

    /// Parses `text` into a tree; an empty document (or one of only comments) is an empty mapping.
    ///
    /// - Parameters:
    ///   - text: the whole document.
    ///   - file: the file name used in error messages.
    /// - Throws: `ConfigSyntaxError` naming the first line that is not in the supported subset.
    public static func parse(_ text: String, file: String) throws(ConfigSyntaxError) -> ConfigNode {
        var parser = Parser(file: file, lines: try tokenize(text, file: file))
        return try parser.parseDocument()
    }
}

// MARK: - Lines

/// One line that holds content (blank and comment-only lines are dropped by the tokenizer): its indentation in
/// spaces and the bytes after it, trailing blanks removed. The parser works on UTF-8 bytes and cuts only at ASCII
/// delimiters, so every slice it turns back into a `String` is valid UTF-8.
private struct Line {
    let number: Int
    var indent: Int
    var text: ArraySlice<UInt8>
}

/// The ASCII bytes the grammar cares about.
private enum Byte {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let bang = UInt8(ascii: "!")
    static let doubleQuote = UInt8(ascii: "\"")
    static let hash = UInt8(ascii: "#")
    static let percent = UInt8(ascii: "%")
    static let ampersand = UInt8(ascii: "&")
    static let singleQuote = UInt8(ascii: "'")
    static let star = UInt8(ascii: "*")
    static let comma = UInt8(ascii: ",")
    static let dash = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let greater = UInt8(ascii: ">")
    static let question = UInt8(ascii: "?")
    static let at = UInt8(ascii: "@")
    static let openBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closeBracket = UInt8(ascii: "]")
    static let backtick = UInt8(ascii: "`")
    static let openBrace = UInt8(ascii: "{")
    static let pipe = UInt8(ascii: "|")
    static let closeBrace = UInt8(ascii: "}")
    static let delete: UInt8 = 0x7F

    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }
}

/// Splits the document into content lines, dropping blank and comment lines, a byte order mark and one leading
/// `---`, and refusing what is wrong whatever the structure: tabs in indentation, control characters, further
/// documents and directives.
private func tokenize(_ text: String, file: String) throws(ConfigSyntaxError) -> [Line] {
    var bytes = Array(text.utf8)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var lines: [Line] = []
    var sawDocumentStart = false
    for (index, raw) in bytes.split(separator: Byte.newline, omittingEmptySubsequences: false).enumerated() {
        let number = index + 1
        var line = raw
        if line.last == Byte.carriageReturn { line.removeLast() }  // CRLF line end
        if let bad = line.first(where: { ($0 < Byte.space && $0 != Byte.tab) || $0 == Byte.delete }) {
            throw ConfigSyntaxError(file: file, line: number, message: "control character \(hex(bad)) is not allowed")
        }
        while let last = line.last, Byte.isBlank(last) { line.removeLast() }
        let start = line.firstIndex(where: { $0 != Byte.space }) ?? line.endIndex
        // Tabs may separate a comment from the margin, or sit on a blank line, but never indent content:
        // YAML forbids it, and tab width is exactly the kind of thing that makes indentation ambiguous.
        let content = line[start...].firstIndex(where: { !Byte.isBlank($0) }) ?? line.endIndex
        if content == line.endIndex || line[content] == Byte.hash { continue }
        if content != start {
            throw ConfigSyntaxError(
                file: file, line: number,
                message: "tab character in indentation; indent with spaces only")
        }
        let indent = start - line.startIndex
        let body = line[start...]
        if indent == 0, isMarker(body, Byte.dash) {
            if sawDocumentStart || !lines.isEmpty {
                throw ConfigSyntaxError(
                    file: file, line: number,
                    message:
                        "multiple documents are not supported: '---' may only start the file")
            }
            let rest = body.dropFirst(3).drop(while: Byte.isBlank)
            if let first = rest.first, first != Byte.hash {
                throw ConfigSyntaxError(
                    file: file, line: number,
                    message: "content after '---' is not supported; start it on the next line")
            }
            sawDocumentStart = true
            continue
        }
        if indent == 0, isMarker(body, Byte.dot) {
            throw ConfigSyntaxError(
                file: file, line: number,
                message:
                    "document end marker '...' is not supported (only one document per file)")
        }
        if indent == 0, body.first == Byte.percent {
            throw ConfigSyntaxError(
                file: file, line: number,
                message: "directives ('%YAML', '%TAG') are not supported")
        }
        lines.append(Line(number: number, indent: indent, text: body))
    }
    return lines
}

/// Whether `text` starts with the document marker made of three `mark` bytes (`---` or `...`) followed by a blank
/// or the line end; `---x` is an ordinary scalar.
private func isMarker(_ text: ArraySlice<UInt8>, _ mark: UInt8) -> Bool {
    guard text.count >= 3, text.prefix(3).allSatisfy({ $0 == mark }) else { return false }
    return text.count == 3 || Byte.isBlank(text[text.startIndex + 3])
}

/// Whether `text` is a block sequence item: `-` followed by a blank or nothing (`-1` and `--x` are scalars).
private func isSequenceItem(_ text: ArraySlice<UInt8>) -> Bool {
    guard text.first == Byte.dash else { return false }
    return text.count == 1 || Byte.isBlank(text[text.startIndex + 1])
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}

// MARK: - Parser

/// Recursive descent over the content lines: a block is a run of lines at one indentation, and a deeper line
/// after a key or `-` with nothing after it opens a nested block.
private struct Parser {
    let file: String
    var lines: [Line]
    /// The next line to read.
    var position = 0
    /// How many blocks are open, for `YAMLSubset.maximumDepth`.
    var depth = 0

    init(file: String, lines: [Line]) {
        self.file = file
        self.lines = lines
    }

    func fail(_ line: Int, _ message: String) -> ConfigSyntaxError {
        ConfigSyntaxError(file: file, line: line, message: message)
    }

    mutating func parseDocument() throws(ConfigSyntaxError) -> ConfigNode {
        guard let first = lines.first else { return .mapping([], line: 1) }
        let root = try parseBlock()
        // Blocks stop at a shallower line; at the top level nothing is shallower than the first line.
        if position < lines.count {
            throw fail(
                lines[position].number,
                "inconsistent indentation: \(lines[position].indent) spaces, "
                    + "less than the first line of the document (\(first.indent))")
        }
        return root
    }

    /// Parses the mapping or sequence that starts on the current line, at that line's indentation.
    ///
    /// - Parameter isCompactValue: the block is a sequence at the same indentation as the key it is the value
    ///   of (`key:\n- a`), so a `key:` line at that indentation ends it rather than being an error.
    mutating func parseBlock(isCompactValue: Bool = false) throws(ConfigSyntaxError) -> ConfigNode {
        let line = lines[position]
        guard depth < YAMLSubset.maximumDepth else {
            throw fail(line.number, "nested more than \(YAMLSubset.maximumDepth) levels deep")
        }
        depth += 1
        defer { depth -= 1 }
        if isSequenceItem(line.text) {
            return try parseSequence(indent: line.indent, isCompactValue: isCompactValue)
        }
        if try splitKey(line.text, line: line.number) != nil {
            return try parseMapping(indent: line.indent)
        }
        throw fail(line.number, try describeUnexpected(line.text, line: line.number))
    }

    mutating func parseMapping(indent: Int) throws(ConfigSyntaxError) -> ConfigNode {
        let startLine = lines[position].number
        var entries: [ConfigEntry] = []
        var lineOfKey: [String: Int] = [:]
        while position < lines.count {
            let line = lines[position]
            if line.indent < indent { break }  // the end of this block; the caller goes on
            if line.indent > indent {
                throw fail(
                    line.number,
                    "inconsistent indentation: \(line.indent) spaces, but the keys of the "
                        + "mapping it belongs to are indented \(indent)")
            }
            if isSequenceItem(line.text) {
                throw fail(line.number, "a '- ' item cannot follow 'key: value' entries at the same indentation")
            }
            guard let (key, valueStart) = try splitKey(line.text, line: line.number) else {
                throw fail(line.number, try describeUnexpected(line.text, line: line.number))
            }
            if let first = lineOfKey[key] {
                throw fail(line.number, "duplicate key '\(key)' (first defined on line \(first))")
            }
            lineOfKey[key] = line.number
            position += 1
            let rest = line.text[valueStart...].drop(while: Byte.isBlank)
            let value: ConfigNode
            if rest.isEmpty || rest.first == Byte.hash {  // `#` here follows the blank after `:`: a comment
                value = try parseNestedValue(ownerIndent: indent, ownerLine: line.number, allowsCompactSequence: true)
            } else {
                value = try parseInlineValue(rest, line: line.number)
                try rejectContinuation(of: line.number, ownerIndent: indent)
            }
            entries.append(ConfigEntry(key: key, line: line.number, value: value))
        }
        return .mapping(entries, line: startLine)
    }

    mutating func parseSequence(indent: Int, isCompactValue: Bool) throws(ConfigSyntaxError) -> ConfigNode {
        let startLine = lines[position].number
        var items: [ConfigNode] = []
        while position < lines.count {
            let line = lines[position]
            if line.indent < indent { break }
            if line.indent > indent {
                throw fail(
                    line.number,
                    "inconsistent indentation: \(line.indent) spaces, but the '- ' items of "
                        + "the sequence it belongs to are indented \(indent)")
            }
            guard isSequenceItem(line.text) else {
                if isCompactValue { break }  // the next key of the mapping this sequence is a value in
                throw fail(
                    line.number,
                    "expected a '- ' item like the lines above; 'key: value' cannot follow "
                        + "sequence items at the same indentation")
            }
            let afterDash = line.text.dropFirst().prefix(while: { $0 == Byte.space })
            let rest = line.text[afterDash.endIndex...]
            if rest.first == Byte.tab {
                throw fail(line.number, "tab after '-'; separate the item from '-' with spaces")
            }
            if rest.isEmpty || rest.first == Byte.hash {  // `-` alone, or `- # comment`
                position += 1
                items.append(
                    try parseNestedValue(ownerIndent: indent, ownerLine: line.number, allowsCompactSequence: false))
                continue
            }
            var opensBlock = isSequenceItem(rest)
            if !opensBlock { opensBlock = try splitKey(rest, line: line.number) != nil }
            if opensBlock {
                // `- key: value` or `- - x`: the rest of the line opens a block whose column is where it starts,
                // and the block's further lines line up under it. Re-reading the rest as a line of its own,
                // indented to that column, lets the ordinary block parser handle both.
                let column = indent + (rest.startIndex - line.text.startIndex)
                lines[position] = Line(number: line.number, indent: column, text: rest)
                items.append(try parseBlock())
            } else {
                position += 1
                items.append(try parseInlineValue(rest, line: line.number))
                try rejectContinuation(of: line.number, ownerIndent: indent)
            }
        }
        return .sequence(items, line: startLine)
    }

    /// Parses the value of a key or `-` with nothing after it on its line: a block on the following deeper lines;
    /// a sequence at the key's own indentation (`key:\n- a`, which YAML allows for mapping values); a scalar or
    /// flow sequence alone on the next deeper line (`key:\n  value`); or, when no deeper line follows, null.
    mutating func parseNestedValue(ownerIndent: Int, ownerLine: Int, allowsCompactSequence: Bool)
        throws(ConfigSyntaxError) -> ConfigNode
    {
        guard position < lines.count else { return .null(line: ownerLine) }
        let next = lines[position]
        if allowsCompactSequence, next.indent == ownerIndent, isSequenceItem(next.text) {
            return try parseBlock(isCompactValue: true)
        }
        guard next.indent > ownerIndent else { return .null(line: ownerLine) }
        var opensBlock = isSequenceItem(next.text)
        if !opensBlock { opensBlock = try splitKey(next.text, line: next.number) != nil }
        if opensBlock { return try parseBlock() }
        position += 1
        let value = try parseInlineValue(next.text, line: next.number)
        try rejectContinuation(of: next.number, ownerIndent: ownerIndent)
        return value
    }

    /// Refuses a line deeper than `ownerIndent` right after a complete value. YAML would fold it into a multi-line
    /// plain scalar; here it is far more likely a mis-indented key, so it is an error, not a silent join.
    func rejectContinuation(of valueLine: Int, ownerIndent: Int) throws(ConfigSyntaxError) {
        guard position < lines.count, lines[position].indent > ownerIndent else { return }
        throw fail(
            lines[position].number,
            "unexpected indentation: the value on line \(valueLine) is already "
                + "complete (multi-line values are not supported; quote the value and use \\n for line breaks)")
    }

    // MARK: Keys

    /// If `text` is `key: …`, returns the key and the index just past its `:`; `nil` if it is not a key line.
    ///
    /// A `:` makes a key only when a blank or the line end follows it, so `127.0.0.1:9464` and `http://x` are
    /// scalars. In a plain key, a `#` after a blank starts a comment and so ends the search.
    func splitKey(_ text: ArraySlice<UInt8>, line: Int) throws(ConfigSyntaxError) -> (key: String, valueStart: Int)? {
        guard let first = text.first else { return nil }
        if first == Byte.doubleQuote || first == Byte.singleQuote {
            let (key, end) = try scanQuoted(text, line: line)
            let colon = text[end...].firstIndex(where: { !Byte.isBlank($0) }) ?? text.endIndex
            guard colon < text.endIndex, text[colon] == Byte.colon, isBlankOrEnd(text, colon + 1) else { return nil }
            return (key, colon + 1)
        }
        if first == Byte.openBracket { return nil }  // a flow sequence; flow keys are not supported
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == Byte.hash, index > text.startIndex, Byte.isBlank(text[index - 1]) { return nil }
            if byte == Byte.colon, isBlankOrEnd(text, index + 1) {
                var end = index
                while end > text.startIndex, Byte.isBlank(text[end - 1]) { end -= 1 }
                let key = text[text.startIndex..<end]
                if key.isEmpty { throw fail(line, "missing key before ':'") }
                try checkPlainStart(key, line: line, context: .key)
                return (String(decoding: key, as: UTF8.self), index + 1)
            }
            index += 1
        }
        return nil
    }

    // MARK: Values

    /// Parses a value that starts on this line and must end on it: a quoted or plain scalar, or a flow sequence.
    func parseInlineValue(_ text: ArraySlice<UInt8>, line: Int) throws(ConfigSyntaxError) -> ConfigNode {
        switch text.first {
        case Byte.doubleQuote, Byte.singleQuote:
            let (value, end) = try scanQuoted(text, line: line)
            try expectLineEnd(text, from: end, line: line, after: "the closing quote")
            return .scalar(value, quoted: true, line: line)
        case Byte.openBracket:
            return try parseFlowSequence(text, line: line)
        default:
            try checkPlainStart(text, line: line, context: .value)
            let value = text[text.startIndex..<plainEnd(text)]
            if let colon = value.indices.first(where: { value[$0] == Byte.colon && isBlankOrEnd(value, $0 + 1) }) {
                let after = colon + 1 == value.endIndex ? "" : " "
                throw fail(
                    line,
                    "unexpected ':\(after)' in a plain value (a mapping cannot start on the line of "
                        + "its key); quote the value if it is a string")
            }
            return plainNode(value, line: line)
        }
    }

    /// A flow sequence of scalars on one line: `[]`, `[a, "b", 'c']`, a trailing comma allowed.
    func parseFlowSequence(_ text: ArraySlice<UInt8>, line: Int) throws(ConfigSyntaxError) -> ConfigNode {
        let unterminated = fail(line, "unterminated '[': a flow sequence must close with ']' on the same line")
        var items: [ConfigNode] = []
        var index = text.startIndex + 1
        while true {
            index = skipBlanks(text, from: index)
            guard index < text.endIndex, !isComment(text, at: index) else { throw unterminated }
            let byte = text[index]
            if byte == Byte.closeBracket {  // `[]`, or after a trailing comma
                index += 1
                break
            }
            if byte == Byte.comma { throw fail(line, "empty entry in a flow sequence (two commas in a row?)") }
            if byte == Byte.doubleQuote || byte == Byte.singleQuote {
                let (value, end) = try scanQuoted(text[index...], line: line)
                items.append(.scalar(value, quoted: true, line: line))
                index = end
            } else {
                try checkPlainStart(text[index...], line: line, context: .flowItem)
                var end = index
                while end < text.endIndex, text[end] != Byte.comma, text[end] != Byte.closeBracket,
                    !isComment(text, at: end)
                {
                    let byte = text[end]
                    if byte == Byte.openBracket || byte == Byte.openBrace || byte == Byte.closeBrace {
                        throw fail(
                            line,
                            "'\(Character(Unicode.Scalar(byte)))' inside a flow sequence: nested flow "
                                + "collections are not supported; quote the item if it is a string")
                    }
                    if byte == Byte.colon,
                        isBlankOrEnd(text, end + 1) || text[end + 1] == Byte.comma
                            || text[end + 1] == Byte.closeBracket
                    {
                        throw fail(line, "'key: value' inside a flow sequence: flow mappings are not supported")
                    }
                    end += 1
                }
                while Byte.isBlank(text[end - 1]) { end -= 1 }
                items.append(plainNode(text[index..<end], line: line))
                index = end
            }
            index = skipBlanks(text, from: index)
            guard index < text.endIndex, !isComment(text, at: index) else { throw unterminated }
            if text[index] == Byte.comma {
                index += 1
            } else if text[index] == Byte.closeBracket {
                index += 1
                break
            } else {
                throw fail(line, "expected ',' or ']' after an item of a flow sequence")
            }
        }
        try expectLineEnd(text, from: index, line: line, after: "']'")
        return .sequence(items, line: line)
    }

    /// Scans the single- or double-quoted scalar `text` starts with; returns its value and the index past the
    /// closing quote. Quoted scalars must close on their line: multi-line ones are not supported.
    func scanQuoted(_ text: ArraySlice<UInt8>, line: Int) throws(ConfigSyntaxError) -> (String, Int) {
        let quote = text[text.startIndex]
        var value: [UInt8] = []
        var index = text.startIndex + 1
        if quote == Byte.singleQuote {
            while index < text.endIndex {
                if text[index] == Byte.singleQuote {
                    // In single quotes the only escape is a doubled quote.
                    guard index + 1 < text.endIndex, text[index + 1] == Byte.singleQuote else {
                        return (String(decoding: value, as: UTF8.self), index + 1)
                    }
                    index += 1
                }
                value.append(text[index])
                index += 1
            }
            throw fail(line, "unterminated single-quoted string (a quoted value must end on its line)")
        }
        while index < text.endIndex {
            let byte = text[index]
            if byte == Byte.doubleQuote { return (String(decoding: value, as: UTF8.self), index + 1) }
            guard byte == Byte.backslash else {
                value.append(byte)
                index += 1
                continue
            }
            guard index + 1 < text.endIndex else { break }
            let escape = text[index + 1]
            index += 2
            switch escape {
            case Byte.doubleQuote, Byte.backslash, Byte.slash: value.append(escape)
            case UInt8(ascii: "n"): value.append(Byte.newline)
            case UInt8(ascii: "t"): value.append(Byte.tab)
            case UInt8(ascii: "r"): value.append(Byte.carriageReturn)
            case UInt8(ascii: "0"): value.append(0)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = escape == UInt8(ascii: "u") ? 4 : 8
                let scalar = try hexScalar(text, from: index, digits: digits, line: line)
                value.append(contentsOf: String(Character(scalar)).utf8)
                index += digits
            default:
                let shown =
                    escape >= Byte.space && escape < Byte.delete
                    ? "'\\\(Character(Unicode.Scalar(escape)))'" : "after '\\'"
                throw fail(
                    line,
                    "unknown escape \(shown) in a double-quoted string "
                        + "(supported: \\\" \\\\ \\/ \\n \\t \\r \\0 \\uXXXX \\UXXXXXXXX)")
            }
        }
        throw fail(line, "unterminated double-quoted string (a quoted value must end on its line)")
    }

    /// The Unicode scalar written as `digits` hex digits at `index` (after `\u` or `\U`).
    func hexScalar(_ text: ArraySlice<UInt8>, from index: Int, digits: Int, line: Int)
        throws(ConfigSyntaxError) -> Unicode.Scalar
    {
        let letter = digits == 4 ? "u" : "U"
        var code: UInt32 = 0
        for offset in 0..<digits {
            guard index + offset < text.endIndex, let digit = hexValue(text[index + offset]) else {
                throw fail(line, "'\\\(letter)' must be followed by \(digits) hex digits")
            }
            code = code << 4 | digit
        }
        // Surrogates and values past U+10FFFF are not characters; UTF-16 pairs are not decoded.
        guard let scalar = Unicode.Scalar(code) else {
            let shown = String(code, radix: 16, uppercase: true)
            throw fail(line, "'\\\(letter)\(shown)' is not a Unicode scalar value; write the character itself")
        }
        return scalar
    }

    /// A plain scalar; the unquoted words YAML reads as null are null.
    func plainNode(_ text: ArraySlice<UInt8>, line: Int) -> ConfigNode {
        let value = String(decoding: text, as: UTF8.self)
        switch value {
        case "~", "null", "Null", "NULL": return .null(line: line)
        default: return .scalar(value, quoted: false, line: line)
        }
    }

    /// Refuses anything but blanks and a comment after a complete value.
    func expectLineEnd(_ text: ArraySlice<UInt8>, from index: Int, line: Int, after what: String)
        throws(ConfigSyntaxError)
    {
        let rest = skipBlanks(text, from: index)
        guard rest < text.endIndex, !isComment(text, at: rest) else { return }
        throw fail(
            line,
            "unexpected text after \(what): '\(snippet(text[rest...]))' "
                + "(quote the whole value if it is a string)")
    }

    enum PlainContext { case key, value, flowItem }

    /// Refuses the YAML indicators that cannot start a plain scalar, naming the feature the user probably meant.
    func checkPlainStart(_ text: ArraySlice<UInt8>, line: Int, context: PlainContext) throws(ConfigSyntaxError) {
        guard let first = text.first else { return }
        let next = text.dropFirst().first
        // `-`, `?` and `:` are indicators only when a blank (or, in a flow sequence, `,` or `]`) follows.
        let indicatorFollows =
            (next.map { Byte.isBlank($0) } ?? true)
            || (context == .flowItem && (next == Byte.comma || next == Byte.closeBracket))
        let message: String
        switch first {
        case Byte.ampersand: message = "anchors ('&') are not supported"
        case Byte.star: message = "aliases ('*') are not supported"
        case Byte.bang: message = "tags ('!') are not supported"
        case Byte.pipe, Byte.greater:
            message =
                "block scalars ('|', '>') are not supported; write the value on one line, quoted, "
                + "with \\n for line breaks"
        case Byte.openBrace, Byte.closeBrace:
            message = "flow mappings ('{…}') are not supported; write the mapping as indented 'key: value' lines"
        case Byte.openBracket:
            message =
                context == .key
                ? "a flow sequence cannot be a key" : "nested flow sequences are not supported"
        case Byte.closeBracket, Byte.comma:
            message = "unexpected '\(Character(Unicode.Scalar(first)))'; quote the value if it is a string"
        case Byte.percent, Byte.at, Byte.backtick, Byte.hash:
            message = "'\(Character(Unicode.Scalar(first)))' cannot start a plain value; quote the value"
        case Byte.question where indicatorFollows:
            message = "complex keys ('? ') are not supported"
        case Byte.colon where indicatorFollows:
            message = "unexpected ':'; quote the value if it is a string"
        case Byte.dash where indicatorFollows:
            message =
                context == .flowItem
                ? "a '- ' item inside a flow sequence is not supported"
                : "a '- ' sequence cannot start on the line of its key; put each '- item' on a line of its own"
        default: return
        }
        throw fail(line, message)
    }

    /// A helpful message for a line that is neither `key: value` nor `- item`.
    func describeUnexpected(_ text: ArraySlice<UInt8>, line: Int) throws(ConfigSyntaxError) -> String {
        if text.first == Byte.openBracket {
            return "a flow sequence '[…]' must be the value of a key or of a '- ' item"
        }
        // Name the unsupported feature (anchor, block scalar, `? ` key…) when there is one.
        if text.first != Byte.doubleQuote, text.first != Byte.singleQuote {
            try checkPlainStart(text, line: line, context: .value)
        }
        let shown = "'\(snippet(text))'"
        if text.first == Byte.dash {
            return "expected 'key: value' or '- item', found \(shown) (put a space after '-' to make an item)"
        }
        if text[text.startIndex..<plainEnd(text)].contains(Byte.colon) {
            return "expected 'key: value', found \(shown) (put a space after ':')"
        }
        return "expected 'key: value' or '- item', found \(shown)"
    }

    // MARK: Byte helpers

    func isBlankOrEnd(_ text: ArraySlice<UInt8>, _ index: Int) -> Bool {
        index >= text.endIndex || Byte.isBlank(text[index])
    }

    /// A `#` starts a comment only after a blank (or at the start), so `a#b` is one scalar.
    func isComment(_ text: ArraySlice<UInt8>, at index: Int) -> Bool {
        text[index] == Byte.hash && (index == text.startIndex || Byte.isBlank(text[index - 1]))
    }

    func skipBlanks(_ text: ArraySlice<UInt8>, from index: Int) -> Int {
        text[index...].firstIndex(where: { !Byte.isBlank($0) }) ?? text.endIndex
    }

    /// Where a plain scalar starting `text` ends in block context: before a comment, trailing blanks trimmed.
    func plainEnd(_ text: ArraySlice<UInt8>) -> Int {
        var end = text.startIndex
        while end < text.endIndex, !(end > text.startIndex && isComment(text, at: end)) { end += 1 }
        while end > text.startIndex, Byte.isBlank(text[end - 1]) { end -= 1 }
        return end
    }

    func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// At most 40 bytes of `text` for a message, cut at a character boundary.
    func snippet(_ text: ArraySlice<UInt8>) -> String {
        guard text.count > 40 else { return String(decoding: text, as: UTF8.self) }
        var end = text.startIndex + 40
        while end > text.startIndex, text[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a UTF-8 sequence
        return String(decoding: text[text.startIndex..<end], as: UTF8.self) + "…"
    }
}
