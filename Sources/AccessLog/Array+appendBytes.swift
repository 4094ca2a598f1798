extension Array where Element == UInt8 {
    /// Appends `bytes` with one copy.
    ///
    /// `append(contentsOf:)` given an `UnsafeRawBufferPointer` goes byte by byte (it has no typed
    /// contiguous storage to copy from): several hundred instructions for a path or a user agent.
    @inlinable
    public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        bytes.withMemoryRebound(to: UInt8.self) { append(contentsOf: $0) }
    }
}
