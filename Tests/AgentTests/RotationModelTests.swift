import Foundation
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

/// Random sequences of what a web server, logrotate and an operator do to a log — writes, rename +
/// create (with a server that writes on to its old descriptor until it reopens), copytruncate with a
/// slow copy, delayed compression that takes a while, deletion of the oldest rotation, stop, start,
/// and crashes in the middle of a read — against the real daemon, in-process, and a model of what
/// must be read: every line exactly once, except lines that logrotate itself may lose (written
/// between copytruncate's copy and its truncation) or that went with a file deleted before it was
/// read, which may be missing but are never counted twice.
///
/// `ROTATION_MODEL_RUNS` and `ROTATION_MODEL_STEPS` make it longer (`make torture`);
/// `ROTATION_MODEL_SEED` replays one run.
@Suite("Rotation model")
struct RotationModelTests {
    static let environment = ProcessInfo.processInfo.environment
    static let runs = Int(environment["ROTATION_MODEL_RUNS"] ?? "") ?? 6
    static let steps = Int(environment["ROTATION_MODEL_STEPS"] ?? "") ?? 250

    @Test func randomSequencesReadEveryLineOnce() throws {
        let seeds: [UInt64] =
            Self.environment["ROTATION_MODEL_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (0..<Self.runs).map { _ in UInt64.random(in: 0..<1_000_000) }
        for seed in seeds {
            let model = try LogModel(seed: seed)
            try model.run(steps: Self.steps)
            let problems = model.check()
            #expect(
                problems.isEmpty,
                "seed \(seed) (ROTATION_MODEL_SEED=\(seed) replays it): \(problems)\n\(model.trace.suffix(40).joined(separator: "\n"))"
            )
            if !problems.isEmpty {
                try? model.trace.joined(separator: "\n").write(
                    toFile: FileManager.default.temporaryDirectory.appendingPathComponent(
                        "rotation-model-\(seed).trace"
                    ).path,
                    atomically: true, encoding: .utf8)
                break
            }
        }
    }
}

/// A crash injected in the middle of a read.
struct InjectedCrash: Error {}

/// The log files as the test made them, the daemon reading them, and what it must have read.
final class LogModel {
    var rng: SplitMix
    let harness: DaemonHarness
    var daemon: Daemon? = nil
    let live: String
    /// Lines of each rotated file (1 = newest), by number; whether it is compressed.
    var rotated: [(lines: [Int], gzip: Bool)] = []
    var liveLines: [Int] = []
    var nextLine = 0
    /// The server writes to the file it opened before the last rename until it reopens.
    var writesToOld = false
    /// A copytruncate under way: bytes of the live file copied so far.
    var copying: Int? = nil
    /// A compression under way: the rotated file's index and the bytes of its .gz still to write.
    var compressing: (index: Int, rest: [UInt8])? = nil
    /// Lines that may be missing (never doubled).
    var mayBeMissing = Set<Int>()
    var crashNextRead = false
    var trace: [String] = []
    static let rotateCount = 6

    init(seed: UInt64) throws {
        rng = SplitMix(seed: seed)
        harness = try DaemonHarness()
        live = harness.path("access.log")
        try harness.writeConfig(
            sources: [harness.source("web", file: "access.log")],
            more: "session:\n  lateness: 0s\npostgres:\n  batch_size: 50\n  batch_age: 0s")
        FileManager.default.createFile(atPath: live, contents: nil)
    }

    func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
    func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    func path(_ index: Int, gzip: Bool) -> String { live + ".\(index)" + (gzip ? ".gz" : "") }

    static func line(_ n: Int) -> String {
        let t = 13 * 3_600 + n
        let time = String(format: "%02d:%02d:%02d", t / 3_600, t / 60 % 60, t % 60)
        return
            "10.\(n >> 16).\((n >> 8) & 255).\(n & 255) - - [10/Oct/2025:\(time) +0000] \"GET /p/\(n) HTTP/1.1\" 200 100 \"-\" \"model\"\n"
    }

    static func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        precondition(fd >= 0, "cannot open \(path)")
        let bytes = Array(text.utf8)
        precondition(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
    }

    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    // MARK: What the server and logrotate do

    func write(_ count: Int) {
        let numbers = Array(nextLine..<(nextLine + count))
        nextLine += count
        let text = numbers.map(LogModel.line).joined()
        if writesToOld, !rotated.isEmpty, !rotated[0].gzip {
            LogModel.append(text, to: path(1, gzip: false))
            rotated[0].lines += numbers
        } else {
            LogModel.append(text, to: live)
            liveLines += numbers
        }
        trace.append(
            "write \(count) (lines \(numbers.first!)…\(numbers.last!))\(writesToOld ? " to the old file" : "")")
    }

    /// .N → .N+1 for every rotated file, the oldest beyond the count deleted.
    func shift() {
        finishCompression()
        if rotated.count == LogModel.rotateCount {
            let oldest = rotated.removeLast()
            unlink(path(LogModel.rotateCount, gzip: oldest.gzip))
            mayBeMissing.formUnion(oldest.lines)
            trace.append("delete .\(LogModel.rotateCount)")
        }
        for index in stride(from: rotated.count, through: 1, by: -1) {
            let gzip = rotated[index - 1].gzip
            precondition(rename(path(index, gzip: gzip), path(index + 1, gzip: gzip)) == 0)
        }
    }

    /// Starts compressing .2 (delaycompress): the .gz is written in two steps, the plain file removed
    /// after.
    func startCompression() {
        guard rotated.count >= 2, !rotated[1].gzip else { return }
        let plain = path(2, gzip: false)
        let temporary = harness.path("compressing")
        precondition(system("gzip -c '\(plain)' > '\(temporary)'") == 0)
        let bytes = [UInt8](FileManager.default.contents(atPath: temporary)!)
        unlink(temporary)
        let first = pick(bytes.count)
        FileManager.default.createFile(atPath: path(2, gzip: true), contents: Data(bytes[..<first]))
        compressing = (2, Array(bytes[first...]))
        trace.append("compress .2: \(first) of \(bytes.count) bytes")
    }

