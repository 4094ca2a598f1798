/// A rate over the last few seconds of a count that only grows (bytes read, say), from samples taken
/// whenever convenient: the change between the oldest sample still in the window and the newest.
///
/// ```swift
/// var rate = RecentRate(windowMillis: 10_000)
/// rate.add(bytesRead, at: now)
/// rate.perSecond    // 0 until two samples are apart in time
/// ```
public struct RecentRate: Sendable, Equatable {
    /// How far back samples count.
    public let windowMillis: Int64
    private var samples: [Sample] = []

    struct Sample: Sendable, Equatable {
        var millis: Int64
        var total: UInt64
    }

    public init(windowMillis: Int64) { self.windowMillis = windowMillis }

    /// Takes the count `total` at `millis`. A count that went back (a counter started again) starts
    /// the window again.
    public mutating func add(_ total: UInt64, at millis: Int64) {
        if let last = samples.last, total < last.total || millis < last.millis { samples.removeAll() }
        samples.append(Sample(millis: millis, total: total))
        // Keep one sample at least a window old, so that the rate spans the whole window.
        while samples.count > 2 && millis - samples[1].millis >= windowMillis { samples.removeFirst() }
    }

    /// Per second over the window (0 with fewer than two samples apart in time).
    public var perSecond: Double {
        guard let first = samples.first, let last = samples.last, last.millis > first.millis else { return 0 }
        return Double(last.total - first.total) * 1_000 / Double(last.millis - first.millis)
    }
}
