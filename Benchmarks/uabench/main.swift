// uabench: what classifying user agents costs (UserAgents.UserAgentClassifier over ua-parser's regexes).
//
//     uabench [--rules PATH] [--repeat N] [--log FILE]… [--uap-tests FILE]… [--generated N]
//             [--no-jit] [--deny-write-execute] [--print] [--check]
//
// User agents come from combined-format logs (--log; default: data/real/*.log), from uap-core's test files
// (--uap-tests, the `user_agent_string:` entries; default: those Debian installs under
// /usr/share/uap-core), and --generated N variants of the real ones with other version numbers (default
// 2000). Printed: start-up (reading the rules, building the classifier, the first user agent; and, for
// comparison, what JIT-compiling every pattern up front costs), the cost per distinct user agent with every
// pattern tried in turn and with the prefilter (best of --repeat runs, after a warm-up that JIT-compiles
// what is used), the cost per line of a cache hit and the allocations it makes (counted by
// Benchmarks/MallocCounter), and resident memory. Times are this thread's CPU time: the machine is shared.
// The last line is `RESULT key=value …` for scripts.
//
// --no-jit turns the JIT off; --deny-write-execute first makes this process unable to map memory both
// writable and executable (prctl PR_SET_MDWE, what systemd's MemoryDenyWriteExecute=yes amounts to), so
// that the JIT fails and the interpreter runs. --print writes `isBot<TAB>browser<TAB>os<TAB>device<TAB>ua`
// per distinct user agent instead of timing; --check compares the prefilter's results with plain
// first-match on every user agent and fails on a difference.

import AccessLog
import MallocCounter
import UserAgents

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    let text = "uabench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

/// CPU time of this thread in seconds: the machine is shared, and wall-clock time would count the other
/// processes' turns. The corresponding C function is `clock_gettime`.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Monotonic wall-clock time in seconds.
func wallClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: "."), !text.contains("e") {
        let have = text.distance(from: text.index(after: dot), to: text.endIndex)
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    if fd < 0 { fail("cannot read \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { fail("cannot read \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}

func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    bytes.split(separator: 10, omittingEmptySubsequences: false).map { line in
        line.last == 13 ? line.dropLast() : line
    }
}

/// The user agents of a combined-format log, as the parser delimits them.
func userAgents(ofLog path: String) -> [[UInt8]] {
    let parser = LineParser(plan: try! LogFormat.preset(named: "combined").plan)
    var parsed = ParsedLine()
    var out: [[UInt8]] = []
    for line in lines(readFile(path)) {
        Array(line).withUnsafeBytes { raw in
            if parser.parse(raw, into: &parsed) == nil {
                out.append(Array(parsed.userAgent.slice(of: raw)))
            }
        }
    }
    return out
}

/// The `user_agent_string: '…'` values of a uap-core test file.
func userAgents(ofUAPTests path: String) -> [[UInt8]] {
    let marker = Array("user_agent_string: ".utf8)
    var out: [[UInt8]] = []
    for line in lines(readFile(path)) {
        let text = Array(line)
        guard let start = text.firstRange(of: marker)?.upperBound, start < text.count else { continue }
        let quote = text[start]
        var value: [UInt8] = []
        if quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
            var i = start + 1
            while i < text.count {
                if text[i] == quote {
                    if quote == UInt8(ascii: "'") && i + 1 < text.count && text[i + 1] == quote {
                        value.append(quote)
                        i += 2
                        continue
                    }
                    break
                }
                if quote == UInt8(ascii: "\"") && text[i] == UInt8(ascii: "\\") && i + 1 < text.count {
                    i += 1
                }
                value.append(text[i])
                i += 1
            }
        } else {
            value = Array(text[start...])
        }
        out.append(value)
    }
    return out
}

/// Deterministic variants of `seeds`: the same user agents with other version numbers, as traffic brings.
func generated(from seeds: [[UInt8]], count: Int) -> [[UInt8]] {
    guard !seeds.isEmpty else { return [] }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var out: [[UInt8]] = []
    for k in 0..<count {
        let seed = seeds[k % seeds.count]
        var variant: [UInt8] = []
        for b in seed {
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") && next() % 3 == 0 {
                variant.append(UInt8(ascii: "0") + UInt8(next() % 10))
            } else {
                variant.append(b)
            }
        }
        out.append(variant)
    }
    return out
}

