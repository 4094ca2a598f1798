/// The keyed hash of a client address: the first 16 bytes of its HMAC-SHA256, as two integers.
///
/// 16 bytes (128 bits) because it is the pseudonym a session is stored under: collisions stay negligible at any
/// realistic number of distinct clients (about 2⁶⁴ of them before one is likely), RFC 2104 §5 and NIST SP 800-107
/// allow truncating an HMAC to at least half its length, and 32 hex characters instead of 64 halve what the
/// table and its indexes hold. Longer would not make it harder to reverse: there are only 2³² IPv4 addresses, so
/// what protects them is the secrecy of the key, not the length of the digest.
///
/// A plain `Sendable` value; make text only at the output, with ``write(to:)`` or ``description``.
public struct AddressDigest: Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–7 of the digest, the first byte most significant.
    public let high: UInt64
    /// Bytes 8–15 of the digest.
    public let low: UInt64

    /// Length of the text: 32 lowercase hexadecimal digits.
    public static let textLength = 32

    /// A digest from its two halves, as read back from storage.
    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Writes the 32 lowercase hex digits into `buffer` (at least ``textLength`` bytes) and returns 32.
    /// Allocation-free.
    public func write(to buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= AddressDigest.textLength, "buffer too small for a digest")
        let digits: StaticString = "0123456789abcdef"
        for i in 0..<32 {
            let word = i < 16 ? high : low
            let nibble = Int(truncatingIfNeeded: word >> UInt64(60 - 4 * (i & 15))) & 0xf
            buffer[i] = digits.utf8Start[nibble]
        }
        return AddressDigest.textLength
    }

    /// The 32 lowercase hex digits.
    public var description: String {
        String(unsafeUninitializedCapacity: AddressDigest.textLength) { write(to: UnsafeMutableRawBufferPointer($0)) }
    }
}
