/// Text from the sessions table (paths, referrer hosts, user-agent families) made safe for HTML.
enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` as character references, so that it is text in an element or in a
    /// quoted attribute, never markup; control characters other than tab and line feed, which HTML does not
    /// allow, become U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
