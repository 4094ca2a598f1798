/// A sessiontail configuration file as lines, with just enough YAML understood to edit its `sources:` list in
/// place: where the list is, where each entry starts and ends, each entry's keys and its `name` and `paths`.
/// Every line not edited is kept byte for byte.
struct ConfigDocument {
    /// One `- …` item of `sources:`.
    struct Entry {
        /// The line range of the entry, from its `-` line to its last content line.
        var lines: Range<Int>
        /// The column of the entry's keys.
        var keyIndent: Int
        /// Each key at `keyIndent`, with the lines it spans.
        var keys: [(key: String, lines: Range<Int>)]
        var name: String?
        var paths: [String]
    }

    private var lines: [String]
    private let newline: String
    private let endsWithNewline: Bool
    /// The line of `sources:`, if any.
    private var sourcesLine: Int?
    /// The column of the entries' `-`.
    private var itemIndent = 2
    private(set) var entries: [Entry] = []

    init(_ text: String) {
        newline = text.contains("\r\n") ? "\r\n" : "\n"
        endsWithNewline = text.isEmpty || text.hasSuffix("\n") || text.hasSuffix("\r\n")
        // "\r\n" is one Character, so line ends are made "\n" before splitting.
        var split = text.replacing("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        if endsWithNewline && !text.isEmpty { split.removeLast() }
        lines = split.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if text.isEmpty { lines = [] }
        parse()
    }

    /// The document as text again.
    var text: String {
        lines.joined(separator: newline) + (endsWithNewline && !lines.isEmpty ? newline : "")
    }

    // MARK: Reading

    private static func indent(_ line: String) -> Int { line.prefix(while: { $0 == " " }).count }

    private static func isBlankOrComment(_ line: String) -> Bool {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    private static func isItem(_ line: String) -> Bool {
        let trimmed = line.drop(while: { $0 == " " })
        return trimmed == "-" || trimmed.hasPrefix("- ")
    }

    /// The key of a `key: value` line (the text from column `column` on), if it is one.
    private static func key(of line: String, from column: Int) -> String? {
        let text = line.dropFirst(column)
        guard let first = text.first, first != "#", first != " ", text != "-", !text.hasPrefix("- ") else { return nil }
        if first == "'" || first == "\"" {
            guard let close = text.dropFirst().firstIndex(of: first) else { return nil }
            let after = text[text.index(after: close)...].drop(while: { $0 == " " })
            return after.hasPrefix(":") ? String(text[text.index(after: text.startIndex)..<close]) : nil
        }
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == ":" {
                let next = text.index(after: index)
                if next == text.endIndex || text[next] == " " || text[next] == "\t" {
                    return String(text[..<index]).trimmingBlanks()
                }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// The text after `key:` on a key line.
    private static func value(of line: String, from column: Int) -> Substring {
        let text = line.dropFirst(column)
        var index = text.startIndex
        var quote: Character? = text.first == "'" || text.first == "\"" ? text.first : nil
        if quote != nil { index = text.index(after: index) }
        while index < text.endIndex {
            let c = text[index]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == ":" {
                return text[text.index(after: index)...].drop(while: { $0 == " " || $0 == "\t" })
            }
            index = text.index(after: index)
        }
        return ""
    }

    private mutating func parse() {
        guard
            let start = lines.firstIndex(where: { line in
                Self.indent(line) == 0 && Self.key(of: line, from: 0) == "sources"
            })
        else { return }
        sourcesLine = start
        var end = start + 1
        while end < lines.count {
            let line = lines[end]
            if !Self.isBlankOrComment(line) && Self.indent(line) == 0 && !Self.isItem(line) { break }
            end += 1
        }
        let inline = Self.value(of: lines[start], from: 0)
        guard inline.isEmpty || inline.hasPrefix("#") else { return }
        guard
            let first = (start + 1..<end).first(where: { !Self.isBlankOrComment(lines[$0]) && Self.isItem(lines[$0]) })
        else { return }
        itemIndent = Self.indent(lines[first])
        let starts = (first..<end).filter {
            !Self.isBlankOrComment(lines[$0]) && Self.isItem(lines[$0]) && Self.indent(lines[$0]) == itemIndent
        }
        for (n, entryStart) in starts.enumerated() {
            var last = (n + 1 < starts.count ? starts[n + 1] : end) - 1
            while last > entryStart && Self.isBlankOrComment(lines[last]) { last -= 1 }
            entries.append(entry(entryStart...last))
        }
    }

    private func entry(_ range: ClosedRange<Int>) -> Entry {
        let dashLine = lines[range.lowerBound]
        let afterDash = dashLine.dropFirst(itemIndent + 1)
        let spaces = afterDash.prefix(while: { $0 == " " }).count
        var keyIndent = itemIndent + 1 + spaces
        if afterDash.allSatisfy({ $0 == " " }) {
            // `-` alone: the keys start on the next line.
            let next = range.dropFirst().first { !Self.isBlankOrComment(lines[$0]) }
            keyIndent = next.map { Self.indent(lines[$0]) } ?? itemIndent + 2
        }
        var keys: [(key: String, lines: Range<Int>)] = []
        var line = range.lowerBound
        while line <= range.upperBound {
            guard let key = Self.key(of: lines[line], from: keyIndent),
                line == range.lowerBound || Self.indent(lines[line]) == keyIndent
            else {
                line += 1
                continue
            }
            var next = line + 1
            let valueIsEmpty = Self.value(of: lines[line], from: keyIndent).isEmpty
            while next <= range.upperBound {
                let text = lines[next]
                let deeper = Self.indent(text) > keyIndent
                let sameIndentItem = valueIsEmpty && Self.indent(text) == keyIndent && Self.isItem(text)
                guard Self.isBlankOrComment(text) || deeper || sameIndentItem else { break }
                next += 1
            }
            var last = next - 1
            while last > line && Self.isBlankOrComment(lines[last]) { last -= 1 }
            keys.append((key, line..<(last + 1)))
            line = next
        }
        var name: String? = nil
        var paths: [String] = []
        for span in keys {
            if span.key == "name", case .scalar(let value) = value(of: span, keyIndent: keyIndent) { name = value }
            if span.key == "paths", case .list(let value) = value(of: span, keyIndent: keyIndent) { paths = value }
        }
        return Entry(
            lines: range.lowerBound..<(range.upperBound + 1), keyIndent: keyIndent, keys: keys, name: name, paths: paths
        )
    }

    /// The value of a key: a flow or block sequence, or a scalar.
    private func value(of span: (key: String, lines: Range<Int>), keyIndent: Int) -> SourcesYAML.Value {
        let value = Self.value(of: lines[span.lines.lowerBound], from: keyIndent)
        if value.hasPrefix("[") { return .list(YAMLScalars.flowSequence(value)) }
        if value.isEmpty || value.hasPrefix("#") {
            return .list(
                span.lines.dropFirst().compactMap { i in
                    let item = lines[i].drop(while: { $0 == " " })
                    return item.hasPrefix("-") ? YAMLScalars.scalar(item.dropFirst().drop(while: { $0 == " " })) : nil
                })
        }
        return .scalar(YAMLScalars.scalar(value))
    }

    // MARK: Editing

    /// Rewrites entry `index` with what discovery found for the same files; whether any line changed. Keys
    /// discovery has a value for are replaced where they are (`format` and `log_format` replace each other),
    /// the ones the entry lacks are added after its last key, and every other line stays.
    mutating func update(entry index: Int, with source: DiscoveredSource) -> Bool {
        let entry = entries[index]
        let pad = String(repeating: " ", count: entry.keyIndent)
        let discovered = SourcesYAML.keys(source)
        let formatKey = discovered.contains { $0.key == "format" } ? "format" : "log_format"
        var newLines: [String] = []
        var written: Set<String> = []
        var line = entry.lines.lowerBound
        while line < entry.lines.upperBound {
            guard let span = entry.keys.first(where: { $0.lines.lowerBound == line }) else {
                newLines.append(lines[line])
                line += 1
                continue
            }
            line = span.lines.upperBound
            let prefix = String(lines[span.lines.lowerBound].prefix(entry.keyIndent))
            var key = span.key
            if key == "format" || key == "log_format" {
                if written.contains(formatKey) { continue }
                key = formatKey
            }
            if let value = discovered.first(where: { $0.key == key })?.value {
                if key == span.key && self.value(of: span, keyIndent: entry.keyIndent) == value {
                    newLines += lines[span.lines]  // as the file writes it
                } else {
                    newLines.append(prefix + "\(key): \(value.rendered)")
                }
                written.insert(key)
            } else {
                newLines += lines[span.lines]
            }
        }
        for (key, value) in discovered where !written.contains(key) {
            newLines.append(pad + "\(key): \(value.rendered)")
        }
        guard newLines != Array(lines[entry.lines]) else { return false }
        replace(entry.lines, with: newLines)
        return true
    }

    /// Adds `sources` after the last entry (or creates `sources:`).
    mutating func append(_ sources: [DiscoveredSource]) {
        guard !sources.isEmpty else { return }
        var newLines: [String] = []
        for source in sources {
            var source = source
            for entry in entries {
                for path in entry.paths where !ConfigFiles.hasGlob(path) && !path.contains("{host}") {
                    let pattern = source.paths.first ?? ""
                    if ConfigMerge.reads([pattern], anyOf: [path]) && pattern != path && !source.exclude.contains(path)
                    {
                        source.exclude.append(path)
                    }
                }
            }
            newLines += SourcesYAML.entry(source, indent: itemIndent, comments: true)
        }
        if let last = entries.last {
            replace(last.lines.upperBound..<last.lines.upperBound, with: newLines)
        } else if let sourcesLine {
            let value = Self.value(of: lines[sourcesLine], from: 0)
            if !value.isEmpty && !value.hasPrefix("#") { lines[sourcesLine] = "sources:" }
            replace((sourcesLine + 1)..<(sourcesLine + 1), with: newLines)
        } else {
            var block = ["sources:"] + newLines
            if let last = lines.last, !last.isEmpty { block.insert("", at: 0) }
            replace(lines.count..<lines.count, with: block)
        }
    }

    private mutating func replace(_ range: Range<Int>, with newLines: [String]) {
        lines.replaceSubrange(range, with: newLines)
        // Read the entries again: the lines after the edit moved.
        entries = []
        parse()
    }
}

extension String {
    /// The string without leading and trailing blanks.
    func trimmingBlanks() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
