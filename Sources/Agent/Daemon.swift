import AccessLog
import PostgresSink
import Sessionizer
import Tailing

#if canImport(Glibc)
import Glibc
#endif

/// `sessiontail run`: reads what is new in every source, sessionizes it, ships closed sessions and
/// checkpoints; `--drain` is one such pass that also closes every open session.
///
/// A pass finds each source's files by glob and reads each with its rotated files oldest first, from
/// the checkpoints. Files are known by a fingerprint of their first (decompressed) bytes, so rotation
/// by rename, `delaycompress` and `compress` (the file read as `access.log` is resumed as
/// `access.log.1` or `access.log.2.gz`) and `copytruncate` (the head changes: read from 0) need no
/// special case, whether they happened while the agent ran or while it was stopped. A line still being
/// written (no newline yet) is left for the next pass.
///
/// The state file holds, for one instant, the offsets of every file and the sessions then open; it is
/// written after the closed sessions before that instant were shipped, so that a restart resumes the
/// open sessions instead of cutting them.
public final class Daemon {
    public private(set) var configuration: Configuration
    private let log: (String) -> Void
    private var checkpoints: Checkpoints
    private(set) var pipelines: [String: BatchSessionizer] = [:]
    private(set) var shipper: FragmentShipper
    private(set) var outbox: [Fragment] = []
    private var outboxSince: Int64? = nil
    /// Counts since start.
    public private(set) var statistics = InputStatistics()
    public private(set) var shippedFragments = 0
    public private(set) var appliedFragments = 0
    /// Bytes of files that disappeared (deleted by logrotate, say) before they were read to their end.
    public private(set) var lostBytes: UInt64 = 0
    /// Plain files seen in the last pass that were not read to their end: fingerprint key → (path,
    /// offset read, size). One missing from the next pass was lost with its unread bytes.
    private var unfinished: [String: (path: String, offset: UInt64, size: UInt64)] = [:]
    private(set) var seen: [String: (path: String, offset: UInt64, size: UInt64)] = [:]

    /// Where the state lives in the state directory.
    public static func statePath(_ configuration: Configuration) -> String {
        configuration.stateDirectory + "/state"
    }

    /// Loads the state (offsets and open sessions) and connects to PostgreSQL, so that a wrong
    /// password, table or gap fails before any reading.
    public init(configuration: Configuration, log: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.log = log
        try FileSystem.makeDirectory(configuration.stateDirectory)
        let (checkpoints, open) = try DaemonState.load(path: Daemon.statePath(configuration))
        self.checkpoints = checkpoints
        shipper = FragmentShipper(
            conninfo: configuration.conninfo, table: configuration.table, gapMillis: configuration.gapMillis,
            agentID: configuration.agentID, log: log)
        _ = try shipper.connect()
        for source in configuration.sources {
            var pipeline = try Daemon.pipeline(source, configuration)
            pipeline.restore(open[source.name] ?? [])
            pipelines[source.name] = pipeline
        }
    }

    static func pipeline(_ source: Configuration.Source, _ configuration: Configuration) throws -> BatchSessionizer {
        try BatchSessionizer(
            options: BatchOptions(
                format: source.format, host: source.host ?? "-", useForwardedFor: source.clientIP == .xForwardedFor,
                sessionizer: SessionizerConfiguration(
                    gapMillis: configuration.gapMillis, latenessMillis: configuration.latenessMillis,
                    memoryLimit: configuration.memoryLimit),
                streaming: true))
    }

    /// Applies a new configuration (SIGHUP) without losing open sessions: sources added start, sources
    /// removed have their open sessions shipped as fragments, a source whose format or settings
    /// changed keeps its open sessions; new PostgreSQL settings take effect from the next batch (the
    /// new connection is made, and the schema checked, before anything changes: on failure the old
    /// configuration stays in force).
    public func reload(_ new: Configuration) throws {
        var newShipper = shipper
        if new.conninfo != configuration.conninfo || new.table != configuration.table
            || new.gapMillis != configuration.gapMillis || new.agentID != configuration.agentID
        {
            newShipper = FragmentShipper(
                conninfo: new.conninfo, table: new.table, gapMillis: new.gapMillis, agentID: new.agentID, log: log)
            _ = try newShipper.connect()
        }
        var newPipelines: [String: BatchSessionizer] = [:]
        for source in new.sources {
            var pipeline = try Daemon.pipeline(source, new)
            if var old = pipelines[source.name] { pipeline.restore(old.flushFragments()) }
            newPipelines[source.name] = pipeline
        }
        // Everything checked: switch. What was read under the old settings is shipped under them.
        try shipAndCheckpoint(force: true)
        for (name, var old) in pipelines where newPipelines[name] == nil {
            outbox += old.flushFragments()
        }
        shipper = newShipper
        pipelines = newPipelines
        configuration = new
        try shipAndCheckpoint(force: true)
    }

