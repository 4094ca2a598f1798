/// Zero configuration on a web host: reads nginx's and Apache's own configuration files and says which
/// access logs they write, in which format, for which virtual host, as sessiontail sources.
///
/// ```swift
/// // Both default files where present (sessiontail discover):
/// let result = try Discovery.run(nginx: nil, apache: nil)
/// print(result.yaml)                                  // `sources:` for sessiontail.yaml, notes as comments
/// for note in result.notes { print(note) }            // what was skipped, and why
/// // sessiontail discover --write:
/// let merged = result.merge(into: try String(contentsOfFile: "/etc/sessiontail/sessiontail.yaml"))
/// ```
///
/// Discovery reads files only; it runs no server and no shell. It does not check that sessiontail can parse
/// each format: load the merged file with sessiontail's configuration loader (`sessiontail check-config`),
/// which compiles every format and refuses one it cannot read, with the reason.
public enum Discovery {
    /// Debian's nginx configuration.
    public static let defaultNginxConfig = "/etc/nginx/nginx.conf"
    /// Debian's Apache configuration.
    public static let defaultApacheConfig = "/etc/apache2/apache2.conf"

    /// Where the servers were built to look, for a configuration read outside its usual place (tests, a
    /// second instance). The defaults are Debian's.
    public struct Options: Sendable, Equatable {
        /// nginx's prefix (`-p`, `--prefix`): relative `access_log` paths are resolved against it.
        public var nginxPrefix = "/usr/share/nginx"
        /// The log nginx writes where no `access_log` applies (`--http-log-path`).
        public var nginxDefaultAccessLog = "/var/log/nginx/access.log"
        /// Apache's ServerRoot (`-d`); `nil`: the directory of the configuration file, as `apache2ctl` has it.
        public var apacheServerRoot: String? = nil
        /// The envvars script `apache2ctl` sources; `nil`: `envvars` beside the configuration file.
        public var apacheEnvvars: String? = nil
        /// The environment `apache2ctl` starts with (envvars adds to it); `${VAR}` in the configuration sees
        /// what is exported. The process's own environment is not read, so that a result does not depend on
        /// who runs discovery.
        public var environment: [String: String] = [:]
        /// Names defined with `apache2 -D NAME` (for `<IfDefine>`), besides those in envvars'
        /// `APACHE_ARGUMENTS`.
        public var apacheDefines: Set<String> = []

        /// Debian's defaults.
        public init() {}
    }

    /// What discovery found.
    public struct Result: Sendable, Equatable {
        /// The sources, nginx's first, each in the order its configuration names it.
        public var sources: [DiscoveredSource]
        /// Notes not about one source: logs skipped (syslog, pipes), includes not followed, files not found.
        public var notes: [DiscoveryNote]
        /// Every configuration file read, each main file before what it includes.
        public var configFiles: [String]

        /// The notes as YAML comments, then ``SourcesYAML/render(_:comments:)`` of the sources: what
        /// `sessiontail discover` prints.
        public var yaml: String {
            var out = ""
            for note in notes { out += "# " + SourcesYAML.comment(note.description) + "\n" }
            return out + SourcesYAML.render(sources)
        }

        /// `configText` (a whole sessiontail.yaml) with these sources merged into its `sources:`, as
        /// ``ConfigMerge/merge(_:into:)`` describes.
        public func merge(into configText: String) -> ConfigMerge.Result {
            ConfigMerge.merge(sources, into: configText)
        }
    }

    /// Reads the configurations and returns their sources.
    ///
    /// - Parameters:
    ///   - nginx: nginx's main configuration file (`--nginx`).
    ///   - apache: Apache's main configuration file (`--apache`).
    ///   With neither, both default files are read where they exist (a missing one is a note); with one or
    ///   both, only those, and a missing one is an error.
    ///   - options: where the servers look for what the files do not say.
    /// - Throws: ``DiscoveryError`` when a main file cannot be read or a file's syntax is broken (the server
    ///   itself would refuse to start).
    public static func run(nginx: String?, apache: String?, options: Options = Options()) throws(DiscoveryError)
        -> Result
    {
        var notes: [DiscoveryNote] = []
        var nginxFile = nginx
        var apacheFile = apache
        if nginx == nil && apache == nil {
            for (file, server) in [(defaultNginxConfig, "nginx"), (defaultApacheConfig, "Apache")] {
                if ConfigFiles.exists(file) {
                    if server == "nginx" { nginxFile = file } else { apacheFile = file }
                } else {
                    notes.append(DiscoveryNote("no \(file): \(server) is not installed here, or elsewhere", at: nil))
                }
            }
        }
        var logs: [LogDestination] = []
        var files: [String] = []
        if let nginxFile {
            let found = try nginxLogs(ConfigFiles.absolute(nginxFile), options: options)
            logs += found.logs
            notes += found.notes
            files += found.files
        }
        if let apacheFile {
            let found = try apacheLogs(ConfigFiles.absolute(apacheFile), options: options)
            logs += found.logs
            notes += found.notes
            files += found.files
        }
        return Result(sources: SourceAssembly.sources(from: logs), notes: notes, configFiles: files)
    }

    static func nginxLogs(_ file: String, options: Options) throws(DiscoveryError)
        -> (logs: [LogDestination], notes: [DiscoveryNote], files: [String])
    {
        var loader = NginxConfigLoader(confPrefix: ConfigFiles.directory(of: file))
        let directives = try loader.load(file)
        var resolver = NginxLogResolver(prefix: options.nginxPrefix, defaultAccessLog: options.nginxDefaultAccessLog)
        let resolved = resolver.resolve(directives)
        return (resolved.logs, loader.notes + resolved.notes, loader.files)
    }

    static func apacheLogs(_ file: String, options: Options) throws(DiscoveryError)
        -> (logs: [LogDestination], notes: [DiscoveryNote], files: [String])
    {
        let confDir = ConfigFiles.directory(of: file)
        var envvars = ApacheEnvvars(environment: options.environment, confDir: confDir)
        let envvarsFile = options.apacheEnvvars ?? ConfigFiles.join(confDir, "envvars")
        var files: [String] = []
        if ConfigFiles.exists(envvarsFile) {
            envvars.run(try ConfigFiles.read(envvarsFile), file: envvarsFile)
            files.append(envvarsFile)
        }
        let environment = envvars.environment
        var defines = options.apacheDefines
        let arguments = ApacheWords.split(environment["APACHE_ARGUMENTS"] ?? "")
        for (i, argument) in arguments.enumerated() where argument.hasPrefix("-D") {
            if argument.count > 2 {
                defines.insert(String(argument.dropFirst(2)))
            } else if i + 1 < arguments.count {
                defines.insert(arguments[i + 1])
            }
        }
        var walker = ApacheConfigWalker(
            serverRoot: options.apacheServerRoot ?? confDir, environment: environment, defines: defines)
        try walker.load(file)
        let resolved = ApacheLogResolver.resolve(
            main: walker.main, virtualHosts: walker.virtualHosts, serverRoot: walker.serverRoot)
        return (resolved.logs, envvars.notes + walker.notes + resolved.notes, [file] + files + walker.files.dropFirst())
    }
}
