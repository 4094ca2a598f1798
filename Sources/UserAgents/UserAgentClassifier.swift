/// Classifies user agents with ua-parser's rules: browser, operating system and device families, and
/// whether the client is a bot.
///
/// ```swift
/// let rules = try UserAgentRules.load()
/// let classifier = try UserAgentClassifier(rules: rules, options: .init(extraBotPatterns: ["monitoring"]))
/// let cls = classifier.classify(uaBytes: line.userAgent.slice(of: raw))  // per request: no allocation
/// print(classifier.family(cls.browser), cls.isBot)                       // at output time
/// ```
///
/// Families follow ua-parser's specification: for each of the three lists the first matching rule decides,
/// and a list without a match gives `Other`. The user agent is matched as the bytes given (escapes in a
/// log field are not undone; PCRE2 runs on bytes, not UTF-8).
///
/// Each distinct user agent is classified once: the result is kept in a bounded cache keyed by the bytes
/// (``Options/cacheCapacity`` entries), so the usual request costs a hash and a compare. Patterns are
/// compiled for PCRE2's interpreter when the classifier is made (a bad one is refused then), and JIT-compiled
/// the first time they are run; a prefilter of the literals each pattern needs decides which ones run.
///
/// Thread safety: a classifier is not thread-safe (the cache, the scratch state of matching and the family
/// table change as it classifies). Give each thread its own, made from the same ``UserAgentRules`` (which
/// is `Sendable`); ids from one classifier mean nothing to another.
public final class UserAgentClassifier {
    /// How a classifier is set up.
    public struct Options: Sendable {
        /// The most user agents the cache keeps (with up to 256 bytes each on average); at least 1.
        public var cacheCapacity: Int
        /// Run the literal prefilter before PCRE2 (the same results, faster); off runs every pattern in turn.
        public var usesPrefilter: Bool
        /// JIT-compile patterns. Off, or where the JIT cannot have executable memory (systemd's
        /// `MemoryDenyWriteExecute=yes`), PCRE2's interpreter gives the same results more slowly.
        public var usesJIT: Bool
        /// The operator's own bot patterns (PCRE2 syntax, matched ignoring case, anywhere in the user agent).
        public var extraBotPatterns: [String]

        /// Options; by default a 16 Ki-entry cache, the prefilter, the JIT, no extra bot patterns.
        public init(
            cacheCapacity: Int = 16_384, usesPrefilter: Bool = true, usesJIT: Bool = true,
            extraBotPatterns: [String] = []
        ) {
            self.cacheCapacity = cacheCapacity
            self.usesPrefilter = usesPrefilter
            self.usesJIT = usesJIT
            self.extraBotPatterns = extraBotPatterns
        }
    }

    /// Counters since the classifier was made.
    public struct Statistics: Sendable, Equatable {
        /// Calls of ``UserAgentClassifier/classify(uaBytes:)`` answered from the cache.
        public var cacheHits = 0
        /// Calls that classified the user agent (not in the cache).
        public var cacheMisses = 0
        /// User agents in the cache now.
        public var cacheEntries = 0
        /// Times the cache was emptied because it was full.
        public var cacheClears = 0
        /// Pattern runs (PCRE2 matches attempted) for misses.
        public var regexRuns = 0
        /// Patterns JIT-compiled so far.
        public var jitCompiledPatterns = 0
        /// Distinct family names interned (`Other` included).
        public var families = 0
        /// New family names given `Other` because the family table was full.
        public var familyOverflows = 0
        /// Matches abandoned at PCRE2's limits (counted as no match).
        public var matchLimitFailures = 0
    }

    /// The rules' positions in the concatenated list: browser, then OS, then device rules.
    private let browserRules: Range<Int>
    private let osRules: Range<Int>
    private let deviceRules: Range<Int>
    private let regexes: [PCRE2Regex]
    private var jitTried: [Bool]
    private let templates: [FamilyTemplate]
    /// For templates without placeholders, their family, interned up front.
    private let constantFamilies: [FamilyID?]
    private let botPatterns: [PCRE2Regex]
    private let prefilter: Prefilter?
    private let jit: PCRE2JIT
    private let state: PCRE2MatchState
    private let cache: ClassCache
    @usableFromInline let families: FamilyTable
    private let spider: FamilyID
    private var scratch: [UInt8] = []
    private var counters = Statistics()

