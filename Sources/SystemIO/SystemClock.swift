import CLinux

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The system's clocks.
public enum SystemClock {
    /// Milliseconds since the Unix epoch, by the wall clock. The corresponding C function is
    /// `clock_gettime(CLOCK_REALTIME)`.
    public static func wallMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Microseconds on the monotonic clock (since boot; never set back). The corresponding C function
    /// is `clock_gettime(CLOCK_MONOTONIC)`.
    public static func monotonicMicros() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}

/// The allocator's settings.
public enum Allocator {
    /// Serves allocations of at least `bytes` from `mmap`, back to the system when freed, rather than
    /// letting glibc raise that threshold after the first such free. The corresponding C function is
    /// `mallopt(M_MMAP_THRESHOLD)`.
    public static func fixMmapThreshold(_ bytes: Int32) {
        _ = mallopt(M_MMAP_THRESHOLD, bytes)
    }
}
