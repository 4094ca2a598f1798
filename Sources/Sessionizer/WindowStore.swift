import AccessLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The open sessions of every (client, host) key: Flink's merging session windows in event time, with
/// a watermark and a memory cap.
///
/// Each event joins the open session of its key that it is within the gap of, merging two sessions when
/// it bridges them; otherwise it opens a new one. Sessions leave the store as ``Fragment``s when the
/// watermark (newest event time minus the allowed lateness) has passed them by more than the gap, when
/// the store is over its memory cap (least recently active first), or on ``flush()``. Fragments of one
/// session that left early are joined downstream (``FragmentMerger``, the database), so neither the
/// lateness nor the cap changes the sessions in the end.
///
/// ```swift
/// var store = WindowStore(configuration: .init(gapMillis: 300_000))
/// store.add(event)
/// for fragment in store.takeFragments() { … }
/// ```
///
/// Not thread-safe: a value owned by one thread.
public struct WindowStore {
    @usableFromInline
    struct Session {
        var start: Int64
        var end: Int64
        var count: Int64
        var bytes: Int64
        var errors: Int64
        /// The newest event time in the store when this session was last touched. The LRU list is
        /// ordered by it, and `end <= touchMax`, which lets closing stop at the first session that
        /// cannot be due.
        var touchMax: Int64
        var key: Int32
        var nextInKey: Int32
        var prev: Int32
        var next: Int32
        /// Where the first event came from (``Event/origin``).
        var firstOrigin: UInt64
        /// Landing path, referrer and user agent of the first event as display text, back to back.
        var attributes: [UInt8]
        var pathLength: Int32
        var referrerLength: Int32
        /// The first event's country (``Event/country``).
        var country: UInt16 = 0
        /// The visit, when its events were classified (see ``VisitState``).
        var visit: VisitState? = nil
    }

    /// The gap, lateness and memory cap in force.
    public let configuration: SessionizerConfiguration

    @usableFromInline var hosts = HostTable()

    // Keys, by slot: host id (-1 for a free slot), hash, client bytes (inline up to `inlineClient` bytes, else in `longClients`),
    // first session (sessions of a key are linked in order of start time).
    @usableFromInline static let inlineClient = 48
    @usableFromInline var keyHost: [Int32] = []
    @usableFromInline var keyHash: [UInt64] = []
    @usableFromInline var keyClientLength: [Int32] = []
    @usableFromInline var keyHead: [Int32] = []
    @usableFromInline var keyClients: [UInt8] = []
    @usableFromInline var longClients: [Int32: [UInt8]] = [:]
    @usableFromInline var freeKeys: [Int32] = []
    /// For ``takeChanges()``: the generation in which each key last changed (plus one, so that zero is
    /// never current), and the keys changed in this one.
    @usableFromInline var keyChanged: [UInt32] = []
    @usableFromInline var changedKeys: [Int32] = []
    @usableFromInline var generation: UInt32 = 1
    @usableFromInline var keyIndex: [Int32] = Array(repeating: -1, count: 1024)
    @usableFromInline var keyCount = 0

    @usableFromInline var sessions: [Session] = []
    @usableFromInline var freeSessions: [Int32] = []
    @usableFromInline var lruHead: Int32 = -1
    @usableFromInline var lruTail: Int32 = -1

    @usableFromInline var fragments: [Fragment] = []
    /// The current event's landing path, referrer and user agent as display text (working space).
    var rendered: [UInt8] = []
    var renderedPathLength = 0
    var renderedReferrerLength = 0
    var renderScratch: [UInt8] = []
    /// The path of the page view being counted (working space).
    var visitPath: [UInt8] = []
    @usableFromInline var attributeBytes = 0
    /// Whether the last event made the store larger (a new session, or new first-request text).
    var grew = false

    /// The newest event time seen (or the time given to ``advanceTime(to:)``), or `nil` before any.
    public private(set) var newestTime: Int64? = nil
    /// Sessions now open.
    public private(set) var openSessions = 0
    /// The most sessions that were open at once.
    public private(set) var peakOpenSessions = 0
    /// Fragments emitted because of the memory cap, since the store was created.
    public private(set) var evictions = 0

    /// Creates an empty store.
    public init(configuration: SessionizerConfiguration) {
        self.configuration = configuration
    }

