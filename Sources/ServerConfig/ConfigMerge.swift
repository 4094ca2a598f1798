/// Merges discovered sources into the text of a sessiontail configuration file, as `sessiontail discover
/// --write` does: everything outside `sources:` (comments included) stays as it is, and so does every source
/// discovery does not touch.
///
/// ```swift
/// let result = try Discovery.run(nginx: nil, apache: nil)
/// let merged = ConfigMerge.merge(result.sources, into: try String(contentsOfFile: path))
/// for change in merged.changes { print(change) }
/// ```
///
/// For each discovered source, in order:
/// - **Same files**: an existing source whose `paths` are the same set is updated in place and keeps its name
///   (metrics and `sessiontail status` know it by that name): `paths`, `format`/`log_format` (one replaces
///   the other), and `host` and `exclude` when discovery found one, are rewritten; its other keys
///   (`client_ip`…) and comments are kept.
/// - **Files already read**: an existing source with other paths that already reads one of the files (the same
///   path, or a glob that matches it) is left alone and the discovered one is skipped, so that no file is
///   read twice.
/// - **Name taken**: when an existing source with other files has the discovered source's name, the existing
///   one is kept as it is and the discovered one is added as `NAME-2` (or the next free number): a source the
///   operator wrote is never dropped or repointed because a web server's configuration changed.
/// - Otherwise the source is **added** after the last existing one, with comments saying where it was found.
///
/// Without a `sources:` key, one is appended at the end of the file; an inline `sources: []` becomes a block.
public enum ConfigMerge {
    /// The merged text and what was done to each discovered source.
    public struct Result: Sendable, Equatable {
        /// The whole configuration file with the sources merged in.
        public var text: String
        /// One entry per discovered source, in order.
        public var changes: [Change]
    }

    /// What merging did with one discovered source.
    public enum Change: Sendable, Equatable, CustomStringConvertible {
        /// Added under its own name.
        case added(String)
        /// Added under another name, because an existing source with other files has its name.
        case renamed(String, as: String)
        /// The existing source of this name, reading the same files, was rewritten.
        case updated(String)
        /// The existing source of this name reads the same files and already says what discovery found.
        case unchanged(String)
        /// Not added: the existing source `existing` already reads (some of) its files.
        case skipped(String, existing: String)

        /// A line for the operator.
        public var description: String {
            switch self {
            case .added(let name): "added source \(name)"
            case .renamed(let name, let new): "added source \(name) as \(new): a source named \(name) reads other files"
            case .updated(let name): "updated source \(name)"
            case .unchanged(let name): "source \(name) is up to date"
            case .skipped(let name, let existing):
                "skipped source \(name): source \(existing) already reads its files"
            }
        }
    }

    /// `configText` with `sources` merged into its `sources:` list, by the rules above.
    public static func merge(_ sources: [DiscoveredSource], into configText: String) -> Result {
        var document = ConfigDocument(configText)
        var changes: [Change?] = Array(repeating: nil, count: sources.count)
        var matched: Set<Int> = []
        // Same files first, so that a name taken by another discovered source's files is known below.
        for (i, source) in sources.enumerated() {
            guard
                let e = document.entries.indices.first(where: { Set(document.entries[$0].paths) == Set(source.paths) }),
                !matched.contains(e)
            else { continue }
            matched.insert(e)
            let name = document.entries[e].name ?? source.name
            changes[i] = document.update(entry: e, with: source) ? .updated(name) : .unchanged(name)
        }
        var names = Set(document.entries.compactMap(\.name))
        var added: [DiscoveredSource] = []
        for (i, var source) in sources.enumerated() where changes[i] == nil {
            if let reader = document.entries.first(where: { reads($0.paths, anyOf: source.paths) }) {
                changes[i] = .skipped(source.name, existing: reader.name ?? "(unnamed)")
                continue
            }
            let original = source.name
            if names.contains(source.name) {
                var n = 2
                while names.contains("\(original)-\(n)") { n += 1 }
                source.name = "\(original)-\(n)"
                changes[i] = .renamed(original, as: source.name)
            } else {
                changes[i] = .added(source.name)
            }
            names.insert(source.name)
            added.append(source)
        }
        document.append(added)
        return Result(text: document.text, changes: changes.map { $0! })
    }

    /// Whether files matched by `existing` patterns include any of `paths` (the same pattern, or a literal
    /// path a glob matches).
    static func reads(_ existing: [String], anyOf paths: [String]) -> Bool {
        for pattern in existing {
            let glob = pattern.replacing("{host}", with: "*")
            for path in paths {
                if path == pattern { return true }
                let literal = path.replacing("{host}", with: "*")
                if !ConfigFiles.hasGlob(literal) && ConfigFiles.matches(glob, literal) { return true }
            }
        }
        return false
    }
}
