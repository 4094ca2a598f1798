/// A log format compiled into a flat list of steps: literal text to match, and fields to cut out.
///
/// Built once per format by ``LogFormat``; ``LineParser`` walks it for every line.
public struct ParsePlan: Sendable {
    @usableFromInline
    struct Step: Sendable {
        /// Literal text (at `literalStart..<literalStart+literalCount` of `literals`) or a field.
        @usableFromInline var isLiteral: Bool
        @usableFromInline var field: LogField
        @usableFromInline var literalStart: Int
        @usableFromInline var literalCount: Int
        /// For a field: the first byte of the literal that follows, if any.
        @usableFromInline var hasTerminator: Bool
        @usableFromInline var terminator: UInt8
        /// A field between `"` and `"`: ends at the first `"` not escaped by a backslash (with `escape=none`,
        /// at the first `"` that the following literal follows).
        @usableFromInline var quoted: Bool
        /// For a quoted field: the literal after it is the last step and is only the closing quote (only
        /// the lenient search of `escape=none` needs it).
        @usableFromInline var closesLine: Bool
    }

    @usableFromInline let steps: [Step]
    @usableFromInline let literals: [UInt8]
    /// The field that carries the request time.
    @usableFromInline let timeField: LogField

    /// How the format escapes bytes inside fields (nginx's `escape=`): where quoted fields end, and how
    /// ``FieldText`` reads them back. Pass it along with the fields a line yields.
    public let escaping: FieldEscaping
    /// A quoted field may hold bare quotes (`escape=none`): it ends at a quote that the following literal
    /// follows, not at the first one.
    @usableFromInline let lenientQuotes: Bool
    /// Whether lines carry the virtual host (`$host`, `%v`…); if not, the source must name it.
    public let hasHost: Bool
    /// Whether lines carry `X-Forwarded-For`.
    public let hasForwardedFor: Bool
    /// Whether lines carry the request method (`$request`, `%r`, `$request_method`, `%m`): then a request
    /// line that is empty, `-` or without a method has none, rather than one that was not logged.
    public let hasMethod: Bool
    /// Whether lines carry the user agent (`$http_user_agent`, `%{User-Agent}i`): a format that logs none
    /// (`common`) says nothing of bots by it, where an empty or `-` user agent is a bot's.
    public let hasUserAgent: Bool
    /// Whether lines carry the request header named as the client header (``ParsedLine/clientHeader``);
    /// `false` when none was named.
    public let hasClientHeader: Bool
    /// The client header named is `X-Forwarded-For`, whose field is ``LogField/forwardedFor``: the parser
    /// copies its range to ``ParsedLine/clientHeader``.
    @usableFromInline let clientHeaderIsForwardedFor: Bool
    /// The fields in the order the format writes them (opaque fields included), for messages.
    public let fieldNames: [String]

    init(
        tokens raw: [FormatToken], format: String, escaping: FieldEscaping, clientHeaderIsForwardedFor: Bool
    ) throws(LogFormatError) {
        // Merge adjacent literals; later duplicates of a field the parser uses become opaque.
        var tokens: [FormatToken] = []
        var seen: Set<UInt8> = []
        var timeField: LogField? = nil
        var names: [String] = []
        for token in raw {
            switch token {
            case .literal(let bytes):
                if case .literal(let previous)? = tokens.last {
                    tokens[tokens.count - 1] = .literal(previous + bytes)
                } else if !bytes.isEmpty {
                    tokens.append(token)
                }
            case .field(let kind, let name):
                names.append(name)
                if case .field(_, let previousName)? = tokens.last {
                    throw LogFormatError(
                        format: format,
                        message:
                            "\(previousName) and \(name) are not separated by any text, so a line cannot be split between them"
                    )
                }
                let key = kind.isTime ? LogField.timeCommonLog.rawValue : kind.rawValue
                if kind != .opaque && seen.contains(key) {
                    tokens.append(.field(.opaque, name: name))
                } else {
                    seen.insert(key)
                    if kind.isTime { timeField = kind }
                    tokens.append(token)
                }
            }
        }
        guard seen.contains(LogField.client.rawValue) else {
            throw LogFormatError(format: format, message: "it has no client address ($remote_addr or %h)")
        }
        guard let timeField else {
            throw LogFormatError(
                format: format,
                message: "it has no request time ($time_local, $time_iso8601, $msec, %t or %{msec}t)"
            )
        }
        var steps: [Step] = []
        var literals: [UInt8] = []
        for (index, token) in tokens.enumerated() {
            switch token {
            case .literal(let bytes):
                steps.append(
                    Step(
                        isLiteral: true, field: .opaque, literalStart: literals.count, literalCount: bytes.count,
                        hasTerminator: false, terminator: 0, quoted: false, closesLine: false))
                literals += bytes
            case .field(let kind, _):
                var step = Step(
                    isLiteral: false, field: kind, literalStart: 0, literalCount: 0, hasTerminator: false,
                    terminator: 0, quoted: false, closesLine: false)
                if index + 1 < tokens.count, case .literal(let next) = tokens[index + 1] {
                    step.hasTerminator = true
                    step.terminator = next[0]
                    if index > 0, case .literal(let previous) = tokens[index - 1], previous.last == UInt8(ascii: "\""),
                        next[0] == UInt8(ascii: "\"")
                    {
                        step.quoted = true
                        step.closesLine = index + 2 == tokens.count && next.count == 1
                    }
                }
                steps.append(step)
            }
        }
        self.escaping = escaping
        self.lenientQuotes = escaping == .raw
        self.steps = steps
        self.literals = literals
        self.timeField = timeField
        self.hasHost = seen.contains(LogField.host.rawValue)
        self.hasForwardedFor = seen.contains(LogField.forwardedFor.rawValue)
        self.hasMethod = seen.contains(LogField.request.rawValue) || seen.contains(LogField.method.rawValue)
        self.hasUserAgent = seen.contains(LogField.userAgent.rawValue)
        self.clientHeaderIsForwardedFor = clientHeaderIsForwardedFor
        self.hasClientHeader =
            clientHeaderIsForwardedFor ? hasForwardedFor : seen.contains(LogField.clientHeader.rawValue)
        self.fieldNames = names
    }
}
