import AccessLog
import PostgresSink
import Sessionizer
import Tailing

#if canImport(Glibc)
import Glibc
#endif

/// `sessiontail run --drain`: read every source to its end (rotated and gzipped files included), close
/// all open sessions as at the end of input, ship everything, checkpoint, and stop. A later run resumes
/// from the checkpoints: files are known by a fingerprint of their first bytes, so a file read as
/// `access.log` and since rotated to `access.log.1` or `access.log.2.gz` is resumed, not read again.
public enum Drain {
    /// What a drain did.
    public struct Summary: Sendable {
        public var statistics = InputStatistics()
        public var shipped = 0
        public var applied = 0
        public var filesSkipped = 0
    }

    /// Where the checkpoints live in the state directory.
    public static func checkpointPath(_ configuration: Configuration) -> String {
        configuration.stateDirectory + "/checkpoints"
    }

    public static func run(_ configuration: Configuration, log: @escaping (String) -> Void) throws -> Summary {
        try FileSystem.makeDirectory(configuration.stateDirectory)
        let checkpointPath = checkpointPath(configuration)
        var checkpoints = try Checkpoints.load(path: checkpointPath)
        var summary = Summary()
        // Connect first: a wrong password or gap fails before any reading.
        let shipper = try BatchShipper(
            conninfo: configuration.conninfo, table: configuration.table, gapMillis: configuration.gapMillis,
            agentID: configuration.agentID, batchSize: configuration.batchSize, log: log)
        var seen = Set<String>()
        for source in configuration.sources {
            var batch = try BatchSessionizer(
                options: BatchOptions(
                    format: source.format, host: source.host ?? "-", useForwardedFor: source.clientIP == .xForwardedFor,
                    sessionizer: SessionizerConfiguration(
                        gapMillis: configuration.gapMillis, latenessMillis: configuration.latenessMillis,
                        memoryLimit: configuration.memoryLimit)))
            for match in FileDiscovery.discover(patterns: source.paths, exclude: source.exclude) {
                for path in match.rotated + [match.path] {
                    let head = try InputFile.head(of: path)
                    let start = checkpoints.entry(source: source.name, head: head)?.offset ?? 0
                    let isLive = path == match.path
                    // The origin names the file by its content, not its name, so that a replay after a
                    // rotation gives the same fragment ids.
                    let origin = Origin.source(source.name + "\u{0}") ^ Checkpoints.fingerprint(head)
                    let before = batch.statistics.lines
                    let reached = try batch.read(
                        path: path, from: start, host: match.host ?? source.host, origin: origin,
                        finishPartialLine: !isLive)
                    if batch.statistics.lines == before { summary.filesSkipped += 1 }
                    checkpoints.record(source: source.name, head: head, offset: reached, path: path)
                    seen.insert(path)
                }
            }
            try batch.finish { try shipper.add($0) }
            try shipper.flush()
            summary.statistics.add(batch.statistics)
        }
        summary.shipped = shipper.sessions
        summary.applied = shipper.applied
        // Files gone from disk are forgotten; everything else is where this run left it.
        checkpoints.retain { seen.contains($0.path) }
        try checkpoints.save(path: checkpointPath)
        return summary
    }
}

extension InputStatistics {
    /// Adds another run's counts.
    mutating func add(_ other: InputStatistics) {
        files += other.files
        lines += other.lines
        events += other.events
        for i in malformedByReason.indices { malformedByReason[i] += other.malformedByReason[i] }
        samples += other.samples.prefix(max(0, InputStatistics.sampleLimit - samples.count))
        fragments += other.fragments
        sessions += other.sessions
    }
}
