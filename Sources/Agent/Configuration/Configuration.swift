import AccessLog
import ConfigFile
import PostgresSink
import SystemIO

/// The daemon's configuration (`/etc/sessiontail/sessiontail.yaml`), decoded into typed values.
///
/// Every key is checked: unknown keys and wrong types are errors naming the file, line and key.
/// Durations (`5m`, `60s`) and sizes (`64MiB`) are parsed strictly.
public struct Configuration: Sendable {
    /// One set of log files read with one format.
    public struct Source: Sendable {
        /// A name for messages, metrics and checkpoints; unique.
        public var name: String
        /// Glob patterns; `{host}` matches like `*` and names the virtual host.
        public var paths: [String]
        /// Glob patterns of files to leave out.
        public var exclude: [String]
        /// The log formats, compiled, in the order lines are tried with them (presets first).
        public var formats: [LogFormat]
        /// How each format was given: a preset name, or the format string.
        public var formatNames: [String]
        /// The first format.
        public var format: LogFormat { formats[0] }
        /// Virtual host for lines without one (when no path captures `{host}`).
        public var host: String?
        /// Where the visitor's address comes from.
        public var client: ClientSource
        /// What is dropped before sessionizing.
        public var drop = DropRules()
    }

    public var agentID: String
    public var stateDirectory: String
    public var sources: [Source]
    /// Session gap and allowed lateness, milliseconds.
    public var gapMillis: Int64
    public var latenessMillis: Int64
    /// How requests are classified (`session.classify`, `ua_regexes`, `bot_patterns`, `asset_extensions`).
    public var classification = Classification()
    /// What is kept of visitors' addresses (`privacy:`), its key read.
    public var privacy = ClientPrivacy()
    /// The MaxMind DB file countries are looked up in (`enrich.geoip`); nil: no lookup.
    public var geoip: String? = nil
    /// How long sessions are kept (`postgres.retention`, as PostgreSQL reads an interval); nil: forever.
    public var retention: String? = nil
    /// libpq conninfo (empty: the `PG*` environment).
    public var conninfo: String
    public var table: SessionTable
    public var batchSize: Int
    public var batchAgeMillis: Int64
    /// Memory cap of the window store and buffers, and disk cap of the WAL and outbox, in bytes.
    public var memoryLimit: Int
    public var diskLimit: Int
    /// `host:port` to serve Prometheus metrics on; `nil` when off.
    public var metricsListen: String?

    /// The installed configuration file.
    public static let defaultPath = "/etc/sessiontail/sessiontail.yaml"

    /// Reads and decodes the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path)
        } catch {
            throw ConfigurationError(file: path, line: 0, key: nil, message: "cannot read it: \(error)")
        }
        return try decode(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Decodes configuration text; `file` names it in errors.
    public static func decode(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let root: ConfigNode
        do {
            root = try YAMLSubset.parse(text, file: file)
        } catch {
            throw ConfigurationError(file: file, line: error.line, key: nil, message: error.message)
        }
        return try ConfigurationDecoder(reader: ConfigReader(file: file)).configuration(root)
    }
}
