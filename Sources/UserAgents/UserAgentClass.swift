/// A family name (browser, operating system or device) as a small integer, interned by one
/// ``UserAgentClassifier``: turn it back into text with ``UserAgentClassifier/family(_:)`` of the same
/// classifier, at output time.
public struct FamilyID: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The index into the classifier's table of family names.
    public var rawValue: UInt16

    /// The id with index `rawValue`.
    @inlinable
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// `Other`: what ua-parser reports when no rule matches. Every classifier gives it id 0.
    public static let other = FamilyID(rawValue: 0)

    /// The index, as text.
    public var description: String { String(rawValue) }
}

/// What ``UserAgentClassifier/classify(uaBytes:)`` says of one user agent: 8 bytes, trivially copyable, to
/// keep per request or per session.
public struct UserAgentClass: Hashable, Sendable, BitwiseCopyable {
    /// A crawler: the device family is `Spider`, or the user agent is empty or `-`, or it matches one of the
    /// operator's extra bot patterns.
    public var isBot: Bool
    /// The browser family (`user_agent_parsers`), e.g. `Chrome`, `Googlebot`.
    public var browser: FamilyID
    /// The operating system family (`os_parsers`), e.g. `Windows`, `Android`.
    public var os: FamilyID
    /// The device family (`device_parsers`), e.g. `iPhone`, `Spider`.
    public var device: FamilyID

    /// A class with these parts.
    @inlinable
    public init(isBot: Bool, browser: FamilyID, os: FamilyID, device: FamilyID) {
        self.isBot = isBot
        self.browser = browser
        self.os = os
        self.device = device
    }
}
