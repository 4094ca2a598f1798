/// What every match of a pattern must contain, found from the pattern's text: a conjunction of
/// disjunctions of literals, ASCII-lowercased. A subject can match only if, lowercased, it contains at least
/// one string of every disjunction; the prefilter checks that before PCRE2 runs.
///
/// The analysis follows the idea of RE2's `FilteredRE2` (also behind uap-rust): each piece of the pattern
/// is either a small set of exact strings (`Firefox`, `[Mm]obile`, `(?:iPhone|iPad)`), which concatenation
/// multiplies out, or, once too many or too vague, a list of required disjunctions. Anything it does not
/// understand counts as "matches anything, requires nothing", which is always safe: a pattern it cannot
/// read is simply run on every subject.
struct RequiredLiterals: Equatable {
    /// Every disjunction must hold. Empty: nothing is known, the pattern must always run.
    var allOf: [[[UInt8]]]

    /// Exact sets larger than this are turned into requirements.
    static let maximumExactStrings = 16
    /// At most this many disjunctions are kept per pattern, the most selective first.
    static let maximumDisjunctions = 4

    /// The requirements of `pattern` (PCRE syntax); literals shorter than `minimumLength` are not used.
    static func of(pattern: [UInt8], minimumLength: Int) -> RequiredLiterals {
        var parser = LiteralParser(pattern: pattern, minimumLength: minimumLength)
        guard let info = parser.parse() else { return RequiredLiterals(allOf: []) }
        var disjunctions: [[[UInt8]]] = []
        for set in parser.requirements(of: info) {
            let sorted = set.sorted { $0.lexicographicallyPrecedes($1) }
            if !disjunctions.contains(sorted) { disjunctions.append(sorted) }
        }
        // Longest shortest-literal first (rarer), then fewer alternatives, then in byte order.
        disjunctions.sort { a, b in
            let la = a.map(\.count).min() ?? 0
            let lb = b.map(\.count).min() ?? 0
            if la != lb { return la > lb }
            if a.count != b.count { return a.count < b.count }
            return a.lexicographicallyPrecedes(b) { $0.lexicographicallyPrecedes($1) }
        }
        return RequiredLiterals(allOf: Array(disjunctions.prefix(maximumDisjunctions)))
    }
}

/// What the analysis knows of one piece of a pattern.
private struct LiteralInfo {
    /// Exactly the (lowercased) strings the piece can match, when they are few (no duplicates); nil otherwise.
    /// Arrays rather than sets: they hold a handful of strings, and building sets dominated start-up.
    var exact: [[UInt8]]?
    /// When `exact` is nil: disjunctions that every match of the piece satisfies.
    var allOf: [[[UInt8]]]

    static let anything = LiteralInfo(exact: nil, allOf: [])
    static let empty = LiteralInfo(exact: [[]], allOf: [])

    static func literal(_ b: UInt8) -> LiteralInfo {
        LiteralInfo(exact: [[lower(b)]], allOf: [])
    }
}

extension Array where Element == [UInt8] {
    /// Appends `string` unless it is there already (a set of a few strings).
    mutating func appendIfNew(_ string: [UInt8]) {
        if !contains(string) { append(string) }
    }
}

@inline(__always)
func lower(_ b: UInt8) -> UInt8 {
    b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
}

/// A recursive-descent reader of PCRE syntax that computes ``LiteralInfo``; nil from ``parse()`` when the
/// pattern uses something that changes how the rest is read (`\Q…\E`, `(?x)`), or is malformed.
private struct LiteralParser {
    let p: [UInt8]
    let minimumLength: Int
    var i = 0

    init(pattern: [UInt8], minimumLength: Int) {
        p = pattern
        self.minimumLength = minimumLength
    }

    struct Unsupported: Error {}

    mutating func parse() -> LiteralInfo? {
        do {
            let info = try alternation()
            return i == p.count ? info : nil
        } catch {
            return nil
        }
    }

    var atEnd: Bool { i >= p.count }
    func peek(_ offset: Int = 0) -> UInt8? { i + offset < p.count ? p[i + offset] : nil }

    mutating func alternation() throws(Unsupported) -> LiteralInfo {
        var alternatives = [try concatenation()]
        while peek() == UInt8(ascii: "|") {
            i += 1
            alternatives.append(try concatenation())
        }
        return alternate(alternatives)
    }

