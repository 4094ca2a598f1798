/// What the agents that ship to one sessions table keep of a visitor's address, as the table records it
/// (`sessiontail_schema.client_mode`, `key_fingerprint`): an agent with another setting is refused, as one
/// with another gap is, because its sessions would not merge with the table's.
public struct ClientSetting: Sendable, Equatable, CustomStringConvertible {
    /// `keep`, `truncate /24 /48` (the prefix lengths), or `hash`.
    public let mode: String
    /// The hash key's fingerprint (never the key); nil unless `hash`.
    public let keyFingerprint: String?

    public init(mode: String, keyFingerprint: String?) {
        self.mode = mode
        self.keyFingerprint = keyFingerprint
    }

    /// Addresses kept as logged.
    public static let keep = ClientSetting(mode: "keep", keyFingerprint: nil)

    public var description: String {
        keyFingerprint.map { "\(mode) (key \($0))" } ?? mode
    }
}
