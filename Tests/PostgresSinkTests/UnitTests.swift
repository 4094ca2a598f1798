import PostgresSink
import Testing

@Suite("Connection strings, errors and backoff")
struct UnitTests {
    @Test func passwordsNeverShow() {
        #expect(
            Conninfo.redacted("host=db dbname=analytics user=st password=s3cret")
                == "host=db dbname=analytics user=st password=***")
        #expect(Conninfo.redacted("host=db password='it''s secret' port=5432").contains("password=***"))
        #expect(!Conninfo.redacted("host=db password='a b c' port=5432").contains("a b c"))
        #expect(
            Conninfo.redacted("postgresql://st:s3cret@db.internal:5432/analytics?sslmode=require")
                == "postgresql://st:***@db.internal:5432/analytics?sslmode=require")
        #expect(
            Conninfo.redacted("postgres://db/analytics?user=st&password=s3cret")
                == "postgres://db/analytics?user=st&password=***")
        #expect(Conninfo.redacted("postgresql://db/analytics") == "postgresql://db/analytics")
    }

    @Test func sqlStatesAreClassified() {
        for transient in ["08006", "08001", "40001", "40P01", "53100", "53300", "57P01", "57P03", "58030", "55P03"] {
            #expect(PostgresError.kind(of: transient) == .transient, "\(transient)")
        }
        for permanent in ["28P01", "42501", "42P01", "23505", "22P02", "3D000"] {
            #expect(PostgresError.kind(of: permanent) == .permanent, "\(permanent)")
        }
    }

    @Test func backoffGrowsWithFullJitterUpToTheCap() {
        var backoff = Backoff(base: 0.5, cap: 30, permanentDelay: 60)
        let bounds = (0..<10).map { _ in backoff.nextDelay(after: .transient, random: 0.999_999) }
        #expect(bounds[0] < 0.5 && bounds[0] > 0.49)
        #expect(bounds[1] > 0.99 && bounds[1] < 1)
        #expect(bounds[9] <= 30 && bounds[9] > 29.9)
        #expect(backoff.nextDelay(after: .transient, random: 0) == 0)
        #expect(backoff.nextDelay(after: .permanent, random: 0.3) == 60)
        backoff.reset()
        #expect(backoff.failures == 0)
    }

    @Test func tableNamesArePlainIdentifiers() throws {
        #expect(try SessionTable("sessions").quoted == "\"sessions\"")
        #expect(try SessionTable("analytics.web_sessions").appliedQuoted == "\"analytics\".\"web_sessions_applied\"")
        for bad in ["", "1x", "a;drop table x", "a.b.c", "\"q\"", "se ssions"] {
            #expect(throws: SessionTableError.self) { try SessionTable(bad) }
        }
    }

    @Test func fragmentIdsAreDeterministicAndDistinct() {
        let rows = FragmentRows(agentID: "web-01")
        let other = FragmentRows(agentID: "web-02")
        let f = fragment(start: 1_000, count: 3, origin: 42)
        #expect(rows.id(of: f) == rows.id(of: fragment(start: 1_000, count: 3, origin: 42)))
        #expect(rows.id(of: f) != other.id(of: f))
        #expect(rows.id(of: f) != rows.id(of: fragment(start: 1_000, count: 4, origin: 42)))
        #expect(rows.id(of: f) != rows.id(of: fragment(start: 1_000, count: 3, origin: 43)))
        let id = rows.id(of: f)
        #expect(id.count == 36 && Array(id)[14] == "8")
    }
}
