/// What a session was as a visit: page views, bot or person, landing and exit page, where the visitor
/// came from, and what they used. Present when requests were classified (nil with `--no-classify`, and
/// for fragments written before sessiontail classified requests).
public struct Visit: Sendable, Equatable {
    /// How the visitor arrived, from the landing page view's referrer.
    public enum Channel: UInt8, Sendable, CustomStringConvertible {
        /// No referrer.
        case direct = 1
        /// The referrer's host is the session's host.
        case `internal` = 2
        /// Another site.
        case external = 3

        public var description: String {
            switch self {
            case .direct: "direct"
            case .internal: "internal"
            case .external: "external"
            }
        }
    }

    /// Requests that were page views (see the pipeline's rules).
    public var pageViews: Int64 = 0
    /// Stored without optionals (`Int64.min`, 0: none), so that a visit takes 32 bytes, not 56, in each
    /// open session and fragment.
    private var landing = Int64.min
    private var exit = Int64.min
    /// Whether any request of the session was a bot's.
    public var isBot = false
    private var channelValue: UInt8 = 0

    /// Time of the landing (first) page view, and of the exit (last) one; nil when there is none.
    public var landingAt: Int64? {
        get { landing == .min ? nil : landing }
        set { landing = newValue ?? .min }
    }
    public var exitAt: Int64? {
        get { exit == .min ? nil : exit }
        set { exit = newValue ?? .min }
    }
    /// How the landing page view was reached; nil when there is no page view.
    public var channel: Channel? {
        get { Channel(rawValue: channelValue) }
        set { channelValue = newValue?.rawValue ?? 0 }
    }

    public init(
        pageViews: Int64 = 0, isBot: Bool = false, landingAt: Int64? = nil, exitAt: Int64? = nil,
        channel: Channel? = nil
    ) {
        self.pageViews = pageViews
        self.isBot = isBot
        self.landing = landingAt ?? .min
        self.exit = exitAt ?? .min
        self.channelValue = channel?.rawValue ?? 0
    }
}

/// The text of a visit: the landing page view's path, its referrer's host and UTM parameters, the
/// browser, OS and device families of the session's first request, and the exit page view's path.
public struct VisitText: Sendable, Equatable {
    public var landingPath: [UInt8] = []
    public var referrerHost: [UInt8] = []
    public var utmSource: [UInt8] = []
    public var utmMedium: [UInt8] = []
    public var utmCampaign: [UInt8] = []
    public var browser: [UInt8] = []
    public var os: [UInt8] = []
    public var device: [UInt8] = []
    public var exitPath: [UInt8] = []

    public init(
        landingPath: [UInt8] = [], referrerHost: [UInt8] = [], utmSource: [UInt8] = [], utmMedium: [UInt8] = [],
        utmCampaign: [UInt8] = [], browser: [UInt8] = [], os: [UInt8] = [], device: [UInt8] = [],
        exitPath: [UInt8] = []
    ) {
        self.landingPath = landingPath
        self.referrerHost = referrerHost
        self.utmSource = utmSource
        self.utmMedium = utmMedium
        self.utmCampaign = utmCampaign
        self.browser = browser
        self.os = os
        self.device = device
        self.exitPath = exitPath
    }

    /// The nine parts, in the order they are kept.
    var parts: [[UInt8]] {
        [landingPath, referrerHost, utmSource, utmMedium, utmCampaign, browser, os, device, exitPath]
    }
}

extension Fragment {
    /// Which of the visit's texts; their order in the fragment's text, after the user agent.
    @usableFromInline
    enum VisitPart: Int {
        case landingPath = 0, referrerHost, utmSource, utmMedium, utmCampaign, browser, os, device, exitPath
    }

    /// The text of `part` (empty when absent).
    @inlinable
    func visitPart(_ part: VisitPart) -> ArraySlice<UInt8> {
        guard visit != nil else { return [] }
        let start = part.rawValue == 0 ? Int(userAgentEnd) : Int(visitEnds[part.rawValue - 1])
        return text[start..<Int(visitEnds[part.rawValue])]
    }

