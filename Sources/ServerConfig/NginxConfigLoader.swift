/// Reads an nginx configuration file with everything it includes, as nginx does at start: `include` is
/// replaced by the directives of the files it names, relative paths resolved against the configuration's
/// prefix (the directory of the main file, `/etc/nginx`), a glob matching no file being no error.
///
/// A file that cannot be read, or a missing file named without a glob, is a note: nginx would refuse to
/// start, but the rest of the configuration still says where the logs go. Broken syntax is an error.
struct NginxConfigLoader {
    /// nginx's `conf_prefix`: the directory relative includes are resolved against.
    let confPrefix: String
    /// What could not be followed.
    private(set) var notes: [DiscoveryNote] = []
    /// Every file read, the main one first.
    private(set) var files: [String] = []

    /// Includes nested deeper than this are not followed (nginx has no limit, but a file including itself
    /// would never end).
    static let maximumDepth = 32

    init(confPrefix: String) {
        self.confPrefix = confPrefix
    }

    /// The directives of `file` with its includes expanded.
    mutating func load(_ file: String) throws(DiscoveryError) -> [NginxDirective] {
        let text = try ConfigFiles.read(file)
        files.append(file)
        return try expand(NginxConfigParser.parse(text, file: file), depth: 0)
    }

    private mutating func expand(_ directives: [NginxDirective], depth: Int) throws(DiscoveryError) -> [NginxDirective]
    {
        var out: [NginxDirective] = []
        for var directive in directives {
            guard directive.name == "include" && directive.block == nil else {
                if let block = directive.block { directive.block = try expand(block, depth: depth) }
                out.append(directive)
                continue
            }
            guard directive.arguments.count == 1 else {
                notes.append(DiscoveryNote("include takes one file name; not followed", at: directive.location))
                continue
            }
            let pattern = ConfigFiles.join(confPrefix, directive.arguments[0])
            let matches = ConfigFiles.hasGlob(pattern) ? ConfigFiles.glob(pattern) : [pattern]
            for file in matches where !ConfigFiles.isDirectory(file) {
                guard depth < Self.maximumDepth else {
                    notes.append(
                        DiscoveryNote(
                            "include \(file) is nested \(Self.maximumDepth) deep (does a file include itself?); "
                                + "not followed", at: directive.location))
                    continue
                }
                let text: String
                do {
                    text = try ConfigFiles.read(file)
                } catch {
                    notes.append(
                        DiscoveryNote("include: \(error.message); nginx would refuse to start", at: directive.location))
                    continue
                }
                files.append(file)
                out += try expand(NginxConfigParser.parse(text, file: file), depth: depth + 1)
            }
        }
        return out
    }
}
