/// Turning logged field bytes into display text: escapes undone (as the format's ``FieldEscaping`` says),
/// and the result made valid, printable UTF-8. Done once per session (for its first request), never per
/// line.
public enum FieldText {
    /// Appends `bytes` with the escapes of `escaping` undone.
    ///
    /// - `default`: nginx and Apache `\xHH`, Apache `\"` and `\\`.
    /// - `json`: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX` (written as UTF-8; a lone
    ///   surrogate is kept as written).
    /// - `raw` (`escape=none`): nothing; the bytes are what the client sent.
    ///
    /// A backslash before anything else is kept as written. The result is never longer than `bytes`.
    public static func appendUnescaped(
        _ bytes: UnsafeRawBufferPointer, escaping: FieldEscaping = .default, to out: inout [UInt8]
    ) {
        switch escaping {
        case .default: appendUnescapedDefault(bytes, to: &out)
        case .json: appendUnescapedJSON(bytes, to: &out)
        case .raw: out.append(contentsOf: bytes)
        }
    }

    static func appendUnescapedDefault(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
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

    static func appendUnescapedJSON(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") && i + 1 < n else {
                out.append(b)
                i += 1
                continue
            }
            let simple: UInt8? =
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes[i + 1]
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                default: nil
                }
            if let simple {
                out.append(simple)
                i += 2
                continue
            }
            if bytes[i + 1] == UInt8(ascii: "u") && i + 5 < n, let scalar = hexScalar(bytes, at: i + 2),
                !(0xD800...0xDFFF).contains(scalar)
            {
                // nginx writes only `\u0000`…`\u001F`; any other BMP scalar is turned into its UTF-8 bytes.
                if scalar < 0x80 {
                    out.append(UInt8(scalar))
                } else if scalar < 0x800 {
                    out.append(0xC0 | UInt8(scalar >> 6))
                    out.append(0x80 | UInt8(scalar & 0x3F))
                } else {
                    out.append(0xE0 | UInt8(scalar >> 12))
                    out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                    out.append(0x80 | UInt8(scalar & 0x3F))
                }
                i += 6
                continue
            }
            out.append(b)
            i += 1
        }
    }

    /// The four hex digits at `at` as a number.
    static func hexScalar(_ bytes: UnsafeRawBufferPointer, at start: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in start..<start + 4 {
            guard let digit = hexValue(bytes[k]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// `bytes` with the escapes of `escaping` undone (see ``appendUnescaped(_:escaping:to:)``).
    public static func unescape(_ bytes: UnsafeRawBufferPointer, escaping: FieldEscaping = .default) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        appendUnescaped(bytes, escaping: escaping, to: &out)
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

    /// Appends a logged field as display text: unescaped as `escaping` says (the format's
    /// ``ParsePlan/escaping``), then made printable; `-` (no value) appends nothing. `scratch` is working
    /// space, reused from call to call.
    public static func appendDisplay(
        _ raw: UnsafeRawBufferPointer, escaping: FieldEscaping = .default, to out: inout [UInt8],
        scratch: inout [UInt8]
    ) {
        if raw.count == 1 && raw[0] == UInt8(ascii: "-") { return }
        if !raw.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 >= 0x7F }) {
            out.appendBytes(raw)  // plain printable ASCII, the common case
            return
        }
        if escaping == .raw {
            appendPrintable(raw, to: &out)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        appendUnescaped(raw, escaping: escaping, to: &scratch)
        scratch.withUnsafeBytes { appendPrintable($0, to: &out) }
    }

    /// A logged field as display text (see ``appendDisplay(_:escaping:to:scratch:)``).
    public static func text(_ raw: UnsafeRawBufferPointer, escaping: FieldEscaping = .default) -> String {
        var out: [UInt8] = []
        var scratch: [UInt8] = []
        appendDisplay(raw, escaping: escaping, to: &out, scratch: &scratch)
        return String(decoding: out, as: UTF8.self)
    }
}
