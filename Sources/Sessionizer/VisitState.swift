import AccessLog

/// An open session's visit as the window store keeps it: the counts, and the texts of the landing and
/// exit page views and of the first request's families, back to back in one array (replaced in place:
/// a page view that becomes the exit allocates nothing once the array has room).
struct VisitState {
    var visit = Visit()
    /// Landing path, referrer host, UTM source, medium and campaign, browser, OS, device, exit path.
    var text: [UInt8] = []
    var ends = Fragment.Ends()

    init() {}

    /// The visit of a fragment given back to the store (restored after a restart).
    init(visit: Visit, text parts: VisitText) {
        self.visit = visit
        set(parts.parts)
    }

    /// The visit of a new session's first event, its texts written in one buffer of their size (what
    /// ``setFamilies(_:)`` then ``add(_:path:scratch:)`` on an empty visit make, without their copies).
    init(first event: Event, path: inout [UInt8], scratch: inout [UInt8]) {
        visit.isBot = event.isBot
        guard event.isPageView else {
            text.reserveCapacity(event.browser.count + event.os.count + event.device.count)
            for i in 0..<5 { ends[i] = 0 }
            text += event.browser
            ends[5] = Int32(text.count)
            text += event.os
            ends[6] = Int32(text.count)
            text += event.device
            ends[7] = Int32(text.count)
            ends[8] = ends[7]
            return
        }
        visit.pageViews = 1
        path.removeAll(keepingCapacity: true)
        FieldText.appendDisplay(event.path, escaping: event.escaping, to: &path, scratch: &scratch)
        let referrerHost = VisitState.host(ofReferrer: event.referrer)
        visit.landingAt = event.time
        visit.exitAt = event.time
        visit.channel =
            referrerHost.isEmpty ? .direct : VisitState.sameHost(referrerHost, event.host) ? .internal : .external
        let query = event.query
        text.reserveCapacity(
            2 * path.count + referrerHost.count + event.browser.count + event.os.count + event.device.count
                + (query.isEmpty ? 0 : 16))
        text += path
        ends[0] = Int32(text.count)
        text += referrerHost
        ends[1] = Int32(text.count)
        if !query.isEmpty {
            VisitState.appendParameter("utm_source", in: query, to: &text)
            ends[2] = Int32(text.count)
            VisitState.appendParameter("utm_medium", in: query, to: &text)
            ends[3] = Int32(text.count)
            VisitState.appendParameter("utm_campaign", in: query, to: &text)
        } else {
            ends[2] = ends[1]
            ends[3] = ends[1]
        }
        ends[4] = Int32(text.count)
        text += event.browser
        ends[5] = Int32(text.count)
        text += event.os
        ends[6] = Int32(text.count)
        text += event.device
        ends[7] = Int32(text.count)
        text += path
        ends[8] = Int32(text.count)
    }

    func part(_ i: Int) -> ArraySlice<UInt8> {
        text[(i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])]
    }

    var parts: [[UInt8]] { (0..<9).map { Array(part($0)) } }

    /// The texts with those of `range` written anew by `body` (the others kept): one allocation.
    mutating func replace(_ range: Range<Int>, _ body: (Int, inout [UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 64)
        var newEnds = Fragment.Ends()
        for i in 0..<9 {
            if range.contains(i) { body(i, &out) } else { out += part(i) }
            newEnds[i] = Int32(out.count)
        }
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
    }

    /// The families of the session's (new) first request.
    mutating func setFamilies(_ event: Event) {
        replace(5..<8) { i, out in out += i == 5 ? event.browser : i == 6 ? event.os : event.device }
    }

    /// Counts the event: a bot's makes the visit a bot's; a page view is counted, and may be the new
    /// landing (the earliest) or exit (the latest). `path` and `scratch` are working space.
    mutating func add(
        _ event: Event, path: inout [UInt8], scratch: inout [UInt8]
    ) {
        if event.isBot { visit.isBot = true }
        guard event.isPageView else { return }
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
                candidate.setLanding(path: path, event: event)
                lands = Fragment.landing(t, candidate.landingTexts, precedes: at, landingTexts)
            }
        }
        if lands { setLanding(path: path, event: event) }
        if visit.exitAt.map({ Fragment.pageView($0, part(8), precedes: t, path[...]) }) ?? true {
            visit.exitAt = t
            text.removeSubrange(Int(ends[7])...)
            text += path
            ends[8] = Int32(text.count)
        }
    }

    /// Makes `event`, a page view whose display path is `path`, the landing: its time, channel,
    /// referrer host and UTM parameters.
    mutating func setLanding(path: [UInt8], event: Event) {
        let referrerHost = VisitState.host(ofReferrer: event.referrer)
        visit.landingAt = event.time
        visit.channel =
            referrerHost.isEmpty ? .direct : VisitState.sameHost(referrerHost, event.host) ? .internal : .external
        let query = event.query
        replace(0..<5) { i, out in
            switch i {
            case 0: out += path
            case 1: out += referrerHost
            case 2: VisitState.appendParameter("utm_source", in: query, to: &out)
            case 3: VisitState.appendParameter("utm_medium", in: query, to: &out)
            default: VisitState.appendParameter("utm_campaign", in: query, to: &out)
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
        var i = 0
        let n = raw.count
        // scheme "://"
        while i < n && raw[i] != UInt8(ascii: ":") && raw[i] != UInt8(ascii: "/") { i += 1 }
        guard i + 2 < n, raw[i] == UInt8(ascii: ":"), raw[i + 1] == UInt8(ascii: "/"), raw[i + 2] == UInt8(ascii: "/")
        else { return [] }
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
        var host = Array(raw[start..<end])
        // A port goes: after an IPv6 literal's `]`, or at the first `:` of any other host.
        if host.first == UInt8(ascii: "["), let close = host.firstIndex(of: UInt8(ascii: "]")) {
            host.removeSubrange((close + 1)...)
        } else if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
            host.removeSubrange(colon...)
        }
        for k in host.indices where host[k] >= UInt8(ascii: "A") && host[k] <= UInt8(ascii: "Z") { host[k] |= 0x20 }
        guard !host.isEmpty, host.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return [] }
        return host
    }

    static func sameHost(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { $0 == ($1 >= UInt8(ascii: "A") && $1 <= UInt8(ascii: "Z") ? $1 | 0x20 : $1) }
    }

    /// Appends the value of parameter `name` in a query string as logged (`a=1&utm_source=news%20letter`),
    /// percent-decoded (`+` is a space) and made printable; nothing when absent.
    static func appendParameter(_ name: StaticString, in query: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let key = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        var i = 0
        let n = query.count
        while i < n {
            var end = i
            while end < n && query[end] != UInt8(ascii: "&") { end += 1 }
            if end - i > key.count && query[i + key.count] == UInt8(ascii: "=")
                && memcmp(query.baseAddress! + i, key.baseAddress!, key.count) == 0
            {
                var decoded: [UInt8] = []
                var k = i + key.count + 1
                while k < end {
                    let b = query[k]
                    if b == UInt8(ascii: "%"), k + 2 < end, let high = hex(query[k + 1]), let low = hex(query[k + 2]) {
                        decoded.append(high << 4 | low)
                        k += 3
                    } else {
                        decoded.append(b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                        k += 1
                    }
                }
                decoded.withUnsafeBytes { FieldText.appendPrintable($0, to: &out) }
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
    mutating func appendVisit(_ visit: Visit, text visitText: [UInt8], ends: Ends) {
        let base = Int32(text.count)
        text += visitText
        for i in 0..<9 { visitEnds[i] = base + ends[i] }
        self.visit = visit
    }
}
