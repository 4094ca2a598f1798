// libFuzzer target for write-ahead log recovery and for the decoders of what the daemon keeps in it.
//
// Input: a control byte, then data.
// - Control bit 7 clear (log mode): the data is one or more segment files back to back (it is cut before
//   each later `sessWAL` header, at most 4 segments), written into an empty directory as
//   `wal-<16 hex>.log`, each named after the sequence of its first record (as the log names them;
//   upper-case hex when bit 1 is set; when bit 2 is set, segments after the first whose name starts
//   with `0` have a `+` there, which makes them no segments of the log). Bit 0 rewrites every record's
//   CRC first, so that the fuzzer reaches what lies behind the checksum. The log is opened: it must
//   throw a JournalError exactly when
//   a reference reading says the directory is not a log, and otherwise recover exactly the reference's
//   records. Two records are appended (a new segment begun between them when the first fills the
//   segment) and the log reopened: it must hold the recovered records and the two new ones, whole.
//   The recovered records go through the daemon's state recovery (`DaemonJournal.recover`).
// - Control bit 7 set (decoder mode): the data is a record payload, decoded as a snapshot, as a commit
//   after a snapshot and as a shipped record, as serialized fragments, and as a checkpoint file. They
//   must throw or return nil, never trap; what decodes must encode back to the same.
//
// Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address -parse-as-library`, together with
// Sources/Agent/DaemonJournal.swift (internal to the Agent module, which needs libpq).

import Journal
import Sessionizer
import Tailing

#if canImport(Glibc)
    import Glibc
#endif

let magic = Array("sessWAL".utf8)

/// Writes to standard error (the C `stderr` is shared mutable state to Swift 6).
func printError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress!, $0.count) }
}

func fail(_ message: String) -> Never {
    printError("invariant broken: \(message)\n")
    abort()
}

// MARK: - Files

/// A scratch directory for the process, on tmpfs when there is one (the log calls fsync).
let scratch: String = {
    var base = "/tmp"
    if let t = getenv("TMPDIR") { base = String(cString: t) }
    if access("/dev/shm", W_OK) == 0 { base = "/dev/shm" }
    var template = Array("\(base)/sessiontail-fuzz-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        fail("cannot create a scratch directory in \(base)")
    }
    let path = String(cString: made)
    atexit {
        emptyDirectory(scratch + "/wal")
        rmdir(scratch + "/wal")
        rmdir(scratch)
    }
    return path
}()

func emptyDirectory(_ path: String) {
    guard let dir = opendir(path) else { return }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(dir)
    for name in names { unlink(path + "/" + name) }
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
    guard fd >= 0 else { fail("cannot write \(path)") }
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            guard n > 0 else { fail("cannot write \(path)") }
            done += n
        }
    }
    close(fd)
}

// MARK: - Segments

func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

func get64(_ b: [UInt8], _ at: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
    return v
}

/// The data cut before each later segment header.
func segments(_ data: ArraySlice<UInt8>) -> [[UInt8]] {
    var starts = [data.startIndex]
    var i = data.startIndex + 1
    while i + magic.count <= data.endIndex && starts.count < 4 {
        if data[i..<(i + magic.count)].elementsEqual(magic) {
            starts.append(i)
            i += magic.count
        } else {
            i += 1
        }
    }
    return starts.indices.map { k in
        Array(data[starts[k]..<(k + 1 < starts.count ? starts[k + 1] : data.endIndex)])
    }
}

/// Rewrites the CRC of every record whose length fits in the segment.
func fixChecksums(_ segment: inout [UInt8]) {
    var p = 8
    while segment.count - p >= 17 {
        let length = Int(get32(segment, p))
        guard segment.count - p - 17 >= length else { return }
        let end = p + 17 + length
        let crc = segment.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(p + 8)..<end])) }
        for i in 0..<4 { segment[p + 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        p = end
    }
}

