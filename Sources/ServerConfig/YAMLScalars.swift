/// Reads the YAML scalars a sessiontail source's `name` and `paths` are written with: plain (up to a ` #`
/// comment), `'single'` (`''` for `'`) and `"double"` (with `\` escapes), and one-line flow sequences of them.
/// Enough to recognise existing sources when merging; sessiontail's own loader validates the file.
enum YAMLScalars {
    /// The scalar at the start of `text`.
    static func scalar(_ text: Substring) -> String {
        scan(text).value
    }

    /// The items of `[a, 'b', "c"]`.
    static func flowSequence(_ text: Substring) -> [String] {
        var items: [String] = []
        var rest = text.dropFirst().drop(while: { $0 == " " })
        while let first = rest.first, first != "]" {
            let (value, end) = scan(rest, inFlow: true)
            items.append(value)
            rest = rest[end...].drop(while: { $0 == " " })
            if rest.first == "," { rest = rest.dropFirst().drop(while: { $0 == " " }) }
        }
        return items
    }

    /// The scalar at the start of `text` and where it ends.
    private static func scan(_ text: Substring, inFlow: Bool = false) -> (value: String, end: Substring.Index) {
        guard let quote = text.first else { return ("", text.endIndex) }
        if quote == "'" {
            var value = ""
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                let next = text.index(after: index)
                if text[index] == "'" {
                    guard next < text.endIndex, text[next] == "'" else { return (value, next) }
                    value.append("'")
                    index = text.index(after: next)
                    continue
                }
                value.append(text[index])
                index = next
            }
            return (value, text.endIndex)
        }
        if quote == "\"" {
            var value = ""
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                let c = text[index]
                index = text.index(after: index)
                if c == "\"" { return (value, index) }
                if c == "\\" && index < text.endIndex {
                    switch text[index] {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    default: value.append(text[index])
                    }
                    index = text.index(after: index)
                    continue
                }
                value.append(c)
            }
            return (value, text.endIndex)
        }
        var end = text.startIndex
        while end < text.endIndex {
            let c = text[end]
            if inFlow && (c == "," || c == "]") { break }
            if c == "#" && end > text.startIndex && text[text.index(before: end)] == " " { break }
            end = text.index(after: end)
        }
        return (String(text[..<end]).trimmingBlanks(), end)
    }
}
