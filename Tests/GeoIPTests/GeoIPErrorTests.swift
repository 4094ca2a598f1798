import ClientAddress
import Foundation
import GeoIP
import Testing

@Suite("GeoIP database errors")
struct GeoIPErrorTests {
    func opening(_ path: String) -> GeoIPError.Problem? {
        do {
            _ = try GeoIPDatabase(path: path)
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func missingAndNotAFile() throws {
        let fixture = try Fixture(ipVersion: 6)
        #expect(opening(fixture.directory + "/missing.mmdb") == .cannotOpen(errno: ENOENT))
        #expect(opening(fixture.directory) == .notAFile)
        #expect(
            "\(GeoIPError(path: "/x.mmdb", problem: .cannotOpen(errno: ENOENT)))"
                == "The GeoIP database /x.mmdb does not exist: install one there (geoipupdate writes "
                + "GeoLite2-Country.mmdb to /var/lib/GeoIP), or set another path.")
        // Root reads any file, so permission denied is shown, not provoked.
        #expect(
            "\(GeoIPError(path: "/x.mmdb", problem: .cannotOpen(errno: EACCES)))"
                == "Cannot read the GeoIP database /x.mmdb: permission denied. Make it readable by the "
                + "sessiontail user: chmod 0644 /x.mmdb")
    }

    @Test func filesThatAreNoDatabase() throws {
        let fixture = try Fixture(ipVersion: 6)
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        let cases: [(String, Data)] = [
            ("empty", Data()), ("text", Data("not a database\n".utf8)),
            ("first half", whole.prefix(whole.count / 2)),  // the metadata is at the end
            ("random", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })),
        ]
        for (name, bytes) in cases {
            let path = fixture.directory + "/\(name).mmdb"
            try bytes.write(to: URL(fileURLWithPath: path))
            #expect(opening(path) == .notADatabase, "\(name)")
        }
        #expect(
            "\(GeoIPError(path: "/x.mmdb", problem: .notADatabase))".hasPrefix(
                "The GeoIP database /x.mmdb is not a MaxMind DB file"))
    }

    @Test func aDamagedSearchTreeIsReportedNotTrapped() throws {
        let fixture = try Fixture(ipVersion: 6)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        // Records of the first nodes point past the tree and the data section.
        for i in 0..<600 { bytes[i] = 0xff }
        let path = fixture.directory + "/damaged.mmdb"
        try bytes.write(to: URL(fileURLWithPath: path))
        let database: GeoIPDatabase
        do {
            database = try GeoIPDatabase(path: path)
        } catch {
            guard case .damaged = error.problem else {
                Issue.record("unexpected \(error)")
                return
            }
            return
        }
        var damaged = 0
        for network in fixture.networks {
            do {
                _ = try database.country(of: network.address)
            } catch {
                guard case .damaged = error.problem else { continue }
                #expect("\(error)".contains("is damaged"))
                damaged += 1
            }
        }
        #expect(damaged > 0)
    }
}
