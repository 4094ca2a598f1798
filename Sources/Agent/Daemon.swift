import AccessLog
import Journal
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
/// State lives in a write-ahead log (``DaemonJournal``): each pass ends with a commit, made durable
/// before anything it emitted is shipped, that holds the offsets, the open sessions that changed and
/// the sessions emitted, for one instant. A crash at any moment (`kill -9`, power loss) comes back
/// to the last commit and reads on from its offsets: no line is lost and none is counted twice. A
/// restart resumes the open sessions instead of cutting them.
public final class Daemon {
    public private(set) var configuration: Configuration
    private let log: (String) -> Void
    private(set) var checkpoints: Checkpoints
    private(set) var pipelines: [String: BatchSessionizer] = [:]
    private(set) var shipper: FragmentShipper
    private let journal: WriteAheadLog
    private let durable: Bool
    private var volatileSequence: UInt64 = 0
    /// Emitted by the passes since the last commit, by source.
    private var pending: [String: [Fragment]] = [:]
    private var checkpointsChanged = false
    /// Committed, not yet shipped: the commit's sequence and its fragments, oldest first.
    private var outbox: [(sequence: UInt64, agentID: String, fragments: [Fragment])] = []
    /// Shippers for what was committed under an earlier agent id (until it is shipped).
    private var formerShippers: [String: FragmentShipper] = [:]
    private var outboxSince: Int64? = nil
    private var shippedThrough: UInt64 = 0
    /// The sequence of the latest snapshot: segments before it that hold nothing unshipped can go.
    private var lastSnapshot: UInt64 = 0
    /// Asked between files and between pieces of a large file: true ends the pass early (SIGTERM).
    public var shouldStop: () -> Bool = { false }
    /// Tests only: called with a file's path after a piece of it was read and before its checkpoint is
    /// recorded, where logrotate may act.
    var afterReading: ((String) -> Void)? = nil
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
    private(set) var held: [HeldKey: HeldFile] = [:]
    /// Checkpoint entries whose files were found in this pass, and how many passes in a row the
    /// others have been missing.
    private var present: Set<EntryKey> = []
    private var missing: [EntryKey: Int] = [:]

    /// Where the write-ahead log lives in the state directory.
    public static func journalPath(_ configuration: Configuration) -> String {
        configuration.stateDirectory + "/wal"
    }

    /// Recovers the state (offsets, open sessions, and what was committed but not shipped) and
    /// connects to PostgreSQL, so that a wrong password, table or gap fails before any reading.
    ///
    /// `durable: false` (benchmarks only) writes nothing to the write-ahead log: a crash then loses
    /// offsets and open sessions, and a restart reads everything again.
    public init(configuration: Configuration, durable: Bool = true, log: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.durable = durable
        self.log = log
        try FileSystem.makeDirectory(configuration.stateDirectory)
        let path = Daemon.journalPath(configuration)
        journal = try WriteAheadLog(directory: path, segmentLimit: Daemon.segmentLimit(configuration))
        for damage in journal.damage { log("error: \(damage); what it held is read again from the logs") }
        var state = try DaemonJournal.recover(journal.recovered, path: path)
        journal.forgetRecovered()
        let legacy = configuration.stateDirectory + "/state"
        if !state.hasSnapshot {
            // A state file from before the write-ahead log: taken over, then removed.
            let (checkpoints, open) = try DaemonState.load(path: legacy)
            state.checkpoints = checkpoints
            for (name, fragments) in open {
                var byKey: [[UInt8]: [Fragment]] = [:]
                for f in fragments { byKey[DaemonJournal.key(f), default: []].append(f) }
                state.open[name] = byKey
            }
        }
        checkpoints = state.checkpoints
        shippedThrough = state.shippedThrough
        outbox = state.outbox
        if !outbox.isEmpty { outboxSince = 0 }  // ship at once
        shipper = FragmentShipper(
            conninfo: configuration.conninfo, table: configuration.table, gapMillis: configuration.gapMillis,
            agentID: configuration.agentID, log: log)
        do {
            _ = try shipper.connect()
        } catch {
            guard error.kind == .transient else { throw error }
            // Down for now: read on, commit, and ship once it is back (the logs are the buffer).
            log("warning: PostgreSQL cannot be reached yet (\(error)); reading on, shipping when it is back")
        }
        for source in configuration.sources {
            var pipeline = try Daemon.pipeline(source, configuration)
            pipeline.restore(DaemonJournal.ordered(state.open[source.name] ?? [:]))
            _ = pipeline.takeChanges()
            pipelines[source.name] = pipeline
        }
        // Sources no longer configured: their open sessions are over.
        for (name, byKey) in state.open where pipelines[name] == nil && !byKey.isEmpty {
            pending[name] = DaemonJournal.ordered(byKey)
        }
        // Sessions of removed sources go out first; then a fresh segment that starts with the whole
        // state lets the old segments go.
        try commit()
        try journal.startSegment()
        let snapshot = try writeSnapshot()
        if durable { journal.removeSegments(before: min(outbox.first?.sequence ?? snapshot, snapshot)) }
        unlink(legacy)
    }

