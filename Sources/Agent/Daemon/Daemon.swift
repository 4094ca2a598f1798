import Journal
import Operations
import PostgresSink
import Sessionizer
import SystemIO
import Tailing

#if canImport(Glibc)
    import Glibc
#endif

/// `sessiontail run`: reads what is new in every source, sessionizes it, ships closed sessions and
/// checkpoints; `--drain` is one such pass that also closes every open session. ``DaemonRunner`` owns
/// the loop around it; this type is what one turn of the loop does, and can be driven in-process.
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
///
/// What it talks to are seams: the ``FragmentSink`` it ships to (made by a ``FragmentSinkFactory``),
/// the wall clock (idle sessions and batch age), and the ``StopToken`` that ends long work early.
///
/// ```swift
/// let daemon = try Daemon(configuration: configuration, log: { level, message in … })
/// try daemon.pass(idleAt: SystemClock.wallMillis())
/// try daemon.commitAndShip(force: false)
/// ```
public final class Daemon {
    public internal(set) var configuration: Configuration
    let log: Log
    let makeSink: FragmentSinkFactory
    let clock: () -> Int64
    /// Asked between files, between pieces of a large file and while waiting to retry shipping.
    public let stop: StopToken
    /// Called while shipping waits to retry (at least once a second), so that status, metrics and the
    /// watchdog stay fresh during a database outage.
    public var whileWaiting: () -> Void = {}
    /// Called between pieces of a large file (catching up), after each piece was committed and
    /// shipped, so that status and metrics show the progress of a long pass.
    public var betweenPieces: () -> Void = {}
    /// Told how far reading has come (`run --drain` on a terminal); nil: nobody watches.
    public var progress: ProgressLine? = nil {
        didSet { for name in pipelines.keys { pipelines[name]!.progress = progress } }
    }
    /// Bytes of log content read since start (decompressed), for the read rate `status` shows.
    public internal(set) var bytesRead: UInt64 = 0
    /// How long one piece of a large file is read at most before it is committed (microseconds).
    static let pieceMicros: UInt64 = 1_000_000
    /// Tests only: called with a file's path after a piece of it was read and before its checkpoint is
    /// recorded, where logrotate may act; an error thrown there ends the pass as a crash would.
    var afterReading: ((String) throws -> Void)? = nil

    var checkpoints: Checkpoints
    var pipelines: [String: SourcePipeline] = [:]
    /// The sink of the configured agent id, and those of earlier ids with fragments still to ship.
    var sink: any FragmentSink
    var formerSinks: [String: any FragmentSink] = [:]
    let journal: WriteAheadLog
    /// Reads every source's files, one at a time: one reader thread and one set of buffers, sized at
    /// start (``Daemon/readAheadChunk(_:)``).
    let fileReader: FileReader
    /// Classifies every source's requests (each distinct user agent once for all), made when first
    /// needed and again when a reload changes the classification.
    var sharedClassifier: (classification: Classification, classifier: RequestClassifier)? = nil
    let durable: Bool
    var volatileSequence: UInt64 = 0
    /// Emitted by the passes since the last commit, by source.
    var pending: [String: [Fragment]] = [:]
    var checkpointsChanged = false
    /// Committed, not yet shipped: the commit's sequence and its fragments, oldest first.
    var outbox: [(sequence: UInt64, agentID: String, fragments: [Fragment])] = []
    var outboxSince: Int64? = nil
    /// About the memory the outbox holds (``Fragment/memoryEstimate``).
    var outboxBytes = 0
    var shippedThrough: UInt64 = 0
    /// The sequence of the latest snapshot: segments before it that hold nothing unshipped can go.
    var lastSnapshot: UInt64 = 0
    /// When shipping began to fail, and the retries counted before (to say when it recovers).
    var failingSince: (millis: Int64, retries: Int)? = nil
    /// Retries and permanent failures of sinks a reload replaced, so that the counts never go back.
    var replacedSinkRetries = (retries: 0, permanent: 0)

    public internal(set) var shippedFragments = 0
    public internal(set) var appliedFragments = 0
    /// Bytes of files that disappeared (deleted by logrotate, say) before they were read to their end,
    /// as far as known, and how many such files.
    public internal(set) var lostBytes: UInt64 = 0
    public internal(set) var lostFiles = 0
    /// Reads that found their file truncated and written again before they were done (copytruncate).
    public internal(set) var truncatedWhileRead = 0
    var passNumber = 0
    /// Plain files read, followed (kept open) until deleted.
    var trackers: [TrackerKey: FileTracker] = [:]
    /// Checkpoint entries whose files were found in this pass, and how many passes in a row the
    /// others have been missing.
    var present: Set<EntryKey> = []
    var missing: [EntryKey: Int] = [:]
    /// The files of the rotated set being read, for finding a file by its inode.
    var rotatedSet: [String] = []
    /// Files refused for a compression sessiontail does not read, by path (said once each).
    var refusedFiles: Set<String> = []
    /// Distinct files read since start (a file read in many passes counts once).
    var filesRead: Set<TrackerKey> = []

