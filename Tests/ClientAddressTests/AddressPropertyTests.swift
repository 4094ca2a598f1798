import ClientAddress
import PropertyBased
import Testing

/// One address and one way of writing it, built from its groups without the formatter under test.
struct Spelling: Sendable, CustomStringConvertible {
    var address: IPAddress
    var text: String
    var description: String { text }
}

/// Groups biased to zero, so that runs of zeros of every length and position occur.
let group = Gen.frequency(
    (4, Gen.always(UInt16(0))), (1, Gen.uint16(in: 1...0xf)), (2, Gen.uint16(in: 0...0xffff)), (1, Gen.always(0xffff)))

let ipv4Value = Gen.frequency(
    (3, Gen.uint32(in: 0...UInt32.max)),
    (
        1,
        Gen.uint8(in: 0...255).array(of: 4).map { b in
            // Octets of one, two and three digits, and zeros.
            b.reduce(UInt32(0)) { $0 << 8 | UInt32($1 % 4 == 0 ? 0 : $1) }
        }
    ))

func words(_ groups: [UInt16]) -> (UInt64, UInt64) {
    let value = groups.reduce((UInt64(0), UInt64(0))) { acc, g in (acc.0 << 16 | acc.1 >> 48, acc.1 << 16 | UInt64(g)) }
    return value
}

func hexGroup(_ g: UInt16, padded: Bool, upper: Bool) -> String {
    var s = String(g, radix: 16, uppercase: upper)
    if padded { s = String(repeating: "0", count: 4 - s.count) + s }
    return s
}

func dotted(_ v: UInt32) -> String { "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)" }

/// An IPv6 spelling: groups padded or not, upper or lower case, a chosen run of zeros (not necessarily the
/// longest) compressed or none, and the last 32 bits dotted or not.
func spell(_ groups: [UInt16], padded: Bool, upper: Bool, compress: Int, dottedTail: Bool) -> String {
    var parts = groups.map { hexGroup($0, padded: padded, upper: upper) }
    var tail: String? = nil
    if dottedTail {
        tail = dotted(UInt32(groups[6]) << 16 | UInt32(groups[7]))
        parts.removeLast(2)
    }
    // Zero runs among the hex groups; compress the one picked (if any).
    var runs: [(Int, Int)] = []
    var i = 0
    while i < parts.count {
        if groups[i] == 0 {
            var j = i
            while j < parts.count && groups[j] == 0 { j += 1 }
            runs.append((i, j))
            i = j
        } else {
            i += 1
        }
    }
    var text: String
    if !runs.isEmpty && compress > 0 {
        let (start, end) = runs[compress % runs.count]
        text = parts[..<start].joined(separator: ":") + "::" + parts[end...].joined(separator: ":")
        if let tail { text += (end == parts.count ? "" : ":") + tail }
    } else {
        text = parts.joined(separator: ":")
        if let tail { text += (parts.isEmpty ? "" : ":") + tail }
    }
    return text
}

