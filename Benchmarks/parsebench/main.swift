// parsebench: how fast one core parses access-log lines.
//
//     parsebench --format combined|common|vhost_combined[,…] FILE [--repeat N] [--samples N]
//
// The file (plain or gzip) is read once through `Tailing.LineReader` into memory, one contiguous copy
// with the lines' offsets; then `AccessLog.MultiFormatParser` (of the presets listed, tried in that
// order; with one, what `LineParser` costs) is timed alone over every line, `--repeat` times (best run
// reported), on this thread. Reading and splitting are timed separately, during the
// load, for information. A checksum of the parsed fields is printed so that the work cannot be
// optimised away. The last line of output is `RESULT key=value …` for scripts.

import AccessLog
import Tailing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    let text = "parsebench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

/// Monotonic time in seconds. The corresponding C function is `clock_gettime`.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    // String(Double) may give "1e-05" or too few decimals; pad what is there.
    if let dot = text.firstIndex(of: "."), !text.contains("e") {
        let have = text.distance(from: text.index(after: dot), to: text.endIndex)
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

let usage = "usage: parsebench --format combined|common|vhost_combined[,…] FILE [--repeat N] [--samples N]"

var formatName: String? = nil
var path: String? = nil
var repeats = 3
var samplesPerReason = 0
do {
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--format":
            guard let v = arguments.popFirst() else { fail(usage) }
            formatName = v
        case "--repeat":
            guard let v = arguments.popFirst(), let n = Int(v), n > 0 else { fail("--repeat needs a count\n\(usage)") }
            repeats = n
        case "--samples":
            guard let v = arguments.popFirst(), let n = Int(v), n >= 0 else {
                fail("--samples needs a count\n\(usage)")
            }
            samplesPerReason = n
        case "-h", "--help":
            print(usage)
            exit(0)
        default:
            if argument.hasPrefix("--") || path != nil { fail("unexpected argument '\(argument)'\n\(usage)") }
            path = argument
        }
    }
}
guard let formatName, let path else { fail(usage) }

let parser: MultiFormatParser
do throws(LogFormatError) {
    var formats: [LogFormat] = []
    for name in formatName.split(separator: ",") { formats.append(try LogFormat.preset(named: String(name))) }
    parser = try MultiFormatParser(formats: formats)
} catch {
    fail(error.description)
}

/// The whole file in memory: lines back to back, each followed by `\n`, and where each starts.
struct Corpus {
    var base: UnsafeMutableRawPointer
    var capacity: Int
    var count = 0
    /// Start offset of every line, plus one past the end: line `i` is `starts[i] ..< starts[i+1] - 1`.
    var starts: [Int] = [0]
    var tooLong = 0

    /// `expectedBytes`: the plain size if known, so that the copy is made once, without regrowing.
    init(expectedBytes: Int) {
        capacity = max(64 << 20, expectedBytes + 1)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        starts.reserveCapacity(expectedBytes / 128 + 1)
    }

