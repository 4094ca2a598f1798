import Sessionizer
import SystemIO
import Tailing

#if canImport(Glibc)
    import Glibc
#endif

extension Daemon {
    /// Reads what is new in every source. With `idleAt`, sources that had nothing new have their event
    /// time moved to that wall-clock time, closing the sessions then over.
    public func pass(idleAt wallClock: Int64? = nil) throws {
        passNumber += 1
        for source in configuration.sources where !stop.stopRequested {
            // Out of the dictionary while it is read, so that it is not copied (and not snapshotted
            // half-way: see `compactJournal`).
            var pipeline = pipelines.removeValue(forKey: source.name)!
            defer { pipelines[source.name] = pipeline }
            let linesBefore = pipeline.statistics.lines
            for match in FileDiscovery.discover(patterns: source.paths, exclude: source.exclude) {
                rotatedSet = match.rotated + [match.path]
                for path in rotatedSet where !stop.stopRequested {
                    do {
                        try read(
                            path, isLive: path == match.path, host: match.host ?? source.host, source: source,
                            into: &pipeline)
                    } catch let error as InputError where error.unsupportedCompression != nil {
                        // Said once per file: it stays what it is until it is rotated away.
                        if refusedFiles.insert(path).inserted { log(.error, "\(error) Its lines are not read.") }
                    } catch let error as InputError where path != match.path {
                        // A rotated file still being compressed reads as truncated gzip: next pass.
                        log(.warning, "\(error) Trying again on the next pass.")
                    }
                }
            }
            try finishDeletedFiles(of: source, into: &pipeline)
            if let wallClock, pipeline.statistics.lines == linesBefore {
                pipeline.advanceTime(to: wallClock)
            }
            let emitted = pipeline.takeFragments()
            if !emitted.isEmpty { pending[source.name, default: []] += emitted }
        }
        reportVanishedFiles()
    }

    private func read(
        _ path: String, isLive: Bool, host: String?, source: Configuration.Source, into pipeline: inout SourcePipeline
    ) throws {
        // Per-host files of one source may start alike: the captured host is part of the file's name.
        let key = host.map { source.name + "\u{0}" + $0 } ?? source.name
        // A file followed already is read through the descriptor it is followed by: the path may name
        // another file the next moment (logrotate), the descriptor never does.
        if let identity = try FileTracker.identity(at: path),
            let tracker = trackers[TrackerKey(key: key, identity: identity)]
        {
            if try tracker.rewind() {
                tracker.path = path
                try read(tracker.file, path: path, finish: false, key: key, host: host, source: source, into: &pipeline)
                return
            }
            trackers[TrackerKey(key: key, identity: identity)] = nil  // gzip after all: opened again
        }
        // One descriptor for the fingerprint and the reading: logrotate may rename the path in between.
        let file: InputFile
        do {
            file = try InputFile(path: path)
        } catch {
            if error.isNotFound { return }  // rotated away since discovery: next pass
            throw error
        }
        try read(
            file, path: path, finish: !isLive && file.isGzip, key: key, host: host, source: source, into: &pipeline)
    }

