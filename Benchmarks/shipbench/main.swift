// shipbench: how fast fragments are shipped into PostgreSQL (SPEC §8: ≥ 200 k sessions/s), against a
// plain COPY of the same rows.
//
//     shipbench [--fragments N] [--keys N] [--batch N] [--keep]
//
// Connects through libpq's PG* environment (run it under `pg_virtualenv`). Generates N deterministic
// fragments (default 1 M) over `--keys` (host, ip) keys (default N/5) on 50 hosts, with realistic text
// (landing path ~30 B, referrer ~40 B, user agent ~110 B) and distinct origins; the fragments of one key
// are about an hour apart, so none of them merge with each other. Then:
//
//  1. fresh:   ships the N fragments into a fresh table with `FragmentShipper`, `--batch` per
//              transaction (default 10 000, the agent's default), timed.
//  2. overlap: into another fresh table, first ships N/2 preload fragments, each ending 1–4 minutes
//              (within the 5-minute gap) before one of the N of the same key; then ships the same N,
//              half of which merge with a stored session: only this second step is timed.
//  3. plain:   writes the same N rows as COPY text (`FragmentRows.data`) to a file and times
//              `psql -c "\copy …"` into a table with the same 13 columns as the COPY rows, once with
//              the indexes shipping maintains (the sessions table's (host, start) and (host, ip, end),
//              and the ledger's primary key on fragment_id) and once with no index.
//
// Each step is checked (rows, sum(event_count), sum(bytes), ledger rows, fragments applied) and the
// check is printed; a failed check exits 1. Figures are printed beside the targets with PASS/MISS (a
// miss does not fail). The last line is `RESULT key=value …` for scripts. Tables are named
// `shipbench_*`; they are dropped first, and at the end unless `--keep`.

import PostgresSink
import Sessionizer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Small helpers

/// The COPY text file of step 3, removed on the way out.
nonisolated(unsafe) var copyFile = ""

