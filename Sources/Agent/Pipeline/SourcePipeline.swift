import AccessLog
import ClientAddress
import GeoIP
import Sessionizer
import SystemIO
import Tailing
import UserAgents

#if canImport(Glibc)
    import Glibc
#endif

/// Reads log files to their end and turns their events into sessions: the batch pipeline.
///
/// ```swift
/// var batch = try SourcePipeline(options: PipelineOptions(format: .preset(named: "combined"), host: "example.com"))
/// try batch.read(path: "access.log")
/// let sessions = batch.finish()
/// ```
public struct SourcePipeline {
    public let options: PipelineOptions
    public private(set) var statistics = InputStatistics()
    private let parser: MultiFormatParser
    /// Per format: whether its lines carry the host, and how it escapes its fields.
    private let formatHasHost: [Bool]
    /// Per format: whether its lines carry the request method (a page view needs `GET` or `POST` then).
    private let formatHasMethod: [Bool]
    /// Per format: whether its lines carry the user agent (one that logs none says nothing of bots by it).
    private let formatHasUserAgent: [Bool]
    private let formatEscaping: [FieldEscaping]
    /// Reads files as lines; shared by the daemon's sources (they read one file at a time).
    private let reader: FileReader
    /// Finds visitors behind trusted proxies (nil: the connection's address is the visitor).
    private let clientResolver: ClientResolver?
    /// The first events' clients, for a warning when a proxy seems to stand in front of the server.
    private var concentration = ClientConcentration()
    private var store: WindowStore
    private let spool: FragmentSpool
    private let fixedHost: [UInt8]
    /// Classifies requests (nil when neither classification nor a drop rule needs it).
    private let classifier: RequestClassifier?
    private let drop: CompiledDropRules
    /// Truncates or hashes visitors' addresses (nil: they are kept as logged).
    private let masker: ClientMasker?
    /// Looks up visitors' countries (nil: none).
    private let geoip: GeoIPDatabase?
    /// Whether each visitor's address is parsed (to drop it, look up its country, truncate or hash it).
    private let readsAddresses: Bool
    /// Told how far reading has come, every ``progressLines`` lines (nil: nobody watches).
    public var progress: ProgressLine? = nil
    /// Lines between two calls to ``progress``: its clock is read no more often than this.
    static let progressLines: UInt64 = 4096

    /// A pipeline for `options`, reading with `reader` (a new one when nil; it must read lines as long
    /// as `options.maxLineLength`) and classifying with `classifier` (one for `options.classification`
    /// when nil and needed).
    public init(
        options: PipelineOptions, reader: FileReader? = nil, classifier: RequestClassifier? = nil
    ) throws(OptionsError) {
        guard !options.formats.isEmpty else { throw OptionsError("Name at least one log format.") }
        if options.formats.contains(where: { !$0.plan.hasHost }) && (options.host ?? "").isEmpty {
            throw OptionsError(
                "The log format has no virtual host field ($host, %v, %{Host}i): name the host with --host.")
        }
        if let header = options.client.header, options.formats.contains(where: { !$0.plan.hasClientHeader }) {
            throw OptionsError(
                "Visitors are to be found in the \(header) header, but the log format does not log it ($http_\(header.replacingAll("-", with: "_")) or %{\(header)}i)."
            )
        }
        guard options.sessionizer.gapMillis > 0 else { throw OptionsError("The session gap must be positive.") }
        self.options = options
        do {
            parser = try MultiFormatParser(formats: options.formats)
        } catch {
            throw OptionsError(error.description)
        }
        formatHasHost = options.formats.map(\.plan.hasHost)
        formatHasMethod = options.formats.map(\.plan.hasMethod)
        formatHasUserAgent = options.formats.map(\.plan.hasUserAgent)
        formatEscaping = options.formats.map(\.plan.escaping)
        store = WindowStore(configuration: options.sessionizer)
        // A quarter of the memory cap, at most 16 MiB, holds fragments before they are sorted to disk.
        spool = FragmentSpool(
            memoryBudget: min(16 << 20, max(options.sessionizer.memoryLimit / 4, 64 << 10)),
            gapMillis: options.sessionizer.gapMillis)
        fixedHost = Array((options.host ?? "").utf8)
        self.reader = reader ?? FileReader(maxLineLength: options.maxLineLength)
        statistics.linesByFormat = Array(repeating: 0, count: options.formats.count)
        clientResolver = options.client.resolver
        do {
            drop = try CompiledDropRules(options.drop)
        } catch {
            throw OptionsError("drop: \(error)")
        }
        masker = options.privacy.mode == .keep ? nil : ClientMasker(options.privacy)
        if let path = options.geoip {
            do {
                geoip = try GeoIPDatabase(path: path)
            } catch {
                throw OptionsError(error.description)
            }
        } else {
            geoip = nil
        }
        readsAddresses = masker != nil || !drop.clients.isEmpty || geoip != nil
        if options.classification.enabled || options.drop.bots || options.drop.assets {
            do {
                self.classifier = try classifier ?? RequestClassifier(options.classification)
            } catch {
                throw OptionsError("\(error)")
            }
        } else {
            self.classifier = nil
        }
    }

