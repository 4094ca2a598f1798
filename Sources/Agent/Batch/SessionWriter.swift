import AccessLog
import Sessionizer

#if canImport(Glibc)
    import Glibc
#endif

/// Writes sessions as CSV (with a header) or JSON lines, byte by byte into a buffer flushed to a file
/// descriptor: no `String` per field.
public struct SessionWriter: ~Copyable {
    /// The output formats.
    public enum Format: Sendable {
        case csv, jsonl
    }

    /// The column names, in output order.
    public static let columns = [
        "host", "ip", "session_start", "session_end", "event_count", "bytes", "landing_path", "referrer",
        "user_agent", "error_count", "page_views", "is_bot", "exit_path", "referrer_host", "channel", "utm_source",
        "utm_medium", "utm_campaign", "browser", "os", "device", "country",
    ]

    private let format: Format
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var scratch: [UInt8] = []

    /// Creates a writer to `fd` (standard output by default).
    public init(format: Format, fd: Int32 = 1) {
        self.format = format
        self.fd = fd
        buffer.reserveCapacity(1 << 17)
    }

    /// Writes the CSV header (nothing for JSON lines).
    public mutating func writeHeader() throws(OutputError) {
        guard format == .csv else { return }
        buffer.append(contentsOf: SessionWriter.columns.joined(separator: ",").utf8)
        buffer.append(10)
    }

    /// Writes one session.
    public mutating func write(_ f: Fragment) throws(OutputError) {
        scratch.removeAll(keepingCapacity: true)
        f.host.withUnsafeBytes { FieldText.appendPrintable($0, to: &scratch) }
        let hostEnd = scratch.count
        f.client.withUnsafeBytes { FieldText.appendPrintable($0, to: &scratch) }
        let host = scratch[..<hostEnd]
        let client = scratch[hostEnd...]
        switch format {
        case .csv:
            csv(host)
            comma()
            csv(client)
            comma()
            Timestamp.appendISO8601(millis: f.start, to: &buffer)
            comma()
            Timestamp.appendISO8601(millis: f.end, to: &buffer)
            comma()
            number(f.eventCount)
            comma()
            number(f.bytes)
            comma()
            csv(f.landingPath)
            comma()
            csv(f.referrer)
            comma()
            csv(f.userAgent)
            comma()
            number(f.errorCount)
            // The visit: empty fields when it is unknown (not classified) or absent (no exit page view).
            let visit = f.visit
            comma()
            if let visit { number(visit.pageViews) }
            comma()
            if let visit { key(visit.isBot ? "true" : "false") }
            // Field by field, not a loop over an array of them: no array to allocate per session.
            comma()
            csv(f.exitPath)
            comma()
            csv(f.referrerHost)
            comma()
            if let channel = visit?.channel { channelName(channel) }
            comma()
            csv(f.utmSource)
            comma()
            csv(f.utmMedium)
            comma()
            csv(f.utmCampaign)
            comma()
            csv(f.browser)
            comma()
            csv(f.os)
            comma()
            csv(f.device)
            comma()
            appendCountry(f.country)
            buffer.append(10)
        case .jsonl:
            key("{\"host\":")
            json(host)
            key(",\"ip\":")
            json(client)
            key(",\"session_start\":\"")
            Timestamp.appendISO8601(millis: f.start, to: &buffer)
            key("\",\"session_end\":\"")
            Timestamp.appendISO8601(millis: f.end, to: &buffer)
            key("\",\"event_count\":")
            number(f.eventCount)
            key(",\"bytes\":")
            number(f.bytes)
            key(",\"landing_path\":")
            json(f.landingPath)
            key(",\"referrer\":")
            json(f.referrer)
            key(",\"user_agent\":")
            json(f.userAgent)
            key(",\"error_count\":")
            number(f.errorCount)
            // The visit: null when it is unknown (not classified) or absent (no exit page view).
            let visit = f.visit
            key(",\"page_views\":")
            if let visit { number(visit.pageViews) } else { key("null") }
            key(",\"is_bot\":")
            if let visit { key(visit.isBot ? "true" : "false") } else { key("null") }
            key(",\"exit_path\":")
            jsonOrNull(f.exitPath)
            key(",\"referrer_host\":")
            jsonOrNull(f.referrerHost)
            key(",\"channel\":")
            if let channel = visit?.channel {
                buffer.append(UInt8(ascii: "\""))
                channelName(channel)
                buffer.append(UInt8(ascii: "\""))
            } else {
                key("null")
            }
            key(",\"utm_source\":")
            jsonOrNull(f.utmSource)
            key(",\"utm_medium\":")
            jsonOrNull(f.utmMedium)
            key(",\"utm_campaign\":")
            jsonOrNull(f.utmCampaign)
            key(",\"browser\":")
            jsonOrNull(f.browser)
            key(",\"os\":")
            jsonOrNull(f.os)
            key(",\"device\":")
            jsonOrNull(f.device)
            key(",\"country\":")
            if f.country == 0 {
                key("null")
            } else {
                buffer.append(UInt8(ascii: "\""))
                appendCountry(f.country)
                buffer.append(UInt8(ascii: "\""))
            }
            key("}\n")
        }
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes out what is buffered.
    public mutating func flush() throws(OutputError) {
        try OutputStream.writeAll(buffer, to: fd)
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func comma() { buffer.append(UInt8(ascii: ",")) }

    private mutating func key(_ s: StaticString) {
        s.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    private mutating func number(_ v: Int64) {
        if v < 0 {
            buffer.append(UInt8(ascii: "-"))
            number(UInt64(bitPattern: 0 &- v))
        } else {
            number(UInt64(v))
        }
    }

    private mutating func number(_ v: UInt64) {
        var value = v
        let start = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
        } while value > 0
        buffer[start...].reverse()
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
    private mutating func csv(_ bytes: ArraySlice<UInt8>) {
        let needsQuotes = bytes.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
        }
        guard needsQuotes else {
            buffer.append(contentsOf: bytes)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for b in bytes {
            buffer.append(b)
            if b == UInt8(ascii: "\"") { buffer.append(b) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private mutating func channelName(_ channel: Visit.Channel) {
        switch channel {
        case .direct: key("direct")
        case .internal: key("internal")
        case .external: key("external")
        }
    }

    /// A string, or `null` when empty.
    /// The two letters of a country (``Fragment/country``); nothing when unknown.
    private mutating func appendCountry(_ country: UInt16) {
        guard country != 0 else { return }
        buffer.append(UInt8(truncatingIfNeeded: country >> 8))
        buffer.append(UInt8(truncatingIfNeeded: country))
    }

    private mutating func jsonOrNull(_ bytes: ArraySlice<UInt8>) {
        if bytes.isEmpty { key("null") } else { json(bytes) }
    }

    private mutating func json(_ bytes: ArraySlice<UInt8>) {
        buffer.append(UInt8(ascii: "\""))
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(b)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                buffer.append(hex[Int(b >> 4)])
                buffer.append(hex[Int(b & 15)])
            default:
                buffer.append(b)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