let ipv6Spelling = zip(
    group.array(of: 8), Gen.bool, Gen.bool(0.2), Gen.int(in: 0...3), Gen.bool(0.2), Gen.int(in: 0...3), ipv4Value
).map { groups, padded, upper, compress, dottedTail, kind, v4 -> Spelling in
    var groups = groups
    switch kind {
    case 1:  // IPv4-mapped
        groups = [0, 0, 0, 0, 0, 0xffff, UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
    case 2:  // IPv4-compatible (deprecated, but valid text)
        groups = [0, 0, 0, 0, 0, 0, UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
    default:
        break
    }
    let (high, low) = words(groups)
    return Spelling(
        address: IPAddress(ipv6High: high, low: low),
        text: spell(groups, padded: padded, upper: upper, compress: compress, dottedTail: dottedTail))
}

let ipv4Spelling = ipv4Value.map { v in Spelling(address: IPAddress(ipv4: v), text: dotted(v)) }

let spelling = Gen.frequency((1, ipv4Spelling), (3, ipv6Spelling))

/// A valid spelling damaged at a few places with bytes that occur in addresses and around them.
let mutated = zip(
    spelling, Gen.int(in: 0...100).array(of: 1...3), Gen.int(in: 0...2).array(of: 3), Gen.int(in: 0...27).array(of: 3)
)
.map { s, positions, actions, picks -> String in
    let alphabet = Array("0123456789abcdefABCDEFg:.%/[] -x".utf8)
    var bytes = Array(s.text.utf8)
    for (k, p) in positions.enumerated() {
        let at = bytes.isEmpty ? 0 : p % (bytes.count + 1)
        let b = alphabet[picks[k] % alphabet.count]
        switch actions[k] {
        case 0: if at < bytes.count { bytes.remove(at: at) }
        case 1: bytes.insert(b, at: at)
        default: if at < bytes.count { bytes[at] = b } else { bytes.append(b) }
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Each batch is one Python process; shrinking is off for them, as every step would run Python again, and the
/// failing text is in the message anyway.
@Suite("Client addresses against Python's ipaddress")
struct AddressPropertyTests {
    @Test(.shrinking(false)) func spellingsParseToTheirValueAndFormatAsPythonDoes() async throws {
        await propertyCheck(count: 8, input: spelling.array(of: 500)) { batch in
            let expected = try PythonReference.answers("address", batch.map(\.text))
            for (s, python) in zip(batch, expected) {
                let parsed = parse(s.text)
                #expect(parsed == s.address, "\(s.text)")
                #expect(parsed?.description == python, "\(s.text): Python says \(python)")
            }
        }
    }

    @Test(.shrinking(false)) func damagedSpellingsAreRefusedOrReadAsPythonReadsThem() async throws {
        await propertyCheck(count: 8, input: mutated.array(of: 500)) { batch in
            let expected = try PythonReference.answers("address", batch)
            for (text, python) in zip(batch, expected) {
                #expect((parse(text)?.description ?? "invalid") == python, "\(text.debugDescription)")
            }
        }
    }

    @Test func anyBytesAreParsedOrRefusedWithoutTrapping() async {
        let bytes = Gen.frequency(
            (1, Gen.uint8(in: 0...255)), (3, Gen.element(of: Array("0123456789abcdefABCDEF:./%".utf8)).map { $0! })
        ).array(of: 0...60)
        await propertyCheck(count: 3_000, input: bytes) { bytes in
            bytes.withUnsafeBytes { buffer in
                if let address = IPAddress(buffer) { #expect(IPAddress(address.description) == address) }
                if let network = IPNetwork(buffer) { #expect(IPNetwork(network.description) == network) }
            }
        }
    }

    @Test func canonicalTextReadsBackToTheSameValue() async {
        await propertyCheck(count: 2_000, input: spelling) { s in
            #expect(parse(s.address.description) == s.address)
        }
    }

    @Test(.shrinking(false)) func truncationAndContainmentAgreeWithPython() async throws {
        // Half the probes are the address with some of its last bits flipped, so that both answers occur.
        let cases = zip(
            spelling, Gen.int(in: 0...128), spelling, Gen.bool, Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...64)
        )
        .map { s, prefix, other, near, flips, width -> (IPAddress, Int, IPAddress) in
            let a = s.address
            let length = prefix % (a.bitWidth + 1)
            guard near else { return (a, length, other.address) }
            let mask = (width == 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1) & (a.family == .ipv4 ? 0xffff_ffff : ~0)
            let flipped = a.low ^ (flips & mask)
            let probe =
                a.family == .ipv4
                ? IPAddress(ipv4: UInt32(truncatingIfNeeded: flipped)) : IPAddress(ipv6High: a.high, low: flipped)
            return (a, length, probe)
        }
        await propertyCheck(count: 8, input: cases.array(of: 500)) { batch in
            let expected = try PythonReference.answers("truncate", batch.map { "\($0.0) \($0.1) \($0.2)" })
            for ((address, length, probe), python) in zip(batch, expected) {
                let network = address.truncated(toPrefixLength: length)
                let ours = "\(network) \(network.contains(probe) ? "yes" : "no")"
                #expect(ours == python, "\(address)/\(length) ∋ \(probe)")
                #expect(network.contains(address))
                #expect(IPNetwork(network.description) == network)
            }
        }
    }

    @Test(.shrinking(false)) func networkTextIsReadAsPythonReadsIt() async throws {
        let texts = zip(spelling, Gen.int(in: 0...140), Gen.int(in: 0...4), mutated).map {
            s, prefix, kind, junk -> String in
            switch kind {
            case 0: return "\(s.text)/\(prefix)"
            case 1: return s.address.truncated(toPrefixLength: prefix % (s.address.bitWidth + 1)).description
            case 2:
                return "\(s.address.truncated(toPrefixLength: prefix % (s.address.bitWidth + 1)).address)/0\(prefix)"
            case 3: return "\(junk)/\(prefix)"
            default: return s.text
            }
        }
        await propertyCheck(count: 8, input: texts.array(of: 500)) { batch in
            let expected = try PythonReference.answers("network", batch)
            for (text, python) in zip(batch, expected) {
                let ours = Array(text.utf8).withUnsafeBytes { IPNetwork($0) }
                #expect((ours?.description ?? "invalid") == python, "\(text.debugDescription)")
            }
        }
    }
}
