/// Finds the visitor behind trusted proxies, by nginx's rule for `real_ip_recursive on`: start from the
/// address the connection came from; while it is a trusted proxy, take the next address from the right
/// of the forwarding header. Only a syntactically valid IPv4 or IPv6 address is taken: a value that is
/// not one (`unknown`, `<script>…`, an address with a port glued on) stops the walk, the
/// last trusted hop's address is the client, and the line is said to be forged. So a visitor can write
/// what they like into `X-Forwarded-For`, and never become someone else.
///
/// ```swift
/// let resolver = ClientResolver(trusted: ClientResolver.privateNetworks, syntax: .list)
/// let found = resolver.resolve(remote: client, header: forwardedFor, in: line)
/// // line[found.range] is the visitor's address as written; found.forged counts the line.
/// ```
///
/// Allocation-free; a value, safe to share.
public struct ClientResolver: Sendable {
    /// How the header lists addresses.
    public enum Syntax: Sendable, Equatable {
        /// Comma-separated addresses, the client first (`X-Forwarded-For`); a single address
        /// (`X-Real-IP`, `CF-Connecting-IP`, `True-Client-IP`) is a list of one.
        case list
        /// RFC 7239 `Forwarded`: comma-separated elements whose `for=` parameter is the address
        /// (quoted, IPv6 in brackets, a port allowed).
        case forwarded
    }

    /// What resolving one line found.
    public struct Resolution: Sendable, Equatable {
        /// The visitor's address as written, as offsets into the line.
        public var range: Range<Int>
        /// The walk stopped at a value that is not an address.
        public var forged: Bool

        @inlinable
        public init(range: Range<Int>, forged: Bool) {
            self.range = range
            self.forged = forged
        }
    }

    /// The proxies whose word is taken.
    public let trusted: [IPNetwork]
    public let syntax: Syntax

    public init(trusted: [IPNetwork], syntax: Syntax) {
        self.trusted = trusted
        self.syntax = syntax
    }

    /// The private and loopback ranges (RFC 1918, RFC 4193, loopback): proxies on the site's own network.
    public static let privateNetworks: [IPNetwork] = [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "::1/128",
    ].map { IPNetwork($0)! }

    /// Whether `address` is one of the trusted proxies (an IPv4-mapped IPv6 address as its IPv4 one).
    @inlinable
    public func isTrusted(_ address: IPAddress) -> Bool {
        let plain = address.unmapped
        for network in trusted where network.contains(plain) { return true }
        return false
    }

    /// The visitor of a line whose connection came from `remote` and whose forwarding header is
    /// `header` (empty, or `-`, when the request had none), both offsets into `line`.
    @inlinable
    public func resolve(remote: Range<Int>, header: Range<Int>, in line: UnsafeRawBufferPointer) -> Resolution {
        var found = Resolution(range: remote, forged: false)
        guard !header.isEmpty, !(header.count == 1 && line[header.lowerBound] == UInt8(ascii: "-")),
            let from = IPAddress(UnsafeRawBufferPointer(rebasing: line[remote])), isTrusted(from)
        else { return found }
        let separators: (UInt8, UInt8) =
            syntax == .list ? (UInt8(ascii: ","), UInt8(ascii: " ")) : (UInt8(ascii: ","), 0)
        var end = header.upperBound
        while true {
            // Separators between items (and, as nginx reads X-Forwarded-For, spaces) are skipped.
            while end > header.lowerBound && (line[end - 1] == separators.0 || line[end - 1] == separators.1) {
                end -= 1
            }
            if end == header.lowerBound { return found }
            var start = end
            while start > header.lowerBound && line[start - 1] != separators.0 && line[start - 1] != separators.1 {
                start -= 1
            }
            guard let address = self.address(in: start..<end, of: line),
                let value = IPAddress(UnsafeRawBufferPointer(rebasing: line[address]))
            else {
                found.forged = true
                return found
            }
            found.range = address
            if !isTrusted(value) { return found }
            end = start
        }
    }