    /// Whether sessions say what their visit was.
    var classifies: Bool { classifier != nil && options.classification.enabled }

    /// Reads one file (`-` for standard input; gzip recognised by content) to its end.
    public mutating func read(path: String) throws {
        // Events are located by file and the offset just past their line: a fragment's id derives from
        // its first event's location, so the same input gives the same ids.
        let source = Origin.source(path == "-" ? "-" : Origin.absolute(path))
        _ = try read(path: path, from: 0, host: nil, origin: source, finishPartialLine: true)
    }

    /// Reads `path` from `offset` (in its decompressed content) to its end and returns the offset
    /// reached. `host` names the virtual host for lines without one (instead of the options' host);
    /// `origin` names the file in event origins. Unless `finishPartialLine`, a last line without `\n`
    /// (still being written) is left for later.
    public mutating func read(
        path: String, from offset: UInt64, host: String?, origin source: UInt64, finishPartialLine: Bool
    ) throws -> UInt64 {
        try read(
            file: try InputFile(path: path), path: path, from: offset, host: host, origin: source,
            finishPartialLine: finishPartialLine)
    }

    /// As ``read(path:from:host:origin:finishPartialLine:)``, from a file already open.
    public mutating func read(
        file: InputFile, path: String, from offset: UInt64, host: String?, origin source: UInt64,
        finishPartialLine: Bool
    ) throws -> UInt64 {
        var cursor = try open(
            file: file, path: path, from: offset, host: host, origin: source, finishPartialLine: finishPartialLine)
        return try read(&cursor, fragmentLimit: .max).reached
    }

    /// A file being read, a piece at a time (``read(_:fragmentLimit:)``). One at a time: opening
    /// another file ends it.
    public struct Cursor {
        let reader: FileReader
        /// The offset just past the last line read.
        public var reached: UInt64 { start + reader.offset }
        let path: String
        let start: UInt64
        let origin: UInt64
        let host: [UInt8]
        let finishPartialLine: Bool
    }

    /// Opens `file` for reading from `offset`, as ``read(file:path:from:host:origin:finishPartialLine:)``.
    public mutating func open(
        file: InputFile, path: String, from offset: UInt64, host: String?, origin source: UInt64,
        finishPartialLine: Bool
    ) throws -> Cursor {
        try file.skip(offset)
        statistics.files += 1
        progress?.beginFile(at: file.diskPosition)
        reader.begin(file)
        return Cursor(
            reader: reader, path: path, start: offset, origin: source, host: host.map { Array($0.utf8) } ?? fixedHost,
            finishPartialLine: finishPartialLine)
    }

