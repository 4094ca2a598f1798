/// Reads an Apache configuration as `apache2` does at start, directive by directive in order: `${VAR}` from
/// `Define` and the environment; `Include` and `IncludeOptional` (globs and directories, relative to
/// ServerRoot); `<IfModule>` against the modules built in and loaded so far, `<IfDefine>` against `-D` and
/// `Define`, `<IfFile>`; and, for the logs, `ServerName`, `LogFormat`, `CustomLog`, `TransferLog` and
/// `GlobalLog` in the main server and in each `<VirtualHost>`.
///
/// `<Directory>`, `<Location>`, `<Files>`, `<If>` and the like cannot hold log directives, so they are not
/// read. A missing or unreadable included file is a note; broken syntax is an error.
struct ApacheConfigWalker {
    /// ServerRoot: where relative paths are resolved; `ServerRoot` changes it for what follows.
    private(set) var serverRoot: String
    /// The main server.
    private(set) var main = ApacheServerLogs()
    /// The virtual hosts, in order.
    private(set) var virtualHosts: [ApacheServerLogs] = []
    /// What could not be followed.
    private(set) var notes: [DiscoveryNote] = []
    /// Every file read, the main one first.
    private(set) var files: [String] = []

    private var environment: [String: String]
    private var variables: [String: String] = [:]
    private var defines: Set<String>
    private var modules: Set<String>
    private var undefinedReported: Set<String> = []

    /// Includes nested deeper than this are refused, as Apache refuses them.
    static let maximumDepth = 128

    /// Modules Debian's `apache2` has built in (`apache2 -l`), by source file and by identifier.
    static let builtInModules: Set<String> = [
        "core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c",
        "mod_unixd.c", "core_module", "so_module", "watchdog_module", "http_module", "log_config_module",
        "logio_module", "version_module", "unixd_module",
    ]

    /// A walker starting at `serverRoot`, with `environment` (what envvars exported) for `${VAR}` and `defines`
    /// as given with `-D`.
    init(serverRoot: String, environment: [String: String], defines: Set<String>) {
        self.serverRoot = serverRoot
        self.environment = environment
        self.defines = defines
        self.modules = Self.builtInModules
    }

    /// Reads `file` and what it includes.
    mutating func load(_ file: String) throws(DiscoveryError) {
        let text = try ConfigFiles.read(file)
        files.append(file)
        try walk(ApacheConfigParser.parse(text, file: file), virtualHost: nil, depth: 0)
    }

    private mutating func words(_ directive: ApacheDirective) -> [String] {
        ApacheWords.split(expand(directive.arguments, at: directive.location))
    }

    private mutating func expand(_ text: String, at location: ConfigLocation) -> String {
        var missing: [String] = []
        let expanded = ApacheWords.expand(
            text, lookup: { variables[$0] ?? environment[$0] }, undefined: { missing.append($0) })
        for name in missing where !undefinedReported.contains(name) {
            undefinedReported.insert(name)
            notes.append(
                DiscoveryNote(
                    "config variable ${\(name)} is not defined (not by Define, nor exported by envvars); "
                        + "Apache leaves it as written", at: location))
        }
        return expanded
    }

    private mutating func walk(_ directives: [ApacheDirective], virtualHost: Int?, depth: Int) throws(DiscoveryError) {
        for directive in directives {
            if directive.section != nil {
                try section(directive, virtualHost: virtualHost, depth: depth)
                continue
            }
            switch directive.name.lowercased() {
            case "include", "includeoptional":
                try include(directive, virtualHost: virtualHost, depth: depth)
            case "define":
                let arguments = words(directive)
                guard let name = arguments.first else { continue }
                defines.insert(name)
                if arguments.count >= 2 { variables[name] = arguments[1] }
            case "undefine":
                for name in words(directive) {
                    defines.remove(name)
                    variables[name] = nil
                }
            case "serverroot":
                if let root = words(directive).first { serverRoot = root }
            case "loadmodule":
                let arguments = words(directive)
                guard let identifier = arguments.first else { continue }
                modules.insert(identifier)
                if identifier.hasSuffix("_module") {
                    let stem = identifier.dropLast("_module".count)
                    modules.insert("mod_\(stem).c")
                    if stem.hasPrefix("mpm_") { modules.insert("\(stem.dropFirst(4)).c") }
                }
            case "servername":
                guard let name = words(directive).first else { continue }
                update(virtualHost) { $0.serverName = Self.hostName(name) }
            case "logformat":
                let arguments = words(directive)
                switch arguments.count {
                case 1: update(virtualHost) { $0.defaultFormat = arguments[0] }
                case 2...: update(virtualHost) { $0.formats[arguments[1]] = arguments[0] }
                default: break
                }
            case "customlog", "transferlog", "globallog":
                log(directive, virtualHost: virtualHost)
            default:
                break
            }
        }
    }

    private mutating func update(_ virtualHost: Int?, _ change: (inout ApacheServerLogs) -> Void) {
        if let virtualHost { change(&virtualHosts[virtualHost]) } else { change(&main) }
    }

