/// A session, or part of one, as one sessionizer saw it: the unit that is emitted, shipped and merged.
///
/// Fragments of one key whose gap is at most the session gap belong to one session; ``FragmentMerger``
/// (and, centrally, the database) joins them. Host and client hold the bytes as logged; the first
/// request's path, referrer and user agent, and the visit's texts, hold display text (escapes undone,
/// valid printable UTF-8).
public struct Fragment: Sendable, Equatable {
    /// Why a fragment left the window store.
    public enum Cause: UInt8, Sendable {
        /// The watermark passed the session's last event by more than the gap: the session is over.
        case closed
        /// The store was over its memory cap and this was its least recently active session.
        case evicted
        /// The input ended (or the store was flushed) with the session still open.
        case flushed
    }

    /// Host, client, the first request's path, referrer and user agent, then the visit's texts
    /// (``VisitText``), back to back.
    @usableFromInline var text: [UInt8]
    @usableFromInline var hostEnd: Int32
    @usableFromInline var clientEnd: Int32
    @usableFromInline var pathEnd: Int32
    @usableFromInline var referrerEnd: Int32
    @usableFromInline var userAgentEnd: Int32
    /// Where each of the visit's texts ends in `text`.
    @usableFromInline var visitEnds = Ends()

    /// Nine offsets, inline (no array to allocate per fragment).
    @usableFromInline
    struct Ends: Sendable, Equatable {
        @usableFromInline var values: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0)
        @usableFromInline init() {}
        @inlinable
        subscript(i: Int) -> Int32 {
            get { withUnsafeBytes(of: values) { $0.load(fromByteOffset: i * 4, as: Int32.self) } }
            set {
                withUnsafeMutableBytes(of: &values) { $0.storeBytes(of: newValue, toByteOffset: i * 4, as: Int32.self) }
            }
        }
        @inlinable
        static func == (a: Ends, b: Ends) -> Bool {
            withUnsafeBytes(of: a.values) { x in withUnsafeBytes(of: b.values) { y in x.elementsEqual(y) } }
        }
    }

    /// The session as a visit (page views, bot, landing and exit, channel); nil when not classified.
    public internal(set) var visit: Visit? = nil

    /// The first event's country (two ASCII letters in one integer, ``Event/country``); 0 when unknown.
    public var country: UInt16 = 0

    /// Time of the first event, milliseconds since the epoch, UTC.
    public var start: Int64
    /// Time of the last event.
    public var end: Int64
    /// Number of events.
    public var eventCount: Int64
    /// Sum of response sizes.
    public var bytes: Int64
    /// Number of responses with status ≥ 400.
    public var errorCount: Int64
    /// Where the first event came from (``Event/origin``).
    public var origin: UInt64
    /// Why the fragment was emitted.
    public var cause: Cause

    /// Creates a fragment from its fields.
    public init(
        host: some Collection<UInt8>, client: some Collection<UInt8>, start: Int64, end: Int64, eventCount: Int64,
        bytes: Int64, errorCount: Int64, landingPath: some Collection<UInt8>, referrer: some Collection<UInt8>,
        userAgent: some Collection<UInt8>, origin: UInt64 = 0, cause: Cause
    ) {
        self.init(
            host: host, client: client, start: start, end: end, eventCount: eventCount, bytes: bytes,
            errorCount: errorCount, landingPath: landingPath, referrer: referrer, userAgent: userAgent, origin: origin,
            cause: cause, extraCapacity: 0)
    }

    /// Creates a fragment from its fields, with room for `extraCapacity` more bytes of text (a visit's,
    /// appended next without a second allocation).
    init(
        host: some Collection<UInt8>, client: some Collection<UInt8>, start: Int64, end: Int64, eventCount: Int64,
        bytes: Int64, errorCount: Int64, landingPath: some Collection<UInt8>, referrer: some Collection<UInt8>,
        userAgent: some Collection<UInt8>, origin: UInt64, cause: Cause, extraCapacity: Int
    ) {
        var text: [UInt8] = []
        text.reserveCapacity(
            host.count + client.count + landingPath.count + referrer.count + userAgent.count + extraCapacity)
        text += host
        hostEnd = Int32(text.count)
        text += client
        clientEnd = Int32(text.count)
        text += landingPath
        pathEnd = Int32(text.count)
        text += referrer
        referrerEnd = Int32(text.count)
        text += userAgent
        userAgentEnd = Int32(text.count)
        self.text = text
        self.start = start
        self.end = end
        self.eventCount = eventCount
        self.bytes = bytes
        self.errorCount = errorCount
        self.origin = origin
        self.cause = cause
    }

    /// Bytes of text the fragment holds (host, client and the first request's fields).
    public var textSize: Int { text.count }

    /// Virtual host, lower-cased.
    public var host: ArraySlice<UInt8> { text[0..<Int(hostEnd)] }
    /// Client address as written.
    public var client: ArraySlice<UInt8> { text[Int(hostEnd)..<Int(clientEnd)] }
    /// Path of the first request, without query string, as display text.
    public var firstPath: ArraySlice<UInt8> { text[Int(clientEnd)..<Int(pathEnd)] }
    /// Referrer of the first request (empty for `-`), as display text.
    public var referrer: ArraySlice<UInt8> { text[Int(pathEnd)..<Int(referrerEnd)] }
    /// User agent of the first request (empty for `-`), as display text.
    public var userAgent: ArraySlice<UInt8> { text[Int(referrerEnd)..<Int(userAgentEnd)] }

    /// Whether `self` and `other` are of the same (host, client) key.
    public func sameKey(as other: Fragment) -> Bool {
        hostEnd == other.hostEnd && clientEnd == other.clientEnd
            && text[0..<Int(clientEnd)].elementsEqual(other.text[0..<Int(other.clientEnd)])
    }

    /// Whether `self` starts before `other`: by time, then (for requests logged in the same instant) by
    /// landing path, referrer and user agent, so that the choice depends on the events alone, never on
    /// the order they arrived in. The earlier one names the session's landing page, referrer and agent.
    public func startsBefore(_ other: borrowing Fragment) -> Bool {
        if start != other.start { return start < other.start }
        return text.withUnsafeBytes { a in
            other.text.withUnsafeBytes { b in
                FirstEvent.precedes(
                    (
                        UnsafeRawBufferPointer(rebasing: a[Int(clientEnd)..<Int(pathEnd)]),
                        UnsafeRawBufferPointer(rebasing: a[Int(pathEnd)..<Int(referrerEnd)]),
                        UnsafeRawBufferPointer(rebasing: a[Int(referrerEnd)..<Int(userAgentEnd)])
                    ),
                    (
                        UnsafeRawBufferPointer(rebasing: b[Int(other.clientEnd)..<Int(other.pathEnd)]),
                        UnsafeRawBufferPointer(rebasing: b[Int(other.pathEnd)..<Int(other.referrerEnd)]),
                        UnsafeRawBufferPointer(rebasing: b[Int(other.referrerEnd)..<Int(other.userAgentEnd)])
                    ))
            }
        }
    }

    /// About the memory the fragment holds: the value, its text's buffer and the allocator's share of it.
    public var memoryEstimate: Int { MemoryLayout<Fragment>.stride + text.capacity + 48 }

    /// Folds `other` (same key, gap within the session gap) into `self`.
    public mutating func absorb(_ other: Fragment) {
        if other.startsBefore(self) {
            // `origin` and `country` follow the first event.
            let keep = (end, eventCount, bytes, errorCount, cause)
            let mine = self
            self = other
            end = max(end, keep.0)
            eventCount += keep.1
            bytes += keep.2
            errorCount += keep.3
            cause = keep.4
            absorbVisit(of: mine, otherFirst: false)
        } else {
            absorbVisit(of: other, otherFirst: false)
            end = max(end, other.end)
            eventCount += other.eventCount
            bytes += other.bytes
            errorCount += other.errorCount
        }
    }
}

extension Fragment {
    /// Replaces the client (a visitor's address truncated or hashed after the fact: a session restored
    /// from state written under another privacy setting); every other text stays.
    public mutating func replaceClient(with client: some Collection<UInt8>) {
        let delta = Int32(client.count) - (clientEnd - hostEnd)
        text.replaceSubrange(Int(hostEnd)..<Int(clientEnd), with: client)
        clientEnd += delta
        pathEnd += delta
        referrerEnd += delta
        userAgentEnd += delta
        if visit != nil {
            for i in 0..<9 { visitEnds[i] += delta }
        }
    }
}
