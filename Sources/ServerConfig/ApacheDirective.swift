/// One directive of an Apache configuration, or a section (`<VirtualHost *:80> … </VirtualHost>`) with the
/// directives inside it.
struct ApacheDirective: Sendable, Equatable {
    /// The name as written (`CustomLog`, or `VirtualHost` for a section); Apache compares names without case.
    var name: String
    /// The text after the name (for a section, up to its `>`), before `${VAR}` expansion and word splitting:
    /// Apache expands variables directive by directive, as it reads them, so a `Define` changes later lines.
    var arguments: String
    /// For a section, the directives inside it; `nil` for a directive.
    var section: [ApacheDirective]?
    /// Where the directive's (first) line is.
    var location: ConfigLocation

    /// Whether the directive is `name`, compared as Apache does (ASCII case-insensitively).
    func `is`(_ name: String) -> Bool { self.name.lowercased() == name.lowercased() }
}
