import PostgresSink
import Tailing

#if canImport(Glibc)
import Glibc
#endif

/// Read-only views of the daemon for `sessiontail status` and the metrics: nothing here changes it,
/// and nothing here runs per line.
extension Daemon {
    /// One source as it stands after the last pass.
    public struct SourceView: Sendable {
        public var name: String
        /// Counts since the source's pipeline was created (a reload that changes the source starts
        /// them again; ``DaemonMonitor`` carries them over).
        public var statistics: InputStatistics
        public var openSessions: Int
        public var evictions: Int
        /// The newest event time the source's window store has seen (the wall clock when the source
        /// was idle; see ``DaemonMonitor`` for the last event time proper).
        public var newestTime: Int64?
    }

    /// One plain log file being followed.
    public struct FileView: Sendable {
        public var source: String
        public var path: String
        /// Bytes read and done with.
        public var offset: UInt64
        /// Its size now.
        public var size: UInt64
    }

    /// Every configured source, in configuration order.
    public var sourceViews: [SourceView] {
        configuration.sources.compactMap { source in
            guard let pipeline = pipelines[source.name] else { return nil }
            return SourceView(
                name: source.name, statistics: pipeline.statistics, openSessions: pipeline.openSessions,
                evictions: pipeline.evictions, newestTime: pipeline.newestTime)
        }
    }

    /// The plain files the daemon follows (it keeps each open), with how far each was read and its
    /// size now (an `fstat` each), sorted by source and path.
    public var fileViews: [FileView] {
        var latest: [HeldKey: Checkpoints.Entry] = [:]
        for entry in checkpoints.entries where !entry.gone {
            latest[HeldKey(key: entry.source, identity: entry.identity)] = entry  // the last is the newest
        }
        var views: [FileView] = []
        for (key, file) in held {
            let entry = latest[key]
            var info = stat()
            let size = fstat(file.descriptor, &info) == 0 ? UInt64(max(0, info.st_size)) : entry?.size ?? 0
            views.append(
                FileView(source: file.source, path: entry?.path ?? file.path, offset: entry?.offset ?? 0, size: size))
        }
        return views.sorted { ($0.source, $0.path) < ($1.source, $1.path) }
    }

    /// The connection to PostgreSQL in use, for its counters. A reload that changes the database
    /// replaces it (its counts start again).
    public var currentShipper: FragmentShipper { shipper }
}