    /// Pieces one after another. A run of exact pieces is multiplied out (`Fire` `fox` → `firefox`); a run
    /// ends at a vague piece or when the product grows too large, and is then kept as a requirement.
    mutating func concatenation() throws(Unsupported) -> LiteralInfo {
        var required: [[[UInt8]]] = []
        var run: [[UInt8]]? = [[]]
        var vague = false
        while let c = peek(), c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
            let piece = try quantified(try atom())
            guard let exact = piece.exact else {
                if let finished = run { required += requirements(of: LiteralInfo(exact: finished, allOf: [])) }
                required += piece.allOf
                run = nil
                vague = true
                continue
            }
            if run?.count == 1 && exact.count == 1 {
                run![0] += exact[0]  // the usual case, a literal after a literal
            } else if let current = run, current.count * exact.count <= RequiredLiterals.maximumExactStrings {
                var product: [[UInt8]] = []
                for x in current {
                    for y in exact { product.appendIfNew(x + y) }
                }
                run = product
            } else {
                if let finished = run { required += requirements(of: LiteralInfo(exact: finished, allOf: [])) }
                run = exact
                vague = true
            }
        }
        if !vague, let run { return LiteralInfo(exact: run, allOf: []) }
        if let run { required += requirements(of: LiteralInfo(exact: run, allOf: [])) }
        return LiteralInfo(exact: nil, allOf: required)
    }

    mutating func atom() throws(Unsupported) -> LiteralInfo {
        let c = p[i]
        i += 1
        switch c {
        case UInt8(ascii: "("): return try group()
        case UInt8(ascii: "["): return try characterClass()
        case UInt8(ascii: "."): return .anything
        case UInt8(ascii: "^"), UInt8(ascii: "$"): return .empty
        case UInt8(ascii: "\\"): return try escape()
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"): throw Unsupported()
        default: return .literal(c)
        }
    }

    /// A quantifier after `piece`, if one follows.
    mutating func quantified(_ piece: LiteralInfo) throws(Unsupported) -> LiteralInfo {
        guard let c = peek() else { return piece }
        var minimum = 0
        var maximum: Int? = nil
        switch c {
        case UInt8(ascii: "*"): i += 1
        case UInt8(ascii: "+"):
            i += 1
            minimum = 1
        case UInt8(ascii: "?"):
            i += 1
            maximum = 1
        case UInt8(ascii: "{"):
            guard let (low, high, length) = braces() else {
                // `{,m}` and `{ 1, 2 }` are literal text to PCRE2 10.42 but quantifiers from 10.43 on: do not
                // guess. A `{` before anything else is a literal.
                if let n = peek(1),
                    n == UInt8(ascii: ",") || n == UInt8(ascii: " ")
                        || (n >= UInt8(ascii: "0") && n <= UInt8(ascii: "9"))
                {
                    throw Unsupported()
                }
                return piece
            }
            i += length
            minimum = low
            maximum = high
        default: return piece
        }
        // Lazy (`?`) and possessive (`+`) forms match the same strings.
        if let m = peek(), m == UInt8(ascii: "?") || m == UInt8(ascii: "+") { i += 1 }
        if let q = peek(), q == UInt8(ascii: "*") || q == UInt8(ascii: "+") || q == UInt8(ascii: "?") {
            throw Unsupported()
        }
        return repeated(piece, minimum: minimum, maximum: maximum)
    }

    /// `{n}`, `{n,}` or `{n,m}` at `i` (PCRE2 reads anything else as literal text).
    func braces() -> (Int, Int?, Int)? {
        var j = i + 1
        func number() -> Int? {
            var value = 0
            let start = j
            while j < p.count, p[j] >= UInt8(ascii: "0"), p[j] <= UInt8(ascii: "9") {
                value = min(value * 10 + Int(p[j] - UInt8(ascii: "0")), 1 << 20)
                j += 1
            }
            return j > start ? value : nil
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if j < p.count && p[j] == UInt8(ascii: ",") {
            j += 1
            high = number()
        }
        guard j < p.count, p[j] == UInt8(ascii: "}") else { return nil }
        if let high, high < low { return nil }
        return (low, high, j + 1 - i)
    }

    mutating func group() throws(Unsupported) -> LiteralInfo {
        var zeroWidth = false
        if peek() == UInt8(ascii: "?") {
            i += 1
            guard let c = peek() else { throw Unsupported() }
            switch c {
            case UInt8(ascii: ":"), UInt8(ascii: ">"), UInt8(ascii: "|"):
                i += 1
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                i += 1
                zeroWidth = true
            case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "=") || peek(1) == UInt8(ascii: "!"):
                i += 2
                zeroWidth = true
            case UInt8(ascii: "<"), UInt8(ascii: "'"), UInt8(ascii: "P"):
                // A named group: (?<name>…), (?'name'…), (?P<name>…).
                if c == UInt8(ascii: "P") {
                    i += 1
                    guard peek() == UInt8(ascii: "<") else { throw Unsupported() }
                }
                let close = c == UInt8(ascii: "'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                i += 1
                while let n = peek(), n != close { i += 1 }
                guard !atEnd else { throw Unsupported() }
                i += 1
            case UInt8(ascii: "#"):
                while let n = peek(), n != UInt8(ascii: ")") { i += 1 }
                guard !atEnd else { throw Unsupported() }
                i += 1
                return .empty
            default:
                // Option settings such as (?i) or (?i:…). Case does not matter here (everything is compared
                // lowercased); extended mode changes how the pattern reads, so give up on it.
                let start = i
                while let n = peek(), Self.isOptionLetter(n) { i += 1 }
                guard i > start, let end = peek() else { throw Unsupported() }
                if p[start..<i].contains(UInt8(ascii: "x")) { throw Unsupported() }
                i += 1
                if end == UInt8(ascii: ")") { return .empty }
                guard end == UInt8(ascii: ":") else { throw Unsupported() }
            }
        }
        let inner = try alternation()
        guard peek() == UInt8(ascii: ")") else { throw Unsupported() }
        i += 1
        return zeroWidth ? .empty : inner
    }

    /// Letters of PCRE2's option settings (`(?i)`, `(?-i:…)`); `(?R)` and `(?1)` are not among them.
    static func isOptionLetter(_ b: UInt8) -> Bool {
        "imnsxJU-^".utf8.contains(b)
    }

    /// After a backslash outside a class.
    mutating func escape() throws(Unsupported) -> LiteralInfo {
        guard let c = peek() else { throw Unsupported() }
        i += 1
        switch c {
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"),
            UInt8(ascii: "G"), UInt8(ascii: "K"):
            return .empty
        case UInt8(ascii: "x"):
            return .literal(try hexEscape())
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            // A back reference: some text, nothing known (two digits could be octal: give up).
            if let n = peek(), n >= UInt8(ascii: "0"), n <= UInt8(ascii: "9") { throw Unsupported() }
            return .anything
        default:
            if let b = Self.controlEscape(c) { return .literal(b) }
            if Self.isClassEscape(c) { return .anything }
            // \Q…\E, \p{…}, \g{…}, \k<…> and the like change how what follows reads: give up.
            if Self.isAlphanumeric(c) { throw Unsupported() }
            return .literal(c)
        }
    }

    static func controlEscape(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "t"): 9
        case UInt8(ascii: "n"): 10
        case UInt8(ascii: "r"): 13
        case UInt8(ascii: "f"): 12
        case UInt8(ascii: "e"): 27
        case UInt8(ascii: "a"): 7
        default: nil
        }
    }

    /// `\d \D \w \W \s \S \h \H \v \V \R \X \N`: one character (or line break) of a kind.
    static func isClassEscape(_ c: UInt8) -> Bool {
        "dDwWsShHvVRXN".utf8.contains(c)
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    /// `\xHH` or `\x{H…}` after the `x`.
    mutating func hexEscape() throws(Unsupported) -> UInt8 {
        var value = 0
        if peek() == UInt8(ascii: "{") {
            i += 1
            while let c = peek(), c != UInt8(ascii: "}") {
                guard let d = RulesReader.hexValue(c) else { throw Unsupported() }
                value = value * 16 + Int(d)
                i += 1
            }
            guard !atEnd else { throw Unsupported() }
            i += 1
        } else {
            var digits = 0
            while digits < 2, let c = peek(), let d = RulesReader.hexValue(c) {
                value = value * 16 + Int(d)
                i += 1
                digits += 1
            }
        }
        guard value < 256 else { throw Unsupported() }
        return UInt8(value)
    }

    /// After `[`: a class with at most four bytes (after lowercasing) is an exact set of one-byte strings.
    mutating func characterClass() throws(Unsupported) -> LiteralInfo {
        var negated = false
        if peek() == UInt8(ascii: "^") {
            negated = true
            i += 1
        }
        var members: [UInt8] = []
        var wide = false
        var first = true
        while true {
            guard let c = peek() else { throw Unsupported() }
            if c == UInt8(ascii: "]") && !first {
                i += 1
                break
            }
            first = false
            if c == UInt8(ascii: "[") && peek(1) == UInt8(ascii: ":") {
                // [:alpha:] and friends.
                i += 2
                while let n = peek(), n != UInt8(ascii: "]") { i += 1 }
                guard !atEnd else { throw Unsupported() }
                i += 1
                wide = true
                continue
            }
            guard let low = try classMember() else {
                wide = true
                continue
            }
            if peek() == UInt8(ascii: "-"), let after = peek(1), after != UInt8(ascii: "]") {
                i += 1
                guard let high = try classMember(), high >= low else { throw Unsupported() }
                if Int(high) - Int(low) > 8 {
                    wide = true
                } else {
                    for b in low...high where !members.contains(lower(b)) { members.append(lower(b)) }
                }
                continue
            }
            if !members.contains(lower(low)) { members.append(lower(low)) }
        }
        if negated || wide || members.count > 4 || members.isEmpty { return .anything }
        return LiteralInfo(exact: members.map { [$0] }, allOf: [])
    }

    /// One member of a class: a byte, or nil for a class escape such as `\d`.
    mutating func classMember() throws(Unsupported) -> UInt8? {
        let c = p[i]
        i += 1
        guard c == UInt8(ascii: "\\") else { return c }
        guard let e = peek() else { throw Unsupported() }
        i += 1
        if e == UInt8(ascii: "x") { return try hexEscape() }
        if e == UInt8(ascii: "b") { return 8 }
        if let b = Self.controlEscape(e) { return b }
        if Self.isClassEscape(e) { return nil }
        if Self.isAlphanumeric(e) { throw Unsupported() }
        return e
    }

    // MARK: - combining

    /// The disjunctions that every match of `info` satisfies, each literal at least `minimumLength` long.
    func requirements(of info: LiteralInfo) -> [[[UInt8]]] {
        guard let exact = info.exact else { return info.allOf }
        if exact.isEmpty || exact.contains(where: { $0.count < minimumLength }) { return [] }
        return [exact]
    }

    func alternate(_ alternatives: [LiteralInfo]) -> LiteralInfo {
        if alternatives.count == 1 { return alternatives[0] }
        if alternatives.allSatisfy({ $0.exact != nil }) {
            var union: [[UInt8]] = []
            for alternative in alternatives {
                for string in alternative.exact! { union.appendIfNew(string) }
            }
            if union.count <= RequiredLiterals.maximumExactStrings { return LiteralInfo(exact: union, allOf: []) }
        }
        // Every match satisfies one alternative, so the union of one disjunction from each is required.
        var union: [[UInt8]] = []
        for alternative in alternatives {
            let options = requirements(of: alternative)
            guard let best = options.max(by: { Self.strength($0) < Self.strength($1) }) else { return .anything }
            for string in best { union.appendIfNew(string) }
        }
        return LiteralInfo(exact: nil, allOf: [union])
    }

    /// How much a disjunction narrows things: longer shortest literal first, then fewer literals.
    static func strength(_ set: [[UInt8]]) -> Int {
        (set.map(\.count).min() ?? 0) * 1000 - set.count
    }

    func repeated(_ piece: LiteralInfo, minimum: Int, maximum: Int?) -> LiteralInfo {
        if minimum == 1 && maximum == 1 { return piece }
        if minimum == 0 {
            if maximum == 1, var exact = piece.exact {
                exact.appendIfNew([])
                return LiteralInfo(exact: exact, allOf: [])
            }
            return .anything
        }
        return LiteralInfo(exact: nil, allOf: requirements(of: piece))
    }
}
