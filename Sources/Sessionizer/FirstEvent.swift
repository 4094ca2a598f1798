#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which of two requests logged in the same instant counts as a session's first: the one with the
/// bytewise smaller (landing path, referrer, user agent). Logs have one-second resolution, so ties are
/// common; deciding by content keeps the result a function of the events, not of their arrival order.
enum FirstEvent {
    typealias Attributes = (
        path: UnsafeRawBufferPointer, referrer: UnsafeRawBufferPointer, userAgent: UnsafeRawBufferPointer
    )

    static func precedes(_ a: Attributes, _ b: Attributes) -> Bool {
        let path = compare(a.path, b.path)
        if path != 0 { return path < 0 }
        let referrer = compare(a.referrer, b.referrer)
        if referrer != 0 { return referrer < 0 }
        return compare(a.userAgent, b.userAgent) < 0
    }

    /// memcmp-style ordering of two byte strings, shorter first on a common prefix.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}
