import AccessLog
import Sessionizer

/// Settings of a source's pipeline: a batch run (`sessiontail sessionize`) or one of the daemon's sources.
public struct PipelineOptions: Sendable {
    /// The log formats, in the order lines are tried with them (see ``MultiFormatParser``).
    public var formats: [LogFormat]
    /// Virtual host for lines whose format has none (or whose host field is `-`).
    public var host: String?
    /// Where visitors' addresses come from: the connection, or a header that trusted proxies set (the
    /// formats must have been compiled with that header, see ``LogFormat/init(string:clientHeader:)``).
    public var client: ClientSource
    /// Gap, lateness and memory cap.
    public var sessionizer: SessionizerConfiguration
    /// Longer lines are skipped and counted as `too_long`.
    public var maxLineLength: Int
    /// Keep emitted fragments for ``SourcePipeline/takeFragments()`` (the daemon ships them as they
    /// come) instead of sorting them for ``SourcePipeline/finish(_:)``.
    public var streaming = false
    /// How requests are classified (page views, bots, families); off: sessions carry no visit.
    public var classification = Classification()
    /// What is dropped before sessionizing.
    public var drop = DropRules()
    /// What is kept of visitors' addresses (its key read, for `hash`).
    public var privacy = ClientPrivacy()
    /// The MaxMind DB file visitors' countries are looked up in (before the address is truncated or
    /// hashed); nil: none.
    public var geoip: String? = nil

    public init(
        formats: [LogFormat], host: String? = nil, client: ClientSource = .remoteAddress,
        sessionizer: SessionizerConfiguration = .init(), maxLineLength: Int = 64 << 10, streaming: Bool = false,
        classification: Classification = Classification(), drop: DropRules = DropRules(),
        privacy: ClientPrivacy = ClientPrivacy(), geoip: String? = nil
    ) {
        self.geoip = geoip
        self.privacy = privacy
        self.classification = classification
        self.drop = drop
        self.streaming = streaming
        self.formats = formats
        self.host = host
        self.client = client
        self.sessionizer = sessionizer
        self.maxLineLength = maxLineLength
    }

    /// The first format.
    public var format: LogFormat { formats[0] }
}
