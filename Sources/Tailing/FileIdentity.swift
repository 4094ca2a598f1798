/// Which file an open descriptor is, as the kernel knows it: device and inode. A rename keeps it, and
/// so does `copytruncate` (whose content changes under it); `compress` and `copy` make a new one.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Unknown (a checkpoint written before identities were kept).
    public static let unknown = FileIdentity(device: 0, inode: 0)
}
