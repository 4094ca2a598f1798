import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// `state_dir/status.json`: the daemon's ``DaemonStatus``, rewritten at most once a second, read by
/// `sessiontail status`.
public enum StatusFile {
    /// A status file that cannot be read, with what to do.
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public let description: String
        /// The file does not exist: the daemon never ran with this state directory.
        public var missing = false
    }

    /// Writes `status` to `path` through a temporary file and `rename`, so that a reader sees the old
    /// or the new file, never a part. Not synced to disk: it describes the running process only.
    public static func write(_ status: DaemonStatus, to path: String) throws {
        try FileSystem.writeAtomically(try status.json(), to: path, durable: false)
    }

    /// Reads the status the daemon last wrote to `path`.
    public static func read(_ path: String) throws(ReadError) -> DaemonStatus {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 64 << 20)
        } catch {
            if error.isNotFound {
                throw ReadError(
                    description:
                        "\(path) does not exist: sessiontail run has not run with this state directory (see `systemctl status sessiontail`)",
                    missing: true)
            }
            throw ReadError(description: "Cannot read \(path): \(error).")
        }
        do {
            let status = try DaemonStatus.decode(json: bytes)
            guard status.format <= DaemonStatus.currentFormat else {
                throw ReadError(description: "\(path) was written by a newer sessiontail; upgrade sessiontail")
            }
            return status
        } catch let error as ReadError {
            throw error
        } catch {
            throw ReadError(description: "\(path) is not a status file sessiontail can read: \(error)")
        }
    }

    /// Whether the process that wrote `status` still runs: its pid exists and is a sessiontail.
    public static func isRunning(_ status: DaemonStatus) -> Bool {
        guard status.state != .stopped, status.pid > 0 else { return false }
        if kill(status.pid, 0) != 0 && errno != EPERM { return false }
        // The pid may have been reused since: it must still be sessiontail.
        guard let comm = try? FileSystem.readAll("/proc/\(status.pid)/comm", limit: 4096) else { return true }
        return String(decoding: comm, as: UTF8.self).hasPrefix("sessiontail")
    }
}

extension DaemonStatus {
    /// The status for people: a summary, then one row per file.
    public func rendered(running: Bool, now: Int64 = Instant.now().millis) -> String {
        func ago(_ instant: Instant?) -> String {
            guard let instant else { return "never" }
            let seconds = max(0, (now - instant.millis) / 1_000)
            let age: String
            if seconds < 120 {
                age = "\(seconds) s"
            } else if seconds < 7_200 {
                age = "\(seconds / 60) min"
            } else if seconds < 172_800 {
                age = "\(seconds / 3_600) h"
            } else {
                age = "\(seconds / 86_400) d"
            }
            return "\(instant) (\(age) ago)"
        }
        var out = ""
        let what = running ? state.rawValue : "not running"
        out +=
            "sessiontail \(version), agent \(agentID): \(what) (pid \(pid), started \(startedAt), status of \(ago(updatedAt)))\n"
        out += "config:            \(config)\n"
        out += "throughput:        \(Quantity.compact(linesPerSecond)) lines/s; \(linesRead) lines read since start\n"
        out +=
            lagBytes == 0
            ? "lag:               none: every file read to its end\n"
            : "lag:               \(Quantity.bytes(lagBytes)) behind (\(lagBytes) bytes)\n"
        if running, let catchUp = catchUpSummary { out += "behind:            \(catchUp)\n" }
        out += "open sessions:     \(openSessions)\n"
        out += "outbox:            \(outboxFragments) fragments waiting\n"
        if let walBytes {
            out +=
                "write-ahead log:   \(Quantity.bytes(UInt64(walBytes))) on disk, \(walSyncs ?? 0) syncs since start\n"
        }
        out += "last ship:         \(ago(lastShipAt)); \(fragmentsShipped) fragments shipped, \(fragmentsApplied) new\n"
        out += "ship retries:      \(shipRetries) (\(shipErrors) needing an operator)\n"
        out += "errors:            \(errors)"
        if let lastProblem { out += "; last problem \(ago(lastProblem.at)): \(lastProblem.message)" }
        out += "\n"
        if lostBytes > 0 || (lostFiles ?? 0) > 0 {
            out += "lost:              \(lostFiles ?? 0) files disappeared unread, at least \(lostBytes) bytes\n"
        }
        if reloads + reloadsRefused > 0 { out += "reloads:           \(reloads) (\(reloadsRefused) refused)\n" }
        for source in sources where source.forgedClients > 0 {
            out +=
                "forged clients:    \(source.forgedClients) in \(source.name) (not an address in the forwarding header)\n"
        }
        for source in sources where source.dropped.values.contains(where: { $0 > 0 }) {
            let reasons = source.dropped.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            out +=
                "dropped:           \(source.dropped.values.reduce(0, +)) in \(source.name) ("
                + reasons.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")\n"
        }
        for source in sources { if let warning = source.proxyWarning { out += "warning:           \(warning)\n" } }
        if let metricsListen { out += "metrics:           http://\(metricsListen)/metrics\n" }
        out += "\n"
        // While catching up, each file's time left too.
        let showLeft = running && sources.contains { $0.files.contains { $0.catchUpSeconds != nil } }
        var rows: [[String]] = [
            ["SOURCE", "FILE", "OFFSET", "LAG", "LAST EVENT", "EVENTS", "MALFORMED", "OPEN"]
                + (showLeft ? ["LEFT"] : [])
        ]
        for source in sources {
            let malformed = source.malformed.values.reduce(0, +)
            let event = source.lastEventTime?.description ?? "-"
            let counts = ["\(source.events)", "\(malformed)", "\(source.openSessions)"]
            if source.files.isEmpty {
                rows.append([source.name, "(no files)", "-", "-", event] + counts + (showLeft ? ["-"] : []))
            }
            for (i, file) in source.files.enumerated() {
                let left = file.catchUpSeconds.map { "~" + DaemonStatus.duration($0) } ?? "-"
                rows.append(
                    [i == 0 ? source.name : "", file.path, "\(file.offset)", "\(file.lagBytes)", i == 0 ? event : ""]
                        + (i == 0 ? counts : ["", "", ""]) + (showLeft ? [left] : []))
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let numeric: Set<Int> = [2, 3, 5, 6, 7, 8]
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                line += numeric.contains(column) ? padding + cell : cell + padding
                if column < row.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
