import Agent
import ArgumentParser

@main
struct Sessiontail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessiontail",
        abstract: "Turn web-server access logs into visitor sessions.",
        discussion: """
            Sessions are Apache Flink's session windows per (client IP, virtual host): events at most the gap \
            apart (default 5 minutes) are one session, whatever order they arrive in.
            """,
        version: Arguments.version,
        subcommands: [
            SessionizeCommand.self, RunCommand.self, CheckConfigCommand.self, StatusCommand.self, ReloadCommand.self,
            ReportCommand.self, DiscoverCommand.self,
        ]
    )
}
