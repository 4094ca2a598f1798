import Foundation
import PostgresSink
import Sessionizer
import Testing

/// The PostgreSQL the suite runs against: libpq's PG* environment, which `make test` sets up with a
/// throwaway cluster (pg_virtualenv). Each test uses tables of its own.
enum Database {
    static func connect() throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo: "")
        } catch {
            Issue.record("No PostgreSQL to test against (run the suite with `make test`): \(error)")
            throw error
        }
    }

    /// A fresh, unused table name.
    static func freshTable(_ prefix: String = "t") throws -> SessionTable {
        try SessionTable("\(prefix)_\(UUID().uuidString.prefix(8).lowercased())")
    }

    /// The sessions in `table`, ordered by host, ip and start.
    static func rows(_ table: SessionTable, connection: PostgresConnection) throws -> [DBRow] {
        try connection.execute(
            """
            SELECT host, ip, (extract(epoch FROM session_start) * 1000)::bigint, (extract(epoch FROM session_end) * 1000)::bigint,
                   event_count, bytes, error_count, coalesce(landing_path, ''), coalesce(referrer, ''), coalesce(user_agent, ''),
                   host(client) AS client_address
            FROM \(table.quoted) ORDER BY host COLLATE "C", ip COLLATE "C", session_start
            """
        ).rows.map { r in
            DBRow(
                host: r[0]!, ip: r[1]!, start: Int64(r[2]!)!, end: Int64(r[3]!)!, count: Int64(r[4]!)!,
                bytes: Int64(r[5]!)!, errors: Int64(r[6]!)!, landingPath: r[7]!, referrer: r[8]!, userAgent: r[9]!,
                client: r[10])
        }
    }
}

struct DBRow: Equatable, CustomStringConvertible {
    var host: String
    var ip: String
    var start: Int64
    var end: Int64
    var count: Int64
    var bytes: Int64
    var errors: Int64
    var landingPath: String
    var referrer: String = ""
    var userAgent: String = ""
    var client: String? = nil

    var description: String { "\(host)|\(ip) [\(start)…\(end)] n=\(count) b=\(bytes) e=\(errors) \(landingPath)" }
}

func fragment(
    host: String = "a.example", client: String = "10.0.0.1", start: Int64, end: Int64? = nil, count: Int64 = 1,
    bytes: Int64 = 10, errors: Int64 = 0, path: String = "/", referrer: String = "", agent: String = "ua",
    origin: UInt64? = nil
) -> Fragment {
    Fragment(
        host: Array(host.utf8), client: Array(client.utf8), start: start, end: end ?? start, eventCount: count,
        bytes: bytes, errorCount: errors, landingPath: Array(path.utf8), referrer: Array(referrer.utf8),
        userAgent: Array(agent.utf8), origin: origin ?? UInt64(bitPattern: start) &* 31 &+ UInt64(count),
        cause: .closed)
}

/// Runs a shell command with `system(3)`, returning its exit status and output. (Foundation's
/// `Process.waitUntilExit` can miss the exit of a child started off the main thread.) Output goes
/// through a file: a server the command starts inherits it and would hold a pipe open forever.
@discardableResult
func shell(_ command: String) throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("shell-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: log) }
    let status = system("(\(command)) >'\(log.path)' 2>&1 </dev/null")
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return ((status >> 8) & 0xFF, output)
}
