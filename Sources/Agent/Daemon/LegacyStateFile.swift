import Sessionizer
import SystemIO
import Tailing

/// The daemon's state file from before the write-ahead log (checkpoints and open sessions), read once
/// to take it over.
enum LegacyStateFile {
    static let magic = Array("sessiontail-state 1\n".utf8)

    static func load(path: String) throws -> (Checkpoints, [String: [Fragment]]) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 30)
        } catch {
            if error.isNotFound { return (Checkpoints(), [:]) }
            throw InputError(path: path, problem: error.description)
        }
        func damaged(_ what: String) -> InputError {
            InputError(path: path, problem: "the state file is damaged (\(what)); move it away to start afresh")
        }
        guard bytes.starts(with: magic) else {
            if bytes.starts(with: Array("sessiontail-state ".utf8)) {
                throw InputError(path: path, problem: "it was written by a newer sessiontail; upgrade sessiontail")
            }
            throw damaged("no header")
        }
        var p = magic.count
        func number() throws -> Int {
            var value = 0
            var digits = 0
            while p < bytes.count, bytes[p] >= 48, bytes[p] <= 57, digits < 18 {
                value = value * 10 + Int(bytes[p] - 48)
                p += 1
                digits += 1
            }
            guard digits > 0, p < bytes.count, bytes[p] == 10 else { throw damaged("a length") }
            p += 1
            return value
        }
        let textLength = try number()
        guard bytes.count - p >= textLength else { throw damaged("checkpoints cut short") }
        let checkpoints = try Checkpoints.decode(bytes[p..<(p + textLength)], path: path)
        p += textLength
        var open: [String: [Fragment]] = [:]
        while p < bytes.count {
            let nameLength = try number()
            guard bytes.count - p >= nameLength else { throw damaged("a source name") }
            let name = String(decoding: bytes[p..<(p + nameLength)], as: UTF8.self)
            p += nameLength
            let count = try number()
            var fragments: [Fragment] = []
            try bytes.withUnsafeBytes { raw in
                for _ in 0..<count {
                    guard let f = Fragment(serialized: raw, at: &p) else { throw damaged("an open session") }
                    fragments.append(f)
                }
            }
            open[name] = fragments
        }
        return (checkpoints, open)
    }
}