func hex16(_ v: UInt64, upper: Bool) -> String {
    let digits = String(v, radix: 16, uppercase: upper)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

// MARK: - Reference reading

enum Expected {
    /// The directory is not a log this version reads.
    case refused
    /// These records, and whether anything was dropped.
    case records([WriteAheadLog.Record], damaged: Bool)
}

/// What recovery must find in `files` (sorted by first sequence), written from the format's description.
func reference(_ files: [(first: UInt64, bytes: [UInt8])]) -> Expected {
    var out: [WriteAheadLog.Record] = []
    var expected: UInt64? = nil
    for (index, file) in files.enumerated() {
        if file.first >= 1 << 63 { return .refused }  // no sequence the log reaches
        let b = file.bytes
        if b.count < 8 || !b.starts(with: magic) {
            // A segment created but whose header was never written: it holds nothing.
            if index == files.count - 1 && b.count < 8 && magic.starts(with: b.prefix(7)) { continue }
            return .refused
        }
        if b[7] > WriteAheadLog.formatVersion { return .refused }
        if let expected, file.first != expected { return .records(out, damaged: true) }
        var p = 8
        var sequence = file.first
        while p < b.count {
            guard b.count - p >= 17 else { return .records(out, damaged: true) }
            let length = Int(get32(b, p))
            guard length <= 1 << 30, b.count - p - 17 >= length else { return .records(out, damaged: true) }
            let end = p + 17 + length
            let crc = b.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(p + 8)..<end])) }
            guard crc == get32(b, p + 4), get64(b, p + 8) == sequence else { return .records(out, damaged: true) }
            out.append(WriteAheadLog.Record(sequence: sequence, kind: b[p + 16], payload: Array(b[(p + 17)..<end])))
            p = end
            sequence &+= 1
        }
        expected = sequence
    }
    return .records(out, damaged: false)
}

// MARK: - Log mode

func fuzzLog(control: UInt8, data: ArraySlice<UInt8>) {
    let directory = scratch + "/wal"
    emptyDirectory(directory)
    mkdir(directory, 0o750)

    var byFirst: [UInt64: [UInt8]] = [:]
    var previous: UInt64? = nil
    for (index, var segment) in segments(data).enumerated() {
        if control & 1 != 0 { fixChecksums(&segment) }
        let first = segment.count >= 24 ? get64(segment, 16) : (previous.map { $0 &+ 1 } ?? 1)
        previous = first
        let name = hex16(first, upper: control & 2 != 0)
        if control & 4 != 0 && index > 0 && name.hasPrefix("0") {
            writeFile(directory + "/wal-+" + name.dropFirst() + ".log", segment)  // not a segment name
            continue
        }
        byFirst[first] = segment  // a later segment of the same name replaces the earlier one
        writeFile(directory + "/wal-" + name + ".log", segment)
    }
    let files = byFirst.sorted { $0.key < $1.key }.map { (first: $0.key, bytes: $0.value) }
    let expected = reference(files)

    let recovered: [WriteAheadLog.Record]
    let sequences: [UInt64]
    do {
        let log = try WriteAheadLog(directory: directory, segmentLimit: 64)
        guard case .records(let records, let damaged) = expected else {
            fail("a directory that is not a log was opened")
        }
        if log.recovered != records {
            fail("recovered \(log.recovered.map(\.sequence)) where the log holds \(records.map(\.sequence))")
        }
        if log.damage.isEmpty == damaged { fail("damage reported as \(log.damage) for a log damaged: \(damaged)") }
        if let last = records.last, log.nextSequence != last.sequence &+ 1 {
            fail("next sequence \(log.nextSequence) after record \(last.sequence)")
        }
        recovered = records
        let next = log.nextSequence
        do {
            let a = try log.append(kind: control >> 4, payload: [control])
            if log.needsNewSegment { try log.startSegment() }
            let b = try log.append(kind: 2, payload: Array(data.prefix(40)))
            try log.sync()
            if a != next || b != next &+ 1 { fail("appended as \(a), \(b) where \(next) was next") }
            sequences = [a, b]
        } catch {
            fail("cannot append to a recovered log: \(error)")
        }
    } catch {
        guard case .refused = expected else { fail("a readable log was refused: \(error)") }
        if error.description.isEmpty { fail("an error without a description") }
        return
    }

    let appended = [
        WriteAheadLog.Record(sequence: sequences[0], kind: control >> 4, payload: [control]),
        WriteAheadLog.Record(sequence: sequences[1], kind: 2, payload: Array(data.prefix(40))),
    ]
    do {
        let reopened = try WriteAheadLog(directory: directory, segmentLimit: 64)
        if !reopened.damage.isEmpty { fail("damage after appending to a recovered log: \(reopened.damage)") }
        if reopened.recovered != recovered + appended {
            fail("reopened with \(reopened.recovered.map(\.sequence)), not \((recovered + appended).map(\.sequence))")
        }
    } catch {
        fail("cannot reopen a log just appended to: \(error)")
    }

    // The daemon's state from what was recovered: an error or a state, never a trap.
    _ = try? DaemonJournal.recover(recovered, path: directory)
}

