import AccessLog
import Sessionizer

/// Settings of a batch run (`sessiontail sessionize`).
public struct PipelineOptions: Sendable {
    /// The log format of every input.
    public var format: LogFormat
    /// Virtual host for lines whose format has none (or whose host field is `-`).
    public var host: String?
    /// Key sessions by the first address of `X-Forwarded-For` when present.
    public var client: ClientSource
    /// Gap, lateness and memory cap.
    public var sessionizer: SessionizerConfiguration
    /// Longer lines are skipped and counted as `too_long`.
    public var maxLineLength: Int
    /// Keep emitted fragments for ``SourcePipeline/takeFragments()`` (the daemon ships them as they
    /// come) instead of sorting them for ``SourcePipeline/finish(_:)``.
    public var streaming = false

    public init(
        format: LogFormat, host: String? = nil, client: ClientSource = .remoteAddress,
        sessionizer: SessionizerConfiguration = .init(), maxLineLength: Int = 64 << 10, streaming: Bool = false
    ) {
        self.streaming = streaming
        self.format = format
        self.host = host
        self.client = client
        self.sessionizer = sessionizer
        self.maxLineLength = maxLineLength
    }
}
