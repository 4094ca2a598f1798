import PostgresSink

/// The sinks the daemon ships to.
public enum FragmentSinks {
    /// The configured PostgreSQL table.
    public static func postgres(_ configuration: Configuration, _ agentID: String) -> any FragmentSink {
        FragmentShipper(
            conninfo: configuration.conninfo, table: configuration.table, gapMillis: configuration.gapMillis,
            agentID: agentID, client: configuration.privacy.setting, retention: configuration.retention)
    }
}
