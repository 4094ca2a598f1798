/// Apache's handling of a directive's arguments: `${VAR}` expansion (`ap_resolve_env`) and splitting into
/// words (`ap_getword_conf`).
enum ApacheWords {
    /// Splits `text` into words as `ap_getword_conf` does: blanks separate words; a word starting with `"` or
    /// `'` runs to the matching quote, inside which `\` before that quote or another `\` escapes it; outside
    /// quotes only `\\` is an escape. Quotes inside an unquoted word are ordinary characters.
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            guard let first = rest.first else { return words }
            if first == "\"" || first == "'" {
                var word = ""
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex && rest[index] != first {
                    let next = rest.index(after: index)
                    if rest[index] == "\\" && next < rest.endIndex && (rest[next] == first || rest[next] == "\\") {
                        word.append(rest[next])
                        index = rest.index(after: next)
                    } else {
                        word.append(rest[index])
                        index = next
                    }
                }
                words.append(word)
                rest = index < rest.endIndex ? rest[rest.index(after: index)...] : rest[rest.endIndex...]
            } else {
                let end =
                    rest.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) ?? rest.endIndex
                words.append(String(rest[..<end]).replacing("\\\\", with: "\\"))
                rest = rest[end...]
            }
        }
    }

    /// `text` with each `${NAME}` replaced by `lookup(NAME)`; a name the lookup does not know stays as written
    /// and is passed to `undefined`, as Apache leaves it and warns.
    static func expand(_ text: String, lookup: (String) -> String?, undefined: (String) -> Void) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            out += rest[..<start.lowerBound]
            guard let close = rest[start.upperBound...].firstIndex(of: "}") else {
                out += rest[start.lowerBound...]
                return out
            }
            let name = String(rest[start.upperBound..<close])
            if let value = lookup(name) {
                out += value
            } else {
                undefined(name)
                out += "${\(name)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
