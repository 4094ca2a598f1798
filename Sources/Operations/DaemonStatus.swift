import AccessLog
import SystemIO

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the running daemon is doing, as one value: written to `state_dir/status.json` for
/// `sessiontail status`, and served as Prometheus metrics.
///
/// The daemon builds it on its own thread and hands copies to the metrics thread; it holds no
/// references.
public struct DaemonStatus: Codable, Sendable, Equatable {
    /// One file being followed.
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        /// Bytes read and done with (of the decompressed content).
        public var offset: UInt64
        /// Size of the file when last looked at.
        public var size: UInt64
        /// Bytes written but not read yet (`size - offset`).
        public var lagBytes: UInt64
        /// Seconds reading `lagBytes` takes at the daemon's recent read rate (``DaemonStatus/readBytesPerSecond``);
        /// absent when the file is read to its end or nothing is being read.
        public var catchUpSeconds: Double? = nil

        public init(path: String, offset: UInt64, size: UInt64) {
            self.path = path
            self.offset = offset
            self.size = size
            self.lagBytes = size > offset ? size - offset : 0
        }
    }

    /// One configured source.
    public struct Source: Codable, Sendable, Equatable {
        public var name: String
        /// The plain files of the source found in the last pass (rotated gzip files read to their end
        /// are done with and not listed).
        public var files: [File]
        public var linesRead: UInt64
        public var events: UInt64
        /// Lines that are not events, by reason (`bad_time`…), every reason present.
        public var malformed: [String: UInt64]
        public var openSessions: Int
        /// Sessions shipped early because of the memory cap.
        public var evictedSessions: Int
        /// The newest request time read from this source (event time, UTC).
        public var lastEventTime: Instant?
        /// When lines were last read from it (wall clock).
        public var lastReadAt: Instant?
        /// Events whose forwarding header held something that is not an address.
        public var forgedClients: UInt64 = 0
        /// Said when most of the source's first events came from a handful of addresses (a proxy?).
        public var proxyWarning: String? = nil
        /// Events with fields after the format's last (the format may be out of date).
        public var extraFields: UInt64 = 0
        /// Lines dropped by the source's `drop:` rules, by reason (`bot`…), every reason present.
        public var dropped: [String: UInt64] = [:]
        /// Events that were page views, and a bot's (when requests are classified).
        public var pageViews: UInt64 = 0
        public var botEvents: UInt64 = 0
        /// Bytes behind over all files.
        public var lagBytes: UInt64 { files.reduce(0) { $0 + $1.lagBytes } }

        public init(name: String) {
            self.name = name
            files = []
            linesRead = 0
            events = 0
            malformed = [:]
            openSessions = 0
            evictedSessions = 0
        }

        enum CodingKeys: String, CodingKey {
            case name, files, linesRead, events, malformed, openSessions, evictedSessions, lastEventTime
            case lastReadAt, lagBytes, forgedClients, proxyWarning, extraFields, dropped, pageViews, botEvents
        }

        public init(from decoder: any Swift.Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            files = try c.decode([File].self, forKey: .files)
            linesRead = try c.decode(UInt64.self, forKey: .linesRead)
            events = try c.decode(UInt64.self, forKey: .events)
            malformed = try c.decode([String: UInt64].self, forKey: .malformed)
            openSessions = try c.decode(Int.self, forKey: .openSessions)
            evictedSessions = try c.decode(Int.self, forKey: .evictedSessions)
            lastEventTime = try c.decodeIfPresent(Instant.self, forKey: .lastEventTime)
            lastReadAt = try c.decodeIfPresent(Instant.self, forKey: .lastReadAt)
            forgedClients = try c.decodeIfPresent(UInt64.self, forKey: .forgedClients) ?? 0
            proxyWarning = try c.decodeIfPresent(String.self, forKey: .proxyWarning)
            extraFields = try c.decodeIfPresent(UInt64.self, forKey: .extraFields) ?? 0
            dropped = try c.decodeIfPresent([String: UInt64].self, forKey: .dropped) ?? [:]
            pageViews = try c.decodeIfPresent(UInt64.self, forKey: .pageViews) ?? 0
            botEvents = try c.decodeIfPresent(UInt64.self, forKey: .botEvents) ?? 0
        }

        public func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(files, forKey: .files)
            try c.encode(linesRead, forKey: .linesRead)
            try c.encode(events, forKey: .events)
            try c.encode(malformed, forKey: .malformed)
            try c.encode(openSessions, forKey: .openSessions)
            try c.encode(evictedSessions, forKey: .evictedSessions)
            try c.encode(lastEventTime, forKey: .lastEventTime)
            try c.encode(lastReadAt, forKey: .lastReadAt)
            try c.encode(lagBytes, forKey: .lagBytes)
            try c.encode(forgedClients, forKey: .forgedClients)
            try c.encodeIfPresent(proxyWarning, forKey: .proxyWarning)
            try c.encode(extraFields, forKey: .extraFields)
            try c.encode(dropped, forKey: .dropped)
            try c.encode(pageViews, forKey: .pageViews)
            try c.encode(botEvents, forKey: .botEvents)
        }
    }

    /// A message at warning or error priority, and when it was logged.
    public struct Problem: Codable, Sendable, Equatable {
        public var at: Instant
        public var message: String

        public init(at: Instant, message: String) {
            self.at = at
            self.message = message
        }
    }

    /// What the daemon is doing: `running`, `reloading`, `stopping` or `stopped`.
    public enum State: String, Codable, Sendable {
        case running, reloading, stopping, stopped
    }

    /// Layout of this value; a reader refuses a newer one.
    public static let currentFormat = 1

    public var format = DaemonStatus.currentFormat
    public var version = BuildInfo.version
    public var agentID: String
    public var pid: Int32
    public var config: String
    public var state: State = .running
    public var startedAt: Instant
    public var updatedAt: Instant
    public var sources: [Source] = []
    public var openSessions = 0
    /// Fragments closed and waiting to be shipped.
    public var outboxFragments = 0
    /// Fragments closed since start (shipped or waiting).
    public var fragmentsEmitted = 0
    /// Fragments shipped since start, and how many of them were new to the database.
    public var fragmentsShipped = 0
    public var fragmentsApplied = 0
    /// When a batch last reached PostgreSQL.
    public var lastShipAt: Instant? = nil
    /// Failed attempts to ship a batch since start (each one is retried: nothing is dropped).
    public var shipRetries = 0
    /// Of those, the failures an operator must fix (authentication, permissions, schema).
    public var shipErrors = 0
    /// Messages logged at error priority since start.
    public var errors = 0
    /// The latest message at warning or error priority.
    public var lastProblem: Problem? = nil
    /// Bytes of files that disappeared before they were read to their end.
    public var lostBytes: UInt64 = 0
    /// How many such files (optional: absent from files written by earlier versions).
    public var lostFiles: Int? = nil
    /// The write-ahead log: bytes on disk, and `fdatasync` calls since start.
    public var walBytes: Int? = nil
    public var walSyncs: Int? = nil
    /// Lines read per second, over the last few seconds.
    public var linesPerSecond: Double = 0
    /// Bytes of log content read per second, over the last ``rateWindowMillis`` (absent from files
    /// written by earlier versions).
    public var readBytesPerSecond: Double? = nil
    /// Seconds reading every file's unread bytes (``lagBytes``) takes at that rate; absent when
    /// nothing is unread or nothing is being read.
    public var catchUpSeconds: Double? = nil
    public var reloads = 0
    public var reloadsRefused = 0
    /// Where metrics are served (`host:port`), if they are.
    public var metricsListen: String? = nil

    enum CodingKeys: String, CodingKey {
        case format, version
        case agentID = "agentId"
        case pid, config, state, startedAt, updatedAt, sources, openSessions, outboxFragments, fragmentsEmitted
        case fragmentsShipped, fragmentsApplied, lastShipAt, shipRetries, shipErrors, errors, lastProblem, lostBytes
        case linesPerSecond, reloads, reloadsRefused, metricsListen, lostFiles, walBytes, walSyncs
        case readBytesPerSecond, catchUpSeconds
    }

    public init(agentID: String, pid: Int32, config: String, startedAt: Instant) {
        self.agentID = agentID
        self.pid = pid
        self.config = config
        self.startedAt = startedAt
        self.updatedAt = startedAt
    }

    /// Bytes behind over every source.
    public var lagBytes: UInt64 { sources.reduce(0) { $0 + $1.lagBytes } }

    /// Lines read over every source.
    public var linesRead: UInt64 { sources.reduce(0) { $0 + $1.linesRead } }
}

/// A wall-clock time to the millisecond, written in JSON as ISO 8601 UTC (`2025-07-15T20:29:43.120Z`).
public struct Instant: Codable, Sendable, Equatable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }

    /// Now, by the real-time clock.
    public static func now() -> Instant { Instant(millis: SystemClock.wallMillis()) }

    public var description: String { Timestamp.iso8601(millis: millis) }

    public init(from decoder: any Swift.Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let bytes = Array(text.utf8)
        guard let millis = bytes.withUnsafeBytes({ Timestamp.parseISO8601($0) }) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an ISO 8601 time"))
        }
        self.millis = millis
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.millis < b.millis }
}

extension DaemonStatus {
    /// The JSON of `status.json` and `sessiontail status --json`: snake_case keys, sorted.
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(self))
        bytes.append(10)
        return bytes
    }

    /// Reads what ``json()`` wrote.
    public static func decode(json bytes: [UInt8]) throws -> DaemonStatus {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DaemonStatus.self, from: Data(bytes))
    }
}
