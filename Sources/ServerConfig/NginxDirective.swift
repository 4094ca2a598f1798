/// One directive of an nginx configuration: `name arg…;`, or `name arg… { … }` with the directives of its
/// block.
struct NginxDirective: Sendable, Equatable {
    /// The directive's name (`access_log`, `server`…), as written.
    var name: String
    /// Its arguments with quotes removed and escapes undone, as nginx passes them to the module.
    var arguments: [String]
    /// The directives inside `{ … }`, or `nil` for a simple directive ending in `;`.
    var block: [NginxDirective]?
    /// Where the directive's name is.
    var location: ConfigLocation
}
