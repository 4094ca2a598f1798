/// A stream of bytes that lines are cut from: a plain file, a gzip file, standard input.
public protocol ByteSource {
    /// Fills the start of `buffer` and returns how many bytes were written; 0 means no more bytes now
    /// (end of file, or nothing new yet while tailing).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}
