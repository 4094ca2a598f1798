/// Numbers for people: `1.2k`, `3.4 MiB`.
public enum Quantity {
    /// A number with at most one decimal: `12`, `12.3`.
    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    /// A rate or count with at most one decimal and a k/M suffix.
    public static func compact(_ value: Double) -> String {
        if value >= 999_950 { return oneDecimal(value / 1_000_000) + "M" }
        if value >= 999.95 { return oneDecimal(value / 1_000) + "k" }
        return oneDecimal(value)
    }

    /// Bytes in B, KiB, MiB or GiB.
    public static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(value)
        var unit = 0
        while v >= 1024 && unit < units.count - 1 {
            v /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : compact(v) + " " + units[unit]
    }
}
