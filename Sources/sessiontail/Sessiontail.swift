import Agent
import ArgumentParser

@main
struct Sessiontail: ParsableCommand {
    static func main() {
        // One malloc arena: glibc otherwise gives the reader threads arenas of their own, each keeping
        // freed buffers, and the daemon's resident memory grew from 35 to 95 MiB within a minute at
        // 5 000 lines/s (measured; `make bench` checks it). Two threads hardly contend for one arena.
        _ = mallopt(-8, 1)  // M_ARENA_MAX (malloc.h, which Swift's Glibc module does not export)
        Self.main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "sessiontail",
        abstract: "Turn web-server access logs into visitor sessions.",
        discussion: """
            Sessions are Apache Flink's session windows per (client IP, virtual host): events at most the gap \
            apart (default 5 minutes) are one session, whatever order they arrive in.
            """,
        version: BuildInfo.version,
        subcommands: [
            SessionizeCommand.self, RunCommand.self, CheckConfigCommand.self, StatusCommand.self, ReloadCommand.self,
            ReportCommand.self,
        ]
    )
}

/// glibc's `int mallopt(int param, int value)`. The corresponding C function is `mallopt`.
@_silgen_name("mallopt")
func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
