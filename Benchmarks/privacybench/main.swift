// privacybench: what the privacy and country building blocks cost per address, on one core.
//
//     privacybench [--addresses N] [--samples N] [--geoip FILE.mmdb]
//
// N addresses (a fixed pseudo-random mix: three quarters IPv4, a quarter IPv6) are written out as text once;
// then each step is timed alone over all of them, best of the samples: parsing the text into `IPAddress`,
// writing canonical text, truncating (/24 or /48), HMAC-SHA256 with `AddressHasher`, and, with `--geoip`, a
// country lookup with `GeoIPDatabase`. A checksum keeps the work from being optimised away. The last line is
// `RESULT key=value …` (nanoseconds per address) for scripts. A database to look up in, of 100 000 random
// networks (6 MB; a real country database is of the same order):
//
//     python3 Tests/GeoIPTests/Fixtures/mmdb_fixture.py write /tmp/bench.mmdb 6 100000 >/dev/null

import AddressPrivacy
import ClientAddress
import GeoIP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    let text = "privacybench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

/// Monotonic time in seconds. The corresponding C function is `clock_gettime`.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

var count = 200_000
var samples = 5
var geoipPath: String?
var arguments = CommandLine.arguments.dropFirst()
@MainActor
func value(of option: String) -> String {
    guard let value = arguments.popFirst() else { fail("\(option) needs a value") }
    return value
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--addresses":
        guard let n = Int(value(of: argument)), n > 0 else { fail("--addresses needs a number") }
        count = n
    case "--samples":
        guard let n = Int(value(of: argument)), n > 0 else { fail("--samples needs a number") }
        samples = n
    case "--geoip": geoipPath = value(of: argument)
    default: fail("unknown argument \(argument)")
    }
}

/// SplitMix64: the same addresses on every run.
struct SplitMix {
    var state: UInt64 = 0x5e55_1047_a11
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
var rng = SplitMix()

var addresses: [IPAddress] = []
for _ in 0..<count {
    let r = rng.next()
    addresses.append(
        r & 3 == 0
            ? IPAddress(ipv6High: 0x2001_0db8_0000_0000 | rng.next() >> 32, low: rng.next() & 0xffff_ffff)
            : IPAddress(ipv4: UInt32(truncatingIfNeeded: r >> 32)))
}
// All the texts in one buffer, as lines of a log are.
var text: [UInt8] = []
var offsets: [Int] = [0]
for address in addresses {
    text += Array(address.description.utf8)
    offsets.append(text.count)
}

@MainActor
func best(_ name: String, _ body: () -> UInt64) -> Double {
    var fastest = Double.infinity
    var checksum: UInt64 = 0
    for _ in 0..<samples {
        let start = now()
        checksum &+= body()
        fastest = min(fastest, now() - start)
    }
    let ns = fastest / Double(count) * 1e9
    print("\(name): \(Int(ns.rounded())) ns per address (checksum \(checksum & 0xffff))")
    return ns
}

var results: [(String, Double)] = []
results.append(
    (
        "parse_ns",
        best("parse") {
            text.withUnsafeBytes { bytes in
                var sum: UInt64 = 0
                for i in 0..<count {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[offsets[i]..<offsets[i + 1]])
                    sum &+= IPAddress(slice)?.low ?? 1
                }
                return sum
            }
        }
    ))
let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: IPNetwork.maxTextLength, alignment: 8)
results.append(
    (
        "format_ns",
        best("format") {
            var sum: UInt64 = 0
            for address in addresses { sum &+= UInt64(address.write(to: buffer)) }
            return sum
        }
    ))
results.append(
    (
        "truncate_ns",
        best("truncate") {
            var sum: UInt64 = 0
            for address in addresses {
                sum &+= address.truncated(toPrefixLength: address.family == .ipv4 ? 24 : 48).address.low
            }
            return sum
        }
    ))
let hasher = AddressHasher(key: AddressKey(bytes: (0..<32).map { UInt8($0) })!)
results.append(
    (
        "hmac_ns",
        best("hmac-sha256") {
            var sum: UInt64 = 0
            for address in addresses { sum &+= hasher.digest(of: address).low }
            return sum
        }
    ))
if let geoipPath {
    let database: GeoIPDatabase
    do { database = try GeoIPDatabase(path: geoipPath) } catch { fail("\(error)") }
    results.append(
        (
            "country_ns",
            best("country (\(database.databaseType))") {
                var sum: UInt64 = 0
                for address in addresses {
                    sum &+= UInt64((try? database.country(of: address))??.rawValue ?? 1)
                }
                return sum
            }
        ))
}
print("RESULT " + results.map { "\($0.0)=\(Int($0.1.rounded()))" }.joined(separator: " "))
