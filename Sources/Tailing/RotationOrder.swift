/// Orders the files of rotated sets oldest first: `access.log.3.gz`, `access.log.2.gz`, `access.log.1`,
/// `access.log` (and `access.log-20250101.gz` before `access.log-20250102` with logrotate's `dateext`).
public enum RotationOrder {
    /// How a path relates to its set: the live file's path, and the file's place in the rotation.
    struct Place {
        var base: String
        /// 0 for the live file; higher is older. Dated files count back from the newest date.
        var age: Int
        var date: Int
    }

    static func place(_ path: String) -> Place {
        var name = Substring(path)
        for suffix in compressedSuffixes where name.hasSuffix(suffix) {
            name = name.dropLast(suffix.count)
            break
        }
        // `.N` rotation number.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let digits = name[name.index(after: dot)...]
            if !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits)
            {
                return Place(base: String(name[..<dot]), age: n, date: 0)
            }
        }
        // A date after `-` or `.`: logrotate's `dateext` (`-20250101`, `-2025010113`) and the
        // `dateformat`s operators write (`.20160918_135654`, `-2025-01-01`, `.2025-01-01-13`).
        let fileName = name.lastIndex(of: "/").map { name.index(after: $0) } ?? name.startIndex
        for separator in ["-", "."] as [Character] {
            var at = name.endIndex
            while let mark = name[fileName..<at].lastIndex(of: separator), mark != fileName {
                if let date = RotationOrder.date(name[name.index(after: mark)...]) {
                    return Place(base: String(name[..<mark]), age: 1, date: date)
                }
                at = mark
            }
        }
        return Place(base: String(name), age: 0, date: 0)
    }

    /// Endings of compressed rotations: read (`.gz`) or refused with a clear error (the others).
    static let compressedSuffixes = [".gz", ".bz2", ".xz", ".zst"]

    /// `YYYYMMDD`, optionally followed by hours, minutes and seconds, with or without `-`, `_` or `.`
    /// between the parts, as a number that orders dates (seconds from the left, missing parts 0).
    static func date(_ text: Substring) -> Int? {
        var digits = 0
        var value = 0
        for c in text {
            if c.isASCII && c.isNumber {
                digits += 1
                // Longer than any date: a number that is not one (and would overflow).
                if digits > 14 { return nil }
                value = value * 10 + Int(c.asciiValue! - 48)
            } else if c != "-" && c != "_" && c != "." {
                return nil
            }
        }
        guard [8, 10, 12, 14].contains(digits), text.first!.isNumber, text.last!.isNumber else { return nil }
        let year = value / pow10(digits - 4)
        guard (1970...2999).contains(year) else { return nil }
        return value * pow10(14 - digits)
    }

    static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { p, _ in p * 10 } }

    /// `paths` with each rotated set ordered oldest first; sets keep the order in which they first appear.
    public static func sorted(_ paths: [String]) -> [String] {
        var groups: [String: [(path: String, place: Place)]] = [:]
        var order: [String] = []
        for path in paths {
            let p = place(path)
            if groups[p.base] == nil { order.append(p.base) }
            groups[p.base, default: []].append((path, p))
        }
        return order.flatMap { base in
            groups[base]!.sorted { a, b in
                let aLive = a.place.age == 0
                let bLive = b.place.age == 0
                if aLive != bLive { return bLive }
                if a.place.date != b.place.date { return a.place.date < b.place.date }
                return a.place.age > b.place.age
            }.map(\.path)
        }
    }
}
