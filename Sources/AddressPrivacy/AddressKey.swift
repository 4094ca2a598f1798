import COpenSSL

/// The secret key of ``AddressHasher``: at least 32 bytes, normally read from a root-owned file with
/// ``init(contentsOfFile:)``.
///
/// The key is the file's bytes as they are (binary: `head -c 32 /dev/urandom` makes one; a trailing newline would
/// be part of it), so that copying the file is all it takes for another machine to produce the same digests.
/// Its ``fingerprint`` tells keys apart in a database without revealing them. `Sendable`; its description shows
/// the fingerprint, never the key.
public struct AddressKey: Sendable, CustomStringConvertible {
    /// Fewest bytes a key may have: HMAC-SHA256's output length, the least RFC 2104 §3 recommends.
    public static let minimumLength = 32
    /// Most bytes a key file may have: more suggests the path names some other file.
    public static let maximumLength = 4096

    let bytes: [UInt8]

    /// A key from bytes already in memory; nil when there are fewer than ``minimumLength`` or more than
    /// ``maximumLength``.
    public init?(bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= AddressKey.minimumLength && bytes.count <= AddressKey.maximumLength else { return nil }
        self.bytes = bytes
    }

    /// 16 hex digits that name the key: the start of SHA-256 of a fixed label and the key.
    ///
    /// Safe to store beside the digests (a table can say which key made them, and a run with another key can be
    /// refused): SHA-256 is one-way, and the label keeps the value apart from any other hash of the key.
    public var fingerprint: String {
        let label = Array("sessiontail client address key fingerprint v1\n".utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let status = (label + bytes).withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(status == 1 && length == 32, "OpenSSL's libcrypto failed to compute a SHA-256")
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(8).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xf)]] }, as: UTF8.self)
    }

    /// `AddressKey(fingerprint …)`: never the key itself.
    public var description: String { "AddressKey(fingerprint \(fingerprint))" }
}
