#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses access-log lines by walking a ``ParsePlan`` over their bytes.
///
/// No allocation, no `String`, no regular expressions: fields come out as ``ByteRange``s into the
/// caller's buffer. Any byte sequence is either parsed or refused with a ``MalformedReason``; none
/// traps. A value is cheap to copy and not shared, so each thread uses its own.
public struct LineParser: Sendable {
    /// The compiled format.
    public let plan: ParsePlan

    /// Creates a parser for `plan`.
    public init(plan: ParsePlan) {
        self.plan = plan
    }

    /// Parses one line (without its `\n`; a trailing `\r` is ignored) into `out`.
    ///
    /// - Returns: `nil` when the line is an event, otherwise why it is not.
    @inlinable
    public func parse(_ raw: UnsafeRawBufferPointer, into out: inout ParsedLine) -> MalformedReason? {
        var n = raw.count
        if n > 0 && raw[n - 1] == UInt8(ascii: "\r") { n -= 1 }
        if n == 0 { return .emptyLine }
        out = ParsedLine()
        guard let base = raw.baseAddress else { return .emptyLine }
        var timeRange = ByteRange.empty
        var requestRange = ByteRange.empty
        var statusRange = ByteRange.empty
        var bytesRange = ByteRange.empty
        var pos = 0
        let lenientQuotes = plan.lenientQuotes
        let failure: MalformedReason? = plan.literals.withUnsafeBufferPointer { literals in
            plan.steps.withUnsafeBufferPointer { steps in
                for index in 0..<steps.count {
                    let step = steps[index]
                    if step.isLiteral {
                        let count = step.literalCount
                        let available = min(count, n - pos)
                        // Literals are short (" ", " - - [", "\" "): compare inline, not through memcmp.
                        let literal = literals.baseAddress! + step.literalStart
                        for i in 0..<available where base.load(fromByteOffset: pos + i, as: UInt8.self) != literal[i] {
                            return .unexpectedText
                        }
                        if available < count { return .missingField }
                        pos += count
                        continue
                    }
                    let end: Int
                    if step.quoted {
                        if lenientQuotes {
                            let next = steps[index + 1]
                            guard
                                let close = LineParser.lenientClosingQuote(
                                    base, from: pos, count: n, closesLine: step.closesLine,
                                    following: UnsafeRawBufferPointer(
                                        start: literals.baseAddress! + next.literalStart, count: next.literalCount))
                            else { return .unterminatedQuote }
                            end = close
                        } else {
                            // The first bare quote closes the field. The literal step after it checks that
                            // what follows is what the format says follows, as far as the line goes: a line
                            // that goes on otherwise is damaged (say, glued to part of the next one).
                            guard let close = LineParser.closingQuote(base, from: pos, count: n) else {
                                return .unterminatedQuote
                            }
                            end = close
                        }
                    } else if step.field == .timeCommonLog {
                        // `10/Oct/2000:13:55:36 -0700` holds a space: take its fixed width, not up to a
                        // terminator (formats may write $time_local without brackets).
                        end = min(pos + 26, n)
                        if step.hasTerminator && end < n
                            && base.load(fromByteOffset: end, as: UInt8.self) != step.terminator
                        {
                            return .badTime
                        }
                    } else if step.hasTerminator {
                        var i = pos
                        let terminator = step.terminator
                        while i < n && base.load(fromByteOffset: i, as: UInt8.self) != terminator { i += 1 }
                        if i == n { return .missingField }
                        end = i
                    } else {
                        // The format's last field, unquoted: it ends at the first space, and what follows
                        // is extra fields.
                        if let space = memchr(base + pos, Int32(UInt8(ascii: " ")), n - pos) {
                            end = base.distance(to: UnsafeRawPointer(space))
                        } else {
                            end = n
                        }
                    }
                    let range = ByteRange(lowerBound: pos, upperBound: end)
                    switch step.field {
                    case .client: out.client = range
                    case .host: out.host = range
                    case .timeCommonLog, .timeISO8601, .timeEpochSeconds, .timeEpochMillis: timeRange = range
                    case .request: requestRange = range
                    case .method: out.method = range
                    case .path:
                        out.path = LineParser.withoutQuery(range, base)
                        if out.path.upperBound < range.upperBound {
                            out.query = ByteRange(lowerBound: out.path.upperBound + 1, upperBound: range.upperBound)
                        }
                    case .status: statusRange = range
                    case .bytes: bytesRange = range
                    case .referrer: out.referrer = range
                    case .userAgent: out.userAgent = range
                    case .forwardedFor: out.forwardedFor = range
                    case .clientHeader: out.clientHeader = range
                    case .opaque: break
                    }
                    pos = end
                }
                if pos < n {
                    // After the format's last field: extra fields after a space (`combined` followed by
                    // `$request_time`, say), or text that says the line is not of this format or damaged.
                    if base.load(fromByteOffset: pos, as: UInt8.self) != UInt8(ascii: " ") { return .unexpectedText }
                    out.hasExtraFields = true
                }
                return nil
            }
        }
        if let failure { return failure }
        if plan.clientHeaderIsForwardedFor { out.clientHeader = out.forwardedFor }
        let line = UnsafeRawBufferPointer(start: base, count: n)
        if out.client.isDash(in: line) { return .badClient }
        let timeBytes = timeRange.slice(of: line)
        let time: Int64?
        switch plan.timeField {
        case .timeCommonLog: time = Timestamp.parseCommonLog(timeBytes)
        case .timeISO8601: time = Timestamp.parseISO8601(timeBytes)
        case .timeEpochSeconds: time = Timestamp.parseEpochSeconds(timeBytes)
        default: time = Timestamp.parseEpochMillis(timeBytes)
        }
        guard let time else { return .badTime }
        out.timeMillis = time
        if !statusRange.isEmpty {
            guard statusRange.count <= 3, let status = LineParser.decimal(statusRange, base) else { return .badStatus }
            out.status = Int32(status)
        }
        if !bytesRange.isDash(in: line) {
            guard bytesRange.count <= 18, let bytes = LineParser.decimal(bytesRange, base) else { return .badBytes }
            out.bytes = Int64(bytes)
        }
        if !requestRange.isDash(in: line) { LineParser.splitRequest(requestRange, base, into: &out) }
        return nil
    }