    /// The address of one item of the header, spaces trimmed (and for `Forwarded`, its `for=` value
    /// unquoted, without brackets or port); nil when the item has none.
    @inlinable @usableFromInline
    func address(in item: Range<Int>, of line: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = item.lowerBound
        var end = item.upperBound
        while start < end && (line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t")) { start += 1 }
        while end > start && (line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t")) { end -= 1 }
        guard start < end else { return nil }
        guard syntax == .forwarded else { return start..<end }
        return ClientResolver.forwardedFor(start..<end, of: line)
    }

    /// The `for=` value of a `Forwarded` element: `for=192.0.2.60`, `for="192.0.2.60:47011"`,
    /// `for="[2001:db8:cafe::17]:4711"` (quotes also as a log escapes them: `\"`, `\x22`).
    @inlinable @usableFromInline
    static func forwardedFor(_ element: Range<Int>, of line: UnsafeRawBufferPointer) -> Range<Int>? {
        var p = element.lowerBound
        let end = element.upperBound
        while p < end {
            // One `name=value` pair, up to `;`.
            var pairEnd = p
            while pairEnd < end && line[pairEnd] != UInt8(ascii: ";") { pairEnd += 1 }
            var q = p
            while q < pairEnd && line[q] == UInt8(ascii: " ") { q += 1 }
            if pairEnd - q > 4 && line[q] | 0x20 == UInt8(ascii: "f") && line[q + 1] | 0x20 == UInt8(ascii: "o")
                && line[q + 2] | 0x20 == UInt8(ascii: "r") && line[q + 3] == UInt8(ascii: "=")
            {
                var start = q + 4
                var stop = pairEnd
                while stop > start && line[stop - 1] == UInt8(ascii: " ") { stop -= 1 }
                start += quoteLength(at: start, before: stop, of: line)
                stop -= closingQuoteLength(before: stop, after: start, of: line)
                if start < stop && line[start] == UInt8(ascii: "[") {
                    var close = start + 1
                    while close < stop && line[close] != UInt8(ascii: "]") { close += 1 }
                    guard close < stop else { return nil }
                    return (start + 1)..<close
                }
                // An IPv4 address with a port: the port goes.
                var colon = start
                var colons = 0
                var at = stop
                while colon < stop {
                    if line[colon] == UInt8(ascii: ":") {
                        colons += 1
                        at = colon
                    }
                    colon += 1
                }
                return colons == 1 ? start..<at : start..<stop
            }
            p = pairEnd + 1
        }
        return nil
    }

    /// The length of a quote at `at`: `"`, `\"` or `\x22`, 0 when there is none.
    @inlinable @usableFromInline
    static func quoteLength(at at: Int, before end: Int, of line: UnsafeRawBufferPointer) -> Int {
        if at < end && line[at] == UInt8(ascii: "\"") { return 1 }
        if at + 1 < end && line[at] == UInt8(ascii: "\\") && line[at + 1] == UInt8(ascii: "\"") { return 2 }
        if at + 3 < end && line[at] == UInt8(ascii: "\\") && line[at + 1] == UInt8(ascii: "x")
            && line[at + 2] == UInt8(ascii: "2") && line[at + 3] == UInt8(ascii: "2")
        {
            return 4
        }
        return 0
    }

    /// The length of a quote that ends just before `end`, 0 when there is none.
    @inlinable @usableFromInline
    static func closingQuoteLength(before end: Int, after start: Int, of line: UnsafeRawBufferPointer) -> Int {
        if end - 4 >= start && line[end - 4] == UInt8(ascii: "\\") && line[end - 3] == UInt8(ascii: "x")
            && line[end - 2] == UInt8(ascii: "2") && line[end - 1] == UInt8(ascii: "2")
        {
            return 4
        }
        if end - 2 >= start && line[end - 2] == UInt8(ascii: "\\") && line[end - 1] == UInt8(ascii: "\"") { return 2 }
        if end - 1 >= start && line[end - 1] == UInt8(ascii: "\"") { return 1 }
        return 0
    }
}
