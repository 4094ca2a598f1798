/// How events are grouped into sessions and when sessions are let go.
public struct SessionizerConfiguration: Sendable, Equatable {
    /// The inactivity gap G in milliseconds: events at most G apart are one session (Flink's session
    /// window: two events exactly G apart are one session).
    public var gapMillis: Int64
    /// Allowed lateness in milliseconds: how far behind the newest event time an event may arrive and
    /// still find its session open. Later events become separate fragments, merged downstream.
    public var latenessMillis: Int64
    /// Cap on the window store's memory in bytes; past it the least recently active sessions are
    /// emitted early as fragments.
    public var memoryLimit: Int

    /// Creates a configuration; the defaults are a 5-minute gap, 60 s lateness and 64 MiB.
    public init(gapMillis: Int64 = 300_000, latenessMillis: Int64 = 60_000, memoryLimit: Int = 64 << 20) {
        self.gapMillis = gapMillis
        self.latenessMillis = latenessMillis
        self.memoryLimit = memoryLimit
    }
}
