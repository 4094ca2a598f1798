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
        /// Said when most of the source's first events came from a handful of addresses.
        public var proxyWarning: String?
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
                evictions: pipeline.evictions, newestTime: pipeline.newestTime,
                proxyWarning: pipeline.proxyWarning(source: source.name, batch: false))
        }
    }

    /// The plain files the daemon follows (it keeps each open), with how far each was read, its size
    /// now (an `fstat` each) and its name now (logrotate renames them: the descriptor's link in
    /// `/proc/self/fd`), sorted by source and path. Paths are unique within a source (a second file
    /// by one name, deleted, say, gets its inode added), as metrics labels must be.
    public var fileViews: [FileView] {
        var latest: [TrackerKey: Checkpoints.Entry] = [:]
        for entry in checkpoints.entries where !entry.gone {
            latest[TrackerKey(key: entry.source, identity: entry.identity)] = entry  // the last is the newest
        }
        var views: [FileView] = []
        var inodes: [UInt64] = []
        for (key, tracker) in trackers {
            let entry = latest[key]
            views.append(
                FileView(
                    source: tracker.source, path: tracker.currentPath ?? entry?.path ?? tracker.path,
                    offset: entry?.offset ?? 0, size: tracker.size))
            inodes.append(key.identity.inode)
        }
        var named: [String: Int] = [:]
        for i in views.indices { named[views[i].source + "\u{0}" + views[i].path, default: 0] += 1 }
        for i in views.indices where named[views[i].source + "\u{0}" + views[i].path]! > 1 {
            views[i].path += " [inode \(inodes[i])]"
        }
        return views.sorted { ($0.source, $0.path) < ($1.source, $1.path) }
    }
}
