#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AddressKey {
    /// Reads the key from `path`, refusing a file that others could read or change.
    ///
    /// The package installs the key `root:sessiontail`, mode 0640: the owner may read and write it, the group may
    /// read it. Any permission for others, or write permission for the group, is refused, as is a file that is
    /// not a regular file, holds fewer than ``minimumLength`` bytes or more than ``maximumLength``. The checks are
    /// made on the open file (`fstat`), so the file checked is the file read.
    ///
    /// - Throws: ``AddressKeyError``, whose description says what to run.
    public init(contentsOfFile path: String) throws(AddressKeyError) {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw AddressKeyError(path: path, problem: .cannotOpen(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AddressKeyError(path: path, problem: .cannotOpen(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw AddressKeyError(path: path, problem: .notAFile) }
        let mode = UInt32(info.st_mode) & 0o7777
        if mode & 0o027 != 0 { throw AddressKeyError(path: path, problem: .tooOpen(mode: mode)) }
        var bytes = [UInt8](repeating: 0, count: AddressKey.maximumLength + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw AddressKeyError(path: path, problem: .cannotRead(errno: errno)) }
            if n == 0 { break }
            count += n
        }
        guard count >= AddressKey.minimumLength else { throw AddressKeyError(path: path, problem: .tooShort(count)) }
        guard count <= AddressKey.maximumLength else { throw AddressKeyError(path: path, problem: .tooLong) }
        self.bytes = Array(bytes[..<count])
        for i in bytes.indices { bytes[i] = 0 }
    }
}

/// A key file that cannot be used, with what to run about it.
public struct AddressKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Problem: Sendable, Equatable {
        /// `open` or `fstat` failed with this `errno`.
        case cannotOpen(errno: Int32)
        /// `read` failed with this `errno`.
        case cannotRead(errno: Int32)
        /// A directory, device or other non-regular file.
        case notAFile
        /// Permission bits beyond owner read/write and group read (the mode, 0o7777 bits).
        case tooOpen(mode: UInt32)
        /// Fewer bytes than ``AddressKey/minimumLength`` (the count).
        case tooShort(Int)
        /// More bytes than ``AddressKey/maximumLength``.
        case tooLong
    }

    /// The key file.
    public let path: String
    /// What is wrong.
    public let problem: Problem

    /// An error for `path`.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// What is wrong and the command that fixes it, for the log and `check-config`.
    public var description: String {
        let create = "(umask 027; head -c 32 /dev/urandom > \(path)); chown root:sessiontail \(path)"
        switch problem {
        case .cannotOpen(errno: ENOENT):
            return "The client address key \(path) does not exist. Create one with: \(create)"
        case .cannotOpen(errno: EACCES), .cannotRead(errno: EACCES):
            return
                "Cannot read the client address key \(path): permission denied. It should belong to group "
                + "sessiontail with mode 0640: chown root:sessiontail \(path); chmod 0640 \(path)"
        case .cannotOpen(let code), .cannotRead(let code):
            return "Cannot read the client address key \(path): \(String(cString: strerror(code)))."
        case .notAFile:
            return "The client address key \(path) is not a regular file. Create one with: \(create)"
        case .tooOpen(let mode):
            var who: [String] = []
            if mode & 0o004 != 0 { who.append("readable by others") }
            if mode & 0o002 != 0 { who.append("writable by others") }
            if mode & 0o001 != 0 && mode & 0o006 == 0 { who.append("accessible by others") }
            if mode & 0o020 != 0 { who.append("writable by its group") }
            let octal = String(mode, radix: 8)
            return
                "The client address key \(path) is \(who.joined(separator: " and ")) "
                + "(mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal)); run chmod 0640 \(path)"
        case .tooShort(let count):
            return
                "The client address key \(path) holds \(count) byte\(count == 1 ? "" : "s"); a key needs at least "
                + "\(AddressKey.minimumLength) random bytes. Create one with: \(create) (a new key changes every "
                + "client's digest)"
        case .tooLong:
            return
                "The client address key \(path) is longer than \(AddressKey.maximumLength) bytes, which no key "
                + "needs: is it the right file? Create one with: \(create)"
        }
    }
}
