#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A GeoIP database that cannot be used, with what to do about it.
public struct GeoIPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Problem: Sendable, Equatable {
        /// The file could not be opened or mapped (`errno`).
        case cannotOpen(errno: Int32)
        /// A directory or other non-regular file.
        case notAFile
        /// The file has no MaxMind DB metadata: not a `.mmdb` file, or cut short.
        case notADatabase
        /// A MaxMind DB format version libmaxminddb does not read.
        case unknownFormat
        /// The file's search tree or data is damaged (libmaxminddb's message); found when opening or on a lookup.
        case damaged(String)
    }

    /// The database file.
    public let path: String
    /// What is wrong.
    public let problem: Problem

    /// An error for `path`.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// What is wrong and what to do, for the log and `check-config`.
    public var description: String {
        let fix = "replace it with a MaxMind DB country database (geoipupdate writes GeoLite2-Country.mmdb)"
        switch problem {
        case .cannotOpen(errno: ENOENT):
            return "The GeoIP database \(path) does not exist: install one there (geoipupdate writes "
                + "GeoLite2-Country.mmdb to /var/lib/GeoIP), or set another path."
        case .cannotOpen(errno: EACCES):
            return "Cannot read the GeoIP database \(path): permission denied. Make it readable by the sessiontail "
                + "user: chmod 0644 \(path)"
        case .cannotOpen(let code):
            return "Cannot read the GeoIP database \(path): \(String(cString: strerror(code)))."
        case .notAFile:
            return "The GeoIP database \(path) is not a regular file; \(fix)."
        case .notADatabase:
            return "The GeoIP database \(path) is not a MaxMind DB file (no valid metadata: another kind of file, or "
                + "cut short by an interrupted download); \(fix)."
        case .unknownFormat:
            return "The GeoIP database \(path) is in a MaxMind DB format version this libmaxminddb does not read; "
                + "\(fix)."
        case .damaged(let message):
            return "The GeoIP database \(path) is damaged (\(message)); \(fix)."
        }
    }
}
