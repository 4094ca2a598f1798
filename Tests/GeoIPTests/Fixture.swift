import ClientAddress
import Foundation

/// A country database written by `Fixtures/mmdb_fixture.py` into a temporary directory, with the networks in it.
final class Fixture {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mmdb_fixture.py").path

    let directory: String
    let path: String
    let networks: [IPNetwork]

    /// Writes a database of IPv6 and IPv4 networks (`ipVersion` 6) or IPv4 only (4).
    init(ipVersion: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("geoip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/test.mmdb"
        let printed = try Fixture.python(["write", path, String(ipVersion)])
        networks = printed.map { IPNetwork($0)! }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// maxminddb's answers for `addresses`: a country code or `-` each.
    func reference(_ addresses: [IPAddress]) throws -> [String] {
        try Fixture.python(["lookup", path], input: addresses.map(\.description))
    }

    /// Runs the script with `arguments` and `input` lines on standard input; its output lines.
    static func python(_ arguments: [String], input: [String] = []) throws -> [String] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mmdbio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("in")
        let outURL = scratch.appendingPathComponent("out")
        try Data(input.map { $0 + "\n" }.joined().utf8).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        try process.run()
        process.waitUntilExit()
        struct Failed: Error, CustomStringConvertible {
            let status: Int32
            var description: String {
                "mmdb_fixture.py exited with \(status): are mmdb-writer, netaddr and maxminddb installed "
                    + "(scripts/install-deps.sh)?"
            }
        }
        guard process.terminationStatus == 0 else { throw Failed(status: process.terminationStatus) }
        return String(decoding: try Data(contentsOf: outURL), as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

extension IPNetwork {
    /// The address of this network whose host bits are `bits`' low bits.
    func address(hostBits bits: (UInt64, UInt64)) -> IPAddress {
        let a = address
        let width = a.bitWidth - prefixLength
        if a.family == .ipv4 {
            let mask: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            return IPAddress(ipv4: UInt32(truncatingIfNeeded: a.low | bits.1 & mask))
        }
        let lowMask: UInt64 = width >= 64 ? ~0 : width == 0 ? 0 : (1 << UInt64(width)) - 1
        let highMask: UInt64 = width <= 64 ? 0 : width - 64 == 64 ? ~0 : (1 << UInt64(width - 64)) - 1
        return IPAddress(ipv6High: a.high | bits.0 & highMask, low: a.low | bits.1 & lowMask)
    }
}
