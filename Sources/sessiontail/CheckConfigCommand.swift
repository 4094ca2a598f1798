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
        do {
            let configuration = try Configuration.load(path: config)
            if quiet { return }
            var out = OutputStream()
            try out.write("# \(config): valid\n" + configuration.resolvedDescription)
            try out.flush()
        } catch {
            // Also what ExecStartPre= and ExecReload= show in the journal: at error priority there.
            LogWriter.standardError().write("\(error)", priority: .error)
            throw ExitCode(1)
        }
    }
}