    /// An estimate of the memory the store holds, in bytes, as compared with the cap.
    ///
    /// Counts what is live (keys, sessions, their text), not array capacities, so that evicting
    /// sessions lowers it; fragments waiting in ``takeFragments()`` belong to the caller.
    public var memoryInUse: Int {
        keyCount * (4 + 8 + 4 + 4 + WindowStore.inlineClient) + keyIndex.count * 4
            + openSessions * (MemoryLayout<Session>.stride + 48) + attributeBytes
    }

    /// Adds one event, then lets go of the sessions that are due (closed by the watermark, or evicted by
    /// the memory cap); collect them with ``takeFragments()``.
    public mutating func add(_ event: Event) {
        let hostID = hosts.intern(event.host)
        let key = findOrInsertKey(host: hostID, client: event.client)
        let t = event.time
        if newestTime.map({ t > $0 }) ?? true { newestTime = t }
        let gap = configuration.gapMillis

        var previous: Int32 = -1
        var s = keyHead[Int(key)]
        // Fields are read one by one: copying a `Session` would retain and release its text.
        while s >= 0 {
            if t < sessions[Int(s)].start - gap { break }
            if t <= sessions[Int(s)].end + gap { break }
            previous = s
            s = sessions[Int(s)].nextInKey
        }
        if s >= 0 && t >= sessions[Int(s)].start - gap {
            join(event, session: s)
            // The event may bridge the gap to the next session of the key: merge it in.
            let next = sessions[Int(s)].nextInKey
            if next >= 0 && sessions[Int(next)].start - gap <= t {
                merge(next, into: s)
            }
            touch(s)
        } else {
            let new = allocateSession(event, key: key, next: s)
            if previous < 0 { keyHead[Int(key)] = new } else { sessions[Int(previous)].nextInKey = new }
            openSessions += 1
            grew = true
            if openSessions > peakOpenSessions { peakOpenSessions = openSessions }
            pushFront(new)
        }
        closeDue()
        // Memory grows only with a new session or new first-request text: check the cap then.
        if grew && memoryInUse > configuration.memoryLimit { evict() }
        grew = false
    }

    /// Moves event time forward without an event (the daemon's wall clock while a log is idle), closing
    /// the sessions that are then due.
    public mutating func advanceTime(to time: Int64) {
        if newestTime.map({ time > $0 }) ?? true { newestTime = time }
        closeDue()
        // Sessions touched after an earlier advance carry that time as their touch, however old their
        // events: look at every session's own end (the log is idle, so this is not per line).
        let watermark = (newestTime ?? time) - configuration.latenessMillis
        var s = lruTail
        while s >= 0 {
            let newer = sessions[Int(s)].prev
            if sessions[Int(s)].end + configuration.gapMillis < watermark { emit(s, cause: .closed) }
            s = newer
        }
    }

    /// Emits every open session as a fragment (end of input).
    public mutating func flush() {
        while lruTail >= 0 { emit(lruTail, cause: .flushed) }
    }

    /// The open sessions as fragments, least recently active first, without closing them: a snapshot
    /// for a checkpoint, to be given back to ``restore(_:)`` after a restart.
    public func openFragments() -> [Fragment] {
        var out: [Fragment] = []
        out.reserveCapacity(openSessions)
        var s = lruTail
        while s >= 0 {
            out.append(fragment(of: s, cause: .flushed))
            s = sessions[Int(s)].prev
        }
        return out
    }

    /// Where ``openFragments(from:limit:)`` starts: the least recently active session (-1: none).
    public var oldestOpen: Int32 { lruTail }

    /// ``openFragments()`` a page at a time, so that a snapshot of a large store need not be held
    /// whole: up to `limit` fragments from `position` (start at ``oldestOpen``), which moves on; -1
    /// once all are out. The store must not change in between.
    public func openFragments(from position: inout Int32, limit: Int) -> [Fragment] {
        var out: [Fragment] = []
        out.reserveCapacity(min(limit, openSessions))
        while position >= 0 && out.count < limit {
            out.append(fragment(of: position, cause: .flushed))
            position = sessions[Int(position)].prev
        }
        return out
    }

    /// Emits up to `limit` open sessions, least recently active first (end of input, a piece at a
    /// time); collect them with ``takeFragments()``.
    public mutating func flush(limit: Int) {
        var n = 0
        while lruTail >= 0 && n < limit {
            emit(lruTail, cause: .flushed)
            n += 1
        }
    }

