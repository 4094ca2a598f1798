import AccessLog

/// A parsed line with its fields as strings, for assertions.
struct Fields: Equatable, CustomStringConvertible {
    var client = ""
    var host = ""
    var time: Int64 = 0
    var method = ""
    var path = ""
    var protocolVersion = ""
    var status: Int32 = 0
    var bytes: Int64 = 0
    var referrer = ""
    var userAgent = ""
    var forwardedFor = ""
    var clientHeader = ""
    var hasExtraFields = false

    var description: String {
        "client=\(client) host=\(host) time=\(time) \(method) \(path) \(protocolVersion) status=\(status) bytes=\(bytes) ref=\(referrer) ua=\(userAgent) xff=\(forwardedFor) header=\(clientHeader) extra=\(hasExtraFields)"
    }
}

enum ParseResult: Equatable {
    case event(Fields)
    case malformed(MalformedReason)
}

func parse(_ line: String, format: LogFormat) -> ParseResult {
    parse(Array(line.utf8), format: format)
}

func parse(_ bytes: [UInt8], format: LogFormat) -> ParseResult {
    let parser = LineParser(plan: format.plan)
    var out = ParsedLine()
    return bytes.withUnsafeBytes { buffer in
        if let reason = parser.parse(buffer, into: &out) { return .malformed(reason) }
        return .event(Fields(out, in: buffer))
    }
}

/// The line parsed by a ``MultiFormatParser`` of `formats`, and the index of the format that read it.
func parse(_ line: String, formats: [LogFormat]) -> (result: ParseResult, format: Int) {
    let parser = try! MultiFormatParser(formats: formats)
    var out = ParsedLine()
    return Array(line.utf8).withUnsafeBytes { buffer in
        if let reason = parser.parse(buffer, into: &out) { return (.malformed(reason), out.formatIndex) }
        return (.event(Fields(out, in: buffer)), out.formatIndex)
    }
}

extension Fields {
    init(_ out: ParsedLine, in buffer: UnsafeRawBufferPointer) {
        func s(_ r: ByteRange) -> String { String(decoding: r.slice(of: buffer), as: UTF8.self) }
        self.init(
            client: s(out.client), host: s(out.host), time: out.timeMillis, method: s(out.method), path: s(out.path),
            protocolVersion: s(out.protocolVersion), status: out.status, bytes: out.bytes, referrer: s(out.referrer),
            userAgent: s(out.userAgent), forwardedFor: s(out.forwardedFor), clientHeader: s(out.clientHeader),
            hasExtraFields: out.hasExtraFields)
    }
}

func preset(_ name: String) -> LogFormat { try! LogFormat.preset(named: name) }

/// 2000-10-10T20:55:36Z, the time of the Apache documentation's example line.
let apacheExampleMillis: Int64 = 971_211_336_000