    /// Compiles `rules` (and `options.extraBotPatterns`) for PCRE2's interpreter and builds the prefilter;
    /// patterns are JIT-compiled later, when first run. Throws for a pattern PCRE2 refuses, naming it.
    public init(rules: UserAgentRules, options: Options = Options()) throws(UserAgentClassifierError) {
        jit = PCRE2JIT(requested: options.usesJIT)
        let families = FamilyTable()
        self.families = families
        let all = rules.userAgentParsers + rules.osParsers + rules.deviceParsers
        browserRules = 0..<rules.userAgentParsers.count
        osRules = browserRules.upperBound..<(browserRules.upperBound + rules.osParsers.count)
        deviceRules = osRules.upperBound..<all.count

        var regexes: [PCRE2Regex] = []
        regexes.reserveCapacity(all.count)
        var templates: [FamilyTemplate] = []
        var constants: [FamilyID?] = []
        for (index, rule) in all.enumerated() {
            let pattern = Array(rule.regex.utf8)
            do throws(PCRE2Regex.CompileError) {
                regexes.append(try PCRE2Regex(pattern: pattern, caseInsensitive: rule.caseInsensitive))
            } catch {
                let list =
                    browserRules.contains(index)
                    ? "user_agent_parsers" : osRules.contains(index) ? "os_parsers" : "device_parsers"
                throw .badRule(
                    path: rules.path, line: rule.line, list: list, regex: rule.regex, message: error.message,
                    offset: error.offset)
            }
            let template =
                browserRules.contains(index)
                ? FamilyTemplate(browserReplacement: rule.familyReplacement)
                : FamilyTemplate(substitutingReplacement: rule.familyReplacement)
            templates.append(template)
            constants.append(template.constant.map { $0.isEmpty && template.trims ? .other : families.intern($0) })
        }
        self.regexes = regexes
        self.templates = templates
        constantFamilies = constants
        jitTried = [Bool](repeating: false, count: all.count)

        var bots: [PCRE2Regex] = []
        for pattern in options.extraBotPatterns {
            let bytes = Array(pattern.utf8)
            do throws(PCRE2Regex.CompileError) {
                let regex = try PCRE2Regex(pattern: bytes, caseInsensitive: true)
                regex.compileJIT(jit)
                bots.append(regex)
            } catch {
                throw .badBotPattern(pattern: pattern, message: error.message, offset: error.offset)
            }
        }
        botPatterns = bots

        prefilter =
            options.usesPrefilter
            ? Prefilter(
                requirements: all.map {
                    RequiredLiterals.of(pattern: Array($0.regex.utf8), minimumLength: Prefilter.minimumAtomLength)
                }) : nil
        // $1…$9 are the most groups a template names.
        state = PCRE2MatchState(groups: 9)
        cache = ClassCache(capacity: options.cacheCapacity)
        spider = families.intern(Array("Spider".utf8))
        scratch.reserveCapacity(256)
    }

    /// The class of the user agent `uaBytes` (the field's bytes as logged; empty or `-` for none).
    ///
    /// A user agent seen before (still in the cache) costs a hash and a byte compare and allocates nothing;
    /// a new one runs the prefilter and those patterns it leaves, typically tens of microseconds.
    public func classify(uaBytes: UnsafeRawBufferPointer) -> UserAgentClass {
        let hash = ClassCache.hash(uaBytes)
        if let known = cache.lookup(uaBytes, hash: hash) {
            counters.cacheHits &+= 1
            return known
        }
        counters.cacheMisses &+= 1
        let result = classifyUncached(uaBytes)
        cache.insert(uaBytes, hash: hash, value: result)
        return result
    }

    /// The bytes of a class's browser, OS and device names, valid in `body` (no `String` per line).
    @inlinable
    public func withFamilyNames<R>(
        of c: UserAgentClass,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        try familyNames(c.browser, c.os, c.device, body)
    }

    /// The bytes of a family's name (an id from this classifier), valid while the classifier lives: for
    /// each request, without a closure.
    @inlinable
    public func familyBytes(_ id: FamilyID) -> UnsafeRawBufferPointer {
        families.bytes(of: id)
    }

    @usableFromInline
    func familyNames<R>(
        _ a: FamilyID, _ b: FamilyID, _ c: FamilyID,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        try families.withBytes(a, b, c, body)
    }

    /// The name of family `id` (from this classifier), e.g. `Chrome`; `Other` for ``FamilyID/other``.
    public func family(_ id: FamilyID) -> String {
        families.name(id)
    }

