import AccessLog

/// What reading the logs found: lines, events, and the lines that are not events by reason, with the
/// first few of them located by file and line number.
public struct InputStatistics: Sendable {
    /// A malformed line, located.
    public struct Sample: Sendable, CustomStringConvertible {
        public var path: String
        public var lineNumber: UInt64
        public var reason: MalformedReason
        /// The start of the line, made printable.
        public var excerpt: String

        public var description: String { "\(path):\(lineNumber): \(reason): \(excerpt)" }
    }

    /// How many samples are kept.
    public static let sampleLimit = 10

    public var files = 0
    public var lines: UInt64 = 0
    public var events: UInt64 = 0
    /// Count of malformed lines per reason, indexed by ``MalformedReason/rawValue``.
    public var malformedByReason = [UInt64](repeating: 0, count: MalformedReason.allCases.count)
    public var samples: [Sample] = []
    /// Count of dropped lines (``DropRules``) per reason, indexed by ``DropReason/rawValue``.
    public var droppedByReason = [UInt64](repeating: 0, count: DropReason.allCases.count)
    /// Events that were page views, and a bot's (when classified).
    public var pageViews: UInt64 = 0
    public var botEvents: UInt64 = 0
    /// Fragments the window store emitted before they were joined.
    public var fragments = 0
    /// Sessions after joining.
    public var sessions = 0
    /// Events whose forwarding header held a value that is not an address (the visitor is the last
    /// trusted hop then).
    public var forgedClients: UInt64 = 0
    /// Events by the format that took them (in the source's order of formats).
    public var linesByFormat: [UInt64] = []
    /// Events with fields after the format's last one (the format may be out of date), and the first.
    public var extraFields: UInt64 = 0
    public var extraFieldsExample: String? = nil

    public init() {}

    /// Total malformed lines.
    public var malformed: UInt64 { malformedByReason.reduce(0, +) }

    /// Total dropped lines.
    public var dropped: UInt64 { droppedByReason.reduce(0, +) }

    /// Dropped lines per reason, reasons with none left out.
    public var droppedReasons: [(reason: DropReason, count: UInt64)] {
        DropReason.allCases.compactMap { r in
            droppedByReason[r.rawValue] > 0 ? (r, droppedByReason[r.rawValue]) : nil
        }
    }

    /// Counts an event with extra fields after the format's last, keeping the first as an example.
    /// The line is quoted with its addresses as `masker` stores them.
    mutating func recordExtraFields(
        path: String, lineNumber: UInt64, line: UnsafeRawBufferPointer, masker: ClientMasker? = nil
    ) {
        extraFields += 1
        if extraFieldsExample == nil {
            let excerpt = InputStatistics.excerpt(of: line)
            extraFieldsExample = "\(path):\(lineNumber): \(masker?.redact(excerpt) ?? excerpt)"
        }
    }

    /// Counts a malformed line and keeps it as a sample if there is room, its addresses as `masker`
    /// stores them.
    mutating func recordMalformed(
        _ reason: MalformedReason, path: String, lineNumber: UInt64, line: UnsafeRawBufferPointer?,
        masker: ClientMasker? = nil
    ) {
        malformedByReason[Int(reason.rawValue)] += 1
        guard samples.count < InputStatistics.sampleLimit else { return }
        let excerpt = line.map(InputStatistics.excerpt) ?? ""
        samples.append(
            Sample(path: path, lineNumber: lineNumber, reason: reason, excerpt: masker?.redact(excerpt) ?? excerpt))
    }

    /// The start of a line, made printable.
    static func excerpt(of line: UnsafeRawBufferPointer) -> String {
        FieldText.printable(Array(line.prefix(160))) + (line.count > 160 ? "…" : "")
    }

    /// Said once when events carry fields after the format's last: which line, and what to do.
    public var extraFieldsWarning: String? {
        guard let extraFieldsExample else { return nil }
        return
            "\(extraFields) events carry fields after the log format's last (they are read, the extra fields skipped); the format may be out of date, e.g. \(extraFieldsExample)"
    }

    /// One line for a human: `10000 lines in 1 file: 9999 events, 1 malformed (unterminated_quote 1); 2345 sessions`.
    public var summary: String { linesSummary + "; " + InputStatistics.counted(sessions, "session") }

    /// The summary without the sessions: `10000 lines in 1 file: 9999 events, 1 malformed (…)`.
    public var linesSummary: String {
        var text =
            "\(Self.counted(lines, "line")) in \(Self.counted(files, "file")): \(Self.counted(events, "event")), \(malformed) malformed"
        let reasons = MalformedReason.allCases.compactMap { reason -> String? in
            let n = malformedByReason[Int(reason.rawValue)]
            return n > 0 ? "\(reason) \(n)" : nil
        }
        if !reasons.isEmpty { text += " (" + reasons.joined(separator: ", ") + ")" }
        if dropped > 0 {
            text +=
                ", \(dropped) dropped (" + droppedReasons.map { "\($0.reason) \($0.count)" }.joined(separator: ", ")
                + ")"
        }
        if forgedClients > 0 { text += "; \(forgedClients) with a forged client address" }
        if extraFields > 0 { text += "; \(extraFields) with extra fields after the format's last" }
        if linesByFormat.count > 1 {
            text +=
                "; by format: "
                + linesByFormat.enumerated().map { "#\($0.offset + 1) \($0.element)" }.joined(separator: ", ")
        }
        return text
    }

    /// `1 line`, `2 lines`.
    static func counted(_ n: some BinaryInteger, _ noun: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }
}

extension InputStatistics {
    /// Adds another run's counts.
    mutating func add(_ other: InputStatistics) {
        files += other.files
        lines += other.lines
        events += other.events
        for i in malformedByReason.indices { malformedByReason[i] += other.malformedByReason[i] }
        for i in droppedByReason.indices { droppedByReason[i] += other.droppedByReason[i] }
        pageViews += other.pageViews
        botEvents += other.botEvents
        samples += other.samples.prefix(max(0, InputStatistics.sampleLimit - samples.count))
        fragments += other.fragments
        forgedClients += other.forgedClients
        extraFields += other.extraFields
        if extraFieldsExample == nil { extraFieldsExample = other.extraFieldsExample }
        if linesByFormat.count < other.linesByFormat.count {
            linesByFormat += Array(repeating: 0, count: other.linesByFormat.count - linesByFormat.count)
        }
        for (i, n) in other.linesByFormat.enumerated() { linesByFormat[i] += n }
        sessions += other.sessions
    }
}
