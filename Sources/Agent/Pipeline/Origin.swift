#if canImport(Glibc)
    import Glibc
#endif

/// Numbers where events come from, so that fragment ids are deterministic: the same input (a re-run
/// of a batch, a replay after a crash) gives the same ids, and different inputs different ones.
public enum Origin {
    /// A 64-bit name for an input (FNV-1a of its identity, such as an absolute path).
    public static func source(_ identity: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in identity.utf8 {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The origin of the event whose line ends at `offset` of `source`.
    public static func event(source: UInt64, offset: UInt64) -> UInt64 {
        var x = source ^ (offset &* 0x9E37_79B9_7F4A_7C15)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// `path` made absolute against the working directory (not resolved further).
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + path
    }
}
