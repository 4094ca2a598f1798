/// libpq connection strings, for messages: never show a password.
public enum Conninfo {
    /// `conninfo` with the password removed, in either form libpq takes: `key=value` pairs
    /// (`password=…`) or a URI (`postgresql://user:secret@host/db?password=…`).
    public static func redacted(_ conninfo: String) -> String {
        if conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") {
            return redactedURI(conninfo)
        }
        // key = value pairs; values may be single-quoted with backslash escapes.
        var out = ""
        let chars = Array(conninfo)
        var i = 0
        while i < chars.count {
            while i < chars.count && chars[i].isWhitespace { i += 1 }
            let keyStart = i
            while i < chars.count && chars[i] != "=" && !chars[i].isWhitespace { i += 1 }
            let key = String(chars[keyStart..<i])
            while i < chars.count && chars[i].isWhitespace { i += 1 }
            guard i < chars.count && chars[i] == "=" else {
                if !key.isEmpty { out += (out.isEmpty ? "" : " ") + key }
                continue
            }
            i += 1
            while i < chars.count && chars[i].isWhitespace { i += 1 }
            var value = ""
            if i < chars.count && chars[i] == "'" {
                i += 1
                while i < chars.count && chars[i] != "'" {
                    if chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                    value.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < chars.count && !chars[i].isWhitespace {
                    value.append(chars[i])
                    i += 1
                }
            }
            if key.isEmpty { continue }
            let shown = key == "password" ? "***" : (value.contains(" ") || value.isEmpty ? "'\(value)'" : value)
            out += (out.isEmpty ? "" : " ") + key + "=" + shown
        }
        return out
    }

    static func redactedURI(_ uri: String) -> String {
        var text = uri
        // userinfo: scheme://user:password@host
        if let colonSlash = text.firstIndex(of: ":"), text[colonSlash...].hasPrefix("://") {
            let rest = text[text.index(colonSlash, offsetBy: 3)...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"),
                let colon = rest[..<at].firstIndex(of: ":")
            {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // query parameter password=…
        if let query = text.firstIndex(of: "?") {
            let head = text[...query]
            let parameters = text[text.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { p -> String in p.hasPrefix("password=") ? "password=***" : String(p) }
            text = head + parameters.joined(separator: "&")
        }
        return text
    }
}
