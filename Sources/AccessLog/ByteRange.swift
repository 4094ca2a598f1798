/// A half-open range of byte offsets into one log line.
///
/// The parser keeps fields as ranges into the caller's buffer rather than copying them; a range is only
/// meaningful together with the line it was parsed from.
public struct ByteRange: Sendable, Equatable {
    /// Offset of the first byte.
    public var lowerBound: Int
    /// Offset one past the last byte.
    public var upperBound: Int

    /// The empty range at offset 0.
    public static let empty = ByteRange(lowerBound: 0, upperBound: 0)

    /// Creates a range; `lowerBound` must not exceed `upperBound`.
    @inlinable
    public init(lowerBound: Int, upperBound: Int) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Number of bytes in the range.
    @inlinable
    public var count: Int { upperBound - lowerBound }

    /// Whether the range holds no bytes.
    @inlinable
    public var isEmpty: Bool { upperBound <= lowerBound }

    /// Whether the range is absent or holds the single byte `-`, the log convention for "no value".
    @inlinable
    public func isDash(in line: UnsafeRawBufferPointer) -> Bool {
        isEmpty || (count == 1 && line[lowerBound] == UInt8(ascii: "-"))
    }

    /// The bytes of the range within `line`.
    @inlinable
    public func slice(of line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: line[lowerBound..<upperBound])
    }
}
