#if canImport(Glibc)
    import Glibc
#endif

/// Finds the log files of a source: glob patterns where `{host}` matches like `*` and names the virtual
/// host, minus exclusions, each live file with the rotated files beside it (`access.log.1`,
/// `access.log.2.gz`, `access.log-20250101.gz`).
public enum FileDiscovery {
    /// A live log file and what it belongs to.
    public struct Match: Sendable, Equatable {
        /// The live file's path.
        public var path: String
        /// The virtual host its path names through `{host}`, if the pattern has one.
        public var host: String?
        /// Rotated files of the same log, oldest first (not including `path`).
        public var rotated: [String]
    }

    /// The files matching `patterns` and not `exclude`, sorted by path.
    public static func discover(patterns: [String], exclude: [String]) -> [Match] {
        var seen = Set<String>()
        var matches: [Match] = []
        for pattern in patterns {
            let globPattern = pattern.replacingHostPlaceholder(with: "*")
            for path in glob(globPattern) where !seen.contains(path) {
                if exclude.contains(where: { fnmatch($0, path, FNM_PATHNAME) == 0 }) { continue }
                // A rotated file matched by a broad pattern (access.log*) belongs to its live file.
                if RotationOrder.place(path).age != 0 && fileExists(RotationOrder.place(path).base) { continue }
                seen.insert(path)
                matches.append(Match(path: path, host: capture(pattern, path), rotated: rotatedFiles(of: path)))
            }
        }
        return matches.sorted { $0.path < $1.path }
    }

    /// The rotated files of `path` in its directory, oldest first.
    public static func rotatedFiles(of path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return [] }
        defer { closedir(dir) }
        var found: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard entryName != name, entryName.hasPrefix(name) else { continue }
            let full = directory + "/" + entryName
            let place = RotationOrder.place(full)
            if place.age != 0 && place.base == path { found.append(full) }
        }
        return Array(RotationOrder.sorted(found + [path]).dropLast())
    }

    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] {
                let path = String(cString: p)
                var info = stat()
                if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { paths.append(path) }
            }
        }
        return paths
    }

    static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The text `{host}` stands for in `path`: in the path segment where the pattern has `{host}`, the
    /// longest text such that the rest of the segment still matches the pattern's rest.
    static func capture(_ pattern: String, _ path: String) -> String? {
        let patternSegments = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let pathSegments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard patternSegments.count == pathSegments.count,
            let index = patternSegments.firstIndex(where: { $0.contains("{host}") }),
            let placeholder = patternSegments[index].firstRange(of: "{host}")
        else { return nil }
        let segment = patternSegments[index]
        let before = String(segment[..<placeholder.lowerBound])
        let after = String(segment[placeholder.upperBound...]).replacingHostPlaceholder(with: "*")
        let name = Array(pathSegments[index].utf8)
        // Try the longest host first; the prefix before {host} must match too.
        for end in stride(from: name.count, through: 1, by: -1) {
            for start in 0..<end {
                let head = String(decoding: name[..<start], as: UTF8.self)
                let host = String(decoding: name[start..<end], as: UTF8.self)
                let tail = String(decoding: name[end...], as: UTF8.self)
                if fnmatch(before, head, 0) == 0 && fnmatch(after, tail, 0) == 0 && !host.contains("/") {
                    return host.lowercased()
                }
            }
        }
        return nil
    }
}

extension String {
    func replacingHostPlaceholder(with replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: "{host}") {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
