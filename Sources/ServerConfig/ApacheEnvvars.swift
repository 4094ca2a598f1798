#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Debian's `/etc/apache2/envvars`, run as `apache2ctl` sources it before it starts `apache2`: the variables
/// it exports (`APACHE_LOG_DIR`, `APACHE_RUN_DIR`…) are what `${VAR}` in `apache2.conf` expands to.
///
/// envvars is a shell script, so this is a small shell: `export NAME=value`, `NAME=value`, `export NAME` and
/// `unset NAME`; words with `'…'`, `"…"`, `\` escapes, `$NAME` and `${NAME}` (with `:-`, `-`, `:+`, `+`, `#`,
/// `##`, `%` and `%%`); `if`/`elif`/`else`/`fi` on `[ … ]` or `test` comparisons (`=`, `!=`, `-z`, `-n`), which
/// is how Debian's envvars sets `SUFFIX` for a second instance in `/etc/apache2-NAME`. Other commands are not
/// run; a condition it cannot evaluate skips its assignments, with a note.
struct ApacheEnvvars {
    /// Every shell variable, exported or not.
    private(set) var variables: [String: String]
    /// The names `export`ed (or given in the starting environment): what `apache2` sees.
    private(set) var exported: Set<String>
    /// What could not be evaluated.
    private(set) var notes: [DiscoveryNote] = []

    /// The variables `apache2` is started with.
    var environment: [String: String] { variables.filter { exported.contains($0.key) } }

    /// A shell about to source envvars: `environment` is exported, and `APACHE_CONFDIR` is the configuration's
    /// directory, as `apache2ctl` sets it (exported only for a second instance, as `apache2@.service` does).
    init(environment: [String: String], confDir: String) {
        variables = environment
        exported = Set(environment.keys)
        if variables["APACHE_CONFDIR"] == nil {
            variables["APACHE_CONFDIR"] = confDir
            if confDir != "/etc/apache2" { exported.insert("APACHE_CONFDIR") }
        }
    }

    /// One branch level of `if … fi`.
    private struct Frame {
        var parentActive: Bool
        var taken: Bool
        var unknown: Bool
        var active: Bool
    }

    /// Runs the script `text` (from `file`, for notes).
    mutating func run(_ text: String, file: String) {
        var frames: [Frame] = []
        var active: Bool { frames.last?.active ?? true }
        for (line, command) in Self.commands(text) {
            let location = ConfigLocation(file: file, line: line)
            var words = command[...]
            while let first = words.first {
                switch first {
                case "then", "do":
                    words = words.dropFirst()
                    continue
                case "if":
                    let (condition, rest) = split(words.dropFirst(), at: "then")
                    let value = evaluate(condition)
                    if value == nil && active {
                        notes.append(
                            DiscoveryNote(
                                "cannot evaluate the condition \(condition.joined(separator: " ")); the assignments "
                                    + "under it are not made", at: location))
                    }
                    frames.append(
                        Frame(
                            parentActive: active, taken: value == true, unknown: value == nil,
                            active: active && value == true))
                    words = rest
                case "elif":
                    let (condition, rest) = split(words.dropFirst(), at: "then")
                    if var frame = frames.popLast() {
                        if frame.unknown {
                            frame.active = false
                        } else {
                            let value = evaluate(condition)
                            if value == nil {
                                frame.unknown = true
                                frame.active = false
                            } else {
                                frame.active = frame.parentActive && !frame.taken && value == true
                                frame.taken = frame.taken || frame.active
                            }
                        }
                        frames.append(frame)
                    }
                    words = rest
                case "else":
                    if var frame = frames.popLast() {
                        frame.active = frame.parentActive && !frame.taken && !frame.unknown
                        frame.taken = true
                        frames.append(frame)
                    }
                    words = words.dropFirst()
                case "fi":
                    _ = frames.popLast()
                    words = words.dropFirst()
                default:
                    if active { execute(Array(words), at: location) }
                    words = []
                }
            }
        }
    }

    private func split(_ words: ArraySlice<String>, at keyword: String) -> ([String], ArraySlice<String>) {
        guard let index = words.firstIndex(of: keyword) else { return (Array(words), []) }
        return (Array(words[..<index]), words[(index + 1)...])
    }