    /// Puts back an open session from ``openFragments()`` (in that order, into a store holding no
    /// session of its key that it would touch).
    public mutating func restore(_ f: Fragment) {
        let hostID = f.host.withUnsafeBytes { hosts.intern($0) }
        let key = f.client.withUnsafeBytes { findOrInsertKey(host: hostID, client: $0) }
        if newestTime.map({ f.end > $0 }) ?? true { newestTime = f.end }
        var previous: Int32 = -1
        var next = keyHead[Int(key)]
        while next >= 0 && sessions[Int(next)].start < f.start {
            previous = next
            next = sessions[Int(next)].nextInKey
        }
        var attributes: [UInt8] = []
        attributes.reserveCapacity(f.firstPath.count + f.referrer.count + f.userAgent.count)
        attributes += f.firstPath
        attributes += f.referrer
        attributes += f.userAgent
        attributeBytes += attributes.capacity
        var session = Session(
            start: f.start, end: f.end, count: f.eventCount, bytes: f.bytes, errors: f.errorCount,
            touchMax: newestTime ?? f.end, key: key, nextInKey: next, prev: -1, next: -1, firstOrigin: f.origin,
            attributes: attributes, pathLength: Int32(f.firstPath.count), referrerLength: Int32(f.referrer.count))
        session.country = f.country
        if let visit = f.visit {
            session.visit = VisitState(visit: visit, text: f.visitText)
            attributeBytes += session.visit!.text.capacity
        }
        let slot: Int32
        if let free = freeSessions.popLast() {
            sessions[Int(free)] = session
            slot = free
        } else {
            sessions.append(session)
            slot = Int32(sessions.count - 1)
        }
        if previous < 0 { keyHead[Int(key)] = slot } else { sessions[Int(previous)].nextInKey = slot }
        openSessions += 1
        if openSessions > peakOpenSessions { peakOpenSessions = openSessions }
        pushFront(slot)
    }

    /// The fragments emitted since the last call, oldest first.
    public mutating func takeFragments() -> [Fragment] {
        defer { fragments = [] }
        return fragments
    }

    /// Number of fragments waiting in ``takeFragments()``.
    public var pendingFragments: Int { fragments.count }

    // MARK: - Sessions

    mutating func join(_ event: Event, session s: Int32) {
        let i = Int(s)
        let t = event.time
        sessions[i].count += 1
        sessions[i].bytes += event.bytes
        if event.status >= 400 { sessions[i].errors += 1 }
        if t > sessions[i].end { sessions[i].end = t }
        if event.classified && sessions[i].visit != nil { joinVisit(event, session: i) }
        guard t <= sessions[i].start else { return }
        render(event)
        if t < sessions[i].start || precedesFirstEvent(of: i) {
            sessions[i].start = t
            sessions[i].firstOrigin = event.origin
            attributeBytes -= sessions[i].attributes.capacity
            sessions[i].attributes = exactCopy(of: rendered)
            grew = true
            sessions[i].pathLength = Int32(renderedPathLength)
            sessions[i].referrerLength = Int32(renderedReferrerLength)
            sessions[i].country = event.country
            attributeBytes += sessions[i].attributes.capacity
            if event.classified && sessions[i].visit != nil {
                attributeBytes -= sessions[i].visit!.text.capacity
                sessions[i].visit!.setFamilies(event)
                attributeBytes += sessions[i].visit!.text.capacity
            }
        }
    }

    /// The event's part in the session's visit: a page view counted, maybe the new landing or exit.
    mutating func joinVisit(_ event: Event, session i: Int) {
        // A request that is no page view changes only the bot flag, kept inline; a page view most often
        // only the counts and the exit path, inline too: the text, whose buffer is most likely not in the
        // cache, is touched only when it changes.
        guard event.isPageView else {
            if event.isBot { sessions[i].visit!.visit.isBot = true }
            return
        }
        attributeBytes += sessions[i].visit!.add(event, path: &visitPath, scratch: &renderScratch)
    }