func fail(_ message: String) -> Never {
    if !copyFile.isEmpty { unlink(copyFile) }
    let text = "shipbench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

func note(_ message: String) {
    let text = "shipbench: \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
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
    if let dot = text.firstIndex(of: "."), !text.contains("e") {
        let have = text.distance(from: text.index(after: dot), to: text.endIndex)
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

func leftPadded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// SplitMix64: deterministic, seedable, fast.
struct Random {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func hash(_ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
    var r = Random(seed: a &* 0x2545_F491_4F6C_DD1D ^ b)
    return r.next()
}

// MARK: - Arguments

let usage = "usage: shipbench [--fragments N] [--keys N] [--batch N] [--keep]"
var fragmentCount = 1_000_000
var keyCount: Int? = nil
nonisolated(unsafe) var batchSize = 10_000
var keep = false
do {
    var arguments = CommandLine.arguments.dropFirst()
    func count(_ name: String) -> Int {
        guard let v = arguments.popFirst(), let n = Int(v), n > 0 else {
            fail("\(name) needs a positive count\n\(usage)")
        }
        return n
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--fragments": fragmentCount = count(argument)
        case "--keys": keyCount = count(argument)
        case "--batch": batchSize = count(argument)
        case "--keep": keep = true
        case "-h", "--help":
            print(usage)
            exit(0)
        default: fail("unknown argument '\(argument)'\n\(usage)")
        }
    }
}
let keys = max(1, keyCount ?? fragmentCount / 5)
let gapMillis: Int64 = 300_000
let agentID = "shipbench-agent"

// MARK: - Deterministic fragments

let hosts: [String] = (0..<50).map { i in
    let names = [
        "techcreator.io", "shop.example.com", "news.example.org", "blog.sample.net", "api.widgets.dev",
        "www.gardenhub.de", "store.bikeparts.fr", "docs.example.com", "forum.retro.games", "media.cdn.example",
    ]
    return i < names.count ? names[i] : "site\(i).\(names[i % names.count])"
}
/// Host of key `k`: skewed, a few hosts carry most keys.
func hostIndex(ofKey k: Int) -> Int {
    let u = Double(hash(UInt64(k), 1) >> 11) / Double(1 << 53)
    return min(49, Int(u * u * 50))
}
/// Client of key `k`: mostly IPv4, some IPv6, a few resolved host names (which stay out of `inet`).
func client(ofKey k: Int) -> String {
    let h = hash(UInt64(k), 2)
    switch h % 100 {
    case 0..<90: return "\(10 + (k >> 24) & 0x3F).\((k >> 16) & 0xFF).\((k >> 8) & 0xFF).\(k & 0xFF)"
    case 90..<98:
        return
            "2001:db8:\(String(h >> 48, radix: 16)):\(String((h >> 32) & 0xFFFF, radix: 16))::\(String(k, radix: 16))"
    default: return "host-\(k).dyn.isp.example.net"
    }
}
let browsers = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.%d.%d Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Safari/605.1.%d",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0 (compatible; build %d; rev %d; en-US)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E%d v%d",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.%d.%d Mobile Safari/537.36",
]
func userAgent(ofKey k: Int) -> String {
    let h = hash(UInt64(k), 3)
    if h % 100 < 3 { return "" }  // "-"
    // Each "%d" of the template becomes a number.
    let parts = browsers[Int(h >> 8) % browsers.count].split(separator: "%", omittingEmptySubsequences: false)
    let values = [Int(h >> 20) % 9000 + 100, Int(h >> 40) % 300]
    var out = String(parts[0])
    for (i, part) in parts.dropFirst().enumerated() { out += String(values[i % values.count]) + part.dropFirst() }
    return out
}
let sections = ["products", "blog", "category", "support", "articles", "shop", "news", "docs"]
let slugs = [
    "garden-tools", "winter-sale", "getting-started", "bike-parts", "release-notes", "how-to-fix", "summer-deals",
]
func path(_ r: inout Random) -> String {
    "/\(sections[r.below(sections.count)])/\(slugs[r.below(slugs.count)])/item-\(r.below(100_000))"
}
let searchTerms = ["garden+tools", "cheap+bike+parts", "swift+tutorial", "winter+jackets", "news+today"]
func referrer(_ r: inout Random, host: String) -> String {
    switch r.below(10) {
    case 0..<2: return ""
    case 2..<6: return "https://www.google.com/search?q=\(searchTerms[r.below(searchTerms.count)])&n=\(r.below(1000))"
    case 6..<8: return "https://\(host)/\(sections[r.below(sections.count)])/page-\(r.below(100_000))"
    default: return "https://news.ycombinator.com/item?id=\(30_000_000 + r.below(10_000_000))"
    }
}

let baseMillis: Int64 = 1_717_200_000_000  // 2024-06-01
let keyHosts = (0..<keys).map { hostIndex(ofKey: $0) }
let keyClients = (0..<keys).map { Array(client(ofKey: $0).utf8) }
let keyAgents = (0..<keys).map { Array(userAgent(ofKey: $0).utf8) }

func makeFragment(key k: Int, start: Int64, end: Int64, events: Int64, origin: UInt64, random r: inout Random)
    -> Fragment
{
    let host = hosts[keyHosts[k]]
    let landing = Array(path(&r).utf8)
    let referrerText = referrer(&r, host: host)
    var fragment = Fragment(
        host: Array(host.utf8), client: keyClients[k], start: start, end: end, eventCount: events,
        bytes: events * Int64(2_000 + r.below(30_000)),
        errorCount: r.below(10) == 0 ? Int64(r.below(Int(events)) + 1) : 0,
        landingPath: landing, referrer: Array(referrerText.utf8), userAgent: keyAgents[k],
        origin: origin, cause: .closed)
    // What a classified visit carries: about half the requests are page views, a fifth of keys are bots'.
    let bot = k % 5 == 0
    let pages = bot ? events : (events + 1) / 2
    let referrerHost = referrerText.split(separator: "/").dropFirst().first.map { Array($0.utf8) } ?? []
    let family = families[k % families.count]
    fragment.setVisit(
        Visit(
            pageViews: pages, isBot: bot, landingAt: start, exitAt: end,
            channel: referrerHost.isEmpty ? .direct : referrerHost == Array(host.utf8) ? .internal : .external),
        text: VisitText(
            landingPath: landing, referrerHost: referrerHost, utmSource: k % 7 == 0 ? Array("newsletter".utf8) : [],
            utmMedium: k % 7 == 0 ? Array("email".utf8) : [], utmCampaign: k % 7 == 0 ? Array("spring-sale".utf8) : [],
            browser: Array(family.browser.utf8), os: Array(family.os.utf8), device: Array(family.device.utf8),
            exitPath: pages > 1 ? Array(path(&r).utf8) : landing))
    fragment.country = countries[k % countries.count]
    return fragment
}

/// Browser, OS and device families as ua-parser names them, and countries, for the visit columns.
let families: [(browser: String, os: String, device: String)] = [
    ("Chrome", "Windows", "Other"), ("Mobile Safari", "iOS", "iPhone"),
    ("Chrome Mobile", "Android", "Generic Smartphone"),
    ("Firefox", "Linux", "Other"), ("Googlebot", "Other", "Spider"), ("Edge", "Windows", "Other"),
]
let countries: [UInt16] = ["US", "DE", "FR", "GB", "IN", "BR"].map { code in
    let bytes = Array(code.utf8)
    return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
}

func events(_ r: inout Random) -> Int64 {
    let u = r.below(100)
    if u < 35 { return 1 }
    if u < 80 { return Int64(2 + r.below(8)) }
    return Int64(10 + r.below(40))
}

let generationStart = now()
/// The N fragments: fragment i is key i % keys, slot i / keys; slots are an hour apart, and a key's
/// fragment starts at the key's offset into the slot plus up to 5 minutes and lasts at most 20:
/// consecutive fragments of a key are ≥ 35 minutes apart, never within the gap.
var fragments: [Fragment] = []
/// One preload fragment for every other fragment: same key, ending 1–4 minutes before it starts and
/// lasting under 8 minutes, so ≥ 23 minutes after the key's previous fragment.
var preload: [Fragment] = []
fragments.reserveCapacity(fragmentCount)
preload.reserveCapacity(fragmentCount / 2 + 1)
do {
    var r = Random(seed: 0x5EED_5417)
    for i in 0..<fragmentCount {
        let k = i % keys
        let slot = i / keys
        let offset = Int64(hash(UInt64(k), 4) % 1_800_000) + Int64(r.below(300_000))
        let start = baseMillis + Int64(slot) * 3_600_000 + offset
        let n = events(&r)
        let duration = n == 1 ? 0 : Int64(r.below(Int(min(n, 20)) * 60_000))
        fragments.append(
            makeFragment(key: k, start: start, end: start + duration, events: n, origin: UInt64(i + 1), random: &r))
        if (k + slot) % 2 == 0 {
            let end = start - 60_000 - Int64(r.below(180_000))
            let m = events(&r)
            let pre = m == 1 ? 0 : Int64(r.below(Int(min(m, 8)) * 60_000))
            preload.append(
                makeFragment(
                    key: k, start: end - pre, end: end, events: m, origin: (1 << 40) + UInt64(i + 1), random: &r))
        }
    }
    // The agent emits a session once it is over: in order of its end, roughly.
    fragments.sort { $0.end != $1.end ? $0.end < $1.end : $0.origin < $1.origin }
    preload.sort { $0.end != $1.end ? $0.end < $1.end : $0.origin < $1.origin }
}
struct Totals: Equatable, CustomStringConvertible {
    var rows = 0
    var events: Int64 = 0
    var bytes: Int64 = 0
    init(rows: Int = 0, events: Int64 = 0, bytes: Int64 = 0) {
        self.rows = rows
        self.events = events
        self.bytes = bytes
    }
    init(_ fragments: [Fragment]) {
        rows = fragments.count
        for f in fragments {
            events += f.eventCount
            bytes += f.bytes
        }
    }
    var description: String { "rows=\(rows) sum(event_count)=\(events) sum(bytes)=\(bytes)" }
}
let fragmentTotals = Totals(fragments)
let preloadTotals = Totals(preload)
var textBytes = 0
var textSizes = (path: 0, referrer: 0, agent: 0)
for f in fragments {
    textSizes.path += f.landingPath.count
    textSizes.referrer += f.referrer.count
    textSizes.agent += f.userAgent.count
}
textBytes = textSizes.path + textSizes.referrer + textSizes.agent
print(
    "shipbench: \(fragmentCount) fragments over \(keys) keys on \(hosts.count) hosts (+ \(preload.count) preload),"
        + " generated in \(fixed(now() - generationStart, 1)) s; average text: path \(textSizes.path / max(1, fragmentCount)) B,"
        + " referrer \(textSizes.referrer / max(1, fragmentCount)) B, user agent \(textSizes.agent / max(1, fragmentCount)) B;"
        + " batch \(batchSize), gap \(gapMillis / 1000) s")

// MARK: - Database

func connect() -> PostgresConnection {
    do {
        return try PostgresConnection(conninfo: "")
    } catch {
        fail("\(error) (run under pg_virtualenv, or set PG* variables)")
    }
}
nonisolated(unsafe) let db = connect()
func sql(_ text: String) -> QueryResult {
    do {
        return try db.execute(text)
    } catch {
        fail("\(error)\n  in: \(text)")
    }
}
func value(_ text: String) -> String { sql(text).rows.first?.first.flatMap { $0 } ?? "" }
let serverVersion = value("SHOW server_version")
print(
    "shipbench: PostgreSQL \(serverVersion); shared_buffers \(value("SHOW shared_buffers")), work_mem \(value("SHOW work_mem")),"
        + " fsync \(value("SHOW fsync")), synchronous_commit \(value("SHOW synchronous_commit"))")

let freshTable = try! SessionTable("shipbench_fresh")
let overlapTable = try! SessionTable("shipbench_overlap")
let plainTable = "shipbench_plain"
let plainBareTable = "shipbench_plain_noidx"

func dropAll() {
    var statements = "DROP TABLE IF EXISTS \(plainTable), \(plainBareTable);"
    for t in [freshTable, overlapTable] {
        statements += "DROP TABLE IF EXISTS \(t.quoted), \(t.appliedQuoted) CASCADE;"
    }
    _ = sql(statements)
    if value("SELECT to_regclass('sessiontail_schema') IS NOT NULL") == "t" {
        _ = sql("DELETE FROM sessiontail_schema WHERE table_name IN ('\(freshTable.name)', '\(overlapTable.name)')")
    }
}
dropAll()

func totals(_ table: SessionTable) -> (Totals, ledger: Int) {
    let row = sql("SELECT count(*), COALESCE(sum(event_count), 0), COALESCE(sum(bytes), 0) FROM \(table.quoted)").rows[
        0]
    let ledger = Int(value("SELECT count(*) FROM \(table.appliedQuoted)")) ?? -1
    return (Totals(rows: Int(row[0]!)!, events: Int64(row[1]!)!, bytes: Int64(row[2]!)!), ledger)
}

nonisolated(unsafe) var failures = 0
func check(_ what: String, _ ok: Bool, _ detail: String) {
    print("  check \(what): \(ok ? "ok" : "FAILED"): \(detail)")
    if !ok { failures += 1 }
}

/// Ships `list` in batches; returns the seconds taken and the fragments applied.
func ship(_ list: [Fragment], into table: SessionTable) -> (seconds: Double, applied: Int, batches: Int) {
    let shipper = FragmentShipper(
        conninfo: "", table: table, gapMillis: gapMillis, agentID: agentID)
    do {
        try shipper.connect()  // schema and staging tables: not part of the time
    } catch {
        fail("cannot connect the shipper: \(error)")
    }
    _ = sql("CHECKPOINT")
    let start = now()
    var applied = 0
    var index = 0
    do {
        while index < list.count {
            let end = min(index + batchSize, list.count)
            applied += try shipper.ship(Array(list[index..<end])) { failure in
                note(failure.description)
                return FragmentShipper.waitAndRetry(failure)
            }
            index = end
        }
    } catch {
        fail("shipping into \(table) failed: \(error)")
    }
    let seconds = now() - start
    if shipper.retries > 0 { note("\(shipper.retries) retries shipping into \(table)") }
    return (seconds, applied, shipper.shippedBatches)
}

// MARK: 1. Fresh table

print("\n== 1. fresh: \(fragmentCount) fragments into an empty table, \(batchSize) per transaction")
let fresh = ship(fragments, into: freshTable)
let freshRate = Double(fragmentCount) / fresh.seconds
print("  \(fixed(fresh.seconds, 2)) s, \(fresh.batches) transactions: \(fixed(freshRate / 1000, 1)) k sessions/s")
do {
    let (got, ledger) = totals(freshTable)
    check("sessions", got == fragmentTotals, "\(got) (expected \(fragmentTotals): no fragment merges)")
    check(
        "ledger", ledger == fragmentCount && fresh.applied == fragmentCount,
        "\(ledger) fragment ids, \(fresh.applied) applied (expected \(fragmentCount))")
    // Exactly once: the first batch again changes nothing.
    let again = ship(Array(fragments.prefix(batchSize)), into: freshTable)
    let (after, _) = totals(freshTable)
    check("re-ship first batch", again.applied == 0 && after == got, "\(again.applied) applied, \(after)")
}

// MARK: 2. Half overlapping

print("\n== 2. overlap: \(preload.count) preload fragments, then the \(fragmentCount) of which \(preload.count) merge")
let pre = ship(preload, into: overlapTable)
print(
    "  preload: \(fixed(pre.seconds, 2)) s (\(fixed(Double(preload.count) / pre.seconds / 1000, 1)) k sessions/s, not counted)"
)
do {
    let (got, _) = totals(overlapTable)
    check("preload sessions", got == preloadTotals, "\(got) (expected \(preloadTotals))")
}
let overlap = ship(fragments, into: overlapTable)
let overlapRate = Double(fragmentCount) / overlap.seconds
print("  \(fixed(overlap.seconds, 2)) s, \(overlap.batches) transactions: \(fixed(overlapRate / 1000, 1)) k sessions/s")
do {
    let (got, ledger) = totals(overlapTable)
    // Every preload fragment merges into its fragment: as many sessions as fragments, all the events.
    let expected = Totals(
        rows: fragmentCount, events: fragmentTotals.events + preloadTotals.events,
        bytes: fragmentTotals.bytes + preloadTotals.bytes)
    check("sessions", got == expected, "\(got) (expected \(expected))")
    check(
        "ledger", ledger == fragmentCount + preload.count && overlap.applied == fragmentCount,
        "\(ledger) fragment ids, \(overlap.applied) applied (expected \(fragmentCount + preload.count), \(fragmentCount))"
    )
    let merged =
        Int(
            value(
                """
                SELECT count(*) FROM \(overlapTable.quoted) s
                WHERE EXISTS (
                    SELECT 1 FROM \(freshTable.quoted) f WHERE f.host = s.host AND f.ip = s.ip
                      AND f.session_end = s.session_end AND f.session_start > s.session_start)
                """)) ?? -1
    check(
        "merged sessions", merged == preload.count,
        "\(merged) sessions start earlier than their fragment (expected \(preload.count))")
}

// MARK: 3. Plain COPY by psql

/// Runs `argv` (found on PATH) and waits; returns its exit status. The corresponding C functions are
/// `posix_spawnp` and `waitpid`.
func run(_ argv: [String]) -> Int32 {
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var pid = pid_t()
    let spawned = posix_spawnp(&pid, argv[0], nil, nil, &cArgs, environ)
    guard spawned == 0 else { fail("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { fail("waitpid: \(String(cString: strerror(errno)))") }
    }
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}

print("\n== 3. plain: the same \(fragmentCount) rows as COPY text, psql \\copy")
do {
    var rows = FragmentRows(agentID: agentID)
    let encodeStart = now()
    for f in fragments { rows.append(f) }
    let encodeSeconds = now() - encodeStart
    var template = Array(((getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp") + "/shipbench.XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { fail("cannot create a temporary file: \(String(cString: strerror(errno)))") }
    copyFile = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    var written = 0
    rows.data.withUnsafeBytes { buffer in
        while written < buffer.count {
            let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
            if n <= 0 { fail("cannot write \(copyFile): \(String(cString: strerror(errno)))") }
            written += n
        }
    }
    close(fd)
    print(
        "  \(copyFile): \(fixed(Double(written) / 1_048_576, 1)) MiB, \(rows.count) rows; encoding them"
            + " (FragmentRows.append, part of each shipping time above) took \(fixed(encodeSeconds, 2)) s")
}

let columnTypes = """
    fragment_id uuid, agent_id text, host text, ip text, client inet, start_ms bigint, end_ms bigint,
    event_count bigint, bytes bigint, error_count bigint, landing_path text, referrer text, user_agent text,
    page_views bigint, is_bot boolean, exit_path text, referrer_host text, channel text, utm_source text,
    utm_medium text, utm_campaign text, browser text, os text, device text, first_path text, landing_ms bigint,
    exit_ms bigint, country text
    """
_ = sql(
    """
    CREATE TABLE \(plainTable) (\(columnTypes));
    ALTER TABLE \(plainTable) ADD PRIMARY KEY (fragment_id);
    CREATE INDEX \(plainTable)_host_start ON \(plainTable) (host, start_ms);
    CREATE INDEX \(plainTable)_key_end ON \(plainTable) (host, ip, end_ms);
    CREATE TABLE \(plainBareTable) (\(columnTypes));
    """)

func plainCopy(into table: String) -> Double {
    _ = sql("CHECKPOINT")
    let start = now()
    let status = run([
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
        "\\copy \(table) (\(FragmentRows.columns)) FROM '\(copyFile)'",
    ])
    let seconds = now() - start
    if status != 0 { fail("psql \\copy into \(table) failed (exit \(status))") }
    let row = sql("SELECT count(*), COALESCE(sum(event_count), 0), COALESCE(sum(bytes), 0) FROM \(table)").rows[0]
    let got = Totals(rows: Int(row[0]!)!, events: Int64(row[1]!)!, bytes: Int64(row[2]!)!)
    check("\(table)", got == fragmentTotals, "\(got) (expected \(fragmentTotals))")
    return seconds
}
let plainSeconds = plainCopy(into: plainTable)
let plainRate = Double(fragmentCount) / plainSeconds
print(
    "  with the same indexes (pkey fragment_id, (host, start_ms), (host, ip, end_ms)): \(fixed(plainSeconds, 2)) s, \(fixed(plainRate / 1000, 1)) k rows/s"
)
let bareSeconds = plainCopy(into: plainBareTable)
let bareRate = Double(fragmentCount) / bareSeconds
print("  no index: \(fixed(bareSeconds, 2)) s, \(fixed(bareRate / 1000, 1)) k rows/s")

if !keep { dropAll() }

// MARK: - Summary

func verdict(_ ok: Bool) -> String { ok ? "PASS" : "MISS" }
print("\n== Summary: shipping \(fragmentCount) fragments, batches of \(batchSize), PostgreSQL \(serverVersion)")
print("\(padded("measure", 44)) \(leftPadded("value", 22))   \(padded("target", 10)) verdict")
func row(_ measure: String, _ value: String, _ target: String, _ verdictText: String) {
    print("\(padded(measure, 44)) \(leftPadded(value, 22))   \(padded(target, 10)) \(verdictText)")
}
row(
    "ship, fresh table (sessions/s)", "\(fixed(freshRate / 1000, 1)) k (\(fixed(fresh.seconds, 2)) s)", "≥ 200 k",
    verdict(freshRate >= 200_000))
row(
    "ship, 50 % overlapping (sessions/s)", "\(fixed(overlapRate / 1000, 1)) k (\(fixed(overlap.seconds, 2)) s)",
    "≥ 200 k", verdict(overlapRate >= 200_000))
row("plain \\copy, same indexes (rows/s)", "\(fixed(plainRate / 1000, 1)) k (\(fixed(plainSeconds, 2)) s)", "", "")
row("plain \\copy, no index (rows/s)", "\(fixed(bareRate / 1000, 1)) k (\(fixed(bareSeconds, 2)) s)", "", "")
row(
    "fresh / plain (same indexes)", "\(fixed(freshRate / plainRate, 2))×", "≥ 0.5×",
    verdict(freshRate >= 0.5 * plainRate))
row(
    "overlap / plain (same indexes)", "\(fixed(overlapRate / plainRate, 2))×", "≥ 0.5×",
    verdict(overlapRate >= 0.5 * plainRate))
row("fresh / plain (no index)", "\(fixed(freshRate / bareRate, 2))×", "", "")
row("correctness checks", failures == 0 ? "all passed" : "\(failures) failed", "all", failures == 0 ? "PASS" : "FAIL")
print(
    "RESULT fragments=\(fragmentCount) batch=\(batchSize) fresh_per_s=\(Int(freshRate)) overlap_per_s=\(Int(overlapRate))"
        + " plain_per_s=\(Int(plainRate)) plain_noindex_per_s=\(Int(bareRate))"
        + " fresh_ratio=\(fixed(freshRate / plainRate, 3)) overlap_ratio=\(fixed(overlapRate / plainRate, 3))"
        + " checks_failed=\(failures)")
unlink(copyFile)
exit(failures == 0 ? 0 : 1)
