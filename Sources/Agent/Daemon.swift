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
    private var pipelines: [String: BatchSessionizer] = [:]
    private var shipper: FragmentShipper
    private var outbox: [Fragment] = []
    private var outboxSince: Int64? = nil
    /// Counts since start.
    public private(set) var statistics = InputStatistics()
    public private(set) var shippedFragments = 0
    public private(set) var appliedFragments = 0
    /// Bytes of files that disappeared (deleted by logrotate, say) before they were read to their end,
    /// as far as known, and how many such files.
    public private(set) var lostBytes: UInt64 = 0
    public private(set) var lostFiles = 0
    private var passNumber = 0
    /// Plain files read, kept open so that one deleted before it was read to its end can be finished.
    private var held: [HeldKey: HeldFile] = [:]
    /// Checkpoint entries whose files were found in this pass, and how many passes in a row the
    /// others have been missing.
    private var present: Set<EntryKey> = []
    private var missing: [EntryKey: Int] = [:]

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

    deinit {
        for file in held.values { close(file.descriptor) }
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
        for (key, file) in held where newPipelines[file.source] == nil {
            close(file.descriptor)
            held[key] = nil
        }
        shipper = newShipper
        pipelines = newPipelines
        configuration = new
        try shipAndCheckpoint(force: true)
    }

    /// Reads what is new in every source. With `idleAt`, sources that had nothing new have their event
    /// time moved to that wall-clock time, closing the sessions then over.
    public func pass(idleAt wallClock: Int64? = nil) throws {
        passNumber += 1
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
            try finishDeletedFiles(of: source, into: &pipeline)
            if let wallClock, pipeline.statistics.lines == linesBefore {
                pipeline.advanceTime(to: wallClock)
            }
            outbox += pipeline.takeFragments()
            pipelines[source.name] = pipeline
        }
        reportVanishedFiles()
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
        try read(file, path: path, finish: !isLive && file.isGzip, host: host, source: source, into: &pipeline)
    }

    /// Reads `file` from its checkpoint; `finish`: to its very end (it will not grow), and marks it
    /// complete.
    private func read(
        _ file: InputFile, path: String, finish: Bool, host: String?, source: Configuration.Source,
        into pipeline: inout BatchSessionizer
    ) throws {
        let head = try file.readHead()
        // Empty when we looked: nothing to read, and nothing to know it by. Reading on anyway would
        // take lines written since, with no checkpoint to record them under: the next pass would read
        // them again.
        if head.isEmpty { return }
        // Per-host files of one source may start alike: the captured host is part of the file's name.
        let key = host.map { source.name + "\u{0}" + $0 } ?? source.name
        let identity = file.fileIdentity
        let isGzip = file.isGzip
        let isRotation = { (entry: Checkpoints.Entry) in
            Checkpoints.isRotation(of: entry, path: path, identity: identity, isGzip: isGzip)
        }
        let entry = checkpoints.entry(source: key, head: head, identity: identity, isRotation: isRotation)
        if let entry { present.insert(EntryKey(entry)) }
        if !isGzip && !finish && held[HeldKey(key: key, identity: identity)] == nil {
            let fd = file.duplicateDescriptor()
            if fd >= 0 {
                held[HeldKey(key: key, identity: identity)] = HeldFile(
                    descriptor: fd, path: path, host: host, source: source.name, lastSeen: passNumber)
            }
        }
        held[HeldKey(key: key, identity: identity)]?.lastSeen = passNumber
        if entry?.complete == true { return }
        let start = entry?.offset ?? 0
        // A plain file no longer than what was read has nothing new.
        if !isGzip, let entry, file.sizeOnDisk <= entry.offset { return }
        // The origin names the file by its content, not its name, so that the same events give the
        // same fragment ids however the file was named when read.
        let origin = Origin.source(source.name + "\u{0}") ^ Checkpoints.fingerprint(head)
        let reached = try pipeline.read(
            file: file, path: path, from: start, host: host, origin: origin, finishPartialLine: finish)
        checkpoints.record(
            source: key, head: head, offset: reached, path: path, complete: finish, identity: identity,
            size: isGzip ? 0 : file.sizeOnDisk, isRotation: isRotation)
        present.insert(EntryKey(checkpoints.entries.last!))
    }

    /// A plain file deleted while sessiontail had it open is still readable through the descriptor
    /// kept: once it has been missing from its paths for two passes (a rename by logrotate is not a
    /// deletion), what is left in it is read, and it is let go.
    private func finishDeletedFiles(of source: Configuration.Source, into pipeline: inout BatchSessionizer) throws {
        for (key, file) in held where file.source == source.name && passNumber - file.lastSeen >= 2 {
            held[key] = nil
            guard lseek(file.descriptor, 0, SEEK_SET) == 0,
                let input = try? InputFile(descriptor: file.descriptor, path: file.path, owned: true)
            else {
                close(file.descriptor)
                continue
            }
            try read(input, path: file.path + " (deleted)", finish: true, host: file.host, source: source, into: &pipeline)
        }
    }

    /// Checkpointed files that are not finished and are no longer anywhere under their source's paths
    /// took their unread lines with them (logrotate deleted them before they were read, most likely
    /// while sessiontail was stopped): said loudly, counted, and not said again.
    private func reportVanishedFiles() {
        let names = Set(configuration.sources.map(\.name))
        for entry in checkpoints.entries where !entry.complete && !entry.gone {
            let name = entry.source.split(separator: "\u{0}", maxSplits: 1).first.map(String.init) ?? entry.source
            guard names.contains(name) else { continue }
            if present.contains(EntryKey(entry)) {
                missing[EntryKey(entry)] = nil
                continue
            }
            let misses = (missing[EntryKey(entry)] ?? 0) + 1
            missing[EntryKey(entry)] = misses
            // Logrotate renames a file out of sight for a moment: missing twice in a row is gone (once is
            // enough for what vanished while sessiontail was stopped).
            guard misses >= (passNumber == 1 ? 1 : 2), 
                !held.contains(where: { $0.key.identity == entry.identity && $0.value.lastSeen < passNumber }) else {
                continue
            }
            missing[EntryKey(entry)] = nil
            checkpoints.markGone(entry)
            lostFiles += 1
            if entry.size > entry.offset {
                lostBytes += entry.size - entry.offset
                log(
                    "error: \(entry.path) is gone before it was read to its end: at least \(entry.size - entry.offset) bytes lost (logrotate deleted it unread, most likely while sessiontail was stopped; keep more rotations)"
                )
            } else {
                log(
                    "error: \(entry.path) is gone (read to byte \(entry.offset)); any lines written to it after that were lost (logrotate deleted it unread, most likely while sessiontail was stopped; keep more rotations)"
                )
            }
        }
        present = []
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

struct HeldKey: Hashable {
    var key: String
    var identity: FileIdentity
}

struct HeldFile {
    var descriptor: Int32
    var path: String
    var host: String?
    var source: String
    var lastSeen: Int
}

/// A checkpoint entry's file, whatever its offset.
struct EntryKey: Hashable {
    var source: String
    var fingerprint: UInt64
    var length: Int

    init(_ entry: Checkpoints.Entry) {
        source = entry.source
        fingerprint = entry.fingerprint
        length = entry.fingerprintLength
    }
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
