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
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        // `.N` rotation number.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let digits = name[name.index(after: dot)...]
            if !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits)
            {
                return Place(base: String(name[..<dot]), age: n, date: 0)
            }
        }
        // `-YYYYMMDD` (optionally `-YYYYMMDDHH`) from `dateext`.
        if let dash = name.lastIndex(of: "-") {
            let digits = name[name.index(after: dash)...]
            if digits.count >= 8, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let d = Int(digits)
            {
                return Place(base: String(name[..<dash]), age: 1, date: d)
            }
        }
        return Place(base: String(name), age: 0, date: 0)
    }

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
