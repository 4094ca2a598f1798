import CZlib

/// Streaming gzip decompression through zlib: the one place the zlib C API is used.
///
/// Handles multi-member files (`cat a.gz b.gz`), as `zcat` does. The `z_stream` lives on the heap because
/// zlib keeps a pointer back to it.
public final class GzipDecoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false
    private var started = false

    /// Creates a decoder for gzip (and zlib) data.
    public init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: maximum window, detect gzip or zlib header.
        let status = sessiontail_inflateInit2(stream, 15 + 32)
        precondition(status == Z_OK, "zlib inflateInit2 failed (\(status)): out of memory")
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Whether the decoder has input it has not consumed yet.
    public var hasPendingInput: Bool { stream.pointee.avail_in > 0 }

    /// How many of the bytes provided the decoder has not consumed yet.
    public var pendingInputCount: Int { Int(stream.pointee.avail_in) }

    /// Sets the next compressed bytes; they must stay valid until consumed (``hasPendingInput`` false).
    public func provide(_ input: UnsafeRawBufferPointer) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
    }

    /// Decompresses as much as fits into `output` from the input provided. Returns the bytes written.
    ///
    /// - Throws: a description of the damage when the data is not valid gzip.
    public func decompress(into output: UnsafeMutableRawBufferPointer) throws(GzipError) -> Int {
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        while stream.pointee.avail_out > 0 && stream.pointee.avail_in > 0 {
            if finished && trailingZeros() {
                // Zero padding after the last member (some tools pad to a block): the end, as for zcat.
                stream.pointee.next_in += Int(stream.pointee.avail_in)
                stream.pointee.avail_in = 0
                break
            }
            if finished {
                // Another gzip member follows the one that ended.
                inflateReset(stream)
                finished = false
            }
            started = true
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                finished = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw GzipError(message: message)
            }
        }
        return output.count - Int(stream.pointee.avail_out)
    }

    private func trailingZeros() -> Bool {
        guard let input = stream.pointee.next_in else { return false }
        for i in 0..<Int(stream.pointee.avail_in) where input[i] != 0 { return false }
        return true
    }

    /// Whether the data ended cleanly (after a complete gzip member, or before any data).
    public var isAtMemberBoundary: Bool { finished || !started }
}

/// Damaged gzip data.
public struct GzipError: Error, Sendable, CustomStringConvertible {
    /// zlib's message.
    public let message: String
    public var description: String { "corrupt gzip data (\(message))" }
}
