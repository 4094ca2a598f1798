/// One log a server writes, as read from its configuration, before logs are merged into sources: the file (or
/// files, for a path with variables), the format, and which virtual hosts write it.
struct LogDestination: Sendable, Equatable {
    /// The server whose configuration names the log.
    var server: DiscoveredSource.Server
    /// The file as a sessiontail glob: absolute, `{host}` for the virtual host, `*` for other variables.
    var path: String
    /// The format string as the server compiles it (nginx's without its `escape=` parameter, Apache's after
    /// the configuration's quoting is undone).
    var format: String
    /// nginx's `escape=json` or `escape=none`; `nil` for the default escaping (and for Apache).
    var escape: String?
    /// Whether `format` writes the virtual host.
    var formatHasHost: Bool
    /// The names of the virtual hosts whose requests go to this log; `nil` for one without a usable name.
    var writers: [String?]
    /// The directive that names the log.
    var location: ConfigLocation
    /// What the operator should know about this log.
    var notes: [DiscoveryNote]

    /// Whether `path` names the virtual host.
    var pathHasHost: Bool { path.contains("{host}") }
}
