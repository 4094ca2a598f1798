/// sessiontail's `sources:` as YAML, ready for `/etc/sessiontail/sessiontail.yaml`.
///
/// ```swift
/// let result = try Discovery.run(nginx: nil, apache: nil)
/// print(SourcesYAML.render(result.sources))
/// // sources:
/// //   - name: nginx
/// //     paths: ['/var/log/nginx/access.log']
/// //     format: combined
/// ```
///
/// Strings are single-quoted (the only escape is `''` for `'`), which suits format strings full of `"`, `$`,
/// `%` and `\`; a string with a control character is double-quoted with `\t`, `\n` or `\uXXXX`. Names and
/// preset names are left plain.
public enum SourcesYAML {
    /// `sources:` and an entry per source, each after comments saying where it was found and its notes
    /// (`comments: false` leaves them out). An empty list renders as `sources: []`, which sessiontail refuses:
    /// there is nothing to read.
    public static func render(_ sources: [DiscoveredSource], comments: Bool = true) -> String {
        guard !sources.isEmpty else { return "sources: []\n" }
        var out = "sources:\n"
        for source in sources {
            for line in entry(source, indent: 2, comments: comments) { out += line + "\n" }
        }
        return out
    }

    /// The lines of one entry, its `- ` at column `indent`, its keys two further in.
    static func entry(_ source: DiscoveredSource, indent: Int, comments: Bool) -> [String] {
        let dash = String(repeating: " ", count: indent)
        var lines: [String] = []
        if comments {
            let places = source.definedAt.map(\.description).joined(separator: ", ")
            lines.append(dash + "# " + comment(source.server.rawValue + (places.isEmpty ? "" : ": " + places)))
            for note in source.notes { lines.append(dash + "# " + comment(note.message)) }
        }
        lines.append(dash + "- name: " + scalar(source.name))
        for (key, value) in keys(source) { lines.append(dash + "  \(key): \(value.rendered)") }
        return lines
    }

    /// The value of a key, before rendering: for comparing with what a file already says.
    enum Value: Equatable {
        case scalar(String)
        case list([String])

        /// The value as YAML.
        var rendered: String {
            switch self {
            case .scalar(let value): SourcesYAML.scalar(value)
            case .list(let items): SourcesYAML.list(items)
            }
        }
    }

    /// The entry's keys after `name`, in the order the shipped configuration file uses.
    static func keys(_ source: DiscoveredSource) -> [(key: String, value: Value)] {
        var keys: [(key: String, value: Value)] = [("paths", .list(source.paths))]
        if !source.exclude.isEmpty { keys.append(("exclude", .list(source.exclude))) }
        switch source.format {
        case .preset(let name): keys.append(("format", .scalar(name)))
        case .string(let string): keys.append(("log_format", .scalar(string)))
        }
        if let host = source.host { keys.append(("host", .scalar(host))) }
        return keys
    }

    /// `text` fit for a comment line: control characters (a line break would end the comment) written as
    /// `\n`, `\t` or `\xHH`.
    static func comment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `[a, b]` with each item quoted.
    static func list(_ items: [String]) -> String {
        "[" + items.map(quote).joined(separator: ", ") + "]"
    }

    /// `value` plain when YAML reads it back as the same string (letters, digits, `.`, `_`, `-`, not starting
    /// with `-` or `.`, and not a word YAML gives another meaning), quoted otherwise.
    static func scalar(_ value: String) -> String {
        let reserved: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"]
        let plain =
            !value.isEmpty && !reserved.contains(value.lowercased())
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
            && value.first != "-" && value.first != "." && !(value.first?.isNumber ?? false)
        return plain ? value : quote(value)
    }

    /// `value` as a quoted YAML scalar: single quotes with `'` doubled; double quotes with escapes when the value
    /// holds a control character, which single quotes cannot carry on one line.
    public static func quote(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return "'" + value.replacing("'", with: "''") + "'"
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