    /// The offset of the first quote at or after `from` that no backslash escapes (Apache's `\"`, nginx
    /// `escape=json`'s `\"`; nginx's default writes `\x22`), or `nil` when there is none.
    @inlinable @inline(__always)
    static func closingQuote(_ base: UnsafeRawPointer, from: Int, count n: Int) -> Int? {
        var q = from
        while q < n {
            guard let hit = memchr(base + q, Int32(UInt8(ascii: "\"")), n - q) else { return nil }
            let index = base.distance(to: UnsafeRawPointer(hit))
            if !isEscaped(base, quoteAt: index, fieldStart: from) { return index }
            q = index + 1
        }
        return nil
    }

    /// Whether the quote at `quoteAt` follows an odd number of backslashes within the field.
    @inlinable @inline(__always)
    static func isEscaped(_ base: UnsafeRawPointer, quoteAt index: Int, fieldStart: Int) -> Bool {
        var backslashes = 0
        var j = index - 1
        while j >= fieldStart && base.load(fromByteOffset: j, as: UInt8.self) == UInt8(ascii: "\\") {
            backslashes += 1
            j -= 1
        }
        return backslashes & 1 == 1
    }

    /// For `escape=none`, whose fields may hold bare quotes and backslashes that escape nothing: the offset
    /// of the first quote where the `following` literal starts (as far as the line goes), or, for the
    /// format's last field (`closesLine`), that ends the line or precedes extra fields.
    @inlinable
    static func lenientClosingQuote(
        _ base: UnsafeRawPointer, from: Int, count n: Int, closesLine: Bool, following: UnsafeRawBufferPointer
    ) -> Int? {
        var q = from
        while q < n {
            guard let hit = memchr(base + q, Int32(UInt8(ascii: "\"")), n - q) else { return nil }
            let index = base.distance(to: UnsafeRawPointer(hit))
            if !closesLine {
                if memcmp(base + index, following.baseAddress!, min(following.count, n - index)) == 0 { return index }
            } else if index + 1 == n || base.load(fromByteOffset: index + 1, as: UInt8.self) == UInt8(ascii: " ") {
                return index
            }
            q = index + 1
        }
        return nil
    }

    @inlinable
    static func decimal(_ range: ByteRange, _ base: UnsafeRawPointer) -> Int? {
        if range.isEmpty { return nil }
        var value = 0
        for i in range.lowerBound..<range.upperBound {
            let d = base.load(fromByteOffset: i, as: UInt8.self) &- UInt8(ascii: "0")
            if d > 9 { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    @inlinable
    static func withoutQuery(_ range: ByteRange, _ base: UnsafeRawPointer) -> ByteRange {
        var i = range.lowerBound
        while i < range.upperBound && base.load(fromByteOffset: i, as: UInt8.self) != UInt8(ascii: "?") { i += 1 }
        return ByteRange(lowerBound: range.lowerBound, upperBound: i)
    }

    /// Splits `GET /path?query HTTP/1.1` into method, path without query, and protocol. A request
    /// without protocol (`GET /path`, HTTP/0.9 style) or with only a method is valid.
    @inlinable
    static func splitRequest(_ range: ByteRange, _ base: UnsafeRawPointer, into out: inout ParsedLine) {
        let end = range.upperBound
        var i = range.lowerBound
        while i < end && base.load(fromByteOffset: i, as: UInt8.self) != UInt8(ascii: " ") { i += 1 }
        out.method = ByteRange(lowerBound: range.lowerBound, upperBound: i)
        while i < end && base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: " ") { i += 1 }
        let pathStart = i
        var queryAt = -1
        while i < end {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == UInt8(ascii: " ") { break }
            if b == UInt8(ascii: "?") && queryAt < 0 { queryAt = i }
            i += 1
        }
        out.path = ByteRange(lowerBound: pathStart, upperBound: queryAt >= 0 ? queryAt : i)
        if queryAt >= 0 { out.query = ByteRange(lowerBound: queryAt + 1, upperBound: i) }
        // The protocol is the last word; a path with raw spaces keeps all but it.
        var protocolStart = end
        while protocolStart > i && base.load(fromByteOffset: protocolStart - 1, as: UInt8.self) != UInt8(ascii: " ") {
            protocolStart -= 1
        }
        out.protocolVersion = ByteRange(lowerBound: max(protocolStart, i), upperBound: end)
    }
}
