import Agent
import ArgumentParser

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration file and print it with every default filled in.",
        discussion: "Exits non-zero, naming the file, line and key at fault, when the configuration cannot be used."
    )

    @Option(help: "The configuration file.")
    var config: String = Configuration.defaultPath

    @Flag(name: .shortAndLong, help: "Print nothing when the file is valid (for ExecStartPre= and ExecReload=).")
    var quiet = false

    func run() throws {
        let status = CheckConfig.run(config: config, quiet: quiet)
        if status != 0 { throw ExitCode(status) }
    }
}