    /// A copy with a buffer of exactly its size. (Assigning `rendered`, or `Array(rendered[...])`, would
    /// share its buffer, whose capacity is that of the longest line seen, with every session.)
    func exactCopy(of bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            _ = buffer.initialize(from: bytes)
            count = bytes.count
        }
    }

    /// Renders the event's landing path, referrer and user agent into `rendered`.
    mutating func render(_ event: Event) {
        rendered.removeAll(keepingCapacity: true)
        FieldText.appendDisplay(event.path, escaping: event.escaping, to: &rendered, scratch: &renderScratch)
        renderedPathLength = rendered.count
        FieldText.appendDisplay(event.referrer, escaping: event.escaping, to: &rendered, scratch: &renderScratch)
        renderedReferrerLength = rendered.count - renderedPathLength
        FieldText.appendDisplay(event.userAgent, escaping: event.escaping, to: &rendered, scratch: &renderScratch)
    }

    /// Whether the event in `rendered`, logged in the same instant as session `i`'s first event, comes
    /// before it.
    func precedesFirstEvent(of i: Int) -> Bool {
        let pathEnd = Int(sessions[i].pathLength)
        let referrerEnd = pathEnd + Int(sessions[i].referrerLength)
        let eventPathEnd = renderedPathLength
        let eventReferrerEnd = renderedPathLength + renderedReferrerLength
        return sessions[i].attributes.withUnsafeBytes { stored in
            rendered.withUnsafeBytes { event in
                FirstEvent.precedes(
                    (
                        UnsafeRawBufferPointer(rebasing: event[0..<eventPathEnd]),
                        UnsafeRawBufferPointer(rebasing: event[eventPathEnd..<eventReferrerEnd]),
                        UnsafeRawBufferPointer(rebasing: event[eventReferrerEnd...])
                    ),
                    (
                        UnsafeRawBufferPointer(rebasing: stored[0..<pathEnd]),
                        UnsafeRawBufferPointer(rebasing: stored[pathEnd..<referrerEnd]),
                        UnsafeRawBufferPointer(rebasing: stored[referrerEnd...])
                    ))
            }
        }
    }

    @usableFromInline
    mutating func merge(_ later: Int32, into earlier: Int32) {
        let b = Int(later)
        let a = Int(earlier)
        if sessions[b].end > sessions[a].end { sessions[a].end = sessions[b].end }
        sessions[a].count += sessions[b].count
        sessions[a].bytes += sessions[b].bytes
        sessions[a].errors += sessions[b].errors
        if let later = sessions[b].visit {
            attributeBytes -= sessions[a].visit?.text.capacity ?? 0
            if sessions[a].visit == nil { sessions[a].visit = later } else { sessions[a].visit!.absorb(later) }
            attributeBytes += sessions[a].visit!.text.capacity
        }
        sessions[a].nextInKey = sessions[b].nextInKey
        unlinkLRU(later)
        release(later)
    }

    @usableFromInline
    mutating func allocateSession(_ event: Event, key: Int32, next: Int32) -> Int32 {
        render(event)
        let attributes = exactCopy(of: rendered)
        attributeBytes += attributes.capacity
        var session = Session(
            start: event.time, end: event.time, count: 1, bytes: event.bytes, errors: event.status >= 400 ? 1 : 0,
            touchMax: newestTime ?? event.time, key: key, nextInKey: next, prev: -1,
            next: -1, firstOrigin: event.origin, attributes: attributes, pathLength: Int32(renderedPathLength),
            referrerLength: Int32(renderedReferrerLength))
        session.country = event.country
        if event.classified {
            let visit = VisitState(first: event, path: &visitPath, scratch: &renderScratch)
            attributeBytes += visit.text.capacity
            session.visit = visit
        }
        if let free = freeSessions.popLast() {
            sessions[Int(free)] = session
            return free
        }
        sessions.append(session)
        return Int32(sessions.count - 1)
    }

    @usableFromInline
    mutating func release(_ s: Int32) {
        attributeBytes -= sessions[Int(s)].attributes.capacity + (sessions[Int(s)].visit?.text.capacity ?? 0)
        sessions[Int(s)].attributes = []
        sessions[Int(s)].visit = nil
        sessions[Int(s)].key = -1
        freeSessions.append(s)
        openSessions -= 1
    }

    // MARK: - Recency list (most recent at the head)

    mutating func touch(_ s: Int32) {
        sessions[Int(s)].touchMax = newestTime ?? sessions[Int(s)].end
        markChanged(sessions[Int(s)].key)
        if lruHead == s { return }
        unlinkLRU(s)
        pushFront(s)
    }

    @usableFromInline
    mutating func pushFront(_ s: Int32) {
        markChanged(sessions[Int(s)].key)
        sessions[Int(s)].prev = -1
        sessions[Int(s)].next = lruHead
        if lruHead >= 0 { sessions[Int(lruHead)].prev = s }
        lruHead = s
        if lruTail < 0 { lruTail = s }
    }

    @usableFromInline
    mutating func unlinkLRU(_ s: Int32) {
        let prev = sessions[Int(s)].prev
        let next = sessions[Int(s)].next
        if prev >= 0 { sessions[Int(prev)].next = next } else { lruHead = next }
        if next >= 0 { sessions[Int(next)].prev = prev } else { lruTail = prev }
        sessions[Int(s)].prev = -1
        sessions[Int(s)].next = -1
    }

    // MARK: - Letting sessions go

    /// Closes sessions from the least recently touched end while they are certainly past: the
    /// watermark is beyond `touchMax + gap`, hence beyond `end + gap`.
    @usableFromInline
    mutating func closeDue() {
        guard let newest = newestTime else { return }
        let watermark = newest - configuration.latenessMillis
        let gap = configuration.gapMillis
        while lruTail >= 0 && sessions[Int(lruTail)].touchMax + gap < watermark {
            emit(lruTail, cause: .closed)
        }
    }

    @usableFromInline
    mutating func evict() {
        // Down to 90 % of the cap, so that the next few sessions do not each evict one.
        let target = configuration.memoryLimit - configuration.memoryLimit / 10
        while lruTail >= 0 && memoryInUse > target {
            emit(lruTail, cause: .evicted)
            evictions += 1
        }
    }

    /// Session `s` as a fragment.
    func fragment(of s: Int32, cause: Fragment.Cause) -> Fragment {
        let session = sessions[Int(s)]
        let key = session.key
        let host = hosts.names[Int(keyHost[Int(key)])]
        let pathEnd = Int(session.pathLength)
        let referrerEnd = pathEnd + Int(session.referrerLength)
        var fragment = withClient(key) { client in
            Fragment(
                host: host, client: client, start: session.start, end: session.end, eventCount: session.count,
                bytes: session.bytes, errorCount: session.errors,
                landingPath: session.attributes[0..<pathEnd],
                referrer: session.attributes[pathEnd..<referrerEnd],
                userAgent: session.attributes[referrerEnd...], origin: session.firstOrigin, cause: cause,
                extraCapacity: session.visit.map { $0.text.count + max(0, Int($0.exitLength)) } ?? 0)
        }
        if let visit = session.visit { fragment.appendVisit(visit) }
        fragment.country = session.country
        return fragment
    }

    @usableFromInline
    mutating func emit(_ s: Int32, cause: Fragment.Cause) {
        // Built by a non-mutating call and appended here: appending inside a closure over `self` would
        // copy the whole store.
        let fragment = fragment(of: s, cause: cause)
        fragments.append(fragment)
        let session = sessions[Int(s)]
        let key = session.key
        // Unlink from the key's list.
        var previous: Int32 = -1
        var cursor = keyHead[Int(key)]
        while cursor >= 0 && cursor != s {
            previous = cursor
            cursor = sessions[Int(cursor)].nextInKey
        }
        if previous < 0 {
            keyHead[Int(key)] = session.nextInKey
        } else {
            sessions[Int(previous)].nextInKey = session.nextInKey
        }
        unlinkLRU(s)
        release(s)
        if keyHead[Int(key)] < 0 { removeKey(key) } else { markChanged(key) }
    }

    @inline(__always) @usableFromInline
    mutating func markChanged(_ key: Int32) {
        if keyChanged[Int(key)] != generation {
            keyChanged[Int(key)] = generation
            changedKeys.append(key)
        }
    }

    /// How many keys changed since the last ``takeChanges()``.
    public var changedKeyCount: Int { changedKeys.count }

    /// The open sessions of every key that changed (a session begun, extended, merged, closed or
    /// evicted) since the last call, as fragments: with the fragments emitted meanwhile, what a
    /// write-ahead log needs to bring a snapshot of ``openFragments()`` up to now. A key with no
    /// session left has none here: its emitted fragments say it is gone.
    public mutating func takeChanges() -> [Fragment] {
        var out: [Fragment] = []
        for key in changedKeys where keyHead[Int(key)] >= 0 {
            var s = keyHead[Int(key)]
            while s >= 0 {
                out.append(fragment(of: s, cause: .flushed))
                s = sessions[Int(s)].nextInKey
            }
        }
        changedKeys.removeAll(keepingCapacity: true)
        generation = generation == UInt32.max ? 1 : generation + 1
        return out
    }

    // MARK: - Keys

    @usableFromInline
    func withClient<R>(_ key: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let length = Int(keyClientLength[Int(key)])
        if length > WindowStore.inlineClient {
            return longClients[key]!.withUnsafeBytes(body)
        }
        return keyClients.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[(Int(key) * WindowStore.inlineClient)...].prefix(length)))
        }
    }

    func clientEquals(_ key: Int32, _ client: UnsafeRawBufferPointer) -> Bool {
        guard Int(keyClientLength[Int(key)]) == client.count else { return false }
        return withClient(key) { stored in
            client.count == 0 || memcmp(stored.baseAddress!, client.baseAddress!, client.count) == 0
        }
    }

    mutating func findOrInsertKey(host: Int32, client: UnsafeRawBufferPointer) -> Int32 {
        let h = ByteHash.hash(client, seed: UInt64(UInt32(bitPattern: host)) &* ByteHash.multiplier)
        let mask = keyIndex.count - 1
        var position = Int(truncatingIfNeeded: h) & mask
        while true {
            let k = keyIndex[position]
            if k < 0 { break }
            if keyHash[Int(k)] == h && keyHost[Int(k)] == host && clientEquals(k, client) { return k }
            position = (position + 1) & mask
        }
        let key: Int32
        if let free = freeKeys.popLast() {
            key = free
            keyHost[Int(key)] = host
            keyHash[Int(key)] = h
            keyClientLength[Int(key)] = Int32(client.count)
            keyHead[Int(key)] = -1
        } else {
            key = Int32(keyHost.count)
            keyChanged.append(0)
            keyHost.append(host)
            keyHash.append(h)
            keyClientLength.append(Int32(client.count))
            keyHead.append(-1)
            keyClients.append(contentsOf: repeatElement(0, count: WindowStore.inlineClient))
        }
        if client.count > WindowStore.inlineClient {
            longClients[key] = Array(client)
        } else if client.count > 0 {
            keyClients.withUnsafeMutableBytes { all in
                (all.baseAddress! + Int(key) * WindowStore.inlineClient).copyMemory(
                    from: client.baseAddress!, byteCount: client.count)
            }
        }
        keyIndex[position] = key
        keyCount += 1
        if keyCount * 2 > keyIndex.count { rebuildKeyIndex(capacity: keyIndex.count * 2) }
        return key
    }

    @usableFromInline
    mutating func rebuildKeyIndex(capacity: Int) {
        keyIndex = Array(repeating: -1, count: capacity)
        let mask = capacity - 1
        for key in 0..<keyHost.count where keyHost[key] >= 0 {
            var position = Int(truncatingIfNeeded: keyHash[key]) & mask
            while keyIndex[position] >= 0 { position = (position + 1) & mask }
            keyIndex[position] = Int32(key)
        }
    }

    @usableFromInline
    mutating func removeKey(_ key: Int32) {
        let mask = keyIndex.count - 1
        var i = Int(truncatingIfNeeded: keyHash[Int(key)]) & mask
        while keyIndex[i] != key { i = (i + 1) & mask }
        // Backward-shift deletion keeps linear probing free of tombstones.
        var j = i
        while true {
            j = (j + 1) & mask
            let k = keyIndex[j]
            if k < 0 { break }
            let ideal = Int(truncatingIfNeeded: keyHash[Int(k)]) & mask
            let stays = i <= j ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j)
            if stays { continue }
            keyIndex[i] = k
            i = j
        }
        keyIndex[i] = -1
        keyCount -= 1
        if keyClientLength[Int(key)] > WindowStore.inlineClient { longClients[key] = nil }
        keyHead[Int(key)] = -1
        keyHost[Int(key)] = -1
        freeKeys.append(key)
    }
}
