/// What was built: shown by `sessiontail --version`, in `sessiontail_build_info` and in the status.
public enum BuildInfo {
    /// The release, as in `packaging/debian/changelog` (the package test checks that they agree).
    public static let version = "0.2.0"
}
