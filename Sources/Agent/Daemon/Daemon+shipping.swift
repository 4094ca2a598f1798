import Journal
import Operations
import PostgresSink
import Sessionizer

extension Daemon {
    /// Commits what the passes since the last commit did (durably: `fdatasync`), then ships the
    /// outbox when it is full (``Configuration/batchSize`` fragments, or its share of `limits.memory`)
    /// or old enough (or when `force`d, or when the write-ahead log is over its disk cap). A batch is
    /// at most `batchSize` fragments and at most half the shipping share of the memory: its rows,
    /// encoded for COPY, take about as much again. Transient failures are retried until they pass; permanent ones slowly, with a
    /// message each time. A stop request (and, with `interruptOnReload`, a reload request) ends the
    /// retrying: the error is thrown, and what waits stays committed, to be shipped later.
    public func commitAndShip(force: Bool, interruptOnReload: Bool = false) throws {
        try commit()
        let count = outbox.reduce(0) { $0 + $1.fragments.count }
        let age = outboxSince.map { clock() - $0 } ?? 0
        // Over the disk cap, what waits goes now: shipping is what lets the log shrink.
        let overDisk = journal.diskBytes > configuration.diskLimit
        let budget = Daemon.shippingMemory(configuration) / 2
        guard !outbox.isEmpty,
            force || overDisk || count >= configuration.batchSize || outboxBytes >= budget
                || age >= configuration.batchAgeMillis
        else {
            return
        }
        while let (sequence, agentID, fragments) = outbox.first {
            // Fragment ids derive from the agent id they were committed under: keep it.
            let through: any FragmentSink
            if agentID == sink.agentID {
                through = sink
            } else {
                through = formerSinks[agentID] ?? makeSink(configuration, agentID)
                formerSinks[agentID] = through
            }
            var start = 0
            while start < fragments.count {
                var end = start
                var bytes = 0
                while end < fragments.count && end - start < configuration.batchSize && (bytes < budget || end == start)
                {
                    bytes += fragments[end].memoryEstimate
                    end += 1
                }
                let retriesBefore = through.retries
                appliedFragments += try through.ship(
                    Array(fragments[start..<end]), retryPermanent: true,
                    afterFailure: { failure in waitToRetry(failure, interruptOnReload: interruptOnReload) })
                if through.retries > retriesBefore || failingSince != nil { shippingRecovered(end - start) }
                for notice in through.takeNotices() { log(.notice, notice) }
                shippedFragments += end - start
                start = end
            }
            outbox.removeFirst()
            outboxBytes -= Daemon.memoryEstimate(fragments)
            shippedThrough = sequence
            // Durable with the next commit: should it be lost, shipping again changes nothing.
            if durable {
                try journal.append(kind: DaemonJournal.shipped, payload: DaemonJournal.encodeShipped(sequence))
            }
        }
        outboxSince = nil
        formerSinks = [:]
        guard durable else { return }
        try journal.sync()
        // Everything shipped: what precedes the latest snapshot is no longer needed.
        journal.removeSegments(before: lastSnapshot)
        try compactJournal()
    }

    /// Reports a failed attempt and waits its delay, a second at a time (``whileWaiting`` keeps the
    /// status and the watchdog fresh); false, to stop retrying, once a stop (or reload) is asked.
    private func waitToRetry(_ failure: ShipFailure, interruptOnReload: Bool) -> Bool {
        if failingSince == nil { failingSince = (clock(), shipRetries - 1) }
        log(failure.error.kind == .permanent ? .error : .warning, failure.description)
        let interrupted = { self.stop.stopRequested || (interruptOnReload && self.stop.reloadRequested) }
        var left = Int64(failure.delay * 1_000)
        while left > 0 {
            whileWaiting()
            if interrupted() { return false }
            let slice = min(left, 1_000)
            stop.wait(millis: slice, orReadable: nil)
            left -= slice
        }
        whileWaiting()
        return !interrupted()
    }

    /// Shipping works again after failures: said once, with how long it failed.
    private func shippingRecovered(_ shipped: Int) {
        guard let since = failingSince else { return }
        failingSince = nil
        let seconds = Double(max(0, clock() - since.millis)) / 1_000
        log(
            .info,
            "shipping to \(configuration.table) works again after \(Quantity.oneDecimal(seconds)) s and \(shipRetries - since.retries) failed attempts; \(shipped) fragments shipped, \(outboxFragments - shipped) more waiting"
        )
    }
}
