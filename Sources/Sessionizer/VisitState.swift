import AccessLog

/// An open session's visit as the window store keeps it: the counts, and the texts of the landing
/// page view and of the first request's families, back to back in one array; the exit page view's path
/// inline when it is short (most are), else at the end of that array.
///
/// Most page views become the session's exit and change nothing else: with the path inline they write
/// only into the session's slot, which the store has just read, and never touch the text's buffer (a
/// cache miss per page view, and a check of its reference count).
struct VisitState {
    var visit = Visit()
    /// Landing path, referrer host, UTM source, medium and campaign, browser, OS, device, then the exit
    /// path when it is not inline (``exitLength`` -1; else part 8 is empty).
    var text: [UInt8] = []
    var ends = Fragment.Ends()
    /// The exit path's bytes when ``exitLength`` ≥ 0.
    var exitBytes = InlineBytes()
    /// The length of the inline exit path; -1: the exit path is part 8 of ``text``.
    var exitLength: Int8 = 0

    /// Room for a short path, inline.
    struct InlineBytes {
        static let capacity = 48
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    }

    init() {}

    /// The visit of a fragment given back to the store (restored after a restart).
    init(visit: Visit, text parts: VisitText) {
        self.visit = visit
        set(parts.parts)
    }

    /// Appends the first event's browser, OS and device families, ending parts 5, 6 and 7.
    private mutating func appendFamilies(of event: Event) {
        text.appendBytes(event.browser)
        ends[5] = Int32(text.count)
        text.appendBytes(event.os)
        ends[6] = Int32(text.count)
        text.appendBytes(event.device)
        ends[7] = Int32(text.count)
    }

    /// The visit of a new session's first event, its texts written in one buffer of their size (what
    /// ``setFamilies(_:)`` then ``add(_:path:scratch:)`` on an empty visit make, without their copies).
    init(first event: Event, path: inout [UInt8], scratch: inout [UInt8]) {
        visit.isBot = event.isBot
        guard event.isPageView else {
            text.reserveCapacity(event.browser.count + event.os.count + event.device.count)
            for i in 0..<5 { ends[i] = 0 }
            appendFamilies(of: event)
            ends[8] = ends[7]
            return
        }
        visit.pageViews = 1
        path.removeAll(keepingCapacity: true)
        FieldText.appendDisplay(event.path, escaping: event.escaping, to: &path, scratch: &scratch)
        // The path is both landing and exit; the exit inline when it fits.
        let exitInline = path.count <= InlineBytes.capacity
        let referrerHost = VisitState.hostRange(ofReferrer: event.referrer)
        visit.landingAt = event.time
        visit.exitAt = event.time
        visit.channel = VisitState.channel(referrerHost, event)
        let query = event.query
        text.reserveCapacity(
            (exitInline ? 1 : 2) * path.count + referrerHost.count + event.browser.count + event.os.count
                + event.device.count + (query.isEmpty ? 0 : 16))
        text += path
        ends[0] = Int32(text.count)
        VisitState.appendLowercased(UnsafeRawBufferPointer(rebasing: event.referrer[referrerHost]), to: &text)
        ends[1] = Int32(text.count)
        if !query.isEmpty {
            VisitState.appendParameter("utm_source", in: query, to: &text, scratch: &scratch)
            ends[2] = Int32(text.count)
            VisitState.appendParameter("utm_medium", in: query, to: &text, scratch: &scratch)
            ends[3] = Int32(text.count)
            VisitState.appendParameter("utm_campaign", in: query, to: &text, scratch: &scratch)
        } else {
            ends[2] = ends[1]
            ends[3] = ends[1]
        }
        ends[4] = Int32(text.count)
        appendFamilies(of: event)
        if exitInline {
            setInlineExit(path)
        } else {
            text += path
            exitLength = -1
        }
        ends[8] = Int32(text.count)
    }

