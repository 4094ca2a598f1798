/// ua-parser's rules as its `regexes.yaml` gives them: three lists of regular expressions, each tried in
/// order, the first match deciding.
///
/// Read them from the file's bytes (no I/O of its own but for ``load(path:)``); the result is plain data,
/// `Sendable`, to share between the classifiers of several threads:
///
/// ```swift
/// let rules = try UserAgentRules.load()  // /usr/share/uap-core/regexes.yaml, Debian's uap-core
/// let classifier = try UserAgentClassifier(rules: rules)
/// ```
public struct UserAgentRules: Sendable, Equatable {
    /// Where Debian's `uap-core` package installs the file.
    public static let debianPath = "/usr/share/uap-core/regexes.yaml"

    /// The file the rules were read from, for messages.
    public var path: String
    /// `user_agent_parsers`: the browser (user agent) family.
    public var userAgentParsers: [UserAgentRule]
    /// `os_parsers`: the operating system family.
    public var osParsers: [UserAgentRule]
    /// `device_parsers`: the device family (`Spider` for crawlers).
    public var deviceParsers: [UserAgentRule]

    /// Rules given directly; `path` names their origin in messages.
    public init(
        path: String, userAgentParsers: [UserAgentRule], osParsers: [UserAgentRule], deviceParsers: [UserAgentRule]
    ) {
        self.path = path
        self.userAgentParsers = userAgentParsers
        self.osParsers = osParsers
        self.deviceParsers = deviceParsers
    }
}

/// One entry of a parser list: a regular expression and what to report when it matches.
public struct UserAgentRule: Sendable, Equatable {
    /// The pattern, PCRE syntax as ua-parser writes it; matched unanchored against the user agent's bytes.
    public var regex: String
    /// `regex_flag: 'i'`: match ignoring ASCII case. Only device parsers use it (as ua-parser does).
    public var caseInsensitive: Bool
    /// The family template: `family_replacement`, `os_replacement` or `device_replacement` (`$1`… stand
    /// for groups); nil when the rule has none and group 1 is the family.
    public var familyReplacement: String?
    /// The rule's other keys as written (`v1_replacement`, `brand_replacement`, `model_replacement`, …).
    public var otherReplacements: [String: String]
    /// The line of the file where the rule starts (1-based), for messages; 0 for rules made in code.
    public var line: Int

    /// A rule made in code.
    public init(
        regex: String, caseInsensitive: Bool = false, familyReplacement: String? = nil,
        otherReplacements: [String: String] = [:], line: Int = 0
    ) {
        self.regex = regex
        self.caseInsensitive = caseInsensitive
        self.familyReplacement = familyReplacement
        self.otherReplacements = otherReplacements
        self.line = line
    }
}

/// Why rules could not be had: the file, the line when there is one, and what is wrong.
public struct UserAgentRulesError: Error, CustomStringConvertible, Equatable {
    /// The file.
    public var path: String
    /// The line (1-based), or nil for a problem with the file as a whole.
    public var line: Int?
    /// What is wrong, a sentence.
    public var reason: String

    /// An error about `path`, at `line` when given.
    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    /// `path:line: reason`, or `path: reason`.
    public var description: String {
        if let line { return "\(path):\(line): \(reason)" }
        return "\(path): \(reason)"
    }
}
