/// The fields of one parsed access-log line.
///
/// Text fields are ``ByteRange``s into the line buffer the parser was given; numbers and the time are
/// decoded. A field the format does not contain is an empty range (or 0). The value is reused from line
/// to line so that parsing allocates nothing.
public struct ParsedLine: Sendable {
    /// Client address as written: `$remote_addr` / `%h` (IPv4, IPv6 or a host name).
    public var client: ByteRange = .empty
    /// Virtual host as written (`$host`, `%v`, `%{Host}i`); empty when the format has none.
    public var host: ByteRange = .empty
    /// Request time in milliseconds since the Unix epoch, UTC.
    public var timeMillis: Int64 = 0
    /// Request method (`GET`); empty for a `-` request.
    public var method: ByteRange = .empty
    /// Request path without its query string; empty for a `-` request.
    public var path: ByteRange = .empty
    /// The request's query string, without `?` (empty when it has none).
    public var query: ByteRange = .empty
    /// Protocol (`HTTP/1.1`); empty when the request has none.
    public var protocolVersion: ByteRange = .empty
    /// Response status (0 when the format has none).
    public var status: Int32 = 0
    /// Response size in bytes (`-` is 0).
    public var bytes: Int64 = 0
    /// Referrer as written, escapes included.
    public var referrer: ByteRange = .empty
    /// User agent as written, escapes included.
    public var userAgent: ByteRange = .empty
    /// `X-Forwarded-For` as written.
    public var forwardedFor: ByteRange = .empty
    /// The request header named as the client header (``LogFormat/init(string:clientHeader:)``) as
    /// written, escapes included; empty when none was named or the format does not log it. The parser
    /// does not read addresses out of it.
    public var clientHeader: ByteRange = .empty
    /// Whether the line goes on after the format's last field, after a space: extra fields the format
    /// does not name (such as `$request_time` after `combined`). The line is still an event.
    public var hasExtraFields = false
    /// Which format of a ``MultiFormatParser`` read the line: an index into its
    /// ``MultiFormatParser/formats`` (always 0 from a ``LineParser``).
    public var formatIndex = 0

    /// Creates an empty value to parse into.
    public init() {}

    /// The client address to key sessions by: the first address of `X-Forwarded-For` when
    /// `useForwardedFor` is set and the header holds one, otherwise ``client``.
    @inlinable
    public func clientAddress(useForwardedFor: Bool, in line: UnsafeRawBufferPointer) -> ByteRange {
        guard useForwardedFor, !forwardedFor.isDash(in: line) else { return client }
        var start = forwardedFor.lowerBound
        let end = forwardedFor.upperBound
        while start < end && line[start] == UInt8(ascii: " ") { start += 1 }
        var stop = start
        while stop < end && line[stop] != UInt8(ascii: ",") && line[stop] != UInt8(ascii: " ") { stop += 1 }
        if stop == start { return client }
        let first = ByteRange(lowerBound: start, upperBound: stop)
        return first.isDash(in: line) ? client : first
    }
}