    /// Text `i` (in the order of ``VisitText/parts``); the inline exit path copied out (not per line).
    func part(_ i: Int) -> ArraySlice<UInt8> {
        if i == 8 && exitLength >= 0 { return withExitPath { ArraySlice($0) } }
        return text[(i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])]
    }

    /// The exit path's bytes (empty when there is no exit page view), valid in `body`.
    func withExitPath<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard exitLength >= 0 else {
            return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[Int(ends[7])..<Int(ends[8])])) }
        }
        return withUnsafeBytes(of: exitBytes.storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<Int(exitLength)])) }
    }

    /// Keeps `path` (at most ``InlineBytes/capacity`` bytes) as the exit path, inline.
    mutating func setInlineExit(_ path: [UInt8]) {
        withUnsafeMutableBytes(of: &exitBytes.storage) { storage in
            path.withUnsafeBytes { storage.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        exitLength = Int8(path.count)
    }

    /// Makes `path` the exit path; the change in the text's capacity (0 when it is inline, the usual case:
    /// then the text's buffer is not touched).
    mutating func setExit(_ path: [UInt8]) -> Int {
        if path.count <= InlineBytes.capacity {
            guard exitLength < 0 else {
                setInlineExit(path)
                return 0
            }
            // From a long exit path to a short one: the text loses its part 8.
            let before = text.capacity
            text.removeSubrange(Int(ends[7])...)
            ends[8] = ends[7]
            setInlineExit(path)
            return text.capacity - before
        }
        let before = text.capacity
        text.removeSubrange(Int(ends[7])...)
        text += path
        ends[8] = Int32(text.count)
        exitLength = -1
        return text.capacity - before
    }

    var parts: [[UInt8]] { (0..<9).map { Array(part($0)) } }

    /// The texts with those of `range` written anew by `body` (the others kept): one allocation.
    mutating func replace(_ range: Range<Int>, _ body: (Int, inout [UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 64)
        var newEnds = Fragment.Ends()
        for i in 0..<9 {
            if range.contains(i) {
                body(i, &out)
            } else if i < 8 || exitLength < 0 {
                out += text[(i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])]
            }  // else the exit path stays inline
            newEnds[i] = Int32(out.count)
        }
        if range.contains(8) { exitLength = -1 }
        text = out
        ends = newEnds
    }

    mutating func set(_ parts: [[UInt8]]) {
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for (i, part) in parts.enumerated() {
            out += part
            ends[i] = Int32(out.count)
        }
        text = out
        exitLength = -1
    }

    /// The families of the session's (new) first request.
    mutating func setFamilies(_ event: Event) {
        replace(5..<8) { i, out in out.appendBytes(i == 5 ? event.browser : i == 6 ? event.os : event.device) }
    }

    /// Counts the event: a bot's makes the visit a bot's; a page view is counted, and may be the new
    /// landing (the earliest) or exit (the latest). `path` and `scratch` are working space. Returns the
    /// change in the text's capacity.
    mutating func add(
        _ event: Event, path: inout [UInt8], scratch: inout [UInt8]
    ) -> Int {
        if event.isBot { visit.isBot = true }
        guard event.isPageView else { return 0 }
        visit.pageViews += 1
        path.removeAll(keepingCapacity: true)
        FieldText.appendDisplay(event.path, escaping: event.escaping, to: &path, scratch: &scratch)
        let t = event.time
        var lands = true
        if let at = visit.landingAt {
            if t != at {
                lands = t < at
            } else if !path.elementsEqual(part(0)) {
                lands = path.lexicographicallyPrecedes(part(0))
            } else {
                // The same path in the same instant: the smaller of the other texts lands.
                var candidate = VisitState()
                candidate.setLanding(path: path, event: event, scratch: &scratch)
                lands = Fragment.landing(t, candidate.landingTexts, precedes: at, landingTexts)
            }
        }
        var grown = 0
        if lands {
            let before = text.capacity
            setLanding(path: path, event: event, scratch: &scratch)
            grown = text.capacity - before
        }
        // As ``Fragment/pageView(_:_:precedes:_:)``, with the exit path read only for a tie.
        let exits =
            visit.exitAt.map { at in
                at != t ? at < t : withExitPath { exit in path.withUnsafeBytes { exit.lexicographicallyPrecedes($0) } }
            } ?? true
        if exits {
            visit.exitAt = t
            grown += setExit(path)
        }
        return grown
    }

    /// Makes `event`, a page view whose display path is `path`, the landing: its time, channel,
    /// referrer host and UTM parameters.
    mutating func setLanding(path: [UInt8], event: Event, scratch: inout [UInt8]) {
        let referrerHost = VisitState.hostRange(ofReferrer: event.referrer)
        visit.landingAt = event.time
        visit.channel = VisitState.channel(referrerHost, event)
        let query = event.query
        replace(0..<5) { i, out in
            switch i {
            case 0: out += path
            case 1:
                VisitState.appendLowercased(UnsafeRawBufferPointer(rebasing: event.referrer[referrerHost]), to: &out)
            case 2: VisitState.appendParameter("utm_source", in: query, to: &out, scratch: &scratch)
            case 3: VisitState.appendParameter("utm_medium", in: query, to: &out, scratch: &scratch)
            default: VisitState.appendParameter("utm_campaign", in: query, to: &out, scratch: &scratch)
            }
        }
    }

    /// The landing page view's texts, in the order ``Fragment/landing(_:_:precedes:_:)`` compares them.
    var landingTexts: [ArraySlice<UInt8>] { (0..<5).map(part) }

    /// Folds the visit of the later of two sessions being merged into this one.
    mutating func absorb(_ later: VisitState) {
        var parts = self.parts
        let theirs = later.parts
        visit.pageViews += later.visit.pageViews
        visit.isBot = visit.isBot || later.visit.isBot
        if let at = later.visit.landingAt,
            visit.landingAt.map({
                Fragment.landing(at, theirs[0..<5].map { $0[...] }, precedes: $0, parts[0..<5].map { $0[...] })
            }) ?? true
        {
            visit.landingAt = at
            visit.channel = later.visit.channel
            for i in 0..<5 { parts[i] = theirs[i] }
        }
        if let at = later.visit.exitAt,
            visit.exitAt.map({ Fragment.pageView($0, parts[8][...], precedes: at, theirs[8][...]) }) ?? true
        {
            visit.exitAt = at
            parts[8] = theirs[8]
        }
        set(parts)
    }

    // MARK: - Where the visitor came from

    /// The host of a referrer URL (`https://www.example.com:8443/path` → `www.example.com`), lower-cased;
    /// empty for `-`, an empty referrer, or one that is not a URL with a host.
    static func host(ofReferrer raw: UnsafeRawBufferPointer) -> [UInt8] {
        var host: [UInt8] = []
        appendLowercased(UnsafeRawBufferPointer(rebasing: raw[hostRange(ofReferrer: raw)]), to: &host)
        return host
    }

    /// Where the host of a referrer URL is in it (see ``host(ofReferrer:)``); empty when it has none.
    static func hostRange(ofReferrer raw: UnsafeRawBufferPointer) -> Range<Int> {
        var i = 0
        let n = raw.count
        // scheme "://"
        while i < n && raw[i] != UInt8(ascii: ":") && raw[i] != UInt8(ascii: "/") { i += 1 }
        guard i + 2 < n, raw[i] == UInt8(ascii: ":"), raw[i + 1] == UInt8(ascii: "/"), raw[i + 2] == UInt8(ascii: "/")
        else { return 0..<0 }
        i += 3
        var start = i
        var end = i
        while end < n {
            let b = raw[end]
            if b == UInt8(ascii: "/") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") || b == UInt8(ascii: "\\") {
                break
            }
            if b == UInt8(ascii: "@") { start = end + 1 }  // user info goes
            end += 1
        }
        // A port goes: after an IPv6 literal's `]`, or at the first `:` of any other host.
        var close = start
        if start < end && raw[start] == UInt8(ascii: "[") {
            while close < end && raw[close] != UInt8(ascii: "]") { close += 1 }
        }
        if start < end && raw[start] == UInt8(ascii: "[") && close < end {
            end = close + 1
        } else {
            var colon = start
            while colon < end && raw[colon] != UInt8(ascii: ":") { colon += 1 }
            end = colon
        }
        guard start < end else { return 0..<0 }
        for k in start..<end where !(raw[k] > 0x20 && raw[k] < 0x7F) { return 0..<0 }
        return start..<end
    }

    /// Appends `bytes` ASCII lower-cased.
    static func appendLowercased(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for b in bytes { out.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b) }
    }

    /// The channel of a landing page view whose referrer's host is at `referrerHost` in its referrer.
    static func channel(_ referrerHost: Range<Int>, _ event: Event) -> Visit.Channel {
        referrerHost.isEmpty
            ? .direct
            : sameHost(UnsafeRawBufferPointer(rebasing: event.referrer[referrerHost]), event.host)
                ? .internal : .external
    }

    /// Whether two hosts are the same, ignoring ASCII case.
    static func sameHost(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        @inline(__always) func lower(_ c: UInt8) -> UInt8 {
            c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
        }
        return a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    /// Appends the value of parameter `name` in a query string as logged (`a=1&utm_source=news%20letter`),
    /// percent-decoded (`+` is a space) and made printable; nothing when absent. `scratch` is working space.
    static func appendParameter(
        _ name: StaticString, in query: UnsafeRawBufferPointer, to out: inout [UInt8], scratch: inout [UInt8]
    ) {
        let key = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        var i = 0
        let n = query.count
        while i < n {
            var end = i
            while end < n && query[end] != UInt8(ascii: "&") { end += 1 }
            if end - i > key.count && query[i + key.count] == UInt8(ascii: "=")
                && memcmp(query.baseAddress! + i, key.baseAddress!, key.count) == 0
            {
                scratch.removeAll(keepingCapacity: true)
                var k = i + key.count + 1
                while k < end {
                    let b = query[k]
                    if b == UInt8(ascii: "%"), k + 2 < end, let high = hex(query[k + 1]), let low = hex(query[k + 2]) {
                        scratch.append(high << 4 | low)
                        k += 3
                    } else {
                        scratch.append(b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                        k += 1
                    }
                }
                scratch.withUnsafeBytes { FieldText.appendPrintable($0, to: &out) }
                return
            }
            i = end + 1
        }
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

extension Fragment {
    /// Appends a visit kept by the window store (its texts already in the store's order).
    mutating func appendVisit(_ state: VisitState) {
        let base = Int32(text.count)
        if state.exitLength < 0 {
            text += state.text
        } else {
            text += state.text[..<Int(state.ends[7])]
            state.withExitPath { text.appendBytes($0) }
        }
        for i in 0..<8 { visitEnds[i] = base + state.ends[i] }
        visitEnds[8] = Int32(text.count)
        self.visit = state.visit
    }
}