    private mutating func execute(_ words: [String], at location: ConfigLocation) {
        switch words[0] {
        case "export":
            for word in words.dropFirst() {
                if let (name, value) = assignment(word) {
                    variables[name] = expand(value)
                    exported.insert(name)
                } else {
                    exported.insert(expand(word))
                }
            }
        case "unset":
            for word in words.dropFirst() {
                let name = expand(word)
                variables[name] = nil
                exported.remove(name)
            }
        case ".", "source":
            notes.append(DiscoveryNote("\(words.joined(separator: " ")) is not followed", at: location))
        default:
            // Assignments alone set variables; before a command they are only that command's environment.
            let assignments = words.map(assignment)
            guard assignments.allSatisfy({ $0 != nil }) else { return }
            for case let (name, value)? in assignments { variables[name] = expand(value) }
        }
    }

    /// `NAME` and the unexpanded value of a word `NAME=value`.
    private func assignment(_ word: String) -> (String, String)? {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return nil }
        let name = word[..<equals]
        guard name.allSatisfy(Self.isNameCharacter), !name.first!.isNumber else { return nil }
        return (String(name), String(word[word.index(after: equals)...]))
    }

    /// `[ a = b ]`, `[ a != b ]`, `[ -z a ]`, `[ -n a ]`, `[ a ]`, the same with `test`, and `!` before them;
    /// `nil` for anything else.
    private func evaluate(_ condition: [String]) -> Bool? {
        var words = condition.map(expand)
        var negate = false
        if words.first == "!" {
            negate = true
            words.removeFirst()
        }
        if words.first == "[" && words.last == "]" && words.count >= 2 {
            words = Array(words.dropFirst().dropLast())
        } else if words.first == "test" {
            words.removeFirst()
        } else {
            return nil
        }
        let value: Bool
        switch words.count {
        case 1: value = !words[0].isEmpty
        case 2 where words[0] == "-z": value = words[1].isEmpty
        case 2 where words[0] == "-n": value = !words[1].isEmpty
        case 3 where words[1] == "=" || words[1] == "==": value = words[0] == words[2]
        case 3 where words[1] == "!=": value = words[0] != words[2]
        default: return nil
        }
        return value != negate
    }

    // MARK: Words

    static func isNameCharacter(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }

    /// The script's commands, each as its words before expansion (quotes kept), with its line: commands end at
    /// a line break (not one inside quotes or after `\`), `;`, `&&`, `||` or `|`; `#` starting a word comments
    /// out the rest of the line.
    static func commands(_ text: String) -> [(Int, [String])] {
        let characters = Array(text.replacing("\r\n", with: "\n"))  // "\r\n" is one Character
        var commands: [(Int, [String])] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var line = 1
        var commandLine = 1
        var i = 0
        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand() {
            endWord()
            if !words.isEmpty { commands.append((commandLine, words)) }
            words = []
        }
        while i < characters.count {
            let c = characters[i]
            if !inWord && words.isEmpty { commandLine = line }
            switch c {
            case "\n":
                line += 1
                endCommand()
                i += 1
            case " ", "\t", "\r":
                endWord()
                i += 1
            case ";", "&", "|":
                endCommand()
                i += 1
            case "#" where !inWord:
                while i < characters.count && characters[i] != "\n" { i += 1 }
            case "\\":
                if i + 1 < characters.count && characters[i + 1] == "\n" {
                    line += 1
                } else if i + 1 < characters.count {
                    word.append(c)
                    word.append(characters[i + 1])
                    inWord = true
                }
                i += 2
            case "'", "\"":
                inWord = true
                word.append(c)
                i += 1
                while i < characters.count && characters[i] != c {
                    if c == "\"" && characters[i] == "\\" && i + 1 < characters.count {
                        word.append(characters[i])
                        i += 1
                    }
                    if characters[i] == "\n" { line += 1 }
                    word.append(characters[i])
                    i += 1
                }
                if i < characters.count { word.append(c) }
                i += 1
            case "$" where i + 1 < characters.count && characters[i + 1] == "{":
                inWord = true
                var depth = 0
                while i < characters.count {
                    word.append(characters[i])
                    if characters[i] == "{" { depth += 1 }
                    if characters[i] == "}" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    i += 1
                }
                i += 1
            default:
                inWord = true
                word.append(c)
                i += 1
            }
        }
        endCommand()
        return commands
    }

    /// A word with its quotes removed and its parameters expanded (no field splitting or globbing: the
    /// words that matter are assignments and quoted comparisons).
    func expand(_ word: String) -> String {
        let characters = Array(word)
        var out = ""
        var i = 0
        var quote: Character? = nil
        while i < characters.count {
            let c = characters[i]
            switch (quote, c) {
            case (nil, "'"):
                if let close = characters[(i + 1)...].firstIndex(of: "'") {
                    out += String(characters[(i + 1)..<close])
                    i = close + 1
                } else {
                    out += String(characters[(i + 1)...])
                    i = characters.count
                }
            case (nil, "\""):
                quote = "\""
                i += 1
            case ("\"", "\""):
                quote = nil
                i += 1
            case (nil, "\\"):
                if i + 1 < characters.count { out.append(characters[i + 1]) }
                i += 2
            case ("\"", "\\"):
                if i + 1 < characters.count, "$`\"\\".contains(characters[i + 1]) {
                    out.append(characters[i + 1])
                    i += 2
                } else {
                    out.append(c)
                    i += 1
                }
            case (_, "$"):
                let (value, next) = parameter(characters, after: i)
                out += value
                i = next
            default:
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// The value of the parameter at `characters[index]` (a `$`), and the index past it.
    private func parameter(_ characters: [Character], after index: Int) -> (String, Int) {
        var i = index + 1
        guard i < characters.count else { return ("$", i) }
        if characters[i] == "{" {
            var depth = 1
            var end = i + 1
            while end < characters.count {
                if characters[end] == "{" { depth += 1 }
                if characters[end] == "}" {
                    depth -= 1
                    if depth == 0 { break }
                }
                end += 1
            }
            return (braced(String(characters[(i + 1)..<min(end, characters.count)])), end + 1)
        }
        if Self.isNameCharacter(characters[i]) && !characters[i].isNumber {
            let start = i
            while i < characters.count && Self.isNameCharacter(characters[i]) { i += 1 }
            return (variables[String(characters[start..<i])] ?? "", i)
        }
        if characters[i].isNumber || "?#@*$!-".contains(characters[i]) { return ("", i + 1) }
        return ("$", i)
    }

    /// `${…}` with its operators.
    private func braced(_ content: String) -> String {
        if content.hasPrefix("#") && content.count > 1 {
            return String(variables[String(content.dropFirst())]?.count ?? 0)
        }
        let name = String(content.prefix(while: Self.isNameCharacter))
        let value = variables[name]
        let operation = content.dropFirst(name.count)
        for (op, apply) in [
            (":-", { (w: String) in (value ?? "").isEmpty ? w : value! }),
            (":=", { (w: String) in (value ?? "").isEmpty ? w : value! }),
            (":+", { (w: String) in (value ?? "").isEmpty ? "" : w }),
            ("-", { (w: String) in value ?? w }), ("=", { (w: String) in value ?? w }),
            ("+", { (w: String) in value == nil ? "" : w }),
        ] where operation.hasPrefix(op) {
            return apply(expand(String(operation.dropFirst(op.count))))
        }
        for (op, longest, prefix) in [("##", true, true), ("#", false, true), ("%%", true, false), ("%", false, false)]
        where operation.hasPrefix(op) {
            return Self.remove(
                expand(String(operation.dropFirst(op.count))), from: value ?? "", longest: longest, prefix: prefix)
        }
        return value ?? ""
    }

    /// `${v#p}`, `${v##p}`, `${v%p}` and `${v%%p}`: `value` without its shortest or longest prefix or suffix
    /// matching the glob `pattern`.
    static func remove(_ pattern: String, from value: String, longest: Bool, prefix: Bool) -> String {
        let characters = Array(value)
        let lengths = longest ? Array((0...characters.count).reversed()) : Array(0...characters.count)
        for length in lengths {
            let part = prefix ? characters[..<length] : characters[(characters.count - length)...]
            if fnmatch(pattern, String(part), 0) == 0 {
                return prefix ? String(characters[length...]) : String(characters[..<(characters.count - length)])
            }
        }
        return value
    }
}
