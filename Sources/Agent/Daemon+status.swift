import PostgresSink

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

    /// One plain file seen in the last pass.
    public struct FileView: Sendable {
        public var source: String
        public var path: String
        public var offset: UInt64
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

    /// The plain files of the last pass with how far each was read, sorted by source and path.
    public var fileViews: [FileView] {
        seen.map { identity, file in
            // The identity is the source name, a NUL byte and the file's fingerprint.
            let source = identity.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false).first
            return FileView(source: source.map(String.init) ?? "", path: file.path, offset: file.offset, size: file.size)
        }.sorted { ($0.source, $0.path) < ($1.source, $1.path) }
    }

    /// Fragments closed and waiting to be shipped.
    public var outboxCount: Int { outbox.count }

    /// The connection to PostgreSQL in use, for its counters. A reload that changes the database
    /// replaces it (its counts start again).
    public var currentShipper: FragmentShipper { shipper }
}