    /// Reads on from `cursor` to the end of its file, or (streaming) until `fragmentLimit` fragments
    /// wait in ``takeFragments()`` or as many keys changed (``takeChanges()``), which bounds the memory
    /// a commit of them takes, or until the monotonic clock passes `deadline` (microseconds, checked
    /// every ``progressLines`` lines), which bounds how long a piece takes; returns the offset reached
    /// (just past the last line read) and whether that is the end.
    public mutating func read(
        _ cursor: inout Cursor, fragmentLimit: Int, deadline: UInt64 = .max
    ) throws -> (reached: UInt64, atEnd: Bool) {
        var parsed = ParsedLine()
        let resolver = clientResolver
        let path = cursor.path
        let offset = cursor.start
        let source = cursor.origin
        let finishPartialLine = cursor.finishPartialLine
        let streaming = options.streaming
        // Changed keys go into a commit whole, as fragments: fewer per piece than emitted sessions.
        let changedLimit = min(fragmentLimit, 4096)
        var failure: InputError? = nil
        var atEnd = false
        var sinceProgress: UInt64 = 0
        var overdue = false
        cursor.host.withUnsafeBytes { (fixedHost: UnsafeRawBufferPointer) in
            while true {
                // Bounded pieces: so many sessions emitted, or so many keys changed (a flood of new
                // clients emits little but changes much, and a commit holds both).
                if streaming
                    && (store.pendingFragments >= fragmentLimit || store.changedKeyCount >= changedLimit || overdue)
                {
                    return
                }
                let next: LineReader<ReadAhead>.Line?
                do {
                    next = try cursor.reader.next(atEnd: finishPartialLine)
                } catch let error as InputError {
                    failure = error
                    return
                } catch {
                    failure = InputError(path: path, problem: "\(error)")
                    return
                }
                guard let line = next else {
                    atEnd = true
                    return
                }
                statistics.lines += 1
                sinceProgress += 1
                if sinceProgress == SourcePipeline.progressLines {
                    progress?.advance(lines: sinceProgress, position: cursor.reader.diskPosition)
                    sinceProgress = 0
                    if deadline != .max && SystemClock.monotonicMicros() >= deadline { overdue = true }
                }
                guard case .complete(let bytes) = line else {
                    statistics.recordMalformed(
                        .tooLong, path: path, lineNumber: cursor.reader.lineNumber, line: nil, masker: masker)
                    continue
                }
                if let reason = parser.parse(bytes, into: &parsed) {
                    statistics.recordMalformed(
                        reason, path: path, lineNumber: cursor.reader.lineNumber, line: bytes, masker: masker)
                    continue
                }
                statistics.linesByFormat[parsed.formatIndex] += 1
                if parsed.hasExtraFields {
                    statistics.recordExtraFields(
                        path: path, lineNumber: cursor.reader.lineNumber, line: bytes, masker: masker)
                }
                let method = parsed.method.slice(of: bytes)
                let requestPath = parsed.path.slice(of: bytes)
                if let reason = drop.reason(method: method, status: parsed.status, path: requestPath) {
                    statistics.droppedByReason[reason.rawValue] += 1
                    continue
                }
                var host = fixedHost
                if formatHasHost[parsed.formatIndex] && !parsed.host.isDash(in: bytes) || fixedHost.isEmpty {
                    host = parsed.host.slice(of: bytes)
                }
                var client = parsed.client
                if let resolver {
                    let found = resolver.resolve(
                        remote: parsed.client.lowerBound..<parsed.client.upperBound,
                        header: parsed.clientHeader.lowerBound..<parsed.clientHeader.upperBound, in: bytes)
                    client = ByteRange(lowerBound: found.range.lowerBound, upperBound: found.range.upperBound)
                    if found.forged { statistics.forgedClients += 1 }
                }
                var clientText = client.slice(of: bytes)
                var visitorCountry: UInt16 = 0
                if readsAddresses {
                    let address = IPAddress(clientText)
                    if let address, drop.dropsClient(address) {
                        statistics.droppedByReason[DropReason.client.rawValue] += 1
                        continue
                    }
                    if let geoip, let address, let country = try? geoip.country(of: address) {
                        visitorCountry = country.rawValue
                    }
                    if let masker { clientText = masker.stored(clientText, address: address) }
                }
                var event = Event(
                    host: host, client: clientText, time: parsed.timeMillis, bytes: parsed.bytes,
                    status: parsed.status, path: requestPath, referrer: parsed.referrer.slice(of: bytes),
                    userAgent: parsed.userAgent.slice(of: bytes),
                    origin: Origin.event(source: source, offset: offset + cursor.reader.offset),
                    escaping: formatEscaping[parsed.formatIndex])
                event.country = visitorCountry
                if let classifier {
                    let isAsset = classifier.isAsset(requestPath)
                    if isAsset && drop.assets {
                        statistics.droppedByReason[DropReason.asset.rawValue] += 1
                        continue
                    }
                    let agent = classifier.classify(userAgent: event.userAgent)
                    let isBot =
                        (agent.isBot && formatHasUserAgent[parsed.formatIndex])
                        || RequestClassifier.isRobots(method: method, path: requestPath)
                    if isBot && drop.bots {
                        statistics.droppedByReason[DropReason.bot.rawValue] += 1
                        continue
                    }
                    if classifies {
                        event.classified = true
                        event.isBot = isBot
                        event.isPageView =
                            !isAsset
                            && RequestClassifier.isPageView(
                                method: method, status: parsed.status,
                                methodLogged: formatHasMethod[parsed.formatIndex])
                        event.query = parsed.query.slice(of: bytes)
                        if event.isPageView { statistics.pageViews += 1 }
                        if isBot { statistics.botEvents += 1 }
                    }
                    countEvent(client: event.client)
                    if classifies {
                        event.browser = classifier.agents.familyBytes(agent.browser)
                        event.os = classifier.agents.familyBytes(agent.os)
                        event.device = classifier.agents.familyBytes(agent.device)
                    }
                    store.add(event)
                } else {
                    countEvent(client: event.client)
                    store.add(event)
                }
                if store.pendingFragments >= 4096 && !streaming {
                    do {
                        try spool.append(store.takeFragments())
                    } catch {
                        failure = InputError(path: path, problem: "\(error)")
                        return
                    }
                }
            }
        }
        if sinceProgress > 0 { progress?.advance(lines: sinceProgress, position: cursor.reader.diskPosition) }
        if failure != nil || atEnd { reader.end() }
        if let failure { throw failure }
        return (offset + cursor.reader.offset, atEnd)
    }