    /// Reads `file` from its checkpoint; `finish`: to its very end (it will not grow), and marks it
    /// complete. `held`: a followed file since deleted or moved out of sight, which was read before: a
    /// checkpoint with its head is its own (or its compressed copy's), whatever the inode.
    private func read(
        _ file: InputFile, path: String, finish: Bool, held isHeld: Bool = false, key: String, host: String?,
        source: Configuration.Source, into pipeline: inout SourcePipeline
    ) throws {
        let head = try file.readHead()
        let identity = file.fileIdentity
        let tracked = TrackerKey(key: key, identity: identity)
        trackers[tracked]?.lastSeen = passNumber
        // Empty when we looked: nothing to read, and nothing to know it by. Reading on anyway would
        // take lines written since, with no checkpoint to record them under: the next pass would read
        // them again.
        if head.isEmpty { return }
        // Not one whole line yet (a file just created, a copy just begun): nothing to read, and too little
        // to tell what it is by. It is looked at again once a line is whole.
        if !finish && !head.contains(UInt8(ascii: "\n")) { return }
        // Followed from now on (plain files only: gzip files are read once, to their end).
        if !file.isGzip && !finish && trackers[tracked] == nil {
            trackers[tracked] = FileTracker(
                file: file, key: key, source: source.name, host: host, path: path, pass: passNumber)
        }
        let isGzip = file.isGzip
        // The file an entry was read from: followed, it is found by its inode wherever it was renamed to.
        // (After a restart, before it is followed again: in its rotated set, by its inode.)
        let original = { [trackers, rotatedSet] (entry: Checkpoints.Entry) -> InputFile? in
            if let tracker = trackers[TrackerKey(key: key, identity: entry.identity)], tracker.file !== file,
                (try? tracker.rewind()) == true
            {
                return tracker.file
            }
            if let atPath = try? InputFile(path: entry.path), atPath.fileIdentity == entry.identity { return atPath }
            for candidate in rotatedSet where candidate != path {
                if (try? FileTracker.identity(at: candidate)) == entry.identity {
                    return try? InputFile(path: candidate)
                }
            }
            return nil
        }
        let isRotation = { (entry: Checkpoints.Entry, evidence: Checkpoints.Evidence) in
            // A held file was read before under this head: a match is its own (or its copy's) entry.
            (isHeld && evidence == .head)
                || Checkpoints.isRotation(
                    of: entry, path: path, identity: identity, isGzip: isGzip, head: head, evidence: evidence,
                    original: original)
        }
        // Decided once for the whole read: the files may change before it records (see `record`).
        let entry = checkpoints.entry(source: key, head: head, identity: identity, isRotation: isRotation)
        if let entry { present.insert(EntryKey(entry)) }
        if entry?.complete == true { return }
        let start = entry?.offset ?? 0
        // A plain file no longer than what was read has nothing new. One found to be another file's
        // rotation takes that file's checkpoint all the same: the decision is taken now, while the
        // evidence is there (the original not yet renamed or reused), and not again later.
        if !isGzip, let entry, file.sizeOnDisk <= entry.offset {
            if entry.identity != identity {
                checkpoints.record(
                    source: key, head: head, offset: entry.offset, path: path, identity: identity,
                    size: file.sizeOnDisk, replacing: entry)
                checkpointsChanged = true
            }
            return
        }
        filesRead.insert(tracked)
        // The origin names the file by its content, not its name, so that the same events give the
        // same fragment ids however the file was named when read.
        let origin = Origin.source(source.name + "\u{0}") ^ Checkpoints.fingerprint(head)
        var cursor = try pipeline.open(
            file: file, path: path, from: start, host: host, origin: origin, finishPartialLine: finish)
        var last = entry
        var counted = start
        while true {
            let reached: UInt64
            let atEnd: Bool
            do {
                // A piece of a second at most: between pieces, what was read is committed and shipped,
                // and the status shows how far a long catch-up has come.
                (reached, atEnd) = try pipeline.read(
                    &cursor, fragmentLimit: configuration.batchSize,
                    deadline: SystemClock.monotonicMicros() + Daemon.pieceMicros)
                bytesRead += reached > counted ? reached - counted : 0
                counted = reached
            } catch {
                bytesRead += cursor.reached > counted ? cursor.reached - counted : 0
                // What was read before the error (a .gz still being written, say) is in the store:
                // its checkpoint must say so, or the next pass would read it again.
                if cursor.reached != start {
                    checkpoints.record(
                        source: key, head: head, offset: cursor.reached, path: path, identity: identity,
                        size: isGzip ? 0 : file.sizeOnDisk, replacing: last)
                    checkpointsChanged = true
                }
                throw error
            }
            try afterReading?(path)
            let complete = finish && atEnd
            checkpoints.record(
                source: key, head: head, offset: reached, path: path, complete: complete, identity: identity,
                size: isGzip ? 0 : file.sizeOnDisk, replacing: last)
            let recorded = checkpoints.entries.last!
            // A commit only when something a restart needs changed (not for a partial line re-read).
            if last == nil || last!.offset != reached || last!.complete != complete || last!.identity != identity
                || last!.path != path || last!.fingerprint != recorded.fingerprint
            {
                checkpointsChanged = true
            }
            last = recorded
            present.insert(EntryKey(recorded))
            if file.truncatedWhileRead {
                // The read ended where the file stopped being the one checkpointed: its copy holds the
                // rest, and the file as it is now is new.
                file.truncatedWhileRead = false
                truncatedWhileRead += 1
                log(
                    .info,
                    "\(path) was truncated (copytruncate) and written again while it was read, at byte \(reached); the rest is read from its copy, the new content from its start"
                )
                break
            }
            if atEnd || stop.stopRequested { break }
            // A batch of sessions is over in the middle of a large file (catching up, say): commit and
            // ship them now, so that memory stays bounded whatever the backlog.
            let emitted = pipeline.takeFragments()
            if !emitted.isEmpty { pending[source.name, default: []] += emitted }
            pipelines[source.name] = pipeline
            defer { pipeline = pipelines.removeValue(forKey: source.name)! }
            try commitAndShip(force: false)
            betweenPieces()
        }
    }

