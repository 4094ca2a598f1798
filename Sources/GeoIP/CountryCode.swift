/// An ISO 3166-1 alpha-2 country code (`DE`, `US`) as a 2-byte value.
///
/// Held as two upper-case ASCII letters in one `UInt16` (the first letter in the high byte), so that it can be
/// compared, hashed and stored without a `String`. A plain `Sendable` value.
public struct CountryCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two letters, the first in the high byte: `DE` is `0x4445`.
    public let rawValue: UInt16

    /// The code of two ASCII letters, either case (`de` is `DE`); nil for anything else.
    @inlinable
    public init?(_ first: UInt8, _ second: UInt8) {
        let a = first & 0xdf
        let b = second & 0xdf
        guard a &- UInt8(ascii: "A") < 26 && b &- UInt8(ascii: "A") < 26 else { return nil }
        rawValue = UInt16(a) << 8 | UInt16(b)
    }

    /// The code written as two letters (`"DE"`); nil for anything else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 2 else { return nil }
        self.init(bytes[0], bytes[1])
    }

    /// The first letter, in ASCII.
    @inlinable
    public var first: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }

    /// The second letter, in ASCII.
    @inlinable
    public var second: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    /// The two letters.
    public var description: String { String(decoding: [first, second], as: UTF8.self) }

    /// Alphabetical order.
    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.rawValue < rhs.rawValue }
}
