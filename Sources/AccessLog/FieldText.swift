/// Turning logged field bytes into display text: escapes undone, and the result made valid, printable
/// UTF-8. Done once per session (for its first request), never per line.
public enum FieldText {
    /// Appends `bytes` with the web servers' escapes undone: nginx and Apache `\xHH`, Apache `\"` and
    /// `\\` (also nginx `escape=json`). A backslash before anything else is kept as written.
    public static func appendUnescaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let next = bytes[i + 1]
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                    out.append(next)
                    i += 2
                    continue
                }
                if next == UInt8(ascii: "x") && i + 3 < bytes.count, let high = hexValue(bytes[i + 2]),
                    let low = hexValue(bytes[i + 3])
                {
                    out.append(high << 4 | low)
                    i += 4
                    continue
                }
            }
            out.append(b)
            i += 1
        }
    }

    /// `bytes` with escapes undone (see ``appendUnescaped(_:to:)``).
    public static func unescape(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        appendUnescaped(bytes, to: &out)
        return out
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Appends `bytes` as printable UTF-8: valid UTF-8 is kept, while control characters and bytes that
    /// are not valid UTF-8 are written `\xHH`, so that nothing is lost and the result is text.
    public static func appendPrintable(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        func escape(_ b: UInt8) {
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "x"))
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 15)])
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F { escape(b) } else { out.append(b) }
                i += 1
                continue
            }
            let length: Int
            var value: UInt32
            if b & 0xE0 == 0xC0 {
                length = 2
                value = UInt32(b & 0x1F)
            } else if b & 0xF0 == 0xE0 {
                length = 3
                value = UInt32(b & 0x0F)
            } else if b & 0xF8 == 0xF0 {
                length = 4
                value = UInt32(b & 0x07)
            } else {
                escape(b)
                i += 1
                continue
            }
            var valid = i + length <= n
            if valid {
                for k in 1..<length {
                    let c = bytes[i + k]
                    if c & 0xC0 != 0x80 {
                        valid = false
                        break
                    }
                    value = value << 6 | UInt32(c & 0x3F)
                }
            }
            let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            // Overlong forms, surrogates, values past U+10FFFF and C1 controls are not kept as text.
            if valid, value >= minimum, value >= 0xA0, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) {
                for k in 0..<length { out.append(bytes[i + k]) }
                i += length
            } else {
                escape(b)
                i += 1
            }
        }
    }

    /// Text for bytes that may not be UTF-8 (see ``appendPrintable(_:to:)``).
    public static func printable(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        bytes.withUnsafeBytes { appendPrintable($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a logged field as display text: unescaped, then made printable; `-` (no value) appends
    /// nothing. `scratch` is working space, reused from call to call.
    public static func appendDisplay(
        _ raw: UnsafeRawBufferPointer, to out: inout [UInt8], scratch: inout [UInt8]
    ) {
        if raw.count == 1 && raw[0] == UInt8(ascii: "-") { return }
        if !raw.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 >= 0x7F }) {
            out.append(contentsOf: raw)  // plain printable ASCII, the common case
            return
        }
        scratch.removeAll(keepingCapacity: true)
        appendUnescaped(raw, to: &scratch)
        scratch.withUnsafeBytes { appendPrintable($0, to: &out) }
    }

    /// A logged field as display text (see ``appendDisplay(_:to:scratch:)``).
    public static func text(_ raw: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        var scratch: [UInt8] = []
        appendDisplay(raw, to: &out, scratch: &scratch)
        return String(decoding: out, as: UTF8.self)
    }
}
