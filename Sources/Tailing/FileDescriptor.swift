#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the file system calls the tailer uses, retrying on `EINTR`.
public enum FileSystem {
    /// Opens `path` read-only. The corresponding C function is `open`.
    public static func openForReading(_ path: String) throws(InputError) -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw InputError(path: path, errno: errno) }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file. The corresponding C function is `read`.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(InputError)
        -> Int
    {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw InputError(path: path, errno: errno) }
        }
    }
}

extension FileSystem {
    /// The whole content of a (small) file, such as a configuration file.
    public static func readAll(_ path: String, limit: Int = 16 << 20) throws(InputError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let n = try read(fd, into: chunk, path: path)
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
            if out.count > limit { throw InputError(path: path, problem: "it is larger than \(limit >> 20) MiB") }
        }
    }
}

extension FileSystem {
    /// Creates `path` (and missing parents) as directories, mode 0750. The corresponding C function is
    /// `mkdir`.
    public static func makeDirectory(_ path: String) throws(InputError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o750) != 0 && errno != EEXIST { throw InputError(path: current, errno: errno) }
        }
    }
}