    /// Reads what is new in every source. With `idleAt`, sources that had nothing new have their event
    /// time moved to that wall-clock time, closing the sessions then over.
    public func pass(idleAt wallClock: Int64? = nil) throws {
        seen = [:]
        defer { reportLostFiles() }
        for source in configuration.sources {
            var pipeline = pipelines[source.name]!
            let linesBefore = pipeline.statistics.lines
            for match in FileDiscovery.discover(patterns: source.paths, exclude: source.exclude) {
                for path in match.rotated + [match.path] {
                    do {
                        try read(
                            path, isLive: path == match.path, host: match.host ?? source.host, source: source,
                            into: &pipeline)
                    } catch let error as InputError where path != match.path {
                        // A rotated file still being compressed reads as truncated gzip: next pass.
                        log("\(error) Trying again on the next pass.")
                    }
                }
            }
            if let wallClock, pipeline.statistics.lines == linesBefore {
                pipeline.advanceTime(to: wallClock)
            }
            outbox += pipeline.takeFragments()
            pipelines[source.name] = pipeline
        }
        if outboxSince == nil && !outbox.isEmpty { outboxSince = wallClockMillis() }
    }

    private func read(
        _ path: String, isLive: Bool, host: String?, source: Configuration.Source, into pipeline: inout BatchSessionizer
    ) throws {
        // One descriptor for the fingerprint and the reading: logrotate may rename the path in between.
        let file: InputFile
        do {
            file = try InputFile(path: path)
        } catch {
            if error.problem == "no such file" { return }  // rotated away since discovery: next pass
            throw error
        }
        let head = try file.readHead()
        // Empty when we looked: nothing to read, and nothing to know it by. Reading on anyway would
        // take lines written since, with no checkpoint to record them under: the next pass would read
        // them again.
        if head.isEmpty { return }
        let identity = source.name + "\u{0}" + String(Checkpoints.fingerprint(head), radix: 16)
        // Per-host files of one source may start alike: the captured host is part of the file's name.
        let key = host.map { source.name + "\u{0}" + $0 } ?? source.name
        let entry = checkpoints.entry(source: key, head: head)
        if entry?.complete == true { return }
        let start = entry?.offset ?? 0
        let isGzip = file.isGzip
        // A plain file no longer than what was read has nothing new.
        let size = file.sizeOnDisk
        if !isGzip, let entry, size <= entry.offset {
            seen[identity] = (path, entry.offset, size)
            return
        }
        // The origin names the file by its content, not its name, so that the same events give the
        // same fragment ids however the file was named when read.
        let origin = Origin.source(source.name + "\u{0}") ^ Checkpoints.fingerprint(head)
        let reached = try pipeline.read(
            file: file, path: path, from: start, host: host, origin: origin, finishPartialLine: !isLive && isGzip)
        checkpoints.record(source: key, head: head, offset: reached, path: path, complete: !isLive && isGzip)
        if !isGzip { seen[identity] = (path, reached, file.sizeOnDisk) }
    }

    /// Files not read to their end in the last pass and gone in this one lost their unread bytes:
    /// said loudly, and counted.
    private func reportLostFiles() {
        for (identity, file) in unfinished where seen[identity] == nil && file.size > file.offset {
            lostBytes += file.size - file.offset
            log(
                "error: \(file.path) disappeared before it was read to its end: \(file.size - file.offset) bytes lost (rotated away or deleted faster than sessiontail reads; keep more rotations, or check why it falls behind)"
            )
        }
        unfinished = seen
    }

