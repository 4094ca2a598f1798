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
    /// The request header named as the client header, as given (see ``init(string:clientHeader:)``).
    public let clientHeader: String?
    /// The compiled plan.
    public let plan: ParsePlan

    /// Names of the presets, for help texts and errors.
    public static let presetNames = ["combined", "common", "vhost_combined"]

    /// The preset of that name: `combined`, `common` (nginx and Apache agree on both) or
    /// `vhost_combined` (as Debian's `apache2.conf` defines it). None of them logs a header that
    /// `clientHeader` could name but `Referer` and `User-Agent`, so with one the plan has no client header.
    public static func preset(
        named name: String, clientHeader: String? = nil
    ) throws(LogFormatError) -> LogFormat {
        switch name {
        case "combined":
            try LogFormat(
                apache: #"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i""#, clientHeader: clientHeader)
        case "common":
            try LogFormat(apache: #"%h %l %u %t "%r" %>s %b"#, clientHeader: clientHeader)
        case "vhost_combined":
            try LogFormat(
                apache: #"%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i""#, clientHeader: clientHeader)
        default:
            throw LogFormatError(
                format: name,
                message: "unknown preset; use one of \(presetNames.joined(separator: ", ")) or give a format string"
            )
        }
    }

    /// Compiles a format string, telling nginx from Apache syntax: a `$name` variable means nginx,
    /// otherwise `%` directives mean Apache. An nginx string may begin with `escape=default`,
    /// `escape=json` or `escape=none` and a space, as `log_format` takes it (``init(nginx:clientHeader:)``).
    ///
    /// `clientHeader` names the request header that carries the visitor's address (`X-Forwarded-For`,
    /// `Forwarded`, `X-Real-IP`, `CF-Connecting-IP`, `True-Client-IP` or any other): the field that logs it,
    /// nginx's `$http_cf_connecting_ip` or Apache's `%{CF-Connecting-IP}i`, is cut out into
    /// ``ParsedLine/clientHeader``, and ``ParsePlan/hasClientHeader`` says whether the format logs it. Names
    /// are compared as nginx's `$http_` variables do: ASCII case ignored, `-` and `_` alike
    /// (`cf_connecting_ip` is `CF-Connecting-IP`). Without one, `X-Forwarded-For` is still cut out into
    /// ``ParsedLine/forwardedFor``; with `X-Forwarded-For` named, both ranges hold it.
    ///
    /// ```swift
    /// let format = try LogFormat(
    ///     string: #"$remote_addr [$time_local] "$request" $status "$http_cf_connecting_ip""#,
    ///     clientHeader: "CF-Connecting-IP")
    /// ```
    public init(string: String, clientHeader: String? = nil) throws(LogFormatError) {
        if LogFormat.looksLikeNginx(Array(string.utf8)) {
            try self.init(nginx: string, clientHeader: clientHeader)
        } else {
            try self.init(apache: string, clientHeader: clientHeader)
        }
    }

    /// Compiles an nginx `log_format` string (the concatenated text, without nginx's own quotes).
    ///
    /// The string may begin with `log_format`'s `escape=` parameter and a space: `escape=json $remote_addr …`
    /// (see ``FieldEscaping``; without it, `default`). `clientHeader` as for ``init(string:clientHeader:)``.
    public init(nginx string: String, clientHeader: String? = nil) throws(LogFormatError) {
        self.source = string
        self.dialect = .nginx
        self.clientHeader = clientHeader
        let key = try LogFormat.clientHeaderKey(clientHeader, format: string)
        let (escaping, format) = try LogFormat.nginxEscaping(string)
        self.plan = try ParsePlan(
            tokens: LogFormat.nginxTokens(String(format), clientHeader: key), format: string, escaping: escaping,
            clientHeaderIsForwardedFor: key == LogFormat.forwardedForKey)
    }

    /// Compiles an Apache `LogFormat` string; `\"`, `\\`, `\t` and `\n` are read as Apache reads them.
    /// `clientHeader` as for ``init(string:clientHeader:)``.
    public init(apache string: String, clientHeader: String? = nil) throws(LogFormatError) {
        self.source = string
        self.dialect = .apache
        self.clientHeader = clientHeader
        let key = try LogFormat.clientHeaderKey(clientHeader, format: string)
        self.plan = try ParsePlan(
            tokens: LogFormat.apacheTokens(string, clientHeader: key), format: string, escaping: .default,
            clientHeaderIsForwardedFor: key == LogFormat.forwardedForKey)
    }

    /// `X-Forwarded-For` as ``headerKey(_:)`` spells it.
    static let forwardedForKey = "x_forwarded_for"

    /// A request header's name as names are compared: ASCII lower case, `-` as `_` (nginx's `$http_` names).
    static func headerKey(_ name: some StringProtocol) -> String {
        String(
            decoding: name.utf8.map { b in
                b == UInt8(ascii: "-") ? UInt8(ascii: "_") : (b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }, as: UTF8.self)
    }

    /// The key of the client header named, checked: a header name, and none the parser reads for another field.
    static func clientHeaderKey(_ name: String?, format: String) throws(LogFormatError) -> String? {
        guard let name else { return nil }
        let isNameByte = { (b: UInt8) in
            b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || (b >= 0x30 && b <= 0x39)
                || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
        }
        guard !name.isEmpty, name.utf8.allSatisfy(isNameByte) else {
            throw LogFormatError(
                format: format,
                message:
                    "'\(name)' is not a request header name for the client's address (letters, digits, '-' and '_', such as X-Forwarded-For or CF-Connecting-IP)"
            )
        }
        let key = headerKey(name)
        guard key != "host" && key != "referer" && key != "user_agent" else {
            throw LogFormatError(
                format: format, message: "the \(name) header carries no client address; name the header that does")
        }
        return key
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
