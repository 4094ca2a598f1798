/// A CIDR network: an address whose bits after the prefix are zero, and the prefix length
/// (`10.0.0.0/8`, `2001:db8::/32`, `::1/128`).
///
/// Used both for networks written in the configuration (``contains(_:)``) and for addresses truncated to a
/// prefix before they are stored (``IPAddress/truncated(toPrefixLength:)``). A plain `Sendable` value.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the network; its bits after ``prefixLength`` are zero.
    public let address: IPAddress
    /// Number of leading bits that are fixed: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Longest text ``write(to:)`` produces: 43 bytes (an IPv6 address and `/128`).
    public static let maxTextLength = IPAddress.maxTextLength + 4

    /// The network of `prefixLength` bits that holds `address`. Traps when `prefixLength` is out of range for
    /// the address's family.
    @inlinable
    public init(masking address: IPAddress, prefixLength: Int) {
        self.address = address.masked(toPrefixLength: prefixLength)
        self.prefixLength = prefixLength
    }

    /// Parses `address/length` in ASCII; nil when the text is not exactly one network.
    ///
    /// The address follows ``IPAddress``'s rules; the length is decimal without leading zeros and at most the
    /// family's width. The address must be the network's first one: `10.0.0.1/8` is refused as a likely typo,
    /// as Python's `ipaddress.ip_network` does by default. An address without `/length` is the network of that
    /// one address (`/32` or `/128`). Netmask forms (`10.0.0.0/255.0.0.0`) are refused.
    public init?(_ text: UnsafeRawBufferPointer) {
        var slash = 0
        while slash < text.count && text[slash] != UInt8(ascii: "/") { slash += 1 }
        guard let address = IPAddress(UnsafeRawBufferPointer(rebasing: text[..<slash])) else { return nil }
        var length = address.bitWidth
        if slash < text.count {
            let digits = text.count - slash - 1
            guard digits >= 1 && digits <= 3, digits == 1 || text[slash + 1] != UInt8(ascii: "0") else { return nil }
            length = 0
            for i in (slash + 1)..<text.count {
                let digit = text[i] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                length = length * 10 + Int(digit)
            }
            guard length <= address.bitWidth else { return nil }
        }
        let network = IPNetwork(masking: address, prefixLength: length)
        guard network.address == address else { return nil }
        self = network
    }

    /// Parses a network from a string (configuration, tests); the same rules as the byte form.
    public init?(_ text: String) {
        var text = text
        guard let network = text.withUTF8({ IPNetwork(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = network
    }

    /// Whether `address` is in the network. Families must agree: `10.0.0.0/8` does not contain
    /// `::ffff:10.1.2.3` (unmap it first, with ``IPAddress/unmapped``). Allocation-free.
    @inlinable
    public func contains(_ address: IPAddress) -> Bool {
        address.family == self.address.family && address.masked(toPrefixLength: prefixLength) == self.address
    }

    /// Writes `address/length` into `buffer` (at least ``maxTextLength`` bytes) and returns the number of
    /// bytes written. Allocation-free.
    public func write(to buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= IPNetwork.maxTextLength, "buffer too small for a network")
        var n = address.write(to: buffer)
        buffer[n] = UInt8(ascii: "/")
        n += 1
        if prefixLength >= 100 {
            buffer[n] = UInt8(ascii: "0") + UInt8(prefixLength / 100)
            n += 1
        }
        if prefixLength >= 10 {
            buffer[n] = UInt8(ascii: "0") + UInt8(prefixLength / 10 % 10)
            n += 1
        }
        buffer[n] = UInt8(ascii: "0") + UInt8(prefixLength % 10)
        return n + 1
    }

    /// The text `address/length`, as ``write(to:)`` writes it.
    public var description: String {
        String(unsafeUninitializedCapacity: IPNetwork.maxTextLength) { buffer in
            write(to: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}
