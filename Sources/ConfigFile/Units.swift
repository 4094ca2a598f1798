/// Parsing of the durations (`5m`, `60s`, `1500ms`, `1h`) and sizes (`64MiB`, `1GiB`, `512KB`) used on
/// the command line and in the configuration.
public enum Units {
    /// Milliseconds in a duration such as `300`, `300s`, `5m`, `1h30m`, `1500ms`, `1d`. A bare number is
    /// seconds. Returns `nil` for anything else (negative, empty, unknown unit, overflow).
    public static func durationMillis(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var total: Int64 = 0
        var i = 0
        while i < bytes.count {
            var value: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = s
                i += 1
            }
            guard i > start else { return nil }
            let unitStart = i
            while i < bytes.count, !(bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")) { i += 1 }
            let unit = String(decoding: bytes[unitStart..<i], as: UTF8.self)
            let scale: Int64
            switch unit {
            case "ms": scale = 1
            case "", "s": scale = 1_000
            case "m", "min": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            default: return nil
            }
            if unit.isEmpty && (start != 0 || i != bytes.count) { return nil }
            let (product, o1) = value.multipliedReportingOverflow(by: scale)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// Bytes in a size such as `64MiB`, `1GiB`, `512KiB`, `10MB` (powers of 1000), or a bare number of
    /// bytes. Returns `nil` for anything else.
    public static func bytes(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        var i = 0
        var value = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = s
            i += 1
        }
        guard i > 0 else { return nil }
        let scale: Int
        switch String(decoding: bytes[i...], as: UTF8.self) {
        case "", "B": scale = 1
        case "KiB": scale = 1 << 10
        case "MiB": scale = 1 << 20
        case "GiB": scale = 1 << 30
        case "TiB": scale = 1 << 40
        case "kB", "KB": scale = 1_000
        case "MB": scale = 1_000_000
        case "GB": scale = 1_000_000_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    /// A size as the configuration writes it: `64MiB`, `32KiB`, or bytes.
    public static func describe(bytes: Int) -> String {
        if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30)GiB" }
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes)"
    }
}
