/// Turns what ``ApacheConfigWalker`` read into the logs Apache writes, as `mod_log_config` opens them once the
/// whole configuration is read: a nickname resolves in the server's own `LogFormat`s over the main server's
/// (whatever their order); a format that is no nickname is a format string; `TransferLog` takes the server's
/// one-argument `LogFormat` (or the main server's, or the Common Log Format); a virtual host with no log of
/// its own writes the main server's logs, and `GlobalLog` is written by every server.
enum ApacheLogResolver {
    static func resolve(main: ApacheServerLogs, virtualHosts: [ApacheServerLogs], serverRoot: String)
        -> (logs: [LogDestination], notes: [DiscoveryNote])
    {
        var logs: [LogDestination] = []
        var notes: [DiscoveryNote] = []
        // The main server's logs are written by the main server and by every virtual host without logs of
        // its own; a virtual host without ServerName has the main server's.
        let inheriting = virtualHosts.filter { !$0.logs.contains { $0.kind != .globalLog } }
        let mainWriters = [main.serverName] + inheriting.map { $0.serverName ?? main.serverName }
        let everyone = [main.serverName] + virtualHosts.map { $0.serverName ?? main.serverName }
        for log in main.logs {
            let writers = log.kind == .globalLog ? everyone : mainWriters
            if let destination = destination(
                log, in: main, main: main, writers: writers, serverRoot: serverRoot, notes: &notes)
            {
                logs.append(destination)
            }
        }
        for virtualHost in virtualHosts {
            for log in virtualHost.logs {
                let writers = [virtualHost.serverName ?? main.serverName]
                if let destination = destination(
                    log, in: virtualHost, main: main, writers: writers, serverRoot: serverRoot, notes: &notes)
                {
                    logs.append(destination)
                }
            }
        }
        return (logs, notes)
    }

    private static func destination(
        _ log: ApacheServerLogs.Log, in server: ApacheServerLogs, main: ApacheServerLogs, writers: [String?],
        serverRoot: String, notes: inout [DiscoveryNote]
    ) -> LogDestination? {
        if log.target.hasPrefix("|") {
            notes.append(
                DiscoveryNote(
                    "\(log.kind.rawValue) \"\(log.target)\" pipes the log to a program, not a file; skipped (point a "
                        + "source at the files the program writes, such as rotatelogs' dated files)", at: log.location))
            return nil
        }
        var formats = main.formats
        if server.location != nil { formats.merge(server.formats) { $1 } }
        let spec = log.format ?? server.defaultFormat ?? main.defaultFormat ?? KnownFormats.apacheDefault
        let format = formats[spec] ?? spec
        var destinationNotes: [DiscoveryNote] = []
        if formats[spec] == nil && !spec.contains("%") {
            destinationNotes.append(
                DiscoveryNote(
                    "'\(spec)' is no LogFormat nickname and has no % directive; Apache writes it as literal text",
                    at: log.location))
        }
        if let condition = log.condition {
            destinationNotes.append(
                DiscoveryNote("only some requests are logged (\(condition))", at: log.location))
        }
        var path = ""
        for character in ConfigFiles.join(serverRoot, log.target) {
            if character == "*" || character == "?" || character == "[" || character == "\\" { path += "\\" }
            path.append(character)
        }
        return LogDestination(
            server: .apache, path: path, format: format, escape: nil, formatHasHost: KnownFormats.apacheHasHost(format),
            writers: writers, location: log.location, notes: destinationNotes)
    }
}
