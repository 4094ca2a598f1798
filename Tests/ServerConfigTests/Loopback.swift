import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A web server started for a test, in the foreground and in a process group of its own, its output appended
/// to a file; stopped with SIGTERM (then SIGKILL) by ``stop()``, which the tests defer and `deinit` calls too,
/// so that a failing test leaves no server behind. Started with `posix_spawn` and reaped with `waitpid`.
final class ServerProcess {
    let pid: pid_t
    let output: String
    private var exited = false

    init(_ arguments: [String], environment: [String: String] = [:], output: String) throws {
        self.output = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in envp { free(e) } }
        // The test process may block or ignore signals; the server starts with none blocked and SIGTERM,
        // SIGHUP, SIGINT and SIGPIPE at their defaults, as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own, so that stop() can end the workers too, had the server been killed.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, &argv, &envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        pid = child
    }

    var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// What the server printed (for a failure message).
    var printed: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// SIGTERM, up to 10 s for the server to exit, then SIGKILL; and SIGKILL to whatever is left of its
    /// process group (workers, piped loggers).
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 where isRunning { usleep(50_000) }
        if isRunning { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        while !exited {
            if waitpid(pid, &status, 0) == pid || errno == ECHILD { exited = true }
        }
        kill(-pid, SIGKILL)
    }

    deinit { stop() }
}

/// HTTP over loopback TCP with plain sockets, so that a request can carry any bytes.
enum Loopback {
    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = self.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        return UInt16(bigEndian: address.sin_port)
    }

    static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A connected socket, or `nil` when nothing listens.
    static func connect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = self.address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        if !connected { close(fd) }
        return connected ? fd : nil
    }

    /// Waits up to 10 s for `port` to accept connections, while `server` runs.
    static func waitUntilListening(port: UInt16, server: ServerProcess) -> Bool {
        for _ in 0..<200 {
            if let fd = connect(port: port) {
                close(fd)
                return true
            }
            guard server.isRunning else { return false }
            usleep(50_000)
        }
        return false
    }

    /// Sends `request` and reads the response to the end (the request asks to close the connection).
    static func exchange(port: UInt16, _ request: [UInt8]) throws -> [UInt8] {
        guard let fd = connect(port: port) else { throw POSIXError(.ECONNREFUSED) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return response
    }

    /// A request with `Connection: close`; `host` nil sends no Host header.
    static func request(
        _ target: String, method: String = "GET", host: String?, version: String = "HTTP/1.1",
        headers: [(String, [UInt8])] = [], body: String? = nil
    ) -> [UInt8] {
        var bytes = Array("\(method) \(target) \(version)\r\n".utf8)
        if let host { bytes += Array("Host: \(host)\r\n".utf8) }
        for (name, value) in headers { bytes += Array("\(name): ".utf8) + value + Array("\r\n".utf8) }
        if let body { bytes += Array("Content-Length: \(body.utf8.count)\r\n".utf8) }
        bytes += Array("Connection: close\r\n\r\n".utf8)
        if let body { bytes += Array(body.utf8) }
        return bytes
    }
}
