#if canImport(Glibc)
    import Glibc
#endif

/// Reads (and decompresses) one file at a time on a thread of its own, a few chunks ahead of the
/// consumer, so that zlib and the parser run on two cores at once. The thread and the chunks are made
/// once and kept: a daemon that reads many files many times a second makes no thread and allocates no
/// buffer per file.
///
/// ```swift
/// let readAhead = ReadAhead()
/// readAhead.begin(try InputFile(path: "access.log"))
/// var lines = LineReader(source: readAhead)
/// while let line = try lines.next(atEnd: true) { … }
/// readAhead.end()
/// ```
///
/// One consumer thread; between ``begin(_:)`` and ``end()`` the file belongs to the reader thread.
public final class ReadAhead: ByteSource {
    private let shared: Shared
    private var thread = pthread_t()
    private var current: Int = -1
    private var currentCount = 0
    private var position = 0
    private var reading = false
    /// ``InputFile/diskPosition`` at the end of the chunk being consumed.
    public private(set) var diskPosition: UInt64 = 0

    /// Starts the reader thread, with `chunkCount` chunks of `chunkSize` bytes.
    public init(chunkSize: Int = 1 << 20, chunkCount: Int = 4) {
        shared = Shared(chunkSize: chunkSize, chunkCount: chunkCount)
        let context = Unmanaged.passRetained(shared).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { context in
                let shared = Unmanaged<Shared>.fromOpaque(context!).takeRetainedValue()
                shared.produce()
                return nil
            }, context)
        precondition(status == 0, "cannot start a reader thread: \(String(cString: strerror(status)))")
    }

    deinit {
        end()
        shared.cancel()
        pthread_join(thread, nil)
    }

    /// Reads `source` from where it stands, ahead of ``read(into:)``.
    public func begin(_ source: InputFile) {
        end()
        reading = true
        diskPosition = source.diskPosition
        shared.start(source)
    }

    /// Stops reading the current file (what was read ahead and not consumed is dropped) and waits
    /// until the reader thread has let go of it.
    public func end() {
        guard reading else { return }
        reading = false
        if current >= 0 {
            shared.release(current)
            current = -1
        }
        shared.stop()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard reading else { return 0 }
        if current < 0 {
            switch shared.takeFilled() {
            case .chunk(let index, let count, let position):
                current = index
                currentCount = count
                diskPosition = position
            case .end: return 0
            case .failed(let error): throw error
            }
            position = 0
        }
        let chunk = shared.chunks[current]
        let n = min(currentCount - position, buffer.count)
        buffer.baseAddress!.copyMemory(from: chunk.baseAddress! + position, byteCount: n)
        position += n
        if position == currentCount {
            shared.release(current)
            current = -1
        }
        return n
    }

    /// The state the consumer and the reader thread share, under one mutex (its address stable:
    /// allocated once, never moved).
    final class Shared: @unchecked Sendable {
        enum Next {
            case chunk(Int, count: Int, diskPosition: UInt64)
            case end
            case failed(InputError)
        }

        let chunks: [UnsafeMutableRawBufferPointer]
        /// Bytes in each chunk, and the file's disk position at its end; meaningful once it is queued.
        private var filled: [Int]
        private var positions: [UInt64]
        private var queue: [Int] = []  // chunks filled, in order
        private var free: [Int]
        private var source: InputFile? = nil
        /// Which file: a chunk filled from an earlier one is dropped.
        private var generation = 0
        private var busy = false
        private var finished = false
        private var failure: InputError? = nil
        private var cancelled = false
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init(chunkSize: Int, chunkCount: Int) {
            chunks = (0..<chunkCount).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
            filled = Array(repeating: 0, count: chunkCount)
            positions = Array(repeating: 0, count: chunkCount)
            free = Array((0..<chunkCount).reversed())
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(changed, nil)
        }

        deinit {
            for chunk in chunks { chunk.deallocate() }
            pthread_mutex_destroy(mutex)
            pthread_cond_destroy(changed)
            mutex.deallocate()
            changed.deallocate()
        }

        /// The reader thread: fill free chunks from the current file until its end, an error, or
        /// cancellation.
        func produce() {
            pthread_mutex_lock(mutex)
            while true {
                while !cancelled && (source == nil || finished || free.isEmpty) { pthread_cond_wait(changed, mutex) }
                if cancelled { break }
                let file = source!
                let reading = generation
                let index = free.removeLast()
                busy = true
                pthread_mutex_unlock(mutex)

                var count = 0
                var error: InputError? = nil
                do {
                    // Fill the chunk as far as the file goes, so chunks are large.
                    while count < chunks[index].count {
                        let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: chunks[index][count...]))
                        if n == 0 { break }
                        count += n
                    }
                } catch let e {
                    error = e
                }
                // Truncated and written again while it was read (copytruncate): what this chunk holds
                // may be the new file's. The read ends before it; the copy holds the rest of the old file,
                // and the new one is read from its start.
                var truncated = false
                if count > 0 && !file.startsAsItsHead() {
                    file.truncatedWhileRead = true
                    count = 0
                    truncated = true
                }
                let position = file.diskPosition

                pthread_mutex_lock(mutex)
                busy = false
                if reading != generation || count == 0 {
                    free.append(index)
                } else {
                    filled[index] = count
                    positions[index] = position
                    queue.append(index)
                }
                if reading == generation {
                    if let error { failure = error }
                    if error != nil || truncated || count < chunks[index].count { finished = true }
                }
                pthread_cond_broadcast(changed)
            }
            pthread_mutex_unlock(mutex)
        }

        func start(_ file: InputFile) {
            pthread_mutex_lock(mutex)
            source = file
            generation += 1
            finished = false
            failure = nil
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }

        func stop() {
            pthread_mutex_lock(mutex)
            source = nil
            generation += 1
            while busy { pthread_cond_wait(changed, mutex) }
            free += queue
            queue.removeAll()
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }

        func takeFilled() -> Next {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            while queue.isEmpty && !finished && source != nil { pthread_cond_wait(changed, mutex) }
            if !queue.isEmpty {
                let index = queue.removeFirst()
                return .chunk(index, count: filled[index], diskPosition: positions[index])
            }
            if let failure { return .failed(failure) }
            return .end
        }

        func release(_ index: Int) {
            pthread_mutex_lock(mutex)
            free.append(index)
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }

        func cancel() {
            pthread_mutex_lock(mutex)
            cancelled = true
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }
    }
}
