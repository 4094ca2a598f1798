#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few file system calls discovery needs: reading a configuration file, expanding an include's glob, and
/// path arithmetic. Configuration files are small, so they are read whole.
enum ConfigFiles {
    /// The whole of `path` as text (bytes that are not UTF-8 become U+FFFD, which no directive needs).
    /// The corresponding C functions are `open` and `read`.
    static func read(_ path: String) throws(DiscoveryError) -> String {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            throw DiscoveryError(cannotRead(path, errno: errno), at: ConfigLocation(file: path, line: 1))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw DiscoveryError(cannotRead(path, errno: errno), at: ConfigLocation(file: path, line: 1))
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A sentence for a file that cannot be opened or read.
    static func cannotRead(_ path: String, errno code: Int32) -> String {
        let reason = String(cString: strerror(code))
        if code == EACCES {
            return "cannot read \(path): \(reason.lowercased()); run as root or as a user who may read it"
        }
        return "cannot read \(path): \(reason.lowercased())"
    }

    /// Whether `pattern` has glob characters, so that matching no file is not an error for nginx.
    static func hasGlob(_ pattern: String) -> Bool {
        pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The paths matching `pattern`, sorted as the servers sort them (byte order, which `glob` gives in the C
    /// locale the servers run in). The corresponding C function is `glob`.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether `path` names a directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether something exists at `path` (following symbolic links).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The files under `directory` and its subdirectories, sorted, as Apache includes a directory.
    static func filesRecursively(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        var files: [String] = []
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let path = join(directory, name)
            if isDirectory(path) { files += filesRecursively(in: path) } else { files.append(path) }
        }
        return files
    }

    /// `path` if it is absolute, otherwise `path` under `base`.
    static func join(_ base: String, _ path: String) -> String {
        if path.hasPrefix("/") || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// The directory part of `path` (`.` for a bare name, `/` for a file at the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    static func fileName(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// Whether `path` matches the glob `pattern` (`*` does not cross `/`). The corresponding C function is
    /// `fnmatch`.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}

extension ConfigFiles {
    /// `path` made absolute against the working directory. The corresponding C function is `getcwd`.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return join(cwd, path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }
}
