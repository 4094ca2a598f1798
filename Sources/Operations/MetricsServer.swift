import Synchronization
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Serves the metrics over HTTP on `metrics.listen` (loopback by default), on a thread of its own:
/// `GET /metrics` answers the Prometheus exposition of the latest status; anything else a short error.
///
/// One connection at a time, each closed after its answer and bounded by a 2 s timeout: it serves a
/// scraper or two, not a crowd. The daemon's thread never waits for it; the two share only
/// ``LatestStatus``.
///
/// ```swift
/// let server = try MetricsServer(listen: "127.0.0.1:9464", status: monitor.latest)
/// // …
/// server.stop()
/// ```
public final class MetricsServer: @unchecked Sendable {
    /// A listening address that cannot be used.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The address as configured.
    public let listen: String
    /// The port actually bound.
    public let port: Int
    private let fd: Int32
    private let status: LatestStatus
    private let stopping = Atomic<Bool>(false)
    // Set once in init, read by `stop` on the creating thread.
    private var thread = pthread_t()
    private var stopped = false

    /// Binds `listen` (`host:port`, `[v6]:port`) and starts serving.
    public init(listen: String, status: LatestStatus) throws(Failure) {
        self.listen = listen
        self.status = status
        guard let colon = listen.lastIndex(of: ":") else {
            throw Failure(description: "'\(listen)' is not an address:port such as 127.0.0.1:9464")
        }
        var host = String(listen[..<colon])
        let service = String(listen[listen.index(after: colon)...])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let resolved = getaddrinfo(host.isEmpty ? nil : host, service, &hints, &list)
        guard resolved == 0, let first = list else {
            throw Failure(
                description: "cannot serve metrics on \(listen): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var bound: Int32 = -1
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let s = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            if s < 0 {
                lastError = errno
                continue
            }
            var one: Int32 = 1
            setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(s, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 && Glibc.listen(s, 16) == 0 {
                bound = s
                break
            }
            lastError = errno
            close(s)
        }
        guard bound >= 0 else {
            throw Failure(description: "cannot serve metrics on \(listen): \(String(cString: strerror(lastError)))")
        }
        fd = bound
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(bound, $0, &length) }
        }
        let family = address.ss_family
        port = withUnsafePointer(to: &address) { pointer -> Int in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread, nil,
            { context in
                let server = Unmanaged<MetricsServer>.fromOpaque(context!).takeRetainedValue()
                server.serve()
                return nil
            }, context)
        guard started == 0 else {
            Unmanaged<MetricsServer>.fromOpaque(context).release()
            close(bound)
            throw Failure(description: "cannot start the metrics thread: \(String(cString: strerror(started)))")
        }
    }

    /// Stops serving and waits for the thread; the port is free afterwards.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        stopping.store(true, ordering: .releasing)
        shutdown(fd, Int32(SHUT_RDWR))
        pthread_join(thread, nil)
        close(fd)
    }

    private func serve() {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !stopping.load(ordering: .acquiring) {
            poller.revents = 0
            let ready = poll(&poller, 1, 250)
            if ready <= 0 { continue }
            let connection = accept(fd, nil, nil)
            if connection < 0 { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)  // Glibc does not export accept4 to Swift
            answer(connection)
            close(connection)
        }
    }

    /// Reads one request (headers only, at most 8 KiB, 2 s) and writes the answer.
    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = Array("\r\n\r\n".utf8)
        while request.count < 8192 && !MetricsServer.contains(request, end) {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            request += buffer[..<n]
        }
        let response = MetricsServer.response(to: request, status: status.get())
        try? FileSystem.writeAll(connection, response, socket: true)  // a scraper gone: nothing to do
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// The HTTP answer to a request (its bytes as received): the metrics for `GET /metrics`.
    static func response(to request: [UInt8], status: DaemonStatus?) -> [UInt8] {
        let firstLine = request.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let parts = String(decoding: firstLine, as: UTF8.self).split(separator: " ")
        func reply(_ code: String, _ type: String, _ body: String, head: Bool = false) -> [UInt8] {
            let bytes = Array(body.utf8)
            var text = "HTTP/1.1 \(code)\r\nContent-Type: \(type)\r\nContent-Length: \(bytes.count)\r\n"
            text += "Connection: close\r\n\r\n"
            return Array(text.utf8) + (head ? [] : bytes)
        }
        guard parts.count >= 2, parts.count <= 3, parts.count == 2 || parts[2].hasPrefix("HTTP/") else {
            return reply("400 Bad Request", "text/plain; charset=utf-8", "bad request\n")
        }
        let method = parts[0]
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard method == "GET" || method == "HEAD" else {
            return reply("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n")
        }
        switch path {
        case "/metrics":
            guard let status else {
                return reply(
                    "503 Service Unavailable", "text/plain; charset=utf-8", "starting\n", head: method == "HEAD")
            }
            return reply(
                "200 OK", PrometheusExposition.contentType, PrometheusExposition.render(status), head: method == "HEAD")
        case "/":
            return reply(
                "200 OK", "text/plain; charset=utf-8", "sessiontail: metrics at /metrics\n", head: method == "HEAD")
        default:
            return reply(
                "404 Not Found", "text/plain; charset=utf-8", "not found; metrics at /metrics\n", head: method == "HEAD"
            )
        }
    }
}
