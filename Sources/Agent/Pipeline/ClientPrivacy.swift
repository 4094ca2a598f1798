import AddressPrivacy
import ClientAddress
import PostgresSink
import Sessionizer

/// What is kept of a visitor's address (`privacy:`, `sessionize --privacy`): the address itself, its network,
/// or a keyed hash of it. Applied as each line is read, after a forwarding header is resolved, so that the
/// raw address never reaches the window store, the write-ahead log, the spool, status or PostgreSQL.
///
/// ```yaml
/// privacy:
///   client: hash                              # keep (default) | truncate | hash
///   key_file: /etc/sessiontail/client.key     # hash: 32 random bytes, the same on every agent
/// ```
public struct ClientPrivacy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The address as logged.
        case keep
        /// The address cut to its network (`ipv4Prefix`, `ipv6Prefix` leading bits).
        case truncate
        /// HMAC-SHA256 of the address under the key, as 32 hex digits.
        case hash
    }

    public var mode = Mode.keep
    /// Leading bits kept of an IPv4 address (`truncate`).
    public var ipv4Prefix = 24
    /// Leading bits kept of an IPv6 address (`truncate`).
    public var ipv6Prefix = 48
    /// The key's file (`hash`).
    public var keyFile = "/etc/sessiontail/client.key"
    /// The key read from ``keyFile`` by ``loadKey()``.
    public var key: AddressKey? = nil

    public init() {}

    public static func == (lhs: ClientPrivacy, rhs: ClientPrivacy) -> Bool {
        lhs.mode == rhs.mode && lhs.ipv4Prefix == rhs.ipv4Prefix && lhs.ipv6Prefix == rhs.ipv6Prefix
            && lhs.keyFile == rhs.keyFile && lhs.key?.fingerprint == rhs.key?.fingerprint
    }

    /// Reads the key when hashing (a file others may read, or shorter than 32 bytes, is refused).
    public mutating func loadKey() throws(UsageError) {
        guard mode == .hash else { return }
        do {
            key = try AddressKey(contentsOfFile: keyFile)
        } catch {
            throw UsageError(error.description)
        }
    }

    /// What a sessions table records of this setting, so that an agent with another is refused.
    public var setting: ClientSetting {
        switch mode {
        case .keep: .keep
        case .truncate: ClientSetting(mode: "truncate /\(ipv4Prefix) /\(ipv6Prefix)", keyFingerprint: nil)
        case .hash: ClientSetting(mode: "hash", keyFingerprint: key?.fingerprint)
        }
    }

    /// Checks the prefix lengths (`sessionize --ipv4-prefix`, `--ipv6-prefix`; the configuration file checks
    /// its keys as it reads them).
    public func validate() throws(UsageError) {
        guard (0...32).contains(ipv4Prefix) else {
            throw UsageError("--ipv4-prefix is \(ipv4Prefix): an IPv4 prefix is 0 to 32 bits")
        }
        guard (0...128).contains(ipv6Prefix) else {
            throw UsageError("--ipv6-prefix is \(ipv6Prefix): an IPv6 prefix is 0 to 128 bits")
        }
    }
}

/// Applies a ``ClientPrivacy`` to addresses as lines are read: one per pipeline (it holds an OpenSSL context
/// and a buffer it reuses, so nothing is allocated per line).
final class ClientMasker {
    let privacy: ClientPrivacy
    private let hasher: AddressHasher?
    private let buffer: UnsafeMutableRawBufferPointer

    init(_ privacy: ClientPrivacy) {
        self.privacy = privacy
        hasher = privacy.mode == .hash ? privacy.key.map { AddressHasher(key: $0) } : nil
        precondition(privacy.mode != .hash || hasher != nil, "privacy: hash without its key (loadKey)")
        buffer = .allocate(byteCount: 64, alignment: 8)
    }

    deinit { buffer.deallocate() }

