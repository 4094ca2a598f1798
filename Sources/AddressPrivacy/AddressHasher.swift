import COpenSSL
import ClientAddress

/// Computes ``AddressDigest``s: HMAC-SHA256 of an address's 16 bytes under an ``AddressKey``, through OpenSSL's
/// libcrypto.
///
/// The input is the 16-byte form of ``IPAddress`` in network order, so `192.0.2.1` and `::ffff:192.0.2.1` (the
/// same client through a dual-stack socket) get the same digest; the family and any prefix length are not part
/// of it, so hash a truncated address as ``IPNetwork/address``. The same key gives the same digest on every
/// machine and with every OpenSSL version: HMAC-SHA256 is RFC 2104 with FIPS 180-4's SHA-256.
///
/// The key is set once: OpenSSL keeps the inner and outer padded states, and each ``digest(of:)`` only
/// restarts from them (two SHA-256 compressions per address, no key schedule).
///
/// **Thread-safety**: not `Sendable`. A hasher holds one OpenSSL context that every call changes; make one per
/// thread from the same key (the key is `Sendable`; making a hasher costs a few microseconds).
///
/// ```swift
/// let key = try AddressKey(contentsOfFile: "/etc/sessiontail/client.key")
/// let hasher = AddressHasher(key: key)
/// let pseudonym = hasher.digest(of: client)  // AddressDigest, no allocation
/// print(pseudonym)                           // 32 hex digits
/// ```
public final class AddressHasher {
    private let mac: OpaquePointer
    private let context: OpaquePointer

    /// A hasher for `key`. Traps if libcrypto cannot provide HMAC-SHA256, which no build of OpenSSL 3 lacks.
    public init(key: AddressKey) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil), let context = EVP_MAC_CTX_new(mac) else {
            fatalError("OpenSSL's libcrypto provides no HMAC")
        }
        self.mac = mac
        self.context = context
        let status = key.bytes.withUnsafeBufferPointer {
            sessiontail_hmac_sha256_init(context, $0.baseAddress, $0.count)
        }
        precondition(status == 1, "OpenSSL's libcrypto refused an HMAC-SHA256 key")
    }

    deinit {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(mac)
    }

    /// The keyed digest of `address`.
    public func digest(of address: IPAddress) -> AddressDigest {
        address.withUnsafeBytes { digest(prefix: nil, $0) }
    }

    /// The keyed digest of a client that is no address (a host name a server looked up): HMAC of `host:`
    /// followed by the text, so that it never equals an address's (whose 16 bytes would have to begin
    /// with `host:`, in no assigned IPv6 range).
    public func digest(ofText text: UnsafeRawBufferPointer) -> AddressDigest {
        digest(prefix: "host:", text)
    }

    private func digest(prefix: StaticString?, _ bytes: UnsafeRawBufferPointer) -> AddressDigest {
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let written = withUnsafeMutableBytes(of: &out) { out -> Int in
            // A null key restarts from the padded states the key left (EVP_MAC_init(3)).
            guard EVP_MAC_init(context, nil, 0, nil) == 1 else { return 0 }
            if let prefix, EVP_MAC_update(context, prefix.utf8Start, prefix.utf8CodeUnitCount) != 1 { return 0 }
            let updated =
                bytes.isEmpty
                ? 1 : EVP_MAC_update(context, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
            guard updated == 1 else { return 0 }
            var length = 0
            guard EVP_MAC_final(context, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length, 32) == 1
            else { return 0 }
            return length
        }
        precondition(written == 32, "OpenSSL's libcrypto failed to compute an HMAC-SHA256")
        return AddressDigest(high: UInt64(bigEndian: out.0), low: UInt64(bigEndian: out.1))
    }
}

@available(*, unavailable, message: "an AddressHasher changes its OpenSSL context on every call: make one per thread")
extension AddressHasher: Sendable {}