// MARK: - Decoder mode

func fuzzDecoders(_ payload: [UInt8]) {
    // Serialized fragments back to back, as a commit lists them; each one read encodes back to its bytes.
    payload.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let start = offset
            guard let fragment = Fragment(serialized: raw, at: &offset) else {
                if offset != start { fail("a fragment that does not decode moved the offset") }
                break
            }
            if offset <= start || offset > raw.count { fail("offset \(offset) after a fragment at \(start)") }
            var again: [UInt8] = []
            fragment.serialize(into: &again)
            if !again.elementsEqual(raw[start..<offset]) { fail("a fragment encodes back to other bytes") }
        }
    }

    // A checkpoint file; what decodes encodes back to the same checkpoints.
    if let checkpoints = try? Checkpoints.decode(payload, path: "fuzz") {
        do {
            let again = try Checkpoints.decode(checkpoints.encoded(), path: "fuzz")
            if again != checkpoints { fail("checkpoints change when written and read back") }
        } catch {
            fail("checkpoints as written cannot be read back: \(error)")
        }
    }

    // The payload as each kind of record, as recovery meets them.
    let empty = DaemonJournal.encodeSnapshot(shippedThrough: 0, checkpoints: Checkpoints(), open: [])
    let cases: [[WriteAheadLog.Record]] = [
        [.init(sequence: 1, kind: DaemonJournal.snapshot, payload: payload)],
        [
            .init(sequence: 1, kind: DaemonJournal.snapshot, payload: empty),
            .init(sequence: 2, kind: DaemonJournal.commit, payload: payload),
        ],
        [
            .init(sequence: 1, kind: DaemonJournal.commit, payload: payload),
            .init(sequence: 2, kind: DaemonJournal.snapshot, payload: empty),
            .init(sequence: 3, kind: DaemonJournal.shipped, payload: payload),
        ],
    ]
    for records in cases {
        guard let state = try? DaemonJournal.recover(records, path: "fuzz") else { continue }
        // A state that was read is written as a snapshot and read back the same.
        let snapshot = DaemonJournal.encodeSnapshot(
            shippedThrough: state.shippedThrough, checkpoints: state.checkpoints,
            open: state.open.map { ($0.key, DaemonJournal.ordered($0.value)) })
        guard
            let again = try? DaemonJournal.recover(
                [.init(sequence: 9, kind: DaemonJournal.snapshot, payload: snapshot)], path: "fuzz")
        else { fail("a snapshot of a recovered state cannot be read back") }
        if again.shippedThrough != state.shippedThrough || again.checkpoints != state.checkpoints
            || again.open.mapValues({ $0.mapValues(\.count) }) != state.open.mapValues({ $0.mapValues(\.count) })
        {
            fail("a snapshot of a recovered state reads back as another state")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let control = input[0]
    if control & 0x80 != 0 {
        fuzzDecoders(Array(input[1...]))
    } else {
        fuzzLog(control: control, data: input[1...])
    }
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<Int32>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> Int32 {
    // `SESSIONTAIL_FUZZ_WRITE_SEEDS=DIR`: write the seed corpus (real segments and payloads) and stop.
    if let dir = getenv("SESSIONTAIL_FUZZ_WRITE_SEEDS") {
        writeSeeds(to: String(cString: dir))
        exit(0)
    }
    _ = scratch
    return 0
}
