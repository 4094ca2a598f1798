import Operations

/// `sessiontail check-config`: validates the configuration file and prints it with every default
/// filled in.
public enum CheckConfig {
    /// Returns the exit status: 0 when the file can be used, 1 (with file, line and key at fault, at
    /// error priority in the journal, where ExecStartPre= and ExecReload= show it) when not.
    public static func run(config: String, quiet: Bool) -> Int32 {
        do {
            let configuration = try Configuration.load(path: config)
            if quiet { return 0 }
            var out = OutputStream()
            try out.write("# \(config): valid\n" + configuration.resolvedDescription)
            try out.flush()
            return 0
        } catch {
            LogWriter.standardError().write("\(error)", level: .error)
            return 1
        }
    }
}
