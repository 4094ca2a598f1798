import Agent
import ArgumentParser

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the running daemon is doing.",
        discussion: """
            Per source: each file with how far it was read (offset) and how many bytes are not read yet (lag), \
            the newest request time read, events and malformed lines; then open sessions, the outbox, the last \
            successful shipment, retries and errors. Read from state_dir/status.json, which 'sessiontail run' \
            rewrites at most once a second. Exit status 0 when the daemon runs, 3 when it does not (the last \
            status it wrote is shown), 1 when the configuration or the status cannot be read.
            """
    )

    @Option(help: "The configuration file (it names the state directory).")
    var config: String = Configuration.defaultPath

    @Flag(help: "Print the status as JSON (the keys of status.json, plus \"running\").")
    var json = false

    func run() throws {
        let status = Status.run(config: config, json: json)
        if status != 0 { throw ExitCode(status) }
    }
}
