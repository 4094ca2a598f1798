/// Turning logged field bytes into text, at the edge of the pipeline (once per session, never per line).
public enum FieldText {
    /// Undoes the web servers' escapes: nginx and Apache `\xHH`, Apache `\"` and `\\`, and the
    /// JSON-style `\"`/`\\` of nginx `escape=json`. A backslash before anything else is kept as written.
    public static func unescape(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
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

    /// Text for bytes that may not be UTF-8: valid UTF-8 is kept, while control characters and bytes
    /// that are not valid UTF-8 are written `\xHH`, so that nothing is lost and the result is printable.
    public static func printable(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        func escape(_ b: UInt8) {
            out.append("\\")
            out.append("x")
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F { escape(b) } else { out.append(Unicode.Scalar(b)) }
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
            if valid, value >= minimum, let scalar = Unicode.Scalar(value), value >= 0xA0 {
                out.append(scalar)
                i += length
            } else {
                escape(b)
                i += 1
            }
        }
        return String(out)
    }

    /// A field as display text: unescaped, then made printable. `-` (no value) gives an empty string.
    public static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.count == 1 && bytes[0] == UInt8(ascii: "-") { return "" }
        return printable(unescape(bytes))
    }
}
