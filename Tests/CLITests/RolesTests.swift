import Foundation
import Testing

/// `packaging/sql/roles.sql`: an agent role that ships into its own tables and reaches nothing else, and a
/// read-only analyst role that reads the sessions table and its view without addresses, and writes nothing.
/// The agent (`sessionize --output postgres`) and the report run as those roles against a real PostgreSQL.
@Suite("PostgreSQL roles: agent and analyst")
struct RolesTests {
    static let script = RealLogsTests.packageRoot.appendingPathComponent("packaging/sql/roles.sql").path

    func sessiontail(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try #require(RealLogsTests.sessiontailBinary()), args, cwd: RealLogsTests.packageRoot)
    }

    /// psql as `user` (with `password`), or as the cluster's superuser when nil; fails unless `mayFail`.
    func psql(_ sql: String, as user: String? = nil, password: String = "", mayFail: Bool = false) throws
        -> RealLogsTests.Output
    {
        var arguments = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
        if let user { arguments = ["env", "PGUSER=\(user)", "PGPASSWORD=\(password)"] + arguments }
        let out = try RealLogsTests.run("/usr/bin/env", arguments, cwd: RealLogsTests.packageRoot)
        if !mayFail { #expect(out.status == 0, "\(sql): \(out.stderrText)") }
        return out
    }

    func runScript(agent: String, analyst: String, table: String) throws -> RealLogsTests.Output {
        let out = try RealLogsTests.run(
            "/usr/bin/env",
            [
                "psql", "-X", "-q", "-v", "agent=\(agent)", "-v", "analyst=\(analyst)", "-v", "table=\(table)", "-f",
                RolesTests.script,
            ], cwd: RealLogsTests.packageRoot)
        #expect(out.status == 0, "roles.sql: \(out.stderrText)")
        return out
    }

    @Test func theAgentShipsIntoItsOwnTablesAndTheAnalystOnlyReads() throws {
        let suffix = PostgresCLITests.freshTable().dropFirst(4)
        let agent = "agent_\(suffix)"
        let analyst = "analyst_\(suffix)"
        let table = "sessions_\(suffix)"
        let other = "other_\(suffix)"
        defer {
            _ = try? psql(
                "DROP TABLE IF EXISTS \(table), \(table)_applied, \(other) CASCADE; DELETE FROM sessiontail_schema WHERE table_name = '\(table)'; DROP OWNED BY \(agent), \(analyst); DROP ROLE IF EXISTS \(agent), \(analyst)",
                mayFail: true)
        }
        // Before the agent's first start: the roles, and a word that the analyst's grant comes later.
        let first = try runScript(agent: agent, analyst: analyst, table: table)
        #expect(String(decoding: first.stdout, as: UTF8.self).contains("run this file again"), "\(first.stderrText)")
        _ = try psql("ALTER ROLE \(agent) PASSWORD 'agent-pw'; ALTER ROLE \(analyst) PASSWORD 'analyst-pw'")
        _ = try psql("CREATE TABLE \(other) (secret text); INSERT INTO \(other) VALUES ('x')")
        // sessiontail_schema made by another role (as the other tests' superuser does, whenever they run):
        // roles.sql grants the agent what it needs of it.
        let warm = "warm_\(suffix)"
        defer { PostgresCLITests.dropTable(warm) }
        let made = try sessiontail([
            "sessionize", "--host", "x", "--output", "postgres", "--table", warm,
            RealLogsTests.packageRoot.appendingPathComponent("data/real/jul-yahi_biggersample.log").path,
        ])
        #expect(made.status == 0, "\(made.stderrText)")
        _ = try runScript(agent: agent, analyst: analyst, table: table)

        let asAgent =
            "host=\(ProcessInfo.processInfo.environment["PGHOST"] ?? "localhost") user=\(agent) password=agent-pw"
        let ship = try sessiontail([
            "sessionize", "--format", "combined", "--host", "example.com", "--output", "postgres", "--postgres",
            asAgent,
            "--table", table, RealLogsTests.elastic,
        ])
        #expect(ship.status == 0, "\(ship.stderrText)")
        let sessions = try psql("SELECT count(*) FROM \(table)").stdout
        #expect(String(decoding: sessions, as: UTF8.self).trimmingCharacters(in: .newlines) == "3052")
        // Its tables only.
        let snoop = try psql("SELECT * FROM \(other)", as: agent, password: "agent-pw", mayFail: true)
        #expect(snoop.status != 0 && snoop.stderrText.contains("permission denied"), "\(snoop.stderrText)")

        _ = try runScript(agent: agent, analyst: analyst, table: table)
        let asAnalyst =
            "host=\(ProcessInfo.processInfo.environment["PGHOST"] ?? "localhost") user=\(analyst) password=analyst-pw"
        let report = try sessiontail(["report", "--postgres", asAnalyst, "--table", table, "--format", "json"])
        #expect(report.status == 0, "\(report.stderrText)")
        #expect(String(decoding: report.stdout, as: UTF8.self).contains("example.com"))
        // The seed's query, and the view without addresses, as the analyst.
        let seed = try psql(
            "SELECT host, COUNT(*) AS total_sessions FROM \(table) GROUP BY host", as: analyst, password: "analyst-pw")
        #expect(String(decoding: seed.stdout, as: UTF8.self).contains("example.com|3052"))
        let view = try psql("SELECT count(*) FROM \(table)_without_ip", as: analyst, password: "analyst-pw")
        #expect(String(decoding: view.stdout, as: UTF8.self).hasPrefix("3052"))
        let columns = try psql(
            "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name = '\(table)_without_ip'"
        )
        let names = String(decoding: columns.stdout, as: UTF8.self)
        let listed = names.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        #expect(!listed.contains("ip") && !listed.contains("client"), "\(names)")
        #expect(names.contains("country") && names.contains("host"))
        // Never writes; reads nothing else.
        for sql in [
            "DELETE FROM \(table)",
            "INSERT INTO \(table)_applied (fragment_id, agent_id) VALUES (gen_random_uuid(), 'x')",
            "SELECT * FROM \(table)_applied", "SELECT * FROM \(other)", "UPDATE \(table) SET bytes = 0",
        ] {
            let refused = try psql(sql, as: analyst, password: "analyst-pw", mayFail: true)
            #expect(
                refused.status != 0 && refused.stderrText.contains("permission denied"), "\(sql): \(refused.stderrText)"
            )
        }
    }
}
