/// Decoding and formatting of request times. All times are milliseconds since the Unix epoch, UTC.
public enum Timestamp {
    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    @inlinable
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date for a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inlinable
    static func digit(_ b: UInt8) -> Int? {
        let d = b &- UInt8(ascii: "0")
        return d < 10 ? Int(d) : nil
    }

    @inlinable
    static func number(_ p: UnsafeRawBufferPointer, _ at: Int, _ width: Int) -> Int? {
        var value = 0
        for i in at..<(at + width) {
            guard let d = digit(p[i]) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// Month number (1…12) of an English three-letter abbreviation, any case.
    @inlinable
    static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10  // oct
        case 0x6E_6F76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }

    @inlinable
    static func valid(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Bool {
        guard month >= 1, month <= 12, day >= 1, hour <= 23, minute <= 59, second <= 60 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let length: Int
        switch month {
        case 2: length = leap ? 29 : 28
        case 4, 6, 9, 11: length = 30
        default: length = 31
        }
        return day <= length
    }

    /// Parses the access-log time `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`, Apache `%t` without
    /// its brackets), applying the offset. Returns `nil` unless the text is exactly that shape.
    @inlinable
    public static func parseCommonLog(_ p: UnsafeRawBufferPointer) -> Int64? {
        guard p.count == 26, p[2] == UInt8(ascii: "/"), p[6] == UInt8(ascii: "/"), p[11] == UInt8(ascii: ":"),
            p[14] == UInt8(ascii: ":"), p[17] == UInt8(ascii: ":"), p[20] == UInt8(ascii: " "),
            let day = number(p, 0, 2), let month = month(p[3], p[4], p[5]), let year = number(p, 7, 4),
            let hour = number(p, 12, 2), let minute = number(p, 15, 2), let second = number(p, 18, 2),
            let offset = parseOffset(p, 21, colon: false),
            valid(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Int64(seconds) * 1_000
    }

    /// Parses `+hhmm` / `-hhmm` (or `+hh:mm` when `colon`) at `at` to seconds east of UTC.
    @inlinable
    static func parseOffset(_ p: UnsafeRawBufferPointer, _ at: Int, colon: Bool) -> Int? {
        let sign: Int
        switch p[at] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        guard let hours = number(p, at + 1, 2) else { return nil }
        let minuteAt = colon ? at + 4 : at + 3
        if colon && p[at + 3] != UInt8(ascii: ":") { return nil }
        guard let minutes = number(p, minuteAt, 2), hours <= 23, minutes <= 59 else { return nil }
        return sign * (hours * 3_600 + minutes * 60)
    }

    /// Parses ISO 8601 as nginx writes `$time_iso8601` (`2025-07-15T20:29:43+00:00`); also accepts `Z`,
    /// an offset without colon, and a fraction of a second (kept to the millisecond).
    @inlinable
    public static func parseISO8601(_ p: UnsafeRawBufferPointer) -> Int64? {
        guard p.count >= 20, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
            p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: " "), p[13] == UInt8(ascii: ":"),
            p[16] == UInt8(ascii: ":"),
            let year = number(p, 0, 4), let month = number(p, 5, 2), let day = number(p, 8, 2),
            let hour = number(p, 11, 2), let minute = number(p, 14, 2), let second = number(p, 17, 2),
            valid(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        var i = 19
        var millis = 0
        if p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",") {
            i += 1
            var scale = 100
            let start = i
            while i < p.count, let d = digit(p[i]) {
                millis += d * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        guard i < p.count else { return nil }
        let offset: Int
        if p[i] == UInt8(ascii: "Z") || p[i] == UInt8(ascii: "z") {
            guard i + 1 == p.count else { return nil }
            offset = 0
        } else if p.count - i == 6, let o = parseOffset(p, i, colon: true) {
            offset = o
        } else if p.count - i == 5, let o = parseOffset(p, i, colon: false) {
            offset = o
        } else {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Int64(seconds) * 1_000 + Int64(millis)
    }

    /// Parses nginx `$msec` (`1752611383.123`: seconds since the epoch with a millisecond fraction).
    @inlinable
    public static func parseEpochSeconds(_ p: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var seconds: Int64 = 0
        while i < p.count, let d = digit(p[i]) {
            guard i < 12 else { return nil }
            seconds = seconds * 10 + Int64(d)
            i += 1
        }
        guard i > 0 else { return nil }
        var millis: Int64 = 0
        if i < p.count {
            guard p[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < p.count, let d = digit(p[i]) {
                millis += Int64(d) * scale
                scale /= 10
                i += 1
            }
            guard i == p.count, i > start else { return nil }
        }
        return seconds * 1_000 + millis
    }

    /// Parses an integer count of milliseconds since the epoch (Apache `%{msec}t`).
    @inlinable
    public static func parseEpochMillis(_ p: UnsafeRawBufferPointer) -> Int64? {
        guard p.count > 0, p.count <= 15 else { return nil }
        var value: Int64 = 0
        for b in p {
            guard let d = digit(b) else { return nil }
            value = value * 10 + Int64(d)
        }
        return value
    }

    /// Appends a time as ISO 8601 UTC (see ``iso8601(millis:)``) without building a `String`.
    public static func appendISO8601(millis: Int64, to out: inout [UInt8]) {
        let ms = Int(((millis % 1_000) + 1_000) % 1_000)
        let totalSeconds = Int((millis - Int64(ms)) / 1_000)
        let days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
        let secondOfDay = totalSeconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func two(_ v: Int) {
            out.append(UInt8(ascii: "0") + UInt8(v / 10))
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
        }
        if year >= 0 && year <= 9999 {
            two(year / 100)
            two(year % 100)
        } else {
            out.append(contentsOf: String(year).utf8)
        }
        out.append(UInt8(ascii: "-"))
        two(month)
        out.append(UInt8(ascii: "-"))
        two(day)
        out.append(UInt8(ascii: "T"))
        two(secondOfDay / 3_600)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay % 60)
        if ms != 0 {
            out.append(UInt8(ascii: "."))
            out.append(UInt8(ascii: "0") + UInt8(ms / 100))
            two(ms % 100)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Formats a time as ISO 8601 UTC: `2025-07-15T20:29:43Z`, with `.123` only when the milliseconds
    /// are not zero.
    public static func iso8601(millis: Int64) -> String {
        var out: [UInt8] = []
        appendISO8601(millis: millis, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
