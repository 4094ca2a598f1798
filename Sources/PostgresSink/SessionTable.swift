/// The name of the sessions table (default `sessions`), checked to be a plain SQL identifier so that
/// it can be written into statements; the tables beside it are named after it.
public struct SessionTable: Sendable, Equatable, CustomStringConvertible {
    /// The name as configured: `sessions` or `schema.sessions`.
    public let name: String
    /// The table, quoted for SQL.
    public let quoted: String
    /// The ledger of fragments already applied, quoted.
    public let appliedQuoted: String
    /// The view of the sessions without the visitor's address (`ip`, `client`), quoted: for analysts.
    public let withoutIPQuoted: String
    /// The bare table name (without schema), for index names.
    let bareName: String
    /// `"schema".` when the name has a schema, else empty: to name the tables beside it.
    let schemaPrefix: String

    /// Accepts `name` or `schema.name`, each a letter or `_` followed by letters, digits or `_`,
    /// at most 50 characters.
    public init(_ name: String) throws(SessionTableError) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ part in
                guard let first = part.first, part.count <= 50 else { return false }
                return (first.isLetter || first == "_") && first.isASCII
                    && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            })
        else { throw SessionTableError(name: name) }
        self.name = name
        func quote(_ s: Substring) -> String { "\"\(s)\"" }
        bareName = String(parts.last!)
        schemaPrefix = parts.count == 2 ? quote(parts[0]) + "." : ""
        quoted = parts.map(quote).joined(separator: ".")
        appliedQuoted = (parts.dropLast().map(quote) + [quote(parts.last! + "_applied")]).joined(separator: ".")
        withoutIPQuoted = (parts.dropLast().map(quote) + [quote(parts.last! + "_without_ip")]).joined(separator: ".")
    }

    public var description: String { name }

    /// A table beside this one, named after it (`sessions_p2025_10`), quoted.
    func sibling(_ suffix: String) -> String { schemaPrefix + "\"\(bareName)\(suffix)\"" }
}

/// A table name that is not a plain identifier.
public struct SessionTableError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public var description: String {
        "The table name '\(name)' is not a plain SQL name: use letters, digits and _ (optionally schema.table)."
    }
}
