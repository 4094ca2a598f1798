#if canImport(Glibc)
import Glibc
#endif

/// Reads (and decompresses) a file on a thread of its own, a few chunks ahead of the consumer, so that
/// zlib and the parser run on two cores at once.
///
/// The consumer calls ``read(into:)`` as with any ``ByteSource``. Dropping the value stops the reader
/// thread and waits for it.
public final class PrefetchingSource: ByteSource {
    private let shared: Shared
    private var thread = pthread_t()
    private var current: Int = -1
    private var currentCount = 0
    private var position = 0

    /// Starts reading `source` ahead, in `chunkCount` chunks of `chunkSize` bytes.
    public init(_ source: InputFile, chunkSize: Int = 1 << 20, chunkCount: Int = 4) {
        shared = Shared(source: source, chunkSize: chunkSize, chunkCount: chunkCount)
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
        shared.cancel()
        pthread_join(thread, nil)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if current < 0 {
            switch shared.takeFilled() {
            case .chunk(let index, let count):
                current = index
                currentCount = count
            case .end: return 0
            case .failed(let error): throw error
            }
            position = 0
        }
        let chunk = shared.chunks[current]
        let available = currentCount - position
        let n = min(available, buffer.count)
        buffer.baseAddress!.copyMemory(from: chunk.baseAddress! + position, byteCount: n)
        position += n
        if position == currentCount {
            shared.release(current)
            current = -1
        }
        return n
    }

    /// The state the consumer and the reader thread share, under one mutex.
    final class Shared: @unchecked Sendable {
        enum Next {
            case chunk(Int, count: Int)
            case end
            case failed(InputError)
        }

        let source: InputFile
        let chunks: [UnsafeMutableRawBufferPointer]
        /// Bytes in each chunk; meaningful once the chunk is queued.
        var filled: [Int]
        private var queue: [Int] = []  // chunks filled, in order
        private var free: [Int]
        private var finished = false
        private var failure: InputError? = nil
        private var cancelled = false
        private var mutex = pthread_mutex_t()
        private var changed = pthread_cond_t()

        init(source: InputFile, chunkSize: Int, chunkCount: Int) {
            self.source = source
            chunks = (0..<chunkCount).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
            filled = Array(repeating: 0, count: chunkCount)
            free = Array((0..<chunkCount).reversed())
            pthread_mutex_init(&mutex, nil)
            pthread_cond_init(&changed, nil)
        }

        deinit {
            for chunk in chunks { chunk.deallocate() }
            pthread_mutex_destroy(&mutex)
            pthread_cond_destroy(&changed)
        }

        /// The reader thread: fill free chunks until the end of the file, an error, or cancellation.
        func produce() {
            while true {
                pthread_mutex_lock(&mutex)
                while free.isEmpty && !cancelled { pthread_cond_wait(&changed, &mutex) }
                if cancelled {
                    pthread_mutex_unlock(&mutex)
                    return
                }
                let index = free.removeLast()
                pthread_mutex_unlock(&mutex)

                var count = 0
                var error: InputError? = nil
                do {
                    // Fill the chunk as far as the source goes, so chunks are large.
                    while count < chunks[index].count {
                        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: chunks[index][count...]))
                        if n == 0 { break }
                        count += n
                    }
                } catch let e {
                    error = e
                }

                pthread_mutex_lock(&mutex)
                if count > 0 {
                    filled[index] = count
                    queue.append(index)
                } else {
                    free.append(index)
                }
                let done = error != nil || count < chunks[index].count
                if let error { failure = error }
                if done { finished = true }
                pthread_cond_broadcast(&changed)
                pthread_mutex_unlock(&mutex)
                if done { return }
            }
        }

        func takeFilled() -> Next {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            while queue.isEmpty && !finished { pthread_cond_wait(&changed, &mutex) }
            if !queue.isEmpty {
                let index = queue.removeFirst()
                return .chunk(index, count: filled[index])
            }
            if let failure { return .failed(failure) }
            return .end
        }

        func release(_ index: Int) {
            pthread_mutex_lock(&mutex)
            free.append(index)
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }

        func cancel() {
            pthread_mutex_lock(&mutex)
            cancelled = true
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
    }
}