    /// Segments of at most a quarter of the disk cap (and at most 64 MiB).
    static func segmentLimit(_ configuration: Configuration) -> Int {
        max(1 << 20, min(64 << 20, configuration.diskLimit / 4))
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
                    // Three quarters of limits.memory for the window store; the rest is for the
                    // buffers around it (lines being read, commits and snapshots being written).
                    memoryLimit: configuration.memoryLimit / 4 * 3),
                streaming: true))
    }

    /// Applies a new configuration (SIGHUP) without losing open sessions: sources added start, sources
    /// removed have their open sessions shipped as fragments, a source whose format or settings
    /// changed keeps its open sessions; new PostgreSQL settings take effect from the next batch (the
    /// new connection is made, and the schema checked, before anything changes: on failure the old
    /// configuration stays in force).
    public func reload(_ new: Configuration, stopRetrying: () -> Bool = { false }) throws {
        var newShipper = shipper
        let database =
            new.conninfo != configuration.conninfo || new.table != configuration.table
            || new.gapMillis != configuration.gapMillis || new.agentID != configuration.agentID
        if database {
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
        // Everything checked: switch. What was read under the old settings is committed, and shipped
        // under them when the database changes.
        try shipAndCheckpoint(force: database, stopRetrying: stopRetrying)
        for (name, var old) in pipelines where newPipelines[name] == nil {
            pending[name, default: []] += old.flushFragments()
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
        for source in configuration.sources where !shouldStop() {
            // Out of the dictionary while it is read, so that it is not copied (and not snapshotted
            // half-way: see `compactJournal`).
            var pipeline = pipelines.removeValue(forKey: source.name)!
            defer { pipelines[source.name] = pipeline }
            let linesBefore = pipeline.statistics.lines
            for match in FileDiscovery.discover(patterns: source.paths, exclude: source.exclude) {
                for path in match.rotated + [match.path] where !shouldStop() {
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
            let emitted = pipeline.takeFragments()
            if !emitted.isEmpty { pending[source.name, default: []] += emitted }
        }
        reportVanishedFiles()
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
    /// complete. `held`: a file kept open and since deleted, which was read before: a checkpoint with
    /// its head is its own (or its compressed copy's), whatever the inode.
    private func read(
        _ file: InputFile, path: String, finish: Bool, held isHeld: Bool = false, host: String?,
        source: Configuration.Source, into pipeline: inout BatchSessionizer
    ) throws {
        let head = try file.readHead()
        // Per-host files of one source may start alike: the captured host is part of the file's name.
        let key = host.map { source.name + "\u{0}" + $0 } ?? source.name
        let identity = file.fileIdentity
        held[HeldKey(key: key, identity: identity)]?.lastSeen = passNumber
        // Empty when we looked: nothing to read, and nothing to know it by. Reading on anyway would
        // take lines written since, with no checkpoint to record them under: the next pass would read
        // them again.
        if head.isEmpty { return }
        let isGzip = file.isGzip
        let isRotation = { (entry: Checkpoints.Entry) in
            isHeld || Checkpoints.isRotation(of: entry, path: path, identity: identity, isGzip: isGzip)
        }
        // Decided once for the whole read: the files may change before it records (see `record`).
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
        var cursor = try pipeline.open(
            file: file, path: path, from: start, host: host, origin: origin, finishPartialLine: finish)
        var last = entry
        while true {
            let reached: UInt64
            let atEnd: Bool
            do {
                (reached, atEnd) = try pipeline.read(&cursor, fragmentLimit: configuration.batchSize)
            } catch {
                // What was read before the error (a .gz still being written, say) is in the store:
                // its checkpoint must say so, or the next pass would read it again.
                if cursor.reached != start {
                    checkpoints.record(
                        source: key, head: head, offset: cursor.reached, path: path, identity: identity,
                        size: isGzip ? 0 : file.sizeOnDisk, replacing: last)
                    checkpointsChanged = true
                }
                throw error
            }
            afterReading?(path)
            let complete = finish && atEnd
            checkpoints.record(
                source: key, head: head, offset: reached, path: path, complete: complete, identity: identity,
                size: isGzip ? 0 : file.sizeOnDisk, replacing: last)
            let recorded = checkpoints.entries.last!
            // A commit only when something a restart needs changed (not for a partial line re-read).
            if last == nil || last!.offset != reached || last!.complete != complete || last!.identity != identity
                || last!.path != path || last!.fingerprint != recorded.fingerprint
            {
                checkpointsChanged = true
            }
            last = recorded
            present.insert(EntryKey(recorded))
            if atEnd || shouldStop() { break }
            // A batch of sessions is over in the middle of a large file (catching up, say): commit and
            // ship them now, so that memory stays bounded whatever the backlog.
            let emitted = pipeline.takeFragments()
            if !emitted.isEmpty { pending[source.name, default: []] += emitted }
            pipelines[source.name] = pipeline
            defer { pipeline = pipelines.removeValue(forKey: source.name)! }
            try shipAndCheckpoint(force: false, stopRetrying: shouldStop)
        }
    }

    /// A plain file deleted while sessiontail had it open is still readable through the descriptor
    /// kept: once it has been missing from its paths for two passes (a rename by logrotate is not a
    /// deletion), what is left in it is read, and it is let go.
    private func finishDeletedFiles(of source: Configuration.Source, into pipeline: inout BatchSessionizer) throws {
        for (key, file) in held where file.source == source.name && passNumber - file.lastSeen >= 2 {
            var info = stat()
            let deleted = fstat(file.descriptor, &info) != 0 || info.st_nlink == 0
            // Moved out of sight but not deleted (`olddir`, say): read what is new, as for any log, and
            // keep it until it is deleted.
            let descriptor = deleted ? file.descriptor : dup(file.descriptor)
            if deleted { held[key] = nil }
            guard descriptor >= 0, lseek(descriptor, 0, SEEK_SET) == 0,
                let input = try? InputFile(descriptor: descriptor, path: file.path, owned: true)
            else {
                if descriptor >= 0 { close(descriptor) }
                continue
            }
            try read(
                input, path: file.path + (deleted ? " (deleted)" : " (moved)"), finish: deleted, held: true,
                host: file.host, source: source, into: &pipeline)
        }
    }

    /// Checkpointed files that are not finished and are no longer anywhere under their source's paths
    /// took their unread lines with them (logrotate deleted them before they were read, most likely
    /// while sessiontail was stopped): said loudly, counted, and not said again.
    private func reportVanishedFiles() {
        defer { present = [] }
        // A pass cut short (SIGTERM) did not look everywhere: nothing can be said missing.
        if shouldStop() { return }
        let names = Set(configuration.sources.map(\.name))
        var stillMissing: [EntryKey: Int] = [:]
        for entry in checkpoints.entries where !entry.complete && !entry.gone && !present.contains(EntryKey(entry)) {
            let name = entry.source.split(separator: "\u{0}", maxSplits: 1).first.map(String.init) ?? entry.source
            guard names.contains(name) else { continue }
            let misses = (missing[EntryKey(entry)] ?? 0) + 1
            // Logrotate renames a file out of sight for a moment: missing twice in a row is gone (once is
            // enough for what vanished while sessiontail was stopped). A held file is finished instead.
            if misses < (passNumber == 1 ? 1 : 2)
                || held.contains(where: { $0.key.identity == entry.identity && $0.value.lastSeen < passNumber })
            {
                stillMissing[EntryKey(entry)] = misses
                continue
            }
            checkpoints.markGone(entry)
            checkpointsChanged = true
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
        missing = stillMissing
    }

    /// Commits what the passes since the last commit did (durably: `fdatasync`), then ships the
    /// outbox when it is full or old enough (or when `force`d). Transient failures are retried
    /// forever; permanent ones slowly, with a message each time.
    public func shipAndCheckpoint(force: Bool, stopRetrying: () -> Bool = { false }) throws {
        try commit()
        let count = outbox.reduce(0) { $0 + $1.fragments.count }
        let age = outboxSince.map { wallClockMillis() - $0 } ?? 0
        // Over the disk cap, what waits goes now: shipping is what lets the log shrink.
        let overDisk = journal.diskBytes > configuration.diskLimit
        guard !outbox.isEmpty, force || overDisk || count >= configuration.batchSize || age >= configuration.batchAgeMillis
        else {
            return
        }
        while let (sequence, agentID, fragments) = outbox.first {
            // Fragment ids derive from the agent id they were committed under: keep it.
            var through = shipper
            if agentID != shipper.agentID {
                through =
                    formerShippers[agentID]
                    ?? FragmentShipper(
                        conninfo: configuration.conninfo, table: configuration.table, gapMillis: configuration.gapMillis,
                        agentID: agentID, log: log)
                formerShippers[agentID] = through
            }
            var start = 0
            while start < fragments.count {
                let end = min(start + configuration.batchSize, fragments.count)
                appliedFragments += try through.ship(
                    Array(fragments[start..<end]), retryPermanent: true, stopRetrying: stopRetrying)
                shippedFragments += end - start
                start = end
            }
            outbox.removeFirst()
            shippedThrough = sequence
            // Durable with the next commit: should it be lost, shipping again changes nothing.
            if durable {
                try journal.append(kind: DaemonJournal.shipped, payload: DaemonJournal.encodeShipped(sequence))
            }
        }
        outboxSince = nil
        formerShippers = [:]
        guard durable else { return }
        try journal.sync()
        // Everything shipped: what precedes the latest snapshot is no longer needed.
        journal.removeSegments(before: lastSnapshot)
        try compactJournal()
    }

    /// Appends a commit of the checkpoints, the fragments emitted and the open sessions changed
    /// since the last one, and makes it durable; nothing when nothing changed.
    func commit() throws {
        var changes: [(String, DaemonJournal.SourceChange)] = []
        for name in Set(pipelines.keys).union(pending.keys).sorted() {
            var change = DaemonJournal.SourceChange()
            change.emitted = pending[name] ?? []
            if var pipeline = pipelines.removeValue(forKey: name) {
                change.changed = pipeline.takeChanges()
                pipelines[name] = pipeline
            }
            if !change.emitted.isEmpty || !change.changed.isEmpty { changes.append((name, change)) }
        }
        guard !changes.isEmpty || checkpointsChanged else { return }
        let sequence: UInt64
        if durable {
            sequence = try journal.append(
                kind: DaemonJournal.commit,
                payload: DaemonJournal.encodeCommit(
                    agentID: configuration.agentID, checkpoints: checkpoints, changes: changes))
            try journal.sync()
        } else {
            volatileSequence += 1
            sequence = volatileSequence
        }
        let emitted = changes.flatMap(\.1.emitted)
        if !emitted.isEmpty {
            outbox.append((sequence, configuration.agentID, emitted))
            if outboxSince == nil { outboxSince = wallClockMillis() }
        }
        pending = [:]
        checkpointsChanged = false
        if durable { try compactJournal() }
    }

    /// Once the current segment is full: a new one, starting with a snapshot, and the segments that
    /// hold nothing unshipped before the snapshot removed.
    func compactJournal() throws {
        // A snapshot needs every source's open sessions: not while one is being read.
        guard journal.needsNewSegment, pipelines.count == configuration.sources.count else { return }
        try journal.startSegment()
        let snapshot = try writeSnapshot()
        journal.removeSegments(before: min(outbox.first?.sequence ?? snapshot, snapshot))
        try journal.sync()
    }

    @discardableResult
    func writeSnapshot() throws -> UInt64 {
        guard durable else { return 0 }
        // Written a part at a time: a large store is never held twice over in memory.
        let part = Daemon.snapshotPart
        let names = pipelines.keys.sorted()
        let parts = names.reduce(0) { $0 + (pipelines[$1]!.openSessions + part - 1) / part }
        let sequence = try journal.append(
            kind: DaemonJournal.snapshot,
            payload: DaemonJournal.encodeSnapshot(
                shippedThrough: shippedThrough, checkpoints: checkpoints, open: [], parts: parts))
        var written = 0
        for name in names {
            let pipeline = pipelines[name]!
            var position = pipeline.oldestOpen
            while position >= 0 {
                let fragments = pipeline.openFragments(from: &position, limit: part)
                try journal.append(
                    kind: DaemonJournal.snapshotPart,
                    payload: DaemonJournal.encodeSnapshotPart(source: name, fragments: fragments))
                written += 1
            }
        }
        precondition(written == parts, "a snapshot wrote \(written) parts of \(parts)")
        try journal.sync()
        lastSnapshot = sequence
        return sequence
    }

    /// Open sessions per snapshot part record.
    static let snapshotPart = 4096

    /// Closes every open session (end of input: `--drain`), a batch at a time, each committed and
    /// shipped as it goes, so that memory stays bounded however many were open.
    public func closeAll() throws {
        for name in pipelines.keys.sorted() {
            while pipelines[name]?.openSessions ?? 0 > 0 {
                // Out of the dictionary, and no other copy held, so that it is not copied as it changes.
                var flushing = pipelines.removeValue(forKey: name)!
                let flushed = flushing.flushFragments(limit: configuration.batchSize)
                pipelines[name] = flushing
                if !flushed.isEmpty { pending[name, default: []] += flushed }
                try shipAndCheckpoint(force: false)
            }
        }
    }

    /// Write-ahead log figures: bytes on disk, `fdatasync` calls, fragments committed and not shipped.
    public var journalBytes: Int { journal.diskBytes }
    public var journalSyncs: Int { journal.syncs }
    public var outboxFragments: Int { outbox.reduce(0) { $0 + $1.fragments.count } }

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

/// The daemon's state file from before the write-ahead log (checkpoints and open sessions), read once
/// to take it over.
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
