/// An access-log format: a preset, an nginx `log_format` string or an Apache `LogFormat` string,
/// compiled once into a ``ParsePlan``.
///
/// ```swift
/// let format = try LogFormat(string: #"$host $remote_addr [$time_local] "$request" $status"#)
/// var parser = LineParser(plan: format.plan)
/// ```
public struct LogFormat: Sendable {
    /// Which web server's syntax the format string is written in.
    public enum Dialect: String, Sendable {
        /// nginx `log_format`: `$variable` or `${variable}`.
        case nginx
        /// Apache `LogFormat`: `%h`, `%>s`, `%{Header}i`…
        case apache
    }

    /// The format string as given (for presets, its definition).
    public let source: String
    /// The syntax `source` is written in.
    public let dialect: Dialect
    /// The compiled plan.
    public let plan: ParsePlan

    /// Names of the presets, for help texts and errors.
    public static let presetNames = ["combined", "common", "vhost_combined"]

    /// The preset of that name: `combined`, `common` (nginx and Apache agree on both) or
    /// `vhost_combined` (as Debian's `apache2.conf` defines it).
    public static func preset(named name: String) throws(LogFormatError) -> LogFormat {
        switch name {
        case "combined":
            try LogFormat(apache: #"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i""#)
        case "common":
            try LogFormat(apache: #"%h %l %u %t "%r" %>s %b"#)
        case "vhost_combined":
            try LogFormat(apache: #"%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i""#)
        default:
            throw LogFormatError(
                format: name,
                message: "unknown preset; use one of \(presetNames.joined(separator: ", ")) or give a format string"
            )
        }
    }

    /// Compiles a format string, telling nginx from Apache syntax: a `$name` variable means nginx,
    /// otherwise `%` directives mean Apache. An nginx string may begin with `escape=default`,
    /// `escape=json` or `escape=none` and a space, as `log_format` takes it (``init(nginx:)``).
    public init(string: String) throws(LogFormatError) {
        if LogFormat.looksLikeNginx(Array(string.utf8)) {
            try self.init(nginx: string)
        } else {
            try self.init(apache: string)
        }
    }

    /// Compiles an nginx `log_format` string (the concatenated text, without nginx's own quotes).
    ///
    /// The string may begin with `log_format`'s `escape=` parameter and a space: `escape=json $remote_addr …`
    /// (see ``FieldEscaping``; without it, `default`).
    public init(nginx string: String) throws(LogFormatError) {
        self.source = string
        self.dialect = .nginx
        let (escaping, format) = try LogFormat.nginxEscaping(string)
        self.plan = try ParsePlan(tokens: LogFormat.nginxTokens(String(format)), format: string, escaping: escaping)
    }

    /// Compiles an Apache `LogFormat` string; `\"`, `\\`, `\t` and `\n` are read as Apache reads them.
    public init(apache string: String) throws(LogFormatError) {
        self.source = string
        self.dialect = .apache
        self.plan = try ParsePlan(tokens: LogFormat.apacheTokens(string), format: string, escaping: .default)
    }

    static func looksLikeNginx(_ bytes: [UInt8]) -> Bool {
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "$") && i + 1 < bytes.count {
            let next = bytes[i + 1]
            if next == UInt8(ascii: "{") || next == UInt8(ascii: "_")
                || (next | 0x20) >= UInt8(ascii: "a")
                    && (next | 0x20) <= UInt8(ascii: "z")
            {
                return true
            }
        }
        return false
    }
}

/// A format string that cannot be compiled, with the reason.
public struct LogFormatError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The format string (or preset name) at fault.
    public let format: String
    /// What is wrong, and what to do instead.
    public let message: String

    public var description: String { "Cannot use log format '\(format)': \(message)." }
}

/// One piece of a format string: literal text, or a field.
enum FormatToken: Equatable {
    case literal([UInt8])
    case field(LogField, name: String)
}
