/// The log formats discovery recognises by name, and what it needs to know about any format string without
/// compiling it (sessiontail's `AccessLog` module does that when the configuration is loaded).
enum KnownFormats {
    /// nginx's predefined `combined`, which `access_log PATH;` uses when no format is named.
    static let nginxCombined =
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "#
        + #""$http_referer" "$http_user_agent""#

    /// Apache's format for `TransferLog` when no `LogFormat` sets another: the Common Log Format.
    static let apacheDefault = #"%h %l %u %t "%r" %>s %b"#

    /// sessiontail's presets, each as nginx and as Apache write it. Apache's are compared after
    /// ``canonicalApache(_:)``, so Debian's `%O` (bytes sent, headers included) counts as the `%b` of the
    /// preset: sessiontail reads both as the response size, with the same parse plan.
    private static let presets: [(name: String, nginx: String?, apache: String)] = [
        ("combined", nginxCombined, #"%h %l %u %t "%r" %>s %b "%{referer}i" "%{user-agent}i""#),
        (
            "common", #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#,
            #"%h %l %u %t "%r" %>s %b"#
        ),
        ("vhost_combined", nil, #"%v:%p %h %l %u %t "%r" %>s %b "%{referer}i" "%{user-agent}i""#),
    ]

    /// The sessiontail preset that reads lines of `format` exactly as the format string would, if any.
    static func presetName(nginx format: String) -> String? {
        presets.first { $0.nginx == format }?.name
    }

    /// The sessiontail preset that reads lines of the Apache `format` exactly as the format string would.
    static func presetName(apache format: String) -> String? {
        let canonical = canonicalApache(format)
        return presets.first { $0.apache == canonical }?.name
    }

    /// `format` with `%O` and `%B` written `%b` and header names in `%{…}i` lower-cased: the differences that do
    /// not change how sessiontail reads a line.
    static func canonicalApache(_ format: String) -> String {
        var out = ""
        var rest = Substring(format)
        while let percent = rest.firstIndex(of: "%") {
            out += rest[..<percent]
            rest = rest[rest.index(after: percent)...]
            if rest.first == "%" {
                out += "%%"
                rest = rest.dropFirst()
            } else if rest.first == "O" || rest.first == "B" {
                out += "%b"
                rest = rest.dropFirst()
            } else if rest.first == "{", let close = rest.firstIndex(of: "}"),
                rest.index(after: close) < rest.endIndex, rest[rest.index(after: close)] == "i"
            {
                out += "%" + rest[...close].lowercased() + "i"
                rest = rest[rest.index(close, offsetBy: 2)...]
            } else {
                out += "%"
            }
        }
        return out + rest
    }

    /// Whether an nginx format writes the virtual host (`$host`, `$http_host`, `$server_name`).
    static func nginxHasHost(_ format: String) -> Bool {
        NginxVariables.names(in: format).contains { $0 == "host" || $0 == "http_host" || $0 == "server_name" }
    }

    /// Whether an Apache format writes the virtual host (`%v`, `%V`, `%{Host}i`).
    static func apacheHasHost(_ format: String) -> Bool {
        let canonical = canonicalApache(format)
        return canonical.contains("%v") || canonical.contains("%V") || canonical.contains("%{host}i")
    }
}
