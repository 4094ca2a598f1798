/// How a matching rule's family is made from its groups, as ua-parser does it.
///
/// - Browser (`family_replacement`): only `$1` is a placeholder, replaced by group 1; without a
///   replacement the family is group 1. Nothing is trimmed.
/// - OS and device (`os_replacement`, `device_replacement`): `$0`…`$9` stand for groups (a group that did
///   not take part, or that the pattern lacks, is empty); without a replacement the family is group 1; the
///   result is trimmed of whitespace.
struct FamilyTemplate {
    enum Part {
        case literal([UInt8])
        case group(Int)
    }

    let parts: [Part]
    let trims: Bool
    /// The family when the template has no placeholder.
    var constant: [UInt8]? {
        if parts.contains(where: { if case .group = $0 { true } else { false } }) { return nil }
        var out: [UInt8] = []
        for case .literal(let bytes) in parts { out += bytes }
        return trims ? Self.trimmed(out) : out
    }

    /// The template of a `user_agent_parsers` rule.
    init(browserReplacement: String?) {
        trims = false
        // ua-parser takes an empty replacement as none.
        guard let replacement = browserReplacement, !replacement.isEmpty else {
            parts = [.group(1)]
            return
        }
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(replacement.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "1") {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = []
                parts.append(.group(1))
                i += 2
                continue
            }
            literal.append(bytes[i])
            i += 1
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The template of an `os_parsers` or `device_parsers` rule.
    init(substitutingReplacement replacement: String?) {
        trims = true
        guard let replacement, !replacement.isEmpty else {
            parts = [.group(1)]
            return
        }
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(replacement.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$") && i + 1 < bytes.count && bytes[i + 1] >= UInt8(ascii: "0")
                && bytes[i + 1] <= UInt8(ascii: "9")
            {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = []
                parts.append(.group(Int(bytes[i + 1] - UInt8(ascii: "0"))))
                i += 2
                continue
            }
            literal.append(bytes[i])
            i += 1
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The family for the last match in `state` on `subject`, written into `out` (emptied first).
    func render(subject: UnsafeRawBufferPointer, state: PCRE2MatchState, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for part in parts {
            switch part {
            case .literal(let bytes):
                out.append(contentsOf: bytes)
            case .group(let index):
                // Group 0 is no placeholder in ua-parser: `$0` gives nothing.
                guard index > 0, let range = state.group(index) else { continue }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: subject[range]))
            }
        }
        if trims { Self.trim(&out) }
    }

    /// Python's `str.strip()` on ASCII: space, `\t \n \v \f \r` and the separators `\x1c`…`\x1f`.
    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)
    }

    static func trim(_ bytes: inout [UInt8]) {
        var end = bytes.count
        while end > 0 && isSpace(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end && isSpace(bytes[start]) { start += 1 }
        if start == 0 && end == bytes.count { return }
        if start > 0 {
            for k in start..<end { bytes[k - start] = bytes[k] }
        }
        bytes.removeLast(bytes.count - (end - start))
    }

    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        trim(&copy)
        return copy
    }
}