func distinct(_ uas: [[UInt8]]) -> [[UInt8]] {
    var seen = Set<[UInt8]>()
    return uas.filter { seen.insert($0).inserted }
}

// MARK: - arguments

let usage = """
    usage: uabench [--rules PATH] [--repeat N] [--log FILE]… [--uap-tests FILE]… [--generated N]
                   [--no-jit] [--deny-write-execute] [--print] [--check]
    """
var rulesPath = UserAgentRules.debianPath
var repeats = 3
var logs: [String] = []
var uapTests: [String] = []
var generatedCount = 2000
var usesJIT = true
var denyWriteExecute = false
var printOnly = false
var check = false
do {
    var arguments = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let v = arguments.popFirst() else { fail("\(name) needs a value\n\(usage)") }
        return v
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--rules": rulesPath = value(argument)
        case "--repeat":
            guard let n = Int(value(argument)), n > 0 else { fail("--repeat needs a count\n\(usage)") }
            repeats = n
        case "--log": logs.append(value(argument))
        case "--uap-tests": uapTests.append(value(argument))
        case "--generated":
            guard let n = Int(value(argument)), n >= 0 else { fail("--generated needs a count\n\(usage)") }
            generatedCount = n
        case "--no-jit": usesJIT = false
        case "--deny-write-execute": denyWriteExecute = true
        case "--print": printOnly = true
        case "--check": check = true
        case "-h", "--help":
            print(usage)
            exit(0)
        default: fail("unexpected argument '\(argument)'\n\(usage)")
        }
    }
}
if logs.isEmpty && uapTests.isEmpty {
    logs = [
        "data/real/elastic-examples_apache_logs.log", "data/real/jul-yahi_biggersample.log",
    ]
    uapTests = [
        "/usr/share/uap-core/tests/test_ua.yaml", "/usr/share/uap-core/tests/test_os.yaml",
        "/usr/share/uap-core/tests/test_device.yaml",
        "/usr/share/uap-core/test_resources/firefox_user_agent_strings.yaml",
        "/usr/share/uap-core/test_resources/opera_mini_user_agent_strings.yaml",
        "/usr/share/uap-core/test_resources/pgts_browser_list.yaml",
        "/usr/share/uap-core/test_resources/podcasting_user_agent_strings.yaml",
        "/usr/share/uap-core/test_resources/additional_os_tests.yaml",
    ]
}

if denyWriteExecute {
    // PR_SET_MDWE = 65, PR_MDWE_REFUSE_EXEC_GAIN = 1 (Linux 6.3); inherited, and not to be undone. prctl is
    // variadic, which Swift does not import: call it through a pointer with its five integer arguments.
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { fail("no prctl") }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    if prctl(65, 1, 0, 0, 0) != 0 {
        fail("prctl(PR_SET_MDWE) failed: \(String(cString: strerror(errno))) (Linux 6.3 or later is needed)")
    }
}

// MARK: - start-up

let rssBefore = residentMiB()
let t0 = now()
let rules: UserAgentRules
do {
    rules = try UserAgentRules.load(path: rulesPath)
} catch {
    fail(error.description)
}
let t1 = now()
@MainActor
func makeClassifier(prefilter: Bool, cache: Int = 16_384) -> UserAgentClassifier {
    do {
        return try UserAgentClassifier(
            rules: rules, options: .init(cacheCapacity: cache, usesPrefilter: prefilter, usesJIT: usesJIT))
    } catch {
        fail(error.description)
    }
}
let startupClassifier = makeClassifier(prefilter: true)
let t2 = now()
let firstUA = Array(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
        .utf8)
let firstClass = firstUA.withUnsafeBytes { startupClassifier.classify(uaBytes: $0) }
let t3 = now()
let rssAfterStartup = residentMiB()

// MARK: - inputs

var logUAs: [[UInt8]] = []
for path in logs { logUAs += userAgents(ofLog: path) }
let realDistinct = distinct(logUAs)
var testUAs: [[UInt8]] = []
for path in uapTests { testUAs += userAgents(ofUAPTests: path) }
let testDistinct = distinct(testUAs).filter { !Set(realDistinct).contains($0) }
let generatedDistinct = distinct(generated(from: realDistinct, count: generatedCount)).filter {
    !Set(realDistinct).contains($0)
}
let all = distinct(realDistinct + testDistinct + generatedDistinct)

