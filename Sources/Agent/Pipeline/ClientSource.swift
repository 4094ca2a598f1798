import ClientAddress

/// Where a source's visitors' addresses come from: the connection's address (`remote_addr`), or a
/// forwarding header that trusted proxies set, walked as nginx's `real_ip_recursive on` does (see
/// ``ClientResolver``).
public struct ClientSource: Sendable, Equatable {
    /// The forwarding header, lower-cased with `-` (`x-forwarded-for`); nil for the connection's address.
    public var header: String?
    /// The proxies whose word is taken.
    public var trusted: [IPNetwork]

    public init(header: String?, trusted: [IPNetwork]) {
        self.header = header
        self.trusted = trusted
    }

    /// The connection's address, whatever any header says.
    public static let remoteAddress = ClientSource(header: nil, trusted: [])

    /// The names `from` takes besides a header of the log format, and the header each means.
    public static let knownHeaders: [(name: String, header: String?)] = [
        ("remote_addr", nil), ("x_forwarded_for", "x-forwarded-for"), ("forwarded", "forwarded"),
        ("x_real_ip", "x-real-ip"), ("cf_connecting_ip", "cf-connecting-ip"), ("true_client_ip", "true-client-ip"),
    ]

    /// The header `from` names: one of ``knownHeaders``, an nginx `$http_NAME`, an Apache `%{NAME}i`,
    /// or a header name (`X-Client-IP`); nil when it is not one.
    public static func header(named from: String) -> String?? {
        if let known = knownHeaders.first(where: { $0.name == from }) { return .some(known.header) }
        var name = Substring(from)
        if name.hasPrefix("$http_") {
            name = name.dropFirst(6)
        } else if name.hasPrefix("%{") && name.hasSuffix("}i") {
            name = name.dropFirst(2).dropLast(2)
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return .some(String(name).lowercased().replacingAll("_", with: "-"))
    }

    /// A source that reads `from`, trusting `trusted` (the private and loopback ranges when nil).
    public static func parse(from: String, trusted: [String]?) throws(UsageError) -> ClientSource {
        guard let header = header(named: from) else {
            throw UsageError(
                "'\(from)' is not an address's origin: say remote_addr, x_forwarded_for, forwarded, x_real_ip, cf_connecting_ip, true_client_ip, or a logged header ($http_name, %{Name}i)"
            )
        }
        var networks: [IPNetwork] = []
        for text in trusted ?? [] {
            guard let network = IPNetwork(text) else {
                throw UsageError(
                    "'\(text)' is not a network such as 10.0.0.0/8 or 2001:db8::/32 (the address's host bits zero)")
            }
            networks.append(network)
        }
        return ClientSource(header: header, trusted: trusted == nil ? ClientResolver.privateNetworks : networks)
    }

    /// The resolver of lines, when a header is read.
    var resolver: ClientResolver? {
        header.map { ClientResolver(trusted: trusted, syntax: $0 == "forwarded" ? .forwarded : .list) }
    }

    /// `from` as the configuration writes it.
    public var name: String {
        guard let header else { return "remote_addr" }
        return ClientSource.knownHeaders.first { $0.header == header }?.name ?? header
    }
}
