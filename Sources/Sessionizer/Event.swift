import AccessLog

/// One event as the window store takes it: borrowed views into the caller's line buffer plus decoded
/// numbers. Valid only for the duration of the call it is passed to.
public struct Event {
    /// Virtual host as written (compared and stored lower-cased).
    public var host: UnsafeRawBufferPointer
    /// Client address as written.
    public var client: UnsafeRawBufferPointer
    /// Event time, milliseconds since the epoch, UTC.
    public var time: Int64
    /// Response size.
    public var bytes: Int64
    /// Response status.
    public var status: Int32
    /// Request path without query, as logged.
    public var path: UnsafeRawBufferPointer
    /// Referrer as logged.
    public var referrer: UnsafeRawBufferPointer
    /// User agent as logged.
    public var userAgent: UnsafeRawBufferPointer
    /// Where the event came from, as the caller numbers it (for example a hash of the source and the
    /// line's byte offset). Fragments carry their first event's origin, for deterministic ids.
    public var origin: UInt64
    /// How the line's format escapes its fields (``ParsePlan/escaping``), for turning the landing path,
    /// referrer and user agent into text.
    public var escaping: FieldEscaping
    /// Whether the request was classified (page view, bot, families below); false: the session gets no
    /// visit (``Fragment/visit``).
    public var classified = false
    /// The request was a page view, or a bot's.
    public var isPageView = false
    public var isBot = false
    /// The request's query string as logged, without `?` (for the landing page view's UTM parameters).
    public var query = UnsafeRawBufferPointer(start: nil, count: 0)
    /// ua-parser's browser, OS and device families of the user agent (kept for the session's first request).
    public var browser = UnsafeRawBufferPointer(start: nil, count: 0)
    public var os = UnsafeRawBufferPointer(start: nil, count: 0)
    public var device = UnsafeRawBufferPointer(start: nil, count: 0)
    /// The visitor's country, two ASCII letters in one integer (`D` `E` as 0x4445); 0 when unknown or not
    /// looked up (kept for the session's first request).
    public var country: UInt16 = 0

    /// Creates an event.
    @inlinable
    public init(
        host: UnsafeRawBufferPointer, client: UnsafeRawBufferPointer, time: Int64, bytes: Int64, status: Int32,
        path: UnsafeRawBufferPointer, referrer: UnsafeRawBufferPointer, userAgent: UnsafeRawBufferPointer,
        origin: UInt64 = 0, escaping: FieldEscaping = .default
    ) {
        self.host = host
        self.client = client
        self.time = time
        self.bytes = bytes
        self.status = status
        self.path = path
        self.referrer = referrer
        self.userAgent = userAgent
        self.origin = origin
        self.escaping = escaping
    }
}