    /// Ships the outbox when it is full or old enough (or when `force`d), then writes the state.
    /// Transient failures are retried forever; permanent ones slowly, with a message each time.
    public func shipAndCheckpoint(force: Bool, stopRetrying: () -> Bool = { false }) throws {
        let age = outboxSince.map { wallClockMillis() - $0 } ?? 0
        if force || outbox.count >= configuration.batchSize || age >= configuration.batchAgeMillis {
            var start = 0
            while start < outbox.count {
                let end = min(start + configuration.batchSize, outbox.count)
                appliedFragments += try shipper.ship(
                    Array(outbox[start..<end]), retryPermanent: true, stopRetrying: stopRetrying)
                shippedFragments += end - start
                start = end
            }
            outbox = []
            outboxSince = nil
        }
        guard outbox.isEmpty else { return }
        // Only now do offsets and open sessions describe one instant with everything before it shipped.
        var open: [String: [Fragment]] = [:]
        for (name, pipeline) in pipelines { open[name] = pipeline.openFragments() }
        try DaemonState.save(checkpoints: checkpoints, open: open, path: Daemon.statePath(configuration))
    }

    /// Closes every open session (end of input: `--drain`).
    public func closeAll() {
        for (name, var pipeline) in pipelines {
            outbox += pipeline.flushFragments()
            pipelines[name] = pipeline
        }
    }

    /// Counts of every source since start.
    public var totals: InputStatistics {
        var total = InputStatistics()
        for pipeline in pipelines.values { total.add(pipeline.statistics) }
        return total
    }

    /// Sessions now open, over all sources.
    public var openSessions: Int { pipelines.values.reduce(0) { $0 + $1.openSessions } }
}

func wallClockMillis() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
}

/// The daemon's state file: checkpoints and the open sessions of the same instant, in one file written
/// atomically.
enum DaemonState {
    static let magic = Array("sessiontail-state 1\n".utf8)

    static func load(path: String) throws -> (Checkpoints, [String: [Fragment]]) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 30)
        } catch {
            if error.problem == "no such file" { return (Checkpoints(), [:]) }
            throw error
        }
        func damaged(_ what: String) -> InputError {
            InputError(path: path, problem: "the state file is damaged (\(what)); move it away to start afresh")
        }
        guard bytes.starts(with: magic) else {
            if bytes.starts(with: Array("sessiontail-state ".utf8)) {
                throw InputError(path: path, problem: "it was written by a newer sessiontail; upgrade sessiontail")
            }
            throw damaged("no header")
        }
        var p = magic.count
        func number() throws -> Int {
            var value = 0
            var digits = 0
            while p < bytes.count, bytes[p] >= 48, bytes[p] <= 57, digits < 18 {
                value = value * 10 + Int(bytes[p] - 48)
                p += 1
                digits += 1
            }
            guard digits > 0, p < bytes.count, bytes[p] == 10 else { throw damaged("a length") }
            p += 1
            return value
        }
        let textLength = try number()
        guard bytes.count - p >= textLength else { throw damaged("checkpoints cut short") }
        let checkpoints = try Checkpoints.decode(bytes[p..<(p + textLength)], path: path)
        p += textLength
        var open: [String: [Fragment]] = [:]
        while p < bytes.count {
            let nameLength = try number()
            guard bytes.count - p >= nameLength else { throw damaged("a source name") }
            let name = String(decoding: bytes[p..<(p + nameLength)], as: UTF8.self)
            p += nameLength
            let count = try number()
            var fragments: [Fragment] = []
            try bytes.withUnsafeBytes { raw in
                for _ in 0..<count {
                    guard let f = Fragment(serialized: raw, at: &p) else { throw damaged("an open session") }
                    fragments.append(f)
                }
            }
            open[name] = fragments
        }
        return (checkpoints, open)
    }

    static func save(checkpoints: Checkpoints, open: [String: [Fragment]], path: String) throws {
        var out = magic
        let text = checkpoints.encoded()
        out += Array("\(text.count)\n".utf8)
        out += text
        for (name, fragments) in open.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            out += Array("\(nameBytes.count)\n".utf8)
            out += nameBytes
            out += Array("\(fragments.count)\n".utf8)
            for f in fragments { f.serialize(into: &out) }
        }
        try FileSystem.writeAtomically(out, to: path)
    }
}

extension InputStatistics {
    /// Adds another run's counts.
    mutating func add(_ other: InputStatistics) {
        files += other.files
        lines += other.lines
        events += other.events
        for i in malformedByReason.indices { malformedByReason[i] += other.malformedByReason[i] }
        samples += other.samples.prefix(max(0, InputStatistics.sampleLimit - samples.count))
        fragments += other.fragments
        sessions += other.sessions
    }
}