if printOnly {
    let classifier = makeClassifier(prefilter: true)
    var out = ""
    for ua in all {
        let c = ua.withUnsafeBytes { classifier.classify(uaBytes: $0) }
        out += "\(c.isBot)\t\(classifier.family(c.browser))\t\(classifier.family(c.os))\t"
        out += "\(classifier.family(c.device))\t\(String(decoding: ua, as: UTF8.self))\n"
    }
    out += "# jit: \(classifier.isJITActive ? "on" : "off (\(classifier.jitUnavailableReason ?? ""))")\n"
    print(out, terminator: "")
    exit(0)
}

if check {
    let plain = makeClassifier(prefilter: false)
    let filtered = makeClassifier(prefilter: true)
    var differences = 0
    for ua in all {
        let a = ua.withUnsafeBytes { plain.classify(uaBytes: $0) }
        let b = ua.withUnsafeBytes { filtered.classify(uaBytes: $0) }
        let same =
            a.isBot == b.isBot && plain.family(a.browser) == filtered.family(b.browser)
            && plain.family(a.os) == filtered.family(b.os) && plain.family(a.device) == filtered.family(b.device)
        if !same {
            differences += 1
            if differences <= 20 { print("differs: \(String(decoding: ua, as: UTF8.self))") }
        }
    }
    print("check: \(all.count) user agents, \(differences) differ between plain first-match and the prefilter")
    exit(differences == 0 ? 0 : 1)
}

// MARK: - cost per distinct user agent

struct Run {
    var seconds: Double
    var regexRuns: Int
    var allocations: Int
}

/// Every user agent of `set` classified as new (a one-entry cache), best of `repeats` runs after a warm-up
/// run that JIT-compiles the patterns used. Also returns the warm-up's time (compilation included).
@MainActor
func perDistinct(_ set: [[UInt8]], prefilter: Bool) -> (best: Run, cold: Double) {
    let classifier = makeClassifier(prefilter: prefilter, cache: 1)
    var checksum = 0
    let coldStart = now()
    for ua in set { checksum &+= Int(ua.withUnsafeBytes { classifier.classify(uaBytes: $0) }.device.rawValue) }
    let cold = now() - coldStart
    var best = Run(seconds: .infinity, regexRuns: 0, allocations: 0)
    for _ in 0..<repeats {
        let runsBefore = classifier.statistics.regexRuns
        let allocationsBefore = Int(sessiontail_allocation_count())
        let start = now()
        for ua in set { checksum &+= Int(ua.withUnsafeBytes { classifier.classify(uaBytes: $0) }.os.rawValue) }
        let seconds = now() - start
        if seconds < best.seconds {
            best = Run(
                seconds: seconds, regexRuns: classifier.statistics.regexRuns - runsBefore,
                allocations: Int(sessiontail_allocation_count()) - allocationsBefore)
        }
    }
    if checksum == 42 { print("") }  // keeps the work
    return (best, cold)
}

print("== uabench: \(rules.userAgentParsers.count) browser, \(rules.osParsers.count) OS, ", terminator: "")
print("\(rules.deviceParsers.count) device rules from \(rulesPath)")
print(
    "  JIT: \(startupClassifier.isJITActive ? "on" : "off (\(startupClassifier.jitUnavailableReason ?? ""))")")
print("  start-up: rules read in \(fixed((t1 - t0) * 1e3, 1)) ms, classifier built in \(fixed((t2 - t1) * 1e3, 1)) ms,")
print(
    "            first user agent (\(startupClassifier.family(firstClass.browser))) in "
        + "\(fixed((t3 - t2) * 1e3, 2)) ms; total \(fixed((t3 - t0) * 1e3, 1)) ms")
print(
    "  user agents: \(realDistinct.count) distinct in the logs, \(testDistinct.count) more from uap-core's tests, "
        + "\(generatedDistinct.count) generated; \(all.count) in all")

