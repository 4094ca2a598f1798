import ClientAddress
import Dispatch
import Foundation
@testable import GeoIP
import PropertyBased
import Testing

func address(_ text: String) -> IPAddress { IPAddress(text)! }

@Suite("Country lookups")
struct GeoIPDatabaseTests {
    @Test(.shrinking(false), arguments: [6, 4])
    func lookupsEqualMaxminddb(ipVersion: Int) async throws {
        let fixture = try Fixture(ipVersion: ipVersion)
        let database = try GeoIPDatabase(path: fixture.path)
        let networks = fixture.networks
        // Inside a network of the file (any host bits), anywhere, or inside and written IPv4-mapped.
        let probe = zip(
            Gen.int(in: 0...3), Gen.int(in: 0...(networks.count - 1)), Gen.uint64(in: 0...UInt64.max),
            Gen.uint64(in: 0...UInt64.max), Gen.bool
        ).map { kind, index, high, low, v4 -> IPAddress in
            switch kind {
            case 0, 1:
                return networks[index].address(hostBits: (high, low))
            case 2:
                return v4 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: low)) : IPAddress(ipv6High: high, low: low)
            default:
                let inside = networks[index].address(hostBits: (high, low))
                guard let value = inside.ipv4Value else { return inside }
                return IPAddress(ipv6High: 0, low: 0xffff_0000_0000 | UInt64(value))
            }
        }
        await propertyCheck(count: 4, input: probe.array(of: 1_000)) { batch in
            let expected = try fixture.reference(batch)
            for (a, python) in zip(batch, expected) {
                #expect((try database.country(of: a))?.description ?? "-" == python, "\(a)")
            }
        }
    }

    @Test func recordShapes() throws {
        let fixture = try Fixture(ipVersion: 6)
        let database = try GeoIPDatabase(path: fixture.path)
        let cases: [(String, String?)] = [
            ("1.0.0.1", "AU"), ("2.1.2.3", "FR"), ("2.16.0.1", "DE"), ("2.23.255.255", "DE"), ("2.24.0.0", "FR"),
            ("8.8.8.8", "US"), ("::ffff:8.8.8.8", "US"), ("203.0.113.5", "JP"),
            ("5.0.0.1", nil),  // registered_country only: no fallback
            ("10.1.2.3", nil),  // no country
            ("100.64.0.1", nil),  // country is not a map
            ("192.0.2.1", nil),  // iso_code of three letters
            ("198.51.100.1", nil),  // iso_code not a string
            ("2001:db8::1", "NL"), ("2001:db8:1:ffff::1", "BE"), ("2001:db8:2::1", "NL"), ("2a0f::1", "IT"),
            ("2c0f:f000::1", "ZA"), ("::1", nil), ("fe80::1", nil),
        ]
        for (text, expected) in cases {
            #expect(try database.country(of: address(text)) == expected.flatMap { CountryCode($0) }, "\(text)")
        }
    }

    @Test func ipv4OnlyDatabases() throws {
        let fixture = try Fixture(ipVersion: 4)
        let database = try GeoIPDatabase(path: fixture.path)
        #expect(database.ipVersion == 4)
        #expect(try database.country(of: address("2.16.0.1")) == CountryCode("DE"))
        #expect(try database.country(of: address("::ffff:2.16.0.1")) == CountryCode("DE"))
        #expect(try database.country(of: address("2001:db8::1")) == nil)
    }

    @Test func metadata() throws {
        let fixture = try Fixture(ipVersion: 6)
        let database = try GeoIPDatabase(path: fixture.path)
        #expect(database.databaseType == "sessiontail-Test-Country")
        #expect(database.buildEpochSeconds == 1_700_000_000)
        #expect(database.buildDate == "2023-11-14")
        #expect(database.ipVersion == 6)
        #expect(database.path == fixture.path)
        #expect(try Fixture.python(["metadata", fixture.path]) == ["sessiontail-Test-Country 1700000000"])
    }

    @Test func buildDates() {
        // Python's datetime.utcfromtimestamp(e).date() for each.
        let cases: [(UInt64, String)] = [
            (0, "1970-01-01"), (951_782_400, "2000-02-29"), (1_700_000_000, "2023-11-14"),
            (1_709_164_800, "2024-02-29"), (4_102_444_800, "2100-01-01"), (253_402_300_799, "9999-12-31"),
        ]
        for (epoch, expected) in cases { #expect(GeoIPDatabase.date(epochSeconds: epoch) == expected) }
    }

    @Test func concurrentLookupsAgree() throws {
        let fixture = try Fixture(ipVersion: 6)
        let database = try GeoIPDatabase(path: fixture.path)
        let probes = fixture.networks.map { $0.address(hostBits: (0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321)) }
        let sequential = probes.map { try? database.country(of: $0) }
        let results = Mutex<[Int: [CountryCode?]]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let mine = (0..<50).flatMap { _ in probes.map { try? database.country(of: $0) } }
            results.withLock { $0[worker] = mine }
        }
        for (_, mine) in results.withLock({ $0 }) {
            #expect(mine == Array((0..<50).map { _ in sequential }.joined()))
        }
    }

    @Test func countryCodes() {
        #expect(CountryCode("de") == CountryCode("DE"))
        #expect(CountryCode("DE")?.rawValue == 0x4445 && CountryCode("DE")?.description == "DE")
        for bad in ["", "D", "DEU", "D1", "@A", "[A", "Ä"] { #expect(CountryCode(bad) == nil, "\(bad)") }
    }
}

/// A lock around a value, for collecting results from several threads in a test.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
