/// Typed access to a parsed document: each accessor turns a node into a value or throws a
/// ``ConfigurationError`` naming the file, the line and the key (a path such as `sources[1].format`).
///
/// ```swift
/// let reader = ConfigReader(file: path)
/// let top = try reader.mapping(root, nil, allowed: ["session"])
/// let session = try reader.mapping(top["session"]?.value ?? .null(line: 0), "session", allowed: ["gap"])
/// let gap = try reader.duration(session["gap"], "session.gap", default: 300_000)
/// ```
public struct ConfigReader: Sendable {
    /// The file name for messages.
    public let file: String

    public init(file: String) { self.file = file }

    /// An error at `node` (its line; 0 without one) for `key`.
    public func fail(_ node: ConfigNode?, _ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.line ?? 0, key: key, message: message)
    }

    /// The entries of a mapping, refusing keys not in `allowed`.
    public func mapping(_ node: ConfigNode, _ key: String?, allowed: [String]) throws(ConfigurationError)
        -> [String: ConfigEntry]
    {
        switch node {
        case .null: return [:]
        case .mapping(let entries, _):
            var out: [String: ConfigEntry] = [:]
            for entry in entries {
                guard allowed.contains(entry.key) else {
                    throw ConfigurationError(
                        file: file, line: entry.line, key: join(key, entry.key),
                        message: "unknown key; expected one of: \(allowed.joined(separator: ", "))")
                }
                out[entry.key] = entry
            }
            return out
        default:
            throw fail(node, key, "expected a mapping of keys to values")
        }
    }

    /// A string, `value` when absent or empty (`~`).
    public func string(_ entry: ConfigEntry?, _ key: String, default value: String) throws(ConfigurationError)
        -> String
    {
        try optionalString(entry, key) ?? value
    }

    /// A string, nil when absent or empty (`~`).
    public func optionalString(_ entry: ConfigEntry?, _ key: String) throws(ConfigurationError) -> String? {
        guard let entry else { return nil }
        switch entry.value {
        case .scalar(let text, _, _): return text
        case .null: return nil
        default: throw fail(entry.value, key, "expected a string")
        }
    }

    /// A list of strings; a single string is a list of one.
    public func strings(_ entry: ConfigEntry?, _ key: String) throws(ConfigurationError) -> [String] {
        guard let entry else { return [] }
        switch entry.value {
        case .null: return []
        case .scalar(let text, _, _): return [text]
        case .sequence(let items, _):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let text, _, _) = item else {
                    throw fail(item, "\(key)[\(i)]", "expected a string")
                }
                out.append(text)
            }
            return out
        default:
            throw fail(entry.value, key, "expected a list of strings")
        }
    }

    /// A duration in milliseconds (``Units/durationMillis(_:)``).
    public func duration(_ entry: ConfigEntry?, _ key: String, default value: Int64) throws(ConfigurationError)
        -> Int64
    {
        guard let text = try optionalString(entry, key) else { return value }
        guard let millis = Units.durationMillis(text) else {
            throw fail(entry?.value, key, "'\(text)' is not a duration such as 300s, 5m or 1h")
        }
        return millis
    }

    /// A size in bytes (``Units/bytes(_:)``), more than zero.
    public func size(_ entry: ConfigEntry?, _ key: String, default value: Int) throws(ConfigurationError) -> Int {
        guard let text = try optionalString(entry, key) else { return value }
        guard let bytes = Units.bytes(text), bytes > 0 else {
            throw fail(entry?.value, key, "'\(text)' is not a size such as 64MiB or 1GiB")
        }
        return bytes
    }

    /// A positive whole number, unquoted.
    public func integer(_ entry: ConfigEntry?, _ key: String, default value: Int) throws(ConfigurationError) -> Int {
        guard let entry else { return value }
        guard case .scalar(let text, false, _) = entry.value, let number = Int(text), number > 0 else {
            throw fail(entry.value, key, "expected a positive whole number")
        }
        return number
    }

    /// `true` or `false`, unquoted; `value` when absent.
    public func boolean(_ entry: ConfigEntry?, _ key: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let entry else { return value }
        switch entry.value {
        case .null: return value
        case .scalar("true", false, _): return true
        case .scalar("false", false, _): return false
        default: throw fail(entry.value, key, "expected true or false")
        }
    }

    /// `parent.key`, or `key` at the top.
    public func join(_ parent: String?, _ key: String) -> String { parent.map { "\($0).\(key)" } ?? key }
}
