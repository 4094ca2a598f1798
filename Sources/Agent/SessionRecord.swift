import AccessLog
import Sessionizer

/// A finished session as text, ready for output: the columns of the `sessions` table.
public struct SessionRecord: Sendable, Equatable {
    public var host: String
    public var ip: String
    public var sessionStart: Int64
    public var sessionEnd: Int64
    public var eventCount: Int64
    public var bytes: Int64
    public var landingPath: String
    public var referrer: String
    public var userAgent: String
    public var errorCount: Int64

    /// The column names, in output order.
    public static let columns = [
        "host", "ip", "session_start", "session_end", "event_count", "bytes", "landing_path", "referrer",
        "user_agent", "error_count",
    ]

    /// The fragment's fields as text: host and client as logged made printable (bytes that are not
    /// UTF-8 written `\xHH`); the first request's fields are display text already.
    public init(_ fragment: Fragment) {
        host = fragment.host.withUnsafeBytes { FieldText.printable(Array($0)) }
        ip = fragment.client.withUnsafeBytes { FieldText.printable(Array($0)) }
        sessionStart = fragment.start
        sessionEnd = fragment.end
        eventCount = fragment.eventCount
        bytes = fragment.bytes
        landingPath = String(decoding: fragment.landingPath, as: UTF8.self)
        referrer = String(decoding: fragment.referrer, as: UTF8.self)
        userAgent = String(decoding: fragment.userAgent, as: UTF8.self)
        errorCount = fragment.errorCount
    }

    /// One CSV row (RFC 4180 quoting), without the line end.
    public var csv: String {
        [
            host, ip, Timestamp.iso8601(millis: sessionStart), Timestamp.iso8601(millis: sessionEnd),
            String(eventCount), String(bytes), landingPath, referrer, userAgent, String(errorCount),
        ].map(SessionRecord.csvField).joined(separator: ",")
    }

    /// One JSON object, without the line end.
    public var json: String {
        "{\"host\":\(SessionRecord.jsonString(host)),\"ip\":\(SessionRecord.jsonString(ip)),"
            + "\"session_start\":\"\(Timestamp.iso8601(millis: sessionStart))\","
            + "\"session_end\":\"\(Timestamp.iso8601(millis: sessionEnd))\",\"event_count\":\(eventCount),"
            + "\"bytes\":\(bytes),\"landing_path\":\(SessionRecord.jsonString(landingPath)),"
            + "\"referrer\":\(SessionRecord.jsonString(referrer)),"
            + "\"user_agent\":\(SessionRecord.jsonString(userAgent)),\"error_count\":\(errorCount)}"
    }

    public static func csvField(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 })
        else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }

    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
