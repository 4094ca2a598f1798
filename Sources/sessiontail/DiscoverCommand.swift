import Agent
import ArgumentParser

struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find the access logs the web server writes, from its own configuration.",
        discussion: """
            Reads nginx's and Apache's configuration as the servers do (include, IncludeOptional, Debian's \
            envvars, virtual hosts) and prints the sources: of sessiontail.yaml that read every access log they \
            write, with the right log formats; with neither --nginx nor --apache, both default files where \
            present. With --write, merges them into the configuration file, keeping its comments and other keys \
            (a source that reads the same files is updated in place; one whose name is taken is added as NAME-2).
            """
    )

    @Option(help: "nginx's main configuration file (default: /etc/nginx/nginx.conf, where present).")
    var nginx: String?

    @Option(help: "Apache's main configuration file (default: /etc/apache2/apache2.conf, where present).")
    var apache: String?

    @Flag(help: "Merge the sources found into the configuration file.")
    var write = false

    @Option(help: "The configuration file --write merges into.")
    var config: String = Configuration.defaultPath

    func run() throws {
        let status = Discover.run(nginx: nginx, apache: apache, write: write, config: config)
        if status != 0 { throw ExitCode(status) }
    }
}