    /// A followed file deleted is still readable through the descriptor it is followed by: once it
    /// has been missing from its paths for two passes (a rename by logrotate is not a deletion), what
    /// is left in it is read, and it is let go.
    private func finishDeletedFiles(of source: Configuration.Source, into pipeline: inout SourcePipeline) throws {
        for (key, tracker) in trackers where tracker.source == source.name && passNumber - tracker.lastSeen >= 2 {
            // Moved out of sight but not deleted (`olddir`, say): read what is new, as for any log, and
            // keep it until it is deleted.
            let deleted = tracker.isDeleted
            if deleted { trackers[key] = nil }
            guard (try? tracker.rewind()) == true else { continue }
            try read(
                tracker.file, path: tracker.path + (deleted ? " (deleted)" : " (moved)"), finish: deleted, held: true,
                key: tracker.key, host: tracker.host, source: source, into: &pipeline)
        }
    }

    /// Checkpointed files that are not finished and are no longer anywhere under their source's paths
    /// took their unread lines with them (logrotate deleted them before they were read, most likely
    /// while sessiontail was stopped): said loudly, counted, and not said again.
    private func reportVanishedFiles() {
        defer { present = [] }
        // A pass cut short (SIGTERM) did not look everywhere: nothing can be said missing.
        if stop.stopRequested { return }
        let names = Set(configuration.sources.map(\.name))
        var stillMissing: [EntryKey: Int] = [:]
        for entry in checkpoints.entries where !entry.complete && !entry.gone && !present.contains(EntryKey(entry)) {
            let name = entry.source.split(separator: "\u{0}", maxSplits: 1).first.map(String.init) ?? entry.source
            guard names.contains(name) else { continue }
            let misses = (missing[EntryKey(entry)] ?? 0) + 1
            // Logrotate renames a file out of sight for a moment: missing twice in a row is gone (once is
            // enough for what vanished while sessiontail was stopped). A held file is finished instead.
            if misses < (passNumber == 1 ? 1 : 2)
                || trackers.contains(where: { $0.key.identity == entry.identity && $0.value.lastSeen < passNumber })
            {
                stillMissing[EntryKey(entry)] = misses
                continue
            }
            checkpoints.markGone(entry)
            checkpointsChanged = true
            lostFiles += 1
            let why =
                "logrotate deleted it unread, most likely while sessiontail was stopped; keep more rotations"
            if entry.size > entry.offset {
                lostBytes += entry.size - entry.offset
                log(
                    .error,
                    "\(entry.path) is gone before it was read to its end: at least \(entry.size - entry.offset) bytes lost (\(why))"
                )
            } else {
                log(
                    .error,
                    "\(entry.path) is gone (read to byte \(entry.offset)); any lines written to it after that were lost (\(why))"
                )
            }
        }
        missing = stillMissing
    }

    /// A followed file: its source (and host) and its inode.
    struct TrackerKey: Hashable {
        var key: String
        var identity: FileIdentity
    }

    /// A checkpoint entry's file, whatever its offset.
    struct EntryKey: Hashable {
        var source: String
        var fingerprint: UInt64
        var length: Int

        init(_ entry: Checkpoints.Entry) {
            source = entry.source
            fingerprint = entry.fingerprint
            length = entry.fingerprintLength
        }
    }
}