    /// The client as stored: `raw` itself when addresses are kept; else the network or the keyed hash of
    /// `address` (the address `raw` holds, nil when it holds none), written into a buffer this masker reuses
    /// (valid until the next call). A client that is no address (a host name the server looked up) is
    /// hashed as text under `hash`, and cut to its last two labels under `truncate` (`in24.inetnebr.com` →
    /// `*.inetnebr.com`, lower-cased), as an address is cut to its network.
    @inline(__always)
    func stored(_ raw: UnsafeRawBufferPointer, address: IPAddress?) -> UnsafeRawBufferPointer {
        switch privacy.mode {
        case .keep:
            return raw
        case .truncate:
            guard let address else { return domain(of: raw) }
            let plain = address.unmapped
            let network = plain.truncated(
                toPrefixLength: plain.family == .ipv4 ? privacy.ipv4Prefix : privacy.ipv6Prefix)
            return UnsafeRawBufferPointer(rebasing: buffer[0..<network.write(to: buffer)])
        case .hash:
            let digest = address.map { hasher!.digest(of: $0) } ?? hasher!.digest(ofText: raw)
            return UnsafeRawBufferPointer(rebasing: buffer[0..<digest.write(to: buffer)])
        }
    }

    /// Re-keys a session restored from state written under another setting (addresses kept before): its
    /// client as this masker stores it. Idempotent: a client already in this setting's form (32 hex digits
    /// under `hash`; a network or `*.domain` under `truncate`) stays. Returns whether it changed.
    func rekey(_ fragment: inout Fragment) -> Bool {
        let client = Array(fragment.client)
        switch privacy.mode {
        case .keep:
            return false
        case .hash:
            if client.count == AddressDigest.textLength && client.allSatisfy({ ClientMasker.isLowerHex($0) }) {
                return false
            }
        case .truncate:
            if client.contains(UInt8(ascii: "/")) || client.starts(with: [UInt8(ascii: "*"), UInt8(ascii: ".")]) {
                return false
            }
        }
        let stored = client.withUnsafeBytes { raw in Array(self.stored(raw, address: IPAddress(raw))) }
        fragment.replaceClient(with: stored)
        return true
    }

    private static func isLowerHex(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
    }

    /// `*.` and the last two labels of a host name, lower-cased (at most 62 bytes of them).
    private func domain(of name: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = name.count
        var dots = 0
        while start > 0 {
            if name[start - 1] == UInt8(ascii: ".") {
                dots += 1
                if dots == 2 { break }
            }
            start -= 1
        }
        buffer[0] = UInt8(ascii: "*")
        buffer[1] = UInt8(ascii: ".")
        var n = 2
        if start < name.count && name[start] == UInt8(ascii: ".") { start += 1 }
        for i in start..<min(name.count, start + buffer.count - 2) {
            let b = name[i]
            buffer[n] = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            n += 1
        }
        return UnsafeRawBufferPointer(rebasing: buffer[0..<n])
    }

    /// `text` with every address in it (IPv4 or IPv6, with a port or in brackets) replaced by its stored
    /// form: for what quotes a line or names a client (malformed-line samples, warnings). Unchanged when
    /// addresses are kept.
    func redact(_ text: String) -> String {
        guard privacy.mode != .keep else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard ClientMasker.isAddressByte(bytes[i]) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var end = i
            while end < bytes.count && ClientMasker.isAddressByte(bytes[end]) { end += 1 }
            appendRedacted(bytes[i..<end], to: &out)
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A run of hex digits, dots and colons: an address (IPv4 perhaps with a `:port`) replaced, anything
    /// else copied.
    private func appendRedacted(_ run: ArraySlice<UInt8>, to out: inout [UInt8]) {
        if run.contains(UInt8(ascii: ".")) || run.contains(UInt8(ascii: ":")), let address = ClientMasker.address(run) {
            let stored = stored(UnsafeRawBufferPointer(start: nil, count: 0), address: address)
            out.append(contentsOf: stored)
            return
        }
        // 203.0.113.9:443: the address before the port.
        if let colon = run.lastIndex(of: UInt8(ascii: ":")), run[run.startIndex..<colon].contains(UInt8(ascii: ".")),
            let address = ClientMasker.address(run[run.startIndex..<colon])
        {
            out.append(contentsOf: stored(UnsafeRawBufferPointer(start: nil, count: 0), address: address))
            out.append(contentsOf: run[colon...])
            return
        }
        out.append(contentsOf: run)
    }

    private static func address(_ bytes: ArraySlice<UInt8>) -> IPAddress? {
        bytes.withUnsafeBytes { IPAddress($0) }
    }

    private static func isAddressByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default: false
        }
    }
}