    /// Counters of the cache, the patterns and the family table.
    public var statistics: Statistics {
        var s = counters
        s.cacheEntries = cache.count
        s.cacheClears = cache.clears
        s.jitCompiledPatterns = regexes.reduce(0) { $0 + ($1.isJITCompiled ? 1 : 0) }
        s.families = families.count
        s.familyOverflows = families.overflows
        s.matchLimitFailures = state.limitFailures
        return s
    }

    /// Whether patterns run as JIT-compiled code: asked for, available in this PCRE2, and not refused for
    /// want of executable memory so far.
    public var isJITActive: Bool { jit.isUsable }

    /// Why the JIT is not used, or nil when it is: a sentence for the log.
    public var jitUnavailableReason: String? {
        if !jit.isRequested { return "the JIT is turned off" }
        if !PCRE2JIT.isAvailable { return "this PCRE2 has no JIT for this machine" }
        if let failure = jit.failure {
            return "the JIT failed (\(PCRE2Regex.message(for: failure))); is executable memory denied "
                + "(MemoryDenyWriteExecute=yes)? The interpreter gives the same results more slowly"
        }
        return nil
    }

    // MARK: - a new user agent

    func classifyUncached(_ ua: UnsafeRawBufferPointer) -> UserAgentClass {
        prefilter?.scan(ua)
        let browser = firstMatch(browserRules, ua)
        let os = firstMatch(osRules, ua)
        let device = firstMatch(deviceRules, ua)
        var isBot = device == spider || ua.count == 0 || (ua.count == 1 && ua[0] == UInt8(ascii: "-"))
        if !isBot {
            for pattern in botPatterns where pattern.matches(ua, state: state) {
                isBot = true
                break
            }
        }
        return UserAgentClass(isBot: isBot, browser: browser, os: os, device: device)
    }

    /// The family from the first rule in `range` that matches, `Other` if none.
    private func firstMatch(_ range: Range<Int>, _ ua: UnsafeRawBufferPointer) -> FamilyID {
        guard !range.isEmpty else { return .other }
        guard let prefilter else {
            for index in range {
                if let family = tryRule(index, ua) { return family }
            }
            return .other
        }
        let firstWord = range.lowerBound >> 6
        let lastWord = (range.upperBound - 1) >> 6
        for word in firstWord...lastWord {
            var bits = prefilter.candidates[word]
            if word == firstWord { bits &= ~0 << UInt64(range.lowerBound & 63) }
            if word == lastWord {
                let top = range.upperBound - word << 6
                if top < 64 { bits &= (1 << UInt64(top)) - 1 }
            }
            while bits != 0 {
                let index = word << 6 | bits.trailingZeroBitCount
                bits &= bits - 1
                if let family = tryRule(index, ua) { return family }
            }
        }
        return .other
    }

    /// Runs rule `index`; its family if it matches.
    private func tryRule(_ index: Int, _ ua: UnsafeRawBufferPointer) -> FamilyID? {
        let regex = regexes[index]
        if !jitTried[index] {
            jitTried[index] = true
            regex.compileJIT(jit)
        }
        counters.regexRuns &+= 1
        guard regex.matches(ua, state: state) else { return nil }
        if let constant = constantFamilies[index] { return constant }
        let template = templates[index]
        template.render(subject: ua, state: state, into: &scratch)
        // ua-parser fails on an OS or device family that trims to nothing; call it Other.
        if scratch.isEmpty && template.trims { return .other }
        return scratch.withUnsafeBytes { families.intern($0) }
    }
}

/// A pattern PCRE2 refuses: which one, where it comes from, and PCRE2's reason.
public enum UserAgentClassifierError: Error, CustomStringConvertible, Equatable {
    /// A rule of the rules file.
    case badRule(path: String, line: Int, list: String, regex: String, message: String, offset: Int)
    /// One of ``UserAgentClassifier/Options/extraBotPatterns``.
    case badBotPattern(pattern: String, message: String, offset: Int)

    /// A sentence naming the pattern and what to fix.
    public var description: String {
        switch self {
        case .badRule(let path, let line, let list, let regex, let message, let offset):
            return "\(path):\(line): a \(list) regex that PCRE2 cannot compile: \(message) at offset \(offset) "
                + "of '\(regex)'. Reinstall the uap-core package, or fix the file."
        case .badBotPattern(let pattern, let message, let offset):
            return "The extra bot pattern '\(pattern)' is not a valid regular expression: \(message) at offset "
                + "\(offset)."
        }
    }
}
