/// How a log format writes quotes, backslashes and other special bytes inside its fields: nginx's
/// `escape=` parameter of `log_format`.
///
/// It decides where a quoted field ends (``LineParser``) and how its bytes turn into text
/// (``FieldText``). A format string chooses it with a leading `escape=json ` (as in
/// `log_format main escape=json '…'`); ``ParsePlan/escaping`` says which one a format has, and callers
/// that render fields pass it along.
public enum FieldEscaping: UInt8, Sendable, CustomStringConvertible {
    /// nginx's default and Apache's: nginx writes `"`, `\`, control bytes and bytes from 0x7F up as `\xHH`;
    /// Apache (since 2.0.46) writes `\"`, `\\` and `\xhh`. Either way no quote inside a field is bare.
    case `default`
    /// nginx `escape=json`: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f` and `\u00XX` for the other control
    /// bytes; every other byte (0x7F and non-ASCII bytes included) as it is. A variable without a value
    /// is written as nothing, not `-`.
    case json
    /// nginx `escape=none`: every byte as it is, quotes and backslashes included, so a quoted field ends
    /// at a quote that is followed by what the format says follows. (Named `raw` rather than `none`, which
    /// an optional's `.none` would shadow.)
    case raw

    /// The escaping of that name (`default`, `json`, `none` for ``raw``), as nginx spells it after `escape=`.
    public init?(name: some StringProtocol) {
        switch name {
        case "default": self = .default
        case "json": self = .json
        case "none": self = .raw
        default: return nil
        }
    }

    /// The name nginx gives it after `escape=`.
    public var description: String {
        switch self {
        case .default: "default"
        case .json: "json"
        case .raw: "none"
        }
    }
}