    /// Where the write-ahead log lives in the state directory.
    public static func journalPath(_ configuration: Configuration) -> String {
        configuration.stateDirectory + "/wal"
    }

    /// Recovers the state (offsets, open sessions, and what was committed but not shipped) and
    /// connects to the sink, so that a wrong password, table or gap fails before any reading; a sink
    /// that cannot be reached yet is not a reason to wait: the logs are the buffer.
    ///
    /// `durable: false` (benchmarks only) writes nothing to the write-ahead log: a crash then loses
    /// offsets and open sessions, and a restart reads everything again.
    public init(
        configuration: Configuration, sinks: @escaping FragmentSinkFactory = FragmentSinks.postgres,
        clock: @escaping () -> Int64 = SystemClock.wallMillis, stop: StopToken = NoStopToken(),
        durable: Bool = true, log: @escaping Log
    ) throws {
        self.configuration = configuration
        self.makeSink = sinks
        self.clock = clock
        self.stop = stop
        self.durable = durable
        self.log = log
        fileReader = FileReader(chunkSize: Daemon.readAheadChunk(configuration))
        do {
            try FileSystem.makeDirectory(configuration.stateDirectory)
        } catch {
            throw InputError(path: error.path, errno: error.errno)
        }
        let path = Daemon.journalPath(configuration)
        journal = try WriteAheadLog(directory: path, segmentLimit: Daemon.segmentLimit(configuration))
        for damage in journal.damage { log(.error, "\(damage); what it held is read again from the logs") }
        var state = try DaemonJournal.recover(journal.recovered, path: path)
        journal.forgetRecovered()
        let legacy = configuration.stateDirectory + "/state"
        if !state.hasSnapshot {
            // A state file from before the write-ahead log: taken over, then removed.
            let (checkpoints, open) = try LegacyStateFile.load(path: legacy)
            state.checkpoints = checkpoints
            for (name, fragments) in open {
                var byKey: [[UInt8]: [Fragment]] = [:]
                for f in fragments { byKey[DaemonJournal.key(f), default: []].append(f) }
                state.open[name] = byKey
            }
        }
        if configuration.privacy.mode != .keep {
            let rekeyed = Daemon.rekey(&state, ClientMasker(configuration.privacy))
            if rekeyed > 0 {
                log(
                    .notice,
                    "\(rekeyed) sessions in the write-ahead log held clients kept otherwise: now \(configuration.privacy.setting); the segments that held them go once they are shipped"
                )
            }
        }
        checkpoints = state.checkpoints
        shippedThrough = state.shippedThrough
        outbox = state.outbox
        outboxBytes = outbox.reduce(0) { $0 + Daemon.memoryEstimate($1.fragments) }
        if !outbox.isEmpty { outboxSince = 0 }  // ship at once
        sink = sinks(configuration, configuration.agentID)
        do {
            try sink.connect()
        } catch {
            guard error.kind == .transient else { throw error }
            // Down for now: read on, commit, and ship once it is back (the logs are the buffer).
            log(.warning, "PostgreSQL cannot be reached yet (\(error)); reading on, shipping when it is back")
        }
        for source in configuration.sources {
            var pipeline = try self.pipeline(source, configuration)
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

    /// Truncates or hashes the clients of the recovered open sessions and outbox (written under another
    /// privacy setting); returns how many changed.
    static func rekey(_ state: inout DaemonJournal.Recovered, _ masker: ClientMasker) -> Int {
        var changed = 0
        for i in state.outbox.indices {
            for k in state.outbox[i].fragments.indices where masker.rekey(&state.outbox[i].fragments[k]) {
                changed += 1
            }
        }
        for (name, byKey) in state.open {
            var rekeyed: [[UInt8]: [Fragment]] = [:]
            for var fragment in byKey.values.joined() {
                if masker.rekey(&fragment) { changed += 1 }
                rekeyed[DaemonJournal.key(fragment), default: []].append(fragment)
            }
            state.open[name] = rekeyed
        }
        return changed
    }

    /// How `limits.memory` is shared, so that the cap holds for the whole daemon and not for the window
    /// store alone: half for the window store (and an eighth beside it for the fragments it sorts), a
    /// quarter for fragments on their way to PostgreSQL (the outbox, and a batch's rows as they are sent),
    /// a sixteenth for reading ahead.
    static func storeMemory(_ configuration: Configuration) -> Int { configuration.memoryLimit / 2 }
    static func shippingMemory(_ configuration: Configuration) -> Int { configuration.memoryLimit / 4 }
    static func readAheadChunk(_ configuration: Configuration) -> Int {
        max(64 << 10, min(1 << 20, configuration.memoryLimit / 64))
    }

    static func memoryEstimate(_ fragments: [Fragment]) -> Int {
        fragments.reduce(0) { $0 + $1.memoryEstimate }
    }

    /// Segments of at most a quarter of the disk cap (and at most 64 MiB).
    static func segmentLimit(_ configuration: Configuration) -> Int {
        max(1 << 20, min(64 << 20, configuration.diskLimit / 4))
    }

    func pipeline(_ source: Configuration.Source, _ configuration: Configuration) throws -> SourcePipeline {
        var pipeline = try SourcePipeline(
            options: PipelineOptions(
                formats: source.formats, host: source.host ?? "-", client: source.client,
                sessionizer: SessionizerConfiguration(
                    gapMillis: configuration.gapMillis, latenessMillis: configuration.latenessMillis,
                    memoryLimit: Daemon.storeMemory(configuration)),
                streaming: true, classification: configuration.classification, drop: source.drop,
                privacy: configuration.privacy, geoip: configuration.geoip),
            reader: fileReader, classifier: try classifier(configuration))
        pipeline.progress = progress
        return pipeline
    }

    /// The classifier for `configuration`'s sources; nil when none needs one.
    func classifier(_ configuration: Configuration) throws -> RequestClassifier? {
        let needed =
            configuration.classification.enabled
            || configuration.sources.contains { $0.drop.bots || $0.drop.assets }
        guard needed else { return nil }
        if let shared = sharedClassifier, shared.classification == configuration.classification {
            return shared.classifier
        }
        let classifier = try RequestClassifier(configuration.classification)
        sharedClassifier = (configuration.classification, classifier)
        return classifier
    }

    /// Applies a new configuration (SIGHUP) without losing open sessions: sources added start, sources
    /// removed have their open sessions shipped as fragments, a source whose format or settings
    /// changed keeps its open sessions; new PostgreSQL settings take effect from the next batch (the
    /// new connection is made, and the schema checked, before anything changes: on failure the old
    /// configuration stays in force).
    public func reload(_ new: Configuration) throws {
        // Open sessions and the write-ahead log hold clients as the old setting kept them: a restart
        // re-keys them (``rekey(_:_:)``) before anything is shipped under the new one.
        guard new.privacy == configuration.privacy else {
            throw UsageError(
                "privacy: changed from '\(configuration.privacy.setting)' to '\(new.privacy.setting)': that takes a restart (systemctl restart sessiontail), and a new postgres.table"
            )
        }
        var newSink = sink
        let database =
            new.conninfo != configuration.conninfo || new.table != configuration.table
            || new.gapMillis != configuration.gapMillis || new.agentID != configuration.agentID
        if database {
            newSink = makeSink(new, new.agentID)
            try newSink.connect()
        }
        var newPipelines: [String: SourcePipeline] = [:]
        for source in new.sources {
            var pipeline = try self.pipeline(source, new)
            if var old = pipelines[source.name] { pipeline.restore(old.flushFragments()) }
            newPipelines[source.name] = pipeline
        }
        // Everything checked: switch. What was read under the old settings is committed, and shipped
        // under them when the database changes.
        try commitAndShip(force: database)
        for (name, var old) in pipelines where newPipelines[name] == nil {
            pending[name, default: []] += old.flushFragments()
        }
        for (key, tracker) in trackers where newPipelines[tracker.source] == nil { trackers[key] = nil }
        if database {
            replacedSinkRetries.retries += sink.retries
            replacedSinkRetries.permanent += sink.permanentFailures
        }
        sink = newSink
        pipelines = newPipelines
        configuration = new
        try commitAndShip(force: true)
    }

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
                try commitAndShip(force: false)
            }
        }
    }

    /// Write-ahead log figures: bytes on disk, `fdatasync` calls, fragments committed and not shipped.
    public var journalBytes: Int { journal.diskBytes }
    public var journalSyncs: Int { journal.syncs }
    public var outboxFragments: Int { outbox.reduce(0) { $0 + $1.fragments.count } }

    /// Counts of every source since start, with the distinct files read.
    public var totals: InputStatistics {
        var total = InputStatistics()
        for pipeline in pipelines.values { total.add(pipeline.statistics) }
        total.files = filesRead.count
        return total
    }

    /// Sessions now open, over all sources.
    public var openSessions: Int { pipelines.values.reduce(0) { $0 + $1.openSessions } }

    /// Failed attempts to ship since start, and those an operator must act on.
    public var shipRetries: Int { replacedSinkRetries.retries + sink.retries }
    public var shipErrors: Int { replacedSinkRetries.permanent + sink.permanentFailures }
}
