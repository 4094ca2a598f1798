/// One source for sessiontail's configuration file, found in a web server's configuration: the files one
/// `access_log` or `CustomLog` writes, their format and, when the lines do not say it, their virtual host.
///
/// It maps one to one onto an entry of `sources:` (see ``SourcesYAML``):
///
/// ```yaml
/// - name: nginx
///   paths: ['/var/log/nginx/access.log']
///   format: combined
/// ```
public struct DiscoveredSource: Sendable, Equatable {
    /// The web server whose configuration names the log.
    public enum Server: String, Sendable, Equatable {
        /// nginx (`access_log`).
        case nginx
        /// Apache httpd (`CustomLog`, `TransferLog`, `GlobalLog`).
        case apache
    }

    /// How the source's lines are written.
    public enum Format: Sendable, Equatable {
        /// One of sessiontail's presets (`combined`, `common`, `vhost_combined`), for a format string that
        /// sessiontail reads exactly as the preset: the YAML key `format:`.
        case preset(String)
        /// The format string, for the YAML key `log_format:`: nginx's `log_format` strings concatenated (after
        /// `escape=json ` or `escape=none ` when the `log_format` has that parameter; `escape=default`, which
        /// changes nothing, is left out), or Apache's `LogFormat` string as `mod_log_config` reads it (the
        /// configuration's `\"` already undone).
        case string(String)
    }

    /// Unique among the discovered sources; derived from the server and the file name (`nginx`,
    /// `nginx-shop`, `apache-other-vhosts`).
    public var name: String
    /// The server whose configuration names the log.
    public var server: Server
    /// Glob patterns for sessiontail: absolute paths where `{host}` stands for the virtual host (from nginx's
    /// `$host` or `$server_name`) and `*` for another variable. Rotated files need no pattern of their own.
    public var paths: [String]
    /// Files the patterns match that other sources read (a site's own log beside a `{host}` pattern).
    public var exclude: [String]
    /// The log format.
    public var format: Format
    /// The virtual host, when the format does not write one and the paths do not name it, and one server
    /// with a usable name (`server_name`, `ServerName`) is all that writes the file; otherwise `nil`, and
    /// sessiontail falls back to the machine's host name.
    public var host: String?
    /// The directives that name the log (several when virtual hosts share the file).
    public var definedAt: [ConfigLocation]
    /// What the operator should know about this source: guesses made, requests left out, conflicts.
    public var notes: [DiscoveryNote]

    /// A source with every field given.
    public init(
        name: String, server: Server, paths: [String], exclude: [String] = [], format: Format, host: String? = nil,
        definedAt: [ConfigLocation] = [], notes: [DiscoveryNote] = []
    ) {
        self.name = name
        self.server = server
        self.paths = paths
        self.exclude = exclude
        self.format = format
        self.host = host
        self.definedAt = definedAt
        self.notes = notes
    }
}