// What compiling everything up front would cost: a classifier without prefilter, on a user agent that no
// rule matches, runs (so JIT-compiles) every pattern.
let t5 = now()
let eagerClassifier = makeClassifier(prefilter: false)
let withoutPrefilterSeconds = now() - t5
let t4 = now()
_ = Array("x".utf8).withUnsafeBytes { eagerClassifier.classify(uaBytes: $0) }
let eagerSeconds = now() - t4
print(
    "            (running every pattern once, which JIT-compiles them all: "
        + "\(fixed(eagerSeconds * 1e3, 1)) ms, \(eagerClassifier.statistics.jitCompiledPatterns) compiled)")
print(
    "            (building it without the prefilter, so compiling the patterns alone: "
        + "\(fixed(withoutPrefilterSeconds * 1e3, 1)) ms)")
print("  memory: \(fixed(rssBefore, 1)) MiB resident before, \(fixed(rssAfterStartup, 1)) MiB after start-up")

var result = "RESULT startup_ms=\(fixed((t3 - t0) * 1e3, 2)) jit=\(startupClassifier.isJITActive ? 1 : 0)"
let sets: [(String, String, [[UInt8]])] = [
    ("real", "logs", realDistinct), ("uap", "uap-core tests", testDistinct),
    ("generated", "generated", generatedDistinct), ("all", "all", all),
]
for (key, name, set) in sets where !set.isEmpty {
    let plain = perDistinct(set, prefilter: false)
    let filtered = perDistinct(set, prefilter: true)
    let plainUs = plain.best.seconds / Double(set.count) * 1e6
    let filteredUs = filtered.best.seconds / Double(set.count) * 1e6
    print("  \(name) (\(set.count) distinct):")
    print(
        "    every pattern in turn: \(fixed(plainUs, 1)) µs per user agent, "
            + "\(fixed(Double(plain.best.regexRuns) / Double(set.count), 0)) patterns run; first pass "
            + "\(fixed(plain.cold * 1e3, 0)) ms")
    print(
        "    prefilter:             \(fixed(filteredUs, 1)) µs per user agent, "
            + "\(fixed(Double(filtered.best.regexRuns) / Double(set.count), 1)) patterns run; first pass "
            + "\(fixed(filtered.cold * 1e3, 0)) ms; "
            + "\(fixed(Double(filtered.best.allocations) / Double(set.count), 2)) allocations")
    result += " \(key)_plain_us=\(fixed(plainUs, 2)) \(key)_prefilter_us=\(fixed(filteredUs, 2))"
}

// MARK: - cache hits

if !logUAs.isEmpty {
    let classifier = makeClassifier(prefilter: true)
    for ua in realDistinct { _ = ua.withUnsafeBytes { classifier.classify(uaBytes: $0) } }
    // The log's lines in order, back to back, as a parser would hand them over.
    var buffer: [UInt8] = []
    var ranges: [Range<Int>] = []
    for ua in logUAs {
        ranges.append(buffer.count..<(buffer.count + ua.count))
        buffer += ua
    }
    var best = Double.infinity
    var checksum = 0
    let rounds = max(1, 2_000_000 / logUAs.count)
    var allocations = 0
    buffer.withUnsafeBytes { raw in
        for _ in 0..<repeats {
            let start = now()
            let allocationsBefore = Int(sessiontail_allocation_count())
            for _ in 0..<rounds {
                for r in ranges {
                    checksum &+= Int(
                        classifier.classify(uaBytes: UnsafeRawBufferPointer(rebasing: raw[r])).browser.rawValue)
                }
            }
            best = min(best, now() - start)
            allocations = max(allocations, Int(sessiontail_allocation_count()) - allocationsBefore)
        }
    }
    if checksum == 42 { print("") }
    let ns = best / Double(rounds * ranges.count) * 1e9
    let hits = classifier.statistics
    print(
        "  cache hit: \(fixed(ns, 1)) ns per line (\(ranges.count) lines of the logs, \(rounds) rounds; "
            + "\(hits.cacheMisses) misses, \(hits.cacheEntries) cached)")
    print(
        "  allocations on the hit path: \(allocations) in \(rounds * ranges.count) lines "
            + "(the counter saw \(sessiontail_allocation_count()) in the whole run)")
    result += " hit_ns=\(fixed(ns, 1)) hit_allocations=\(allocations)"
}
print("  memory: \(fixed(residentMiB(), 1)) MiB resident at the end")
print(result)

/// Resident memory of this process in MiB, from /proc/self/statm.
func residentMiB() -> Double {
    let text = String(decoding: readFile("/proc/self/statm"), as: UTF8.self)
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