    /// `www.example.com` from `ServerName [scheme://]www.example.com[:port]`.
    static func hostName(_ value: String) -> String {
        var name = Substring(value)
        if let scheme = name.firstRange(of: "://") { name = name[scheme.upperBound...] }
        if name.hasPrefix("[") {
            if let close = name.firstIndex(of: "]") { name = name[...close] }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        return name.lowercased()
    }

    private mutating func log(_ directive: ApacheDirective, virtualHost: Int?) {
        let arguments = words(directive)
        let kind: ApacheServerLogs.Log.Kind =
            directive.is("TransferLog") ? .transferLog : directive.is("GlobalLog") ? .globalLog : .customLog
        let expected = kind == .transferLog ? 1...1 : 2...3
        guard expected.contains(arguments.count) else {
            notes.append(
                DiscoveryNote(
                    "\(kind.rawValue) takes \(kind == .transferLog ? "a file" : "a file, a format and a condition"); "
                        + "Apache refuses this one", at: directive.location))
            return
        }
        if kind == .globalLog && virtualHost != nil {
            notes.append(
                DiscoveryNote("GlobalLog is not allowed in <VirtualHost>; Apache refuses it", at: directive.location))
            return
        }
        let log = ApacheServerLogs.Log(
            kind: kind, target: arguments[0], format: kind == .transferLog ? nil : arguments[1],
            condition: arguments.count == 3 ? arguments[2] : nil, location: directive.location)
        update(virtualHost) { $0.logs.append(log) }
    }

    private mutating func include(_ directive: ApacheDirective, virtualHost: Int?, depth: Int) throws(DiscoveryError) {
        let optional = directive.is("IncludeOptional")
        guard let argument = words(directive).first else { return }
        let pattern = ConfigFiles.join(serverRoot, argument)
        var files: [String]
        if ConfigFiles.hasGlob(pattern) {
            files = ConfigFiles.glob(pattern).flatMap {
                ConfigFiles.isDirectory($0) ? ConfigFiles.filesRecursively(in: $0) : [$0]
            }
            if files.isEmpty && !optional {
                notes.append(
                    DiscoveryNote(
                        "Include \(pattern) matches no file; Apache refuses to start (IncludeOptional would not)",
                        at: directive.location))
            }
        } else if ConfigFiles.isDirectory(pattern) {
            files = ConfigFiles.filesRecursively(in: pattern)
        } else if ConfigFiles.exists(pattern) {
            files = [pattern]
        } else {
            if !optional {
                notes.append(
                    DiscoveryNote("Include \(pattern): no such file; Apache refuses to start", at: directive.location))
            }
            files = []
        }
        for file in files {
            guard depth < Self.maximumDepth else {
                notes.append(
                    DiscoveryNote(
                        "Include \(file) is nested \(Self.maximumDepth) deep (does a file include itself?); "
                            + "not followed",
                        at: directive.location))
                return
            }
            let text: String
            do {
                text = try ConfigFiles.read(file)
            } catch {
                notes.append(
                    DiscoveryNote("Include: \(error.message); Apache refuses to start", at: directive.location))
                continue
            }
            self.files.append(file)
            try walk(ApacheConfigParser.parse(text, file: file), virtualHost: virtualHost, depth: depth + 1)
        }
    }

    private mutating func section(_ directive: ApacheDirective, virtualHost: Int?, depth: Int) throws(DiscoveryError) {
        let children = directive.section ?? []
        switch directive.name.lowercased() {
        case "ifmodule", "ifdefine", "iffile":
            var argument = words(directive).first ?? ""
            let negated = argument.hasPrefix("!")
            if negated { argument.removeFirst() }
            let holds: Bool
            switch directive.name.lowercased() {
            case "ifmodule": holds = modules.contains(argument)
            case "ifdefine": holds = defines.contains(argument)
            default: holds = ConfigFiles.exists(ConfigFiles.join(serverRoot, argument))
            }
            if holds != negated { try walk(children, virtualHost: virtualHost, depth: depth) }
        case "ifversion", "ifdirective", "ifsection":
            // This Apache is the one the configuration is for; read what it guards.
            try walk(children, virtualHost: virtualHost, depth: depth)
        case "virtualhost":
            guard virtualHost == nil else {
                notes.append(
                    DiscoveryNote("<VirtualHost> inside <VirtualHost>; Apache refuses it", at: directive.location))
                return
            }
            virtualHosts.append(ApacheServerLogs(location: directive.location))
            try walk(children, virtualHost: virtualHosts.count - 1, depth: depth)
        case "macro":
            if Self.mentionsLogs(children) {
                notes.append(
                    DiscoveryNote(
                        "<Macro> holds log directives; macros are not expanded, so logs made with Use are not found",
                        at: directive.location))
            }
        default:
            break
        }
    }

    private static func mentionsLogs(_ directives: [ApacheDirective]) -> Bool {
        directives.contains {
            $0.is("CustomLog") || $0.is("TransferLog") || $0.is("GlobalLog") || mentionsLogs($0.section ?? [])
        }
    }
}
