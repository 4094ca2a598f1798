/// nginx's `$name` and `${name}` variables in a string (a log format, a log path).
enum NginxVariables {
    /// One piece of a string: literal text, or a variable's name.
    enum Piece: Equatable {
        case text(String)
        case variable(String)
    }

    /// Splits `string` into text and variables; a `$` not followed by a name is text, as in nginx.
    static func pieces(of string: String) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(string)
        func isNameCharacter(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
        while let dollar = rest.firstIndex(of: "$") {
            text += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "{", let close = after.firstIndex(of: "}") {
                let name = after[after.index(after: after.startIndex)..<close]
                if !name.isEmpty {
                    if !text.isEmpty { pieces.append(.text(text)) }
                    text = ""
                    pieces.append(.variable(String(name)))
                    rest = after[after.index(after: close)...]
                    continue
                }
            }
            let name = after.prefix(while: isNameCharacter)
            if name.isEmpty {
                text += "$"
                rest = after
                continue
            }
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
            pieces.append(.variable(String(name)))
            rest = after[name.endIndex...]
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// The names of the variables in `string`, in order.
    static func names(in string: String) -> [String] {
        pieces(of: string).compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }
}
