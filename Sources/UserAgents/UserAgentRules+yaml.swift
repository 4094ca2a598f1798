#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UserAgentRules {
    /// Reads the rules from the bytes of a `regexes.yaml`; `path` names the file in errors.
    ///
    /// The reader takes exactly the YAML that ua-parser's file is written in: top-level keys
    /// `user_agent_parsers`, `os_parsers` and `device_parsers`, each a list of maps of `key: scalar`, one
    /// key per line; scalars single-quoted (`''` is a quote), double-quoted (backslash escapes) or plain;
    /// `#` comments and blank lines anywhere. Other top-level keys are skipped, as are keys of a rule that
    /// the classifier does not use. Anything else is refused with the line it is on.
    public init(yaml bytes: UnsafeRawBufferPointer, path: String) throws(UserAgentRulesError) {
        var reader = RulesReader(path: path)
        try reader.read(bytes)
        self.init(
            path: path, userAgentParsers: reader.sections[0], osParsers: reader.sections[1],
            deviceParsers: reader.sections[2])
    }

    /// Reads the rules from the bytes of a `regexes.yaml` (see ``init(yaml:path:)``).
    public init(yaml bytes: [UInt8], path: String) throws(UserAgentRulesError) {
        let result = bytes.withUnsafeBytes { buffer -> Result<UserAgentRules, UserAgentRulesError> in
            do throws(UserAgentRulesError) {
                return .success(try UserAgentRules(yaml: buffer, path: path))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Reads the file at `path`, by default Debian's (``debianPath``).
    public static func load(path: String = debianPath) throws(UserAgentRulesError) -> UserAgentRules {
        let bytes = try readFile(path)
        return try UserAgentRules(yaml: bytes, path: path)
    }

    static func readFile(_ path: String) throws(UserAgentRulesError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw cannotRead(path, errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw cannotRead(path, errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    static func cannotRead(_ path: String, _ code: Int32) -> UserAgentRulesError {
        let text = String(cString: strerror(code))
        let hint = code == ENOENT && path == debianPath ? " Install the Debian package uap-core." : ""
        return UserAgentRulesError(path: path, line: nil, reason: "cannot read the file: \(text).\(hint)")
    }
}

/// The line-by-line reader behind ``UserAgentRules/init(yaml:path:)``.
struct RulesReader {
    static let sectionNames = ["user_agent_parsers", "os_parsers", "device_parsers"]

    let path: String
    /// The rules of each section, in ``sectionNames`` order.
    var sections: [[UserAgentRule]] = [[], [], []]
    private var seen = [false, false, false]
    /// The section being read: an index into `sections`, -1 for one that is skipped, nil before any.
    private var section: Int?
    /// The rule being read, with the indentation of its keys and the keys seen so far.
    private var rule: UserAgentRule?
    private var ruleKeys: Set<String> = []
    private var hasRegex = false
    private var keyIndent = 0
    private var lineNumber = 0

    init(path: String) {
        self.path = path
    }

    mutating func read(_ bytes: UnsafeRawBufferPointer) throws(UserAgentRulesError) {
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 10 { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
            try readLine(UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd]))
            start = end + 1
        }
        try finishRule()
        for (i, name) in Self.sectionNames.enumerated() where !seen[i] {
            throw UserAgentRulesError(
                path: path, line: nil, reason: "there is no '\(name)' list; is this ua-parser's regexes.yaml?")
        }
    }

    func fail(_ reason: String) -> UserAgentRulesError {
        UserAgentRulesError(path: path, line: lineNumber, reason: reason)
    }

    private mutating func readLine(_ line: UnsafeRawBufferPointer) throws(UserAgentRulesError) {
        var i = 0
        while i < line.count && line[i] == UInt8(ascii: " ") { i += 1 }
        if i == line.count || line[i] == UInt8(ascii: "#") { return }
        if line[i] == UInt8(ascii: "\t") { throw fail("a tab in the indentation; YAML indents with spaces") }
        let indent = i
        let isItem = line[i] == UInt8(ascii: "-") && (i + 1 == line.count || line[i + 1] == UInt8(ascii: " "))

        if indent == 0 && !isItem {
            try finishRule()
            let (key, valueStart) = try key(line, from: 0)
            guard valueStart == nil else {
                throw fail("'\(key)' should hold a list of rules, one '- regex:' per entry")
            }
            if let index = Self.sectionNames.firstIndex(of: key) {
                if seen[index] { throw fail("a second '\(key)' list") }
                seen[index] = true
                section = index
            } else {
                section = -1
            }
            return
        }
        guard let section else { throw fail("a line before the first list ('user_agent_parsers:')") }
        if section < 0 { return }  // inside a top-level key the classifier does not use

        if isItem {
            try finishRule()
            var j = i + 1
            while j < line.count && line[j] == UInt8(ascii: " ") { j += 1 }
            if j == line.count || line[j] == UInt8(ascii: "#") {
                throw fail("a list entry with nothing on its line; write '- regex: ...'")
            }
            keyIndent = j
            rule = UserAgentRule(regex: "", line: lineNumber)
            ruleKeys = []
            hasRegex = false
            try readKey(line, from: j)
            return
        }
        guard rule != nil else { throw fail("a key outside a list entry; entries start with '- '") }
        guard indent == keyIndent else {
            throw fail("indented by \(indent) spaces where this entry's keys are indented by \(keyIndent)")
        }
        try readKey(line, from: i)
    }

    private mutating func readKey(_ line: UnsafeRawBufferPointer, from start: Int) throws(UserAgentRulesError) {
        let (key, parsed) = try keyValue(line, from: start)
        guard let value = parsed else { throw fail("'\(key)' has no value") }
        if !ruleKeys.insert(key).inserted { throw fail("'\(key)' twice in one entry") }
        switch key {
        case "regex":
            rule!.regex = value
            hasRegex = true
        case "regex_flag":
            guard value == "i" else { throw fail("regex_flag is '\(value)'; the only flag is 'i'") }
            // As in ua-parser, the flag counts for device parsers only.
            rule!.caseInsensitive = section == 2
        case "family_replacement" where section == 0, "os_replacement" where section == 1,
            "device_replacement" where section == 2:
            rule!.familyReplacement = value
        default:
            rule!.otherReplacements[key] = value
        }
    }

    private mutating func finishRule() throws(UserAgentRulesError) {
        guard let finished = rule, let section, section >= 0 else { return }
        guard hasRegex else {
            throw UserAgentRulesError(
                path: path, line: finished.line, reason: "a rule without 'regex'")
        }
        sections[section].append(finished)
        rule = nil
    }

    /// `key: value` from `start`: the key, and the scalar after the colon (nil when nothing follows it).
    private func keyValue(
        _ line: UnsafeRawBufferPointer, from start: Int
    ) throws(UserAgentRulesError) -> (String, String?) {
        let (key, valueStart) = try key(line, from: start)
        guard let valueStart else { return (key, nil) }
        return (key, try scalar(line, from: valueStart, key: key))
    }

    /// The key at `start` and where its value starts (nil when only spaces or a comment follow the colon).
    private func key(_ line: UnsafeRawBufferPointer, from start: Int) throws(UserAgentRulesError) -> (String, Int?) {
        var i = start
        while i < line.count, Self.isKeyByte(line[i]) { i += 1 }
        guard i > start, i < line.count, line[i] == UInt8(ascii: ":"),
            i + 1 == line.count || line[i + 1] == UInt8(ascii: " ")
        else {
            throw fail("expected 'key: value' (a key of letters, digits and '_', then ': ')")
        }
        let key = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<i]), as: UTF8.self)
        i += 1
        while i < line.count && line[i] == UInt8(ascii: " ") { i += 1 }
        if i == line.count || line[i] == UInt8(ascii: "#") { return (key, nil) }
        return (key, i)
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    /// A scalar that starts at `start` and ends the line (but for spaces and a comment).
    private func scalar(
        _ line: UnsafeRawBufferPointer, from start: Int, key: String
    ) throws(UserAgentRulesError) -> String {
        var out: [UInt8] = []
        var i = start
        let quote = line[i]
        if quote == UInt8(ascii: "'") {
            i += 1
            while true {
                guard i < line.count else { throw fail("'\(key)': the quoted value is not closed on its line") }
                let b = line[i]
                i += 1
                if b == UInt8(ascii: "'") {
                    if i < line.count && line[i] == UInt8(ascii: "'") {
                        out.append(b)
                        i += 1
                        continue
                    }
                    break
                }
                out.append(b)
            }
        } else if quote == UInt8(ascii: "\"") {
            i += 1
            while true {
                guard i < line.count else { throw fail("'\(key)': the quoted value is not closed on its line") }
                let b = line[i]
                i += 1
                if b == UInt8(ascii: "\"") { break }
                if b != UInt8(ascii: "\\") {
                    out.append(b)
                    continue
                }
                guard i < line.count else { throw fail("'\(key)': a backslash ends the line") }
                i = try escape(line, at: i, into: &out, key: key)
            }
        } else {
            if quote == UInt8(ascii: "[") || quote == UInt8(ascii: "{") || quote == UInt8(ascii: "|")
                || quote == UInt8(ascii: ">") || quote == UInt8(ascii: "&") || quote == UInt8(ascii: "*")
                || quote == UInt8(ascii: "!")
            {
                throw fail("'\(key)': only quoted or plain scalars are understood here; quote the value")
            }
            // A plain scalar runs to a comment (` #`) or the end of the line, trailing spaces dropped.
            var end = i
            while end < line.count
                && !(line[end] == UInt8(ascii: "#") && line[end - 1] == UInt8(ascii: " "))
            {
                end += 1
            }
            var last = end
            while last > i && line[last - 1] == UInt8(ascii: " ") { last -= 1 }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[i..<last]))
            return try text(out, key: key)
        }
        while i < line.count && line[i] == UInt8(ascii: " ") { i += 1 }
        if i < line.count && line[i] != UInt8(ascii: "#") {
            throw fail("'\(key)': text after the closing quote")
        }
        return try text(out, key: key)
    }

    /// The double-quoted escape whose letter is at `i`; returns the index after it.
    private func escape(
        _ line: UnsafeRawBufferPointer, at start: Int, into out: inout [UInt8], key: String
    ) throws(UserAgentRulesError) -> Int {
        var i = start
        let c = line[i]
        i += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "\""): UInt8(ascii: "\""),
            UInt8(ascii: "/"): UInt8(ascii: "/"), UInt8(ascii: " "): UInt8(ascii: " "), UInt8(ascii: "0"): 0,
            UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "t"): 9, UInt8(ascii: "n"): 10,
            UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12, UInt8(ascii: "r"): 13, UInt8(ascii: "e"): 27,
        ]
        if let b = simple[c] {
            out.append(b)
            return i
        }
        let digits: Int
        switch c {
        case UInt8(ascii: "x"): digits = 2
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default:
            throw fail(
                "'\(key)': '\\\(Character(Unicode.Scalar(c)))' is not a YAML escape; write '\\\\' for a backslash")
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard i < line.count, let d = Self.hexValue(line[i]) else {
                throw fail("'\(key)': '\\\(Character(Unicode.Scalar(c)))' wants \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(d)
            i += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("'\(key)': an escape that is no character") }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
        return i
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func text(_ bytes: [UInt8], key: String) throws(UserAgentRulesError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw fail("'\(key)': the value is not valid UTF-8")
        }
        return s
    }
}
