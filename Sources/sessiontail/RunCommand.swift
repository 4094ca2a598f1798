import Agent
import ArgumentParser

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sessionize the configured access logs and ship the sessions to PostgreSQL.",
        discussion: """
            With --drain: read every source to its end (rotated and gzipped files included), close all open \\
            sessions as at the end of input, ship everything, checkpoint and exit 0: a one-shot backfill. A later \\
            run resumes from the checkpoints in the state directory, and the database merges any session that \\
            continues. Live tailing (without --drain) is not in this version yet.
            """
    )

    @Option(help: "The configuration file.")
    var config: String = Configuration.defaultPath

    @Flag(help: "Read everything there is, ship it, checkpoint and exit.")
    var drain = false

    func run() throws {
        guard drain else {
            throw ValidationError("Live tailing is not in this version yet; use 'sessiontail run --drain' for a one-shot backfill.")
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            printError("sessiontail: \(error)")
            throw ExitCode(1)
        }
        do {
            let summary = try Drain.run(configuration, log: { printError("sessiontail: \($0)") })
            for sample in summary.statistics.samples { printError("sessiontail: malformed line \(sample)") }
            printError("sessiontail: \(summary.statistics.summary)")
            printError(
                "sessiontail: shipped \(summary.shipped) sessions as \(configuration.agentID): \(summary.applied) new; checkpoints in \(Drain.checkpointPath(configuration))"
            )
        } catch {
            printError("sessiontail: \(error)")
            throw ExitCode(2)
        }
    }
}
