import Agent
import ArgumentParser

@main
struct Sessiontail: ParsableCommand {
    static func main() {
        // Large buffers (the 1 MiB line buffer and the reader's chunks, made anew for every file a
        // pass reads) always from mmap, back to the system when freed. glibc otherwise raises its mmap
        // threshold after the first such free and serves them from the heap, which they fragment: the
        // daemon's resident memory grew from 31 to 95 MiB within a minute at 5 000 lines/s, and stays
        // at 31 MiB with this (measured; `make bench` prints it).
        _ = mallopt(-3, 128 << 10)  // M_MMAP_THRESHOLD (malloc.h, not in Swift's Glibc module)
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
