import Operations

/// `sessiontail status`: what the running daemon does, from the `status.json` it rewrites.
public enum Status {
    /// Prints the status (as JSON with `json`); returns 0 when the daemon runs, 3 when it does not
    /// (the last status it wrote is shown), 1 when the configuration or the status cannot be read.
    public static func run(config: String, json: Bool) -> Int32 {
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            printError("\(error)", level: .error)
            return 1
        }
        let path = DaemonMonitor.statusPath(stateDirectory: configuration.stateDirectory)
        let status: DaemonStatus
        do {
            status = try StatusFile.read(path)
        } catch {
            printError("\(error)", level: .error)
            return error.missing ? 3 : 1
        }
        let running = StatusFile.isRunning(status)
        var out = OutputStream()
        do {
            if json {
                var text = String(decoding: try status.json(), as: UTF8.self)
                // "running" is the reader's finding, not the writer's: put it first.
                if text.hasPrefix("{\n") { text = "{\n  \"running\" : \(running),\n" + text.dropFirst(2) }
                try out.write(text)
            } else {
                try out.write(status.rendered(running: running))
            }
            try out.flush()
        } catch {
            printError("\(error)", level: .error)
            return 1
        }
        return running ? 0 : 3
    }
}
