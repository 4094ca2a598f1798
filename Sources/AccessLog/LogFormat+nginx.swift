extension LogFormat {
    /// What each nginx variable holds; any other variable is an opaque field. `clientHeader` is the
    /// ``headerKey(_:)`` of the header named as the client header, if any.
    static func nginxField(_ name: String, clientHeader: String?) -> LogField {
        if let clientHeader, name.hasPrefix("http_"), headerKey(name.dropFirst("http_".count)) == clientHeader {
            return clientHeader == forwardedForKey ? .forwardedFor : .clientHeader
        }
        return switch name {
        case "remote_addr": .client
        case "host", "http_host", "server_name": .host
        case "time_local": .timeCommonLog
        case "time_iso8601": .timeISO8601
        case "msec": .timeEpochSeconds
        case "request": .request
        case "request_method": .method
        case "request_uri", "uri", "document_uri": .path
        case "status": .status
        case "body_bytes_sent", "bytes_sent": .bytes
        case "http_referer": .referrer
        case "http_user_agent": .userAgent
        case "http_x_forwarded_for": .forwardedFor
        default: .opaque
        }
    }

    /// Splits an nginx `log_format` string into literals and `$variable` / `${variable}` fields.
    static func nginxTokens(_ format: String, clientHeader: String?) throws(LogFormatError) -> [FormatToken] {
        let bytes = Array(format.utf8)
        var tokens: [FormatToken] = []
        var literal: [UInt8] = []
        var i = 0
        func isNameByte(_ b: UInt8) -> Bool {
            b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
        }
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "$") else {
                literal.append(b)
                i += 1
                continue
            }
            var start = i + 1
            var end = start
            if start < bytes.count && bytes[start] == UInt8(ascii: "{") {
                start += 1
                end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "}") { end += 1 }
                guard end < bytes.count else {
                    throw LogFormatError(format: format, message: "'${' at offset \(i) is never closed by '}'")
                }
                i = end + 1
            } else {
                while end < bytes.count && isNameByte(bytes[end]) { end += 1 }
                i = end
            }
            if end == start {
                literal.append(b)  // a lone '$' is literal text, as in nginx
                continue
            }
            let name = String(decoding: bytes[start..<end], as: UTF8.self)
            if !literal.isEmpty {
                tokens.append(.literal(literal))
                literal = []
            }
            tokens.append(.field(nginxField(name, clientHeader: clientHeader), name: "$" + name))
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        return tokens
    }
}

extension LogFormat {
    /// Splits `log_format`'s `escape=` parameter off the front of a format string: the escaping it names
    /// (`default` without one) and the format after it. As in nginx, the parameter is a word of its own,
    /// and a value other than `default`, `json` or `none` is refused.
    static func nginxEscaping(_ string: String) throws(LogFormatError) -> (FieldEscaping, Substring) {
        guard string.hasPrefix("escape=") else { return (.default, string[...]) }
        let rest = string.dropFirst("escape=".count)
        let isSpace = { (c: Character) in c == " " || c == "\t" || c == "\n" || c == "\r" }
        let value = rest.prefix { !isSpace($0) }
        guard let escaping = FieldEscaping(name: value) else {
            throw LogFormatError(
                format: string,
                message: "unknown log format escaping '\(value)'; use escape=default, escape=json or escape=none"
            )
        }
        return (escaping, rest.dropFirst(value.count).drop(while: isSpace))
    }
}
