import Agent
import ArgumentParser

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running daemon re-read its configuration, and wait for its answer.",
        discussion: """
            What 'systemctl reload sessiontail' runs. Validates the file first (a broken one is refused here, \
            with file, line and key, and the daemon is not disturbed); then sends the daemon SIGHUP and waits \
            until its status says it applied the new configuration or refused it (a database that cannot be \
            reached, say), printing why. Exit status 0 when applied, 1 when refused or not valid, 3 when no \
            daemon runs with this state directory.
            """
    )

    @Option(help: "The configuration file.")
    var config: String = Configuration.defaultPath

    @Option(help: "The daemon's process id (systemd's $MAINPID); default: the one in its status.")
    var pid: Int32?

    @Option(help: "How long to wait for the daemon's answer (e.g. 90s).")
    var timeout: String = "90s"

    func run() throws {
        let status: Int32
        do {
            status = try Reload.run(config: config, pid: pid, timeout: timeout)
        } catch {
            throw ValidationError(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
