import Agent
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

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
        guard let timeoutMillis = Units.durationMillis(timeout), timeoutMillis > 0 else {
            throw ValidationError("--timeout '\(timeout)' is not a duration such as 90s.")
        }
        let writer = LogWriter.standardError()
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            writer.write("\(error)", priority: .error)
            throw ExitCode(1)
        }
        let path = DaemonMonitor.statusPath(stateDirectory: configuration.stateDirectory)
        let before: DaemonStatus
        do {
            before = try StatusFile.read(path)
        } catch {
            writer.write("\(error)", priority: .error)
            throw ExitCode(error.missing ? 3 : 1)
        }
        let target = pid ?? before.pid
        guard StatusFile.isRunning(before), before.pid == target else {
            writer.write("no sessiontail run with pid \(target) writes \(path): nothing to reload", priority: .error)
            throw ExitCode(3)
        }
        let answered = before.reloads + before.reloadsRefused
        guard kill(target, SIGHUP) == 0 else {
            writer.write("cannot signal pid \(target): \(String(cString: strerror(errno)))", priority: .error)
            throw ExitCode(1)
        }
        // The daemon rewrites its status at once after a reload, applied or refused.
        let deadline = Instant.now().millis + timeoutMillis
        while Instant.now().millis < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            _ = nanosleep(&pause, nil)
            guard let now = try? StatusFile.read(path), now.pid == target else { continue }
            guard now.reloads + now.reloadsRefused > answered else {
                if !StatusFile.isRunning(now) {
                    writer.write("the daemon stopped before it answered", priority: .error)
                    throw ExitCode(3)
                }
                continue
            }
            if now.reloads > before.reloads {
                let n = configuration.sources.count
                writer.write("reloaded \(config): \(n) source\(n == 1 ? "" : "s")", priority: .info)
                return
            }
            writer.write(now.lastProblem?.message ?? "the daemon refused \(config)", priority: .error)
            throw ExitCode(1)
        }
        writer.write("the daemon did not answer within \(timeout); it may still be reloading", priority: .error)
        throw ExitCode(1)
    }
}
