extension LogFormat {
    /// What an Apache `%{argument}letter` directive holds. `clientHeader` is the ``headerKey(_:)`` of the
    /// header named as the client header, if any.
    static func apacheField(
        letter: UInt8, argument: String?, clientHeader: String?, format: String
    ) throws(LogFormatError) -> [FormatToken] {
        let name = "%" + (argument.map { "{\($0)}" } ?? "") + String(UnicodeScalar(letter))
        func field(_ kind: LogField) -> [FormatToken] { [.field(kind, name: name)] }
        switch letter {
        case UInt8(ascii: "h"): return field(argument == nil ? .client : .opaque)
        case UInt8(ascii: "a"): return field(argument == nil ? .client : .opaque)
        case UInt8(ascii: "v"), UInt8(ascii: "V"): return field(.host)
        case UInt8(ascii: "t"):
            switch argument {
            case nil:
                return [
                    .literal([UInt8(ascii: "[")]), .field(.timeCommonLog, name: name), .literal([UInt8(ascii: "]")]),
                ]
            case "msec": return field(.timeEpochMillis)
            default:
                throw LogFormatError(
                    format: format,
                    message: "\(name) (a custom time format) is not supported; use %t or %{msec}t"
                )
            }
        case UInt8(ascii: "r"): return field(.request)
        case UInt8(ascii: "m"): return field(.method)
        case UInt8(ascii: "U"): return field(.path)
        case UInt8(ascii: "s"): return field(.status)
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "O"): return field(.bytes)
        case UInt8(ascii: "i"):
            if let clientHeader, let argument, headerKey(argument) == clientHeader {
                return field(clientHeader == forwardedForKey ? .forwardedFor : .clientHeader)
            }
            switch argument?.lowercased() {
            case "referer", "referrer": return field(.referrer)
            case "user-agent": return field(.userAgent)
            case "x-forwarded-for": return field(.forwardedFor)
            case "host": return field(.host)
            default: return field(.opaque)
            }
        case UInt8(ascii: "A"), UInt8(ascii: "C"), UInt8(ascii: "D"), UInt8(ascii: "e"), UInt8(ascii: "f"),
            UInt8(ascii: "H"), UInt8(ascii: "I"), UInt8(ascii: "k"), UInt8(ascii: "l"), UInt8(ascii: "L"),
            UInt8(ascii: "n"), UInt8(ascii: "o"), UInt8(ascii: "p"), UInt8(ascii: "P"), UInt8(ascii: "q"),
            UInt8(ascii: "R"), UInt8(ascii: "S"), UInt8(ascii: "T"), UInt8(ascii: "u"), UInt8(ascii: "X"),
            UInt8(ascii: "^"), UInt8(ascii: "x"):
            // `%{VAR}e` (environment), `%{VAR}n` (notes) and mod_ssl's `%{VAR}x` (SSL_PROTOCOL, SSL_CIPHER…),
            // among the others, are skipped.
            return field(.opaque)
        default:
            throw LogFormatError(format: format, message: "unknown directive \(name)")
        }
    }

    /// Splits an Apache `LogFormat` string into literals and directives.
    static func apacheTokens(_ format: String, clientHeader: String?) throws(LogFormatError) -> [FormatToken] {
        let bytes = Array(format.utf8)
        var tokens: [FormatToken] = []
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") && i + 1 < bytes.count {
                switch bytes[i + 1] {
                case UInt8(ascii: "n"): literal.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): literal.append(UInt8(ascii: "\t"))
                default: literal.append(bytes[i + 1])
                }
                i += 2
                continue
            }
            guard b == UInt8(ascii: "%") else {
                literal.append(b)
                i += 1
                continue
            }
            let start = i
            i += 1
            if i < bytes.count && bytes[i] == UInt8(ascii: "%") {
                literal.append(b)
                i += 1
                continue
            }
            // Modifiers: status conditions (`!200,304`) and `<` / `>` (original or final request).
            while i < bytes.count,
                bytes[i] == UInt8(ascii: "<") || bytes[i] == UInt8(ascii: ">") || bytes[i] == UInt8(ascii: "!")
                    || bytes[i] == UInt8(ascii: ",") || (bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9"))
            {
                i += 1
            }
            var argument: String? = nil
            if i < bytes.count && bytes[i] == UInt8(ascii: "{") {
                var end = i + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "}") { end += 1 }
                guard end < bytes.count else {
                    throw LogFormatError(format: format, message: "'%{' at offset \(start) is never closed by '}'")
                }
                argument = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
                i = end + 1
            }
            guard i < bytes.count else {
                throw LogFormatError(format: format, message: "the format ends inside a '%' directive")
            }
            let letter = bytes[i]
            i += 1
            if !literal.isEmpty {
                tokens.append(.literal(literal))
                literal = []
            }
            for token in try apacheField(letter: letter, argument: argument, clientHeader: clientHeader, format: format)
            {
                if case .literal(let l) = token, case .literal(let previous)? = tokens.last {
                    tokens[tokens.count - 1] = .literal(previous + l)
                } else {
                    tokens.append(token)
                }
            }
        }
        if !literal.isEmpty {
            if case .literal(let previous)? = tokens.last {
                tokens[tokens.count - 1] = .literal(previous + literal)
            } else {
                tokens.append(.literal(literal))
            }
        }
        return tokens
    }
}
