import Operations

#if canImport(Glibc)
    import Glibc
#endif

/// `sessiontail reload` (what `systemctl reload sessiontail` runs): validates the file, sends the
/// daemon SIGHUP and waits for its answer.
public enum Reload {
    /// Returns the exit status: 0 when the daemon applied the file, 1 when it refused it or the file is
    /// not valid, 3 when no daemon runs with this state directory.
    public static func run(config: String, pid: Int32?, timeout: String) throws(UsageError) -> Int32 {
        let timeoutMillis = try Arguments.duration(timeout, option: "--timeout", example: "90s")
        let writer = LogWriter.standardError()
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            writer.write("\(error)", level: .error)
            return 1
        }
        let path = DaemonMonitor.statusPath(stateDirectory: configuration.stateDirectory)
        let before: DaemonStatus
        do {
            before = try StatusFile.read(path)
        } catch {
            writer.write("\(error)", level: .error)
            return error.missing ? 3 : 1
        }
        let target = pid ?? before.pid
        guard StatusFile.isRunning(before), before.pid == target else {
            writer.write("no sessiontail run with pid \(target) writes \(path): nothing to reload", level: .error)
            return 3
        }
        let answered = before.reloads + before.reloadsRefused
        guard kill(target, SIGHUP) == 0 else {
            writer.write("cannot signal pid \(target): \(String(cString: strerror(errno)))", level: .error)
            return 1
        }
        // The daemon rewrites its status at once after a reload, applied or refused.
        let deadline = Instant.now().millis + timeoutMillis
        while Instant.now().millis < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            _ = nanosleep(&pause, nil)
            guard let now = try? StatusFile.read(path), now.pid == target else { continue }
            guard now.reloads + now.reloadsRefused > answered else {
                if !StatusFile.isRunning(now) {
                    writer.write("the daemon stopped before it answered", level: .error)
                    return 3
                }
                continue
            }
            if now.reloads > before.reloads {
                let n = configuration.sources.count
                writer.write("reloaded \(config): \(n) source\(n == 1 ? "" : "s")", level: .info)
                return 0
            }
            writer.write(now.lastProblem?.message ?? "the daemon refused \(config)", level: .error)
            return 1
        }
        writer.write("the daemon did not answer within \(timeout); it may still be reloading", level: .error)
        return 1
    }
}
