/// An IPv4 or IPv6 address as a 16-byte value, the form the pipeline keeps client addresses in.
///
/// The 128 bits are held as two integers, most significant first; an IPv4 address is held as its IPv4-mapped
/// IPv6 form (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) with ``family`` ``Family/ipv4``, so that masking, hashing
/// and lookups treat both families alike. `1.2.3.4` and `::ffff:1.2.3.4` are different values (they were
/// written differently and format differently), but ``unmapped`` turns the second into the first: a dual-stack
/// server socket writes IPv4 clients that way, and callers that want the client rather than its spelling
/// unmap once after parsing.
///
/// Parse one with ``init(_:)-(UnsafeRawBufferPointer)`` from the bytes of a log line (no allocation), and
/// make text only at the output with ``write(to:)`` or ``description``. A plain value: `Sendable`, safe to
/// share and copy between threads.
///
/// ```swift
/// line.withUnsafeBytes { bytes in
///     guard let client = IPAddress(bytes)?.unmapped else { return }  // nil: not an address
///     let network = client.truncated(toPrefixLength: client.family == .ipv4 ? 24 : 48)
///     print(network)  // 203.0.113.0/24, 2001:db8:1a2b::/48
/// }
/// ```
public struct IPAddress: Sendable, Hashable {
    /// How an address was written: dotted IPv4, or IPv6 (which includes `::ffff:1.2.3.4`).
    public enum Family: UInt8, Sendable, Hashable {
        /// A dotted quad, `192.0.2.1`; held as `::ffff:192.0.2.1`.
        case ipv4 = 4
        /// Colon-separated groups, `2001:db8::1`.
        case ipv6 = 6
    }

    /// Bits 0–63 of the 128-bit address (bit 0 the most significant): the first four IPv6 groups.
    public let high: UInt64
    /// Bits 64–127: the last four groups; for an IPv4 address `0x0000_ffff` followed by the 32-bit address.
    public let low: UInt64
    /// Which family the address belongs to.
    public let family: Family

    /// Longest text ``write(to:)`` produces: 39 bytes (`ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`).
    public static let maxTextLength = 39

    /// The IPv4 address with the given 32-bit value (`0xC000_0201` is `192.0.2.1`).
    @inlinable
    public init(ipv4 value: UInt32) {
        high = 0
        low = 0xffff_0000_0000 | UInt64(value)
        family = .ipv4
    }

    /// The IPv6 address with the given 128 bits, most significant first.
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        family = .ipv6
    }

    /// The 32-bit value of an IPv4 address; nil for IPv6 (also for `::ffff:1.2.3.4`: see ``unmapped``).
    @inlinable
    public var ipv4Value: UInt32? { family == .ipv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// Whether this is an IPv6 address in `::ffff:0:0/96`, an IPv4 address in IPv6 form.
    @inlinable
    public var isIPv4Mapped: Bool { family == .ipv6 && high == 0 && low >> 32 == 0xffff }

    /// The address itself, except that an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) becomes the IPv4 address
    /// (`1.2.3.4`). The 128 bits stay the same, so a keyed digest of it does not change either.
    @inlinable
    public var unmapped: IPAddress { isIPv4Mapped ? IPAddress(ipv4: UInt32(truncatingIfNeeded: low)) : self }

    /// Number of bits a prefix length counts in this family: 32 for IPv4, 128 for IPv6.
    @inlinable
    public var bitWidth: Int { family == .ipv4 ? 32 : 128 }

    /// The address with every bit after the first `prefixLength` bits of its family set to zero.
    ///
    /// `prefixLength` counts bits of the family, as in CIDR notation: 0...32 for IPv4, 0...128 for IPv6; it
    /// traps outside that range. For a network value, see ``truncated(toPrefixLength:)``.
    @inlinable
    public func masked(toPrefixLength prefixLength: Int) -> IPAddress {
        precondition(prefixLength >= 0 && prefixLength <= bitWidth, "prefix length \(prefixLength) out of range")
        let bits = family == .ipv4 ? 96 + prefixLength : prefixLength
        let highMask: UInt64 = bits >= 64 ? ~0 : ~0 << (64 - bits)
        let lowMask: UInt64 = bits <= 64 ? 0 : ~0 << (128 - bits)
        return IPAddress(high: high & highMask, low: low & lowMask, family: family)
    }

    /// The network of the given prefix length that holds this address: `203.0.113.77` at 24 is
    /// `203.0.113.0/24`, `2001:db8:1a2b:3c4d::1` at 48 is `2001:db8:1a2b::/48`. Traps on a prefix length out
    /// of range, as ``masked(toPrefixLength:)`` does.
    @inlinable
    public func truncated(toPrefixLength prefixLength: Int) -> IPNetwork {
        IPNetwork(masking: self, prefixLength: prefixLength)
    }

    /// Calls `body` with the 16 bytes of the address in network order (an IPv4 address as
    /// `00 … 00 ff ff a b c d`). The bytes are on the stack: nothing is allocated.
    @inlinable
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var words = (high.bigEndian, low.bigEndian)
        return try Swift.withUnsafeBytes(of: &words) { try body($0) }
    }

    @usableFromInline
    init(high: UInt64, low: UInt64, family: Family) {
        self.high = high
        self.low = low
        self.family = family
    }
}
