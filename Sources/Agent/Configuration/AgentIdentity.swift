#if canImport(Glibc)
    import Glibc
#endif

/// The name an agent ships under (`--agent-id`, `agent_id:`): by default the machine's host name.
public enum AgentIdentity {
    /// The machine's host name, or `localhost` if it has none.
    public static var defaultID: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
