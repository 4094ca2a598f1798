/// Parses the lines of a source that writes several formats (a server whose virtual hosts log differently
/// into one file, or a format changed in the middle of a log): each line by the first format that takes it.
///
/// A line is parsed by the first format, in the order given, that takes it whole (no extra fields); only
/// when none does, by the first that takes it with extra fields (``ParsedLine/hasExtraFields``). When no
/// format takes it, the line is malformed with the first format's reason. ``ParsedLine/formatIndex`` says
/// which format read a line, for counting lines per format and for reading its fields
/// (``formats``[i]`.plan.escaping`).
///
/// The order is the caller's: sessiontail's own configuration lists the presets first, then the format
/// strings, each in the order written. Put the most common format first: a line costs one parse per format
/// tried. With one format, a line costs what ``LineParser`` costs.
///
/// ```swift
/// let parser = try MultiFormatParser(formats: [
///     .preset(named: "vhost_combined"), .preset(named: "combined"),
/// ])
/// var line = ParsedLine()
/// if parser.parse(bytes, into: &line) == nil { linesPerFormat[line.formatIndex] += 1 }
/// ```
///
/// No allocation per line; a value is cheap to copy and not shared, so each thread uses its own.
public struct MultiFormatParser: Sendable {
    /// The formats, in the order lines are tried.
    public let formats: [LogFormat]
    /// The first format's parser, kept apart so that one format costs no array access per line.
    @usableFromInline let first: LineParser
    /// The parsers of the other formats, in order.
    @usableFromInline let others: [LineParser]

    /// A parser for one format: ``LineParser`` with ``ParsedLine/formatIndex`` always 0.
    public init(format: LogFormat) {
        formats = [format]
        first = LineParser(plan: format.plan)
        others = []
    }

    /// A parser trying `formats` in this order; an empty list is refused.
    public init(formats: [LogFormat]) throws(LogFormatError) {
        guard let head = formats.first else {
            throw LogFormatError(format: "", message: "a source needs at least one log format")
        }
        self.formats = formats
        first = LineParser(plan: head.plan)
        others = formats.dropFirst().map { LineParser(plan: $0.plan) }
    }

    /// Parses one line (without its `\n`; a trailing `\r` is ignored) into `out`, setting
    /// ``ParsedLine/formatIndex`` to the format that read it.
    ///
    /// - Returns: `nil` when the line is an event, otherwise why the first format refused it.
    @inlinable
    public func parse(_ raw: UnsafeRawBufferPointer, into out: inout ParsedLine) -> MalformedReason? {
        let reason = first.parse(raw, into: &out)
        if reason == nil && !out.hasExtraFields || others.isEmpty { return reason }
        if reason == .emptyLine { return reason }
        // The first format refused the line or read it with extra fields: the others may take it whole.
        var fallback = reason == nil ? out : nil
        return others.withUnsafeBufferPointer { parsers in
            for index in 0..<parsers.count where parsers[index].parse(raw, into: &out) == nil {
                if !out.hasExtraFields {
                    out.formatIndex = index + 1
                    return nil
                }
                if fallback == nil {
                    out.formatIndex = index + 1
                    fallback = out
                }
            }
            guard let fallback else { return reason }
            out = fallback
            return nil
        }
    }
}
