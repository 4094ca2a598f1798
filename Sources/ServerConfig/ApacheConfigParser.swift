/// Reads Apache's configuration syntax into directives and sections, as `ap_build_config` does: one directive
/// per line; a line ending in `\` continues on the next; a line whose first non-blank character is `#` is a
/// comment (a `#` later in a line is not); `<Name args>` opens a section that `</Name>` closes, within the same
/// file.
///
/// Words are split later (``ApacheWords``), after `${VAR}` expansion, as Apache does it.
enum ApacheConfigParser {
    /// Parses `text`, the contents of `file` (named in errors).
    static func parse(_ text: String, file: String) throws(DiscoveryError) -> [ApacheDirective] {
        var stack: [(directive: ApacheDirective, children: [ApacheDirective])] = []
        var top: [ApacheDirective] = []
        for (number, line) in logicalLines(text) {
            let location = ConfigLocation(file: file, line: number)
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("</") {
                let name = trimmed.dropFirst(2).prefix(while: { $0 != ">" && $0 != " " && $0 != "\t" })
                guard let open = stack.popLast() else {
                    throw DiscoveryError("</\(name)> without matching <\(name)> section", at: location)
                }
                guard open.directive.is(String(name)) else {
                    throw DiscoveryError(
                        "expected </\(open.directive.name)> but saw </\(name)> (the section opened on line "
                            + "\(open.directive.location.line))", at: location)
                }
                var closed = open.directive
                closed.section = open.children
                if stack.isEmpty { top.append(closed) } else { stack[stack.count - 1].children.append(closed) }
                continue
            }
            if trimmed.hasPrefix("<") {
                var body = trimmed.dropFirst()
                while body.last == " " || body.last == "\t" { body = body.dropLast() }
                guard body.hasSuffix(">") else {
                    throw DiscoveryError(
                        "<\(body.prefix(while: { $0 != " " })) directive missing closing '>'", at: location)
                }
                body = body.dropLast()
                let name = body.prefix(while: { $0 != " " && $0 != "\t" })
                let arguments = body.dropFirst(name.count).drop(while: { $0 == " " || $0 == "\t" })
                stack.append(
                    (
                        ApacheDirective(
                            name: String(name), arguments: String(arguments), section: [], location: location), []
                    )
                )
                continue
            }
            let name = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
            let arguments = trimmed.dropFirst(name.count).drop(while: { $0 == " " || $0 == "\t" })
            let directive = ApacheDirective(
                name: String(name), arguments: String(arguments), section: nil, location: location)
            if stack.isEmpty { top.append(directive) } else { stack[stack.count - 1].children.append(directive) }
        }
        if let open = stack.last {
            throw DiscoveryError(
                "<\(open.directive.name)> was not closed", at: open.directive.location)
        }
        return top
    }

    /// The file's lines with continuations joined (the backslash and the line break removed), each with the
    /// number of its first line; trailing blanks and carriage returns dropped.
    static func logicalLines(_ text: String) -> [(Int, Substring)] {
        var lines: [(Int, Substring)] = []
        var pending: String? = nil
        var pendingLine = 0
        var number = 0
        // "\r\n" is one Character, so line ends are made "\n" before splitting.
        for raw in text.replacing("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = raw
            while line.last == "\r" || line.last == " " || line.last == "\t" { line = line.dropLast() }
            if line.last == "\\" {
                if pending == nil { pendingLine = number }
                pending = (pending ?? "") + line.dropLast()
                continue
            }
            if let joined = pending {
                lines.append((pendingLine, Substring(joined + line)))
                pending = nil
            } else {
                lines.append((number, line))
            }
        }
        if let joined = pending { lines.append((pendingLine, Substring(joined))) }
        return lines
    }
}
