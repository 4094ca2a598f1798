/// Why a line is not an event. Every line that does not parse is counted under exactly one reason.
public enum MalformedReason: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// The line is empty (or holds only a carriage return).
    case emptyLine
    /// The line ended before every field of the format was found.
    case missingField
    /// Text between fields is not what the format says (a different format, or a damaged line).
    case unexpectedText
    /// A quoted field has no closing quote.
    case unterminatedQuote
    /// The request time is not a valid time in the format's time syntax.
    case badTime
    /// The status is not a number of at most three digits.
    case badStatus
    /// The response size is neither `-` nor a number.
    case badBytes
    /// The client address is empty or `-`.
    case badClient
    /// The line is longer than the configured cap; it was skipped without being buffered whole.
    case tooLong

    /// The reason as it appears in counts, metrics and reports (`bad_time`, `too_long`…).
    public var description: String {
        switch self {
        case .emptyLine: "empty_line"
        case .missingField: "missing_field"
        case .unexpectedText: "unexpected_text"
        case .unterminatedQuote: "unterminated_quote"
        case .badTime: "bad_time"
        case .badStatus: "bad_status"
        case .badBytes: "bad_bytes"
        case .badClient: "bad_client"
        case .tooLong: "too_long"
        }
    }
}