    mutating func append(_ line: UnsafeRawBufferPointer) {
        if count + line.count + 1 > capacity {
            var newCapacity = capacity * 2
            while count + line.count + 1 > newCapacity { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 64)
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        if let source = line.baseAddress { (base + count).copyMemory(from: source, byteCount: line.count) }
        count += line.count
        base.storeBytes(of: 10, toByteOffset: count, as: UInt8.self)
        count += 1
        starts.append(count)
    }

    var lineCount: Int { starts.count - 1 }
}

// Load: read and split with the product's own reader, then copy.
var fileSize = 0
do {
    var info = stat()
    if stat(path, &info) == 0 { fileSize = Int(info.st_size) }
}
var corpus: Corpus
let loadStart = now()
do {
    let input = try InputFile(path: path)
    // A gzip file holds several times its size; the copy grows as needed.
    corpus = Corpus(expectedBytes: input.isGzip ? fileSize * 4 : fileSize)
    var reader = LineReader(source: input)
    while let line = try reader.next(atEnd: true) {
        switch line {
        case .complete(let bytes): corpus.append(bytes)
        case .tooLong: corpus.tooLong += 1
        }
    }
} catch {
    fail("\(error)")
}
let loadSeconds = now() - loadStart
let lineCount = corpus.lineCount
let byteCount = corpus.count
if lineCount == 0 { fail("\(path) has no lines") }

struct RunResult {
    var seconds: Double
    var events: Int
    var malformed: [Int]
    var checksum: UInt64
}

/// One timed pass of the parser over every line in memory.
func parseAll(_ parser: MultiFormatParser, _ corpus: Corpus) -> RunResult {
    var parsed = ParsedLine()
    var malformed = [Int](repeating: 0, count: MalformedReason.allCases.count)
    var events = 0
    var checksum: UInt64 = 0
    let base = UnsafeRawPointer(corpus.base)
    let start = now()
    corpus.starts.withUnsafeBufferPointer { starts in
        for i in 0..<(starts.count - 1) {
            let lineStart = starts[i]
            let line = UnsafeRawBufferPointer(start: base + lineStart, count: starts[i + 1] - 1 - lineStart)
            if let reason = parser.parse(line, into: &parsed) {
                malformed[Int(reason.rawValue)] += 1
                continue
            }
            events += 1
            // Fold the decoded numbers and every field's position in.
            var h = UInt64(bitPattern: parsed.timeMillis) ^ UInt64(UInt32(bitPattern: parsed.status)) << 48
            h = h &+ UInt64(bitPattern: parsed.bytes)
            h ^= UInt64(truncatingIfNeeded: parsed.client.upperBound &+ parsed.host.upperBound << 8)
            h ^= UInt64(truncatingIfNeeded: parsed.method.upperBound &+ parsed.path.upperBound << 12) << 16
            h ^= UInt64(truncatingIfNeeded: parsed.protocolVersion.lowerBound &+ parsed.referrer.upperBound << 12) << 32
            h ^= UInt64(truncatingIfNeeded: parsed.userAgent.lowerBound &+ parsed.userAgent.upperBound << 12) << 40
            h ^= UInt64(truncatingIfNeeded: parsed.formatIndex << 1 | (parsed.hasExtraFields ? 1 : 0)) << 56
            checksum = (checksum ^ h) &* 0x9E37_79B9_7F4A_7C15
        }
    }
    return RunResult(seconds: now() - start, events: events, malformed: malformed, checksum: checksum)
}

var runs: [RunResult] = []
for _ in 0..<repeats { runs.append(parseAll(parser, corpus)) }
let best = runs.min { $0.seconds < $1.seconds }!
for run in runs where run.checksum != best.checksum || run.events != best.events {
    fail("runs disagree (checksum \(run.checksum) vs \(best.checksum)): the parser is not deterministic")
}

let malformedTotal = best.malformed.reduce(0, +) + corpus.tooLong
var reasons: [String] = []
for reason in MalformedReason.allCases {
    let n = best.malformed[Int(reason.rawValue)] + (reason == .tooLong ? corpus.tooLong : 0)
    if n > 0 { reasons.append("\(reason) \(n)") }
}
let linesPerSecond = Double(lineCount) / best.seconds
let megabytesPerSecond = Double(byteCount) / best.seconds / 1e6
let hexChecksum = String(best.checksum, radix: 16)

print("parsebench: \(path), format \(formatName): \(lineCount) lines, \(fixed(Double(byteCount) / 1e6, 1)) MB")
print(
    "  method: file loaded into memory once through Tailing.LineReader (read + split + copy: "
        + "\(fixed(loadSeconds, 3)) s, \(fixed(Double(lineCount) / loadSeconds / 1e6, 2)) M lines/s); "
        + "parsing timed alone, best of \(repeats) on one thread")
print("  runs: " + runs.map { fixed($0.seconds, 3) + " s" }.joined(separator: ", "))
print(
    "  parse: \(fixed(linesPerSecond / 1e6, 2)) M lines/s, \(fixed(megabytesPerSecond, 0)) MB/s, "
        + "\(fixed(best.seconds * 1e9 / Double(lineCount), 1)) ns/line")
let share = 100 * Double(malformedTotal) / Double(lineCount)
print(
    "  events \(best.events), malformed \(malformedTotal) (\(fixed(share, 3)) %)"
        + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", ")))
// Events per format and with extra fields, outside the timed runs.
do {
    var parsed = ParsedLine()
    var perFormat = [Int](repeating: 0, count: parser.formats.count)
    var extraFields = 0
    let base = UnsafeRawPointer(corpus.base)
    for i in 0..<lineCount {
        let line = UnsafeRawBufferPointer(
            start: base + corpus.starts[i], count: corpus.starts[i + 1] - 1 - corpus.starts[i])
        guard parser.parse(line, into: &parsed) == nil else { continue }
        perFormat[parsed.formatIndex] += 1
        if parsed.hasExtraFields { extraFields += 1 }
    }
    let counts = zip(formatName.split(separator: ","), perFormat).map { "\($0) \($1)" }
    print("  events per format: \(counts.joined(separator: ", ")); with extra fields \(extraFields)")
}
print("  checksum \(hexChecksum)")

// Examples of malformed lines, outside the timed runs.
if samplesPerReason > 0 {
    var parsed = ParsedLine()
    var shown = [Int](repeating: 0, count: MalformedReason.allCases.count)
    let base = UnsafeRawPointer(corpus.base)
    for i in 0..<lineCount {
        let line = UnsafeRawBufferPointer(
            start: base + corpus.starts[i], count: corpus.starts[i + 1] - 1 - corpus.starts[i])
        guard let reason = parser.parse(line, into: &parsed), shown[Int(reason.rawValue)] < samplesPerReason
        else { continue }
        shown[Int(reason.rawValue)] += 1
        let excerpt = FieldText.printable(Array(line.prefix(300)))
        print("  malformed line \(i + 1): \(reason): \(excerpt)")
    }
}

print(
    "RESULT lines=\(lineCount) bytes=\(byteCount) parse_seconds=\(best.seconds) lines_per_s=\(Int(linesPerSecond)) "
        + "mb_per_s=\(fixed(megabytesPerSecond, 1)) events=\(best.events) malformed=\(malformedTotal) "
        + "load_seconds=\(loadSeconds) checksum=\(hexChecksum)")
