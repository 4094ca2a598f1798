import AddressPrivacy
import ClientAddress
import PropertyBased
import Testing

let anyAddress = zip(Gen.uint64(in: 0...UInt64.max), Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...3)).map {
    high, low, kind -> IPAddress in
    switch kind {
    case 0: return IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    case 1: return IPAddress(ipv6High: 0, low: 0xffff_0000_0000 | low & 0xffff_ffff)  // IPv4-mapped
    default: return IPAddress(ipv6High: high, low: low)
    }
}

@Suite("Keyed digests of addresses")
struct AddressHasherTests {
    static let fixedKey = AddressKey(bytes: 0..<32)!

    @Test(.shrinking(false)) func digestsEqualPythonsHMAC() async throws {
        let cases = zip(Gen.uint8(in: 0...255).array(of: 32...64), anyAddress.array(of: 300))
        await propertyCheck(count: 6, input: cases) { keyBytes, addresses in
            let scratch = try ScratchDirectory()
            let path = try scratch.file("client.key", keyBytes, mode: 0o600)
            let key = try AddressKey(contentsOfFile: path)
            let hasher = AddressHasher(key: key)
            let expected = try pythonReference("digest", keyFile: path, addresses.map(\.description))
            #expect(addresses.map { hasher.digest(of: $0).description } == expected)
            #expect(try pythonReference("fingerprint", keyFile: path) == [key.fingerprint])
        }
    }

    @Test func digestsArePinned() throws {
        // Pinned from Python's hmac: the same key must give the same digest on every machine, forever.
        let hasher = AddressHasher(key: Self.fixedKey)
        #expect(hasher.digest(of: IPAddress("192.0.2.1")!).description == "5b94ca9bb52de8b1ddec78c3089e2582")
        #expect(hasher.digest(of: IPAddress("2001:db8::1")!).description == "df134d4f4e188c9f97906d62fb0fc7f4")
        #expect(Self.fixedKey.fingerprint == "d832506f81b5bbb5")
    }

    @Test func aHasherGivesTheSameDigestEveryTime() async {
        let hasher = AddressHasher(key: Self.fixedKey)
        await propertyCheck(count: 500, input: anyAddress) { address in
            let first = hasher.digest(of: address)
            #expect(hasher.digest(of: address) == first)
            #expect(AddressHasher(key: Self.fixedKey).digest(of: address) == first)
        }
    }

    @Test func ipv4AndItsMappedFormShareADigest() throws {
        let hasher = AddressHasher(key: Self.fixedKey)
        let v4 = try #require(IPAddress("198.51.100.7"))
        let mapped = try #require(IPAddress("::ffff:198.51.100.7"))
        #expect(hasher.digest(of: v4) == hasher.digest(of: mapped))
        #expect(hasher.digest(of: v4) != hasher.digest(of: try #require(IPAddress("::198.51.100.7"))))
    }

    @Test func keysDifferInFingerprintAndDigests() throws {
        let other = try #require(AddressKey(bytes: (0..<32).map { UInt8(255 - $0) }))
        let address = try #require(IPAddress("203.0.113.9"))
        #expect(other.fingerprint != Self.fixedKey.fingerprint)
        #expect(AddressHasher(key: other).digest(of: address) != AddressHasher(key: Self.fixedKey).digest(of: address))
        #expect(Self.fixedKey.description == "AddressKey(fingerprint \(Self.fixedKey.fingerprint))")
    }

    @Test func digestText() {
        let digest = AddressDigest(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
        #expect(digest.description == "0123456789abcdeffedcba9876543210")
        #expect(AddressKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(AddressKey(bytes: [UInt8](repeating: 1, count: 4097)) == nil)
    }
}