    /// The session's landing page: its first page view's path, or its first request's when it has no
    /// page view (or was not classified).
    public var landingPath: ArraySlice<UInt8> {
        visit?.landingAt != nil ? visitPart(.landingPath) : firstPath
    }
    /// The last page view's path (empty when none).
    public var exitPath: ArraySlice<UInt8> { visit?.exitAt != nil ? visitPart(.exitPath) : [] }
    /// The host of the landing page view's referrer (empty when none).
    public var referrerHost: ArraySlice<UInt8> { visitPart(.referrerHost) }
    /// The landing page view's `utm_source`, `utm_medium` and `utm_campaign` (empty when absent).
    public var utmSource: ArraySlice<UInt8> { visitPart(.utmSource) }
    public var utmMedium: ArraySlice<UInt8> { visitPart(.utmMedium) }
    public var utmCampaign: ArraySlice<UInt8> { visitPart(.utmCampaign) }
    /// ua-parser's families of the first request's user agent.
    public var browser: ArraySlice<UInt8> { visitPart(.browser) }
    public var os: ArraySlice<UInt8> { visitPart(.os) }
    public var device: ArraySlice<UInt8> { visitPart(.device) }

    /// The visit's texts, copied out.
    public var visitText: VisitText {
        VisitText(
            landingPath: Array(visitPart(.landingPath)), referrerHost: Array(referrerHost), utmSource: Array(utmSource),
            utmMedium: Array(utmMedium), utmCampaign: Array(utmCampaign), browser: Array(browser), os: Array(os),
            device: Array(device), exitPath: Array(visitPart(.exitPath)))
    }

    /// Sets the visit and its texts (the first-request texts stay).
    public mutating func setVisit(_ visit: Visit?, text visitText: VisitText = VisitText()) {
        text.removeSubrange(Int(userAgentEnd)...)
        self.visit = visit
        guard visit != nil else {
            visitEnds = .init()
            return
        }
        for (i, part) in visitText.parts.enumerated() {
            text += part
            visitEnds[i] = Int32(text.count)
        }
    }

    /// Whether page view (`at`, `path`) comes before (`otherAt`, `otherPath`): earlier, or in the same
    /// instant with the bytewise smaller path. Deciding by content keeps a session's exit (the latest)
    /// a function of its events, not of the order they arrived in.
    public static func pageView(
        _ at: Int64, _ path: ArraySlice<UInt8>, precedes otherAt: Int64, _ otherPath: ArraySlice<UInt8>
    ) -> Bool {
        if at != otherAt { return at < otherAt }
        return path.lexicographicallyPrecedes(otherPath)
    }

    /// Whether landing page view (`at`, `texts`) comes before (`otherAt`, `otherTexts`): earlier, or in
    /// the same instant by its texts (path, referrer host, UTM source, medium, campaign) bytewise, so
    /// that of two page views of one instant the same one lands whatever order they arrived in.
    public static func landing(
        _ at: Int64, _ texts: [ArraySlice<UInt8>], precedes otherAt: Int64, _ otherTexts: [ArraySlice<UInt8>]
    ) -> Bool {
        if at != otherAt { return at < otherAt }
        for (a, b) in zip(texts, otherTexts) where !a.elementsEqual(b) { return a.lexicographicallyPrecedes(b) }
        return false
    }

    /// The landing page view's texts, in the order ``landing(_:_:precedes:_:)`` compares them.
    var landingTexts: [ArraySlice<UInt8>] {
        [visitPart(.landingPath), referrerHost, utmSource, utmMedium, utmCampaign]
    }

    /// Folds the visit of `other` (the same session) into this one's; `otherFirst`: `other` holds the
    /// session's first request (its browser, OS and device are the session's).
    mutating func absorbVisit(of other: Fragment, otherFirst: Bool) {
        guard let mine = visit else {
            if let theirs = other.visit { setVisit(theirs, text: other.visitText) }
            return
        }
        guard let theirs = other.visit else { return }
        var merged = mine
        var texts = visitText
        merged.pageViews += theirs.pageViews
        merged.isBot = mine.isBot || theirs.isBot
        if let at = theirs.landingAt,
            mine.landingAt.map({ Fragment.landing(at, other.landingTexts, precedes: $0, landingTexts) }) ?? true
        {
            merged.landingAt = at
            merged.channel = theirs.channel
            texts.landingPath = Array(other.visitPart(.landingPath))
            texts.referrerHost = Array(other.referrerHost)
            texts.utmSource = Array(other.utmSource)
            texts.utmMedium = Array(other.utmMedium)
            texts.utmCampaign = Array(other.utmCampaign)
        }
        if let at = theirs.exitAt,
            mine.exitAt.map({ Fragment.pageView($0, visitPart(.exitPath), precedes: at, other.visitPart(.exitPath)) })
                ?? true
        {
            merged.exitAt = at
            texts.exitPath = Array(other.visitPart(.exitPath))
        }
        if otherFirst {
            texts.browser = Array(other.browser)
            texts.os = Array(other.os)
            texts.device = Array(other.device)
        }
        setVisit(merged, text: texts)
    }
}
