/// What one Apache server (the main server, or a `<VirtualHost>`) says about its logs, as `mod_log_config`
/// keeps it per server.
struct ApacheServerLogs: Sendable, Equatable {
    /// `CustomLog`, `TransferLog` or `GlobalLog`, with its arguments expanded and unquoted.
    struct Log: Sendable, Equatable {
        enum Kind: String, Sendable {
            case customLog = "CustomLog"
            case transferLog = "TransferLog"
            case globalLog = "GlobalLog"
        }
        var kind: Kind
        /// The file (relative to ServerRoot if not absolute), or `|command` for a piped log.
        var target: String
        /// A nickname or a format string; `nil` for `TransferLog`, which takes the server's default.
        var format: String?
        /// `env=…` or `expr=…`, when only some requests are logged.
        var condition: String?
        var location: ConfigLocation
    }

    /// The `<VirtualHost>` section; `nil` for the main server.
    var location: ConfigLocation?
    /// `ServerName`, without scheme and port, lower-cased.
    var serverName: String?
    /// Nicknames defined here by `LogFormat "format" nickname` (a virtual host's add to the main server's).
    var formats: [String: String] = [:]
    /// The format `LogFormat "format"` or `LogFormat nickname` (one argument) sets for `TransferLog`.
    var defaultFormat: String?
    /// The logs configured here, in order.
    var logs: [Log] = []
}
