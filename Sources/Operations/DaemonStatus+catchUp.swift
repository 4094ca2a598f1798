extension DaemonStatus {
    /// Sets the read rate and, from it, how long catching up would take: over every file, and per
    /// file (its unread bytes at the whole daemon's rate, as files are read one at a time). Nothing to
    /// catch up, or nothing being read, leaves the estimates out.
    public mutating func estimateCatchUp(readBytesPerSecond rate: Double) {
        readBytesPerSecond = rate
        catchUpSeconds = DaemonStatus.catchUpSeconds(unread: lagBytes, rate: rate)
        for s in sources.indices {
            for f in sources[s].files.indices {
                sources[s].files[f].catchUpSeconds = DaemonStatus.catchUpSeconds(
                    unread: sources[s].files[f].lagBytes, rate: rate)
            }
        }
    }

    /// Seconds to read `unread` bytes at `rate` bytes a second; nil when there is nothing to read or
    /// nothing is being read.
    public static func catchUpSeconds(unread: UInt64, rate: Double) -> Double? {
        guard unread > 0, rate > 0 else { return nil }
        return Double(unread) / rate
    }

    /// The line `sessiontail status` shows while the daemon is behind:
    /// `1.2 GiB unread, catching up at 45 MiB/s, ~27 s left`; nil when it is not behind, or when the
    /// status comes from a version that did not measure the rate.
    public var catchUpSummary: String? {
        guard lagBytes > 0, let rate = readBytesPerSecond else { return nil }
        let unread = "\(Quantity.bytes(lagBytes)) unread"
        guard let seconds = catchUpSeconds else {
            return "\(unread), nothing read in the last \(DaemonStatus.rateWindowMillis / 1_000) s"
        }
        return
            "\(unread), catching up at \(Quantity.bytes(UInt64(rate.rounded())))/s, ~\(DaemonStatus.duration(seconds)) left"
    }

    /// How far back the read rate looks.
    public static let rateWindowMillis: Int64 = 10_000

    /// `27 s`, `14 min`, `3 h 20 min`, `2 d 4 h`: what a person needs of an estimate.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 120 { return "\(s) s" }
        if s < 7_200 { return "\((s + 30) / 60) min" }
        let minutes = (s + 30) / 60
        if minutes < 2_880 { return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min" }
        let hours = (s + 1_800) / 3_600
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }
}
