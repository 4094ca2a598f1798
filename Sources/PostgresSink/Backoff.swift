/// When to try again after a failure: exponential backoff with full jitter, capped; permanent failures
/// wait long. A value type, tested without I/O.
public struct Backoff: Sendable {
    /// First delay bound, seconds.
    public var base: Double
    /// Largest delay for transient failures, seconds.
    public var cap: Double
    /// Delay after a permanent failure, seconds.
    public var permanentDelay: Double
    /// Consecutive failures so far.
    public private(set) var failures = 0

    public init(base: Double = 0.2, cap: Double = 30, permanentDelay: Double = 60) {
        self.base = base
        self.cap = cap
        self.permanentDelay = permanentDelay
    }

    /// The delay before the next attempt after a failure of `kind`; `random` is a value in [0, 1).
    public mutating func nextDelay(after kind: PostgresError.Kind, random: Double) -> Double {
        failures += 1
        if kind == .permanent { return permanentDelay }
        let exponent = min(failures - 1, 30)
        let bound = min(cap, base * Double(1 << exponent))
        return bound * random
    }

    /// Forgets past failures after a success.
    public mutating func reset() { failures = 0 }
}