    /// Counts a kept event, and samples its client for the proxy warning.
    @inline(__always)
    private mutating func countEvent(client: UnsafeRawBufferPointer) {
        statistics.events += 1
        if concentration.seen < ClientConcentration.sample { concentration.add(client) }
    }

    // MARK: - Streaming (the daemon)

    /// The fragments closed (by the watermark or the memory cap) since the last call.
    public mutating func takeFragments() -> [Fragment] { store.takeFragments() }

    /// Moves event time to `time` (the wall clock, when the logs are idle), closing what is then due.
    public mutating func advanceTime(to time: Int64) { store.advanceTime(to: time) }

    /// The newest event time seen.
    public var newestTime: Int64? { store.newestTime }

    /// Sessions now open.
    public var openSessions: Int { store.openSessions }

    /// Sessions shipped early as fragments because of the memory cap, since this value was created.
    public var evictions: Int { store.evictions }

    /// A snapshot of the open sessions, for a checkpoint.
    public func openFragments() -> [Fragment] { store.openFragments() }

    /// The open sessions of the keys that changed since the last call (``WindowStore/takeChanges()``).
    public mutating func takeChanges() -> [Fragment] { store.takeChanges() }

    /// Puts back open sessions from a checkpoint.
    public mutating func restore(_ fragments: [Fragment]) {
        for fragment in fragments { store.restore(fragment) }
    }

    /// The open sessions a page at a time (``WindowStore/openFragments(from:limit:)``).
    public var oldestOpen: Int32 { store.oldestOpen }
    public func openFragments(from position: inout Int32, limit: Int) -> [Fragment] {
        store.openFragments(from: &position, limit: limit)
    }

    /// Closes up to `limit` open sessions, least recently active first, and returns them.
    public mutating func flushFragments(limit: Int) -> [Fragment] {
        store.flush(limit: limit)
        return store.takeFragments()
    }

    /// Closes every open session and returns them (end of input, without sorting).
    public mutating func flushFragments() -> [Fragment] {
        store.flush()
        return store.takeFragments()
    }

    /// A warning for the operator when over half of the source's first events came from a handful of
    /// addresses (a proxy in front of the server, most likely), naming them and what to configure; nil
    /// otherwise, and until enough events were read.
    public func proxyWarning(source: String?, batch: Bool) -> String? {
        concentration.warning(source: source, batch: batch)
    }

    /// Forgets the counts so far.
    public mutating func resetStatistics() { statistics = InputStatistics() }

    /// Closes every open session and calls `body` with each session (fragments joined), sorted by
    /// host, client and start. Memory stays bounded: fragments beyond a budget were sorted to disk.
    public mutating func finish(_ body: (Fragment) throws -> Void) throws {
        concentration.finish()
        store.flush()
        try spool.append(store.takeFragments())
        statistics.fragments = spool.count
        var sessions = 0
        try spool.drain { session in
            sessions += 1
            try body(session)
        }
        statistics.sessions = sessions
    }

}
