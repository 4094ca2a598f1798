/// Watches a source's first events for the sign of a proxy or CDN in front of the server: most of them
/// from a handful of addresses, so that sessions would merge unrelated visitors and split real ones.
struct ClientConcentration: Sendable {
    /// Events looked at, and how few addresses are "a handful".
    static let sample = 10_000
    static let few = 5
    /// A log with fewer events is judged at its end from at least this many.
    static let least = 1_000

    private var counts: [[UInt8]: Int] = [:]
    private(set) var seen = 0
    /// The handful of addresses and their share of the events, once judged so; nil otherwise.
    private(set) var suspects: [(address: String, share: Double)]? = nil
    private var judged = false

    /// Counts one event's client (only the first ``sample``: a bounded table).
    mutating func add(_ client: UnsafeRawBufferPointer) {
        guard !judged else { return }
        counts[Array(client), default: 0] += 1
        seen += 1
        if seen == ClientConcentration.sample { judge() }
    }

    /// Judges on what was seen (the input ended before ``sample`` events).
    mutating func finish() {
        if !judged && seen >= ClientConcentration.least { judge() }
    }

    private mutating func judge() {
        judged = true
        // As few of the busiest addresses as make up over half of the events, if five or fewer do.
        var top: [(address: String, share: Double)] = []
        var inTop = 0
        for (client, count) in counts.sorted(by: { $0.value > $1.value }).prefix(ClientConcentration.few) {
            top.append((String(decoding: client, as: UTF8.self), Double(count) / Double(seen)))
            inTop += count
            if inTop * 2 > seen {
                suspects = top
                break
            }
        }
        counts = [:]
    }

    /// What to tell the operator, once: which addresses, and what to configure.
    func warning(source: String?, batch: Bool) -> String? {
        guard let suspects else { return nil }
        let list = suspects.map { "\($0.address) (\(Int(($0.share * 100).rounded())) %)" }.joined(separator: ", ")
        let configure =
            batch
            ? "--client-ip (and --trusted-proxy)" : "client_ip: {from: …, trusted_proxies: [...]} for the source"
        return
            "\(source.map { "source \($0): " } ?? "")over half of the first \(seen) events come from \(InputStatistics.counted(suspects.count, "address", plural: "addresses")): \(list). A proxy, load balancer or CDN in front of the server? Then every visitor looks like it: log the visitor's address ($http_x_forwarded_for, %{X-Forwarded-For}i, or CF-Connecting-IP behind Cloudflare) and set \(configure)"
    }
}