    func finishCompression() {
        guard let (index, rest) = compressing else { return }
        let fd = open(path(index, gzip: true), O_WRONLY | O_APPEND)
        precondition(fd >= 0)
        _ = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        unlink(path(index, gzip: false))
        rotated[index - 1].gzip = true
        compressing = nil
        trace.append("compress .\(index): done")
    }

    func rotateByRename() {
        guard copying == nil else { return }
        shift()
        precondition(rename(live, path(1, gzip: false)) == 0)
        FileManager.default.createFile(atPath: live, contents: nil)
        rotated.insert((liveLines, false), at: 0)
        liveLines = []
        writesToOld = chance(50)
        trace.append("rotate: rename + create\(writesToOld ? ", the server writes on to the old file" : "")")
        startCompression()
    }

    /// One step of a slow copytruncate: the copy goes on a piece; the last step truncates.
    func copytruncateStep(last forced: Bool = false) {
        if copying == nil {
            writesToOld = false
            shift()
            FileManager.default.createFile(atPath: path(1, gzip: false), contents: nil)
            rotated.insert(([], false), at: 0)
            copying = 0
            trace.append("copytruncate: copy begins")
            startCompression()
        }
        let source = [UInt8](FileManager.default.contents(atPath: live)!)
        let done = copying!
        let last = forced || chance(40)
        let end = last ? source.count : min(source.count, done + 1 + pick(4_096))
        LogModel.append(String(decoding: source[done..<end], as: UTF8.self), to: path(1, gzip: false))
        copying = end
        trace.append("copytruncate: copied to \(end) of \(source.count)")
        guard last else { return }
        // Lines the server writes between the end of the copy and the truncation are lost by
        // logrotate itself (unless the daemon read them from the live file in time).
        if chance(30) {
            let before = liveLines.count
            let saved = writesToOld
            writesToOld = false
            write(1 + pick(3))
            writesToOld = saved
            mayBeMissing.formUnion(liveLines[before...])
        }
        let copiedLines = source[..<end].filter { $0 == 10 }.count
        rotated[0].lines = Array(liveLines[..<copiedLines])
        truncate(live, 0)
        liveLines = []
        copying = nil
        trace.append("copytruncate: truncated")
    }

    // MARK: What the daemon does

    func start() throws {
        guard daemon == nil else { return }
        let started = try harness.daemon()
        daemon = started
        trace.append("start")
    }

    func pass() throws {
        guard let daemon else { return }
        // logrotate may act in the middle of a read, between a piece and its checkpoint: above all the
        // truncation between reading the live file and recording how far it was read.
        var truncateDuringRead = copying != nil && chance(15)
        daemon.afterReading = { [unowned self] path in
            if self.crashNextRead {
                self.crashNextRead = false
                throw InjectedCrash()
            }
            if truncateDuringRead && path == self.live {
                truncateDuringRead = false
                self.trace.append("(during the read of \(path))")
                self.copytruncateStep(last: true)
            }
        }
        let linesBefore = daemon.totals.lines
        do {
            try daemon.pass()
            try daemon.commitAndShip(force: chance(30))
            let entries = daemon.checkpoints.entries.map {
                "\($0.path.split(separator: "/").last!)#\($0.identity.inode)@\($0.offset)\($0.complete ? "c" : "")~\(String($0.fingerprint, radix: 16).prefix(4))"
            }
            trace.append("pass: \(daemon.totals.lines - linesBefore) lines; \(entries.joined(separator: " "))")
        } catch is InjectedCrash {
            self.daemon = nil
            trace.append("crash in the middle of a read")
        }
    }

    func stop() throws {
        guard let daemon else { return }
        try daemon.commitAndShip(force: true)
        self.daemon = nil
        trace.append("stop")
    }

    func kill() {
        guard daemon != nil else { return }
        daemon = nil
        trace.append("kill")
    }

    func run(steps: Int) throws {
        try start()
        for _ in 0..<steps {
            switch pick(100) {
            case 0..<30: write(1 + pick(40))
            case 30..<52: try pass()
            case 52..<60: rotateByRename()
            case 60..<70: copytruncateStep()
            case 70..<75: finishCompression()
            case 75..<80: writesToOld = false
            case 80..<84: try stop()
            case 84..<88: kill()
            case 88..<91: crashNextRead = true
            default: try start()
            }
        }
        // The end: logrotate finishes what it began, the daemon reads everything and drains.
        while copying != nil { copytruncateStep() }
        finishCompression()
        try start()
        crashNextRead = false
        for _ in 0..<3 { try pass() }
        try daemon!.closeAll()
        try daemon!.commitAndShip(force: true)
        trace.append("drain")
    }

    /// Lines read other than once: never twice; missing only where logrotate may lose them.
    func check() -> [String] {
        var counts = [Int: Int64]()
        for (client, events) in harness.table.eventsByClient() {
            let parts = client.split(separator: " ")[1].split(separator: ".").compactMap { Int($0) }
            counts[(parts[1] << 16) | (parts[2] << 8) | parts[3], default: 0] += events
        }
        var problems: [String] = []
        for n in 0..<nextLine {
            let count = counts[n] ?? 0
            if count > 1 { problems.append("line \(n) read \(count) times") }
            if count == 0 && !mayBeMissing.contains(n) { problems.append("line \(n) never read") }
        }
        return Array(problems.prefix(20))
    }
}
