import PostgresSink
import Sessionizer

/// Where the daemon ships fragments: the sessions table in PostgreSQL (``FragmentShipper``), or an
/// in-memory table in tests. Blocking; used from the daemon's thread only.
public protocol FragmentSink: AnyObject {
    /// The agent the fragments' ids derive from.
    var agentID: String { get }
    /// Failed attempts since creation, and those an operator must act on.
    var retries: Int { get }
    var permanentFailures: Int { get }
    /// Reaches the store and checks that it takes this agent's fragments (schema, gap): a wrong
    /// password, table or gap fails here.
    func connect() throws(PostgresError)
    /// Ships one batch, exactly once however often it is sent, retrying as
    /// ``FragmentShipper/ship(_:retryPermanent:afterFailure:)`` does; returns how many fragments were new.
    func ship(_ fragments: [Fragment], retryPermanent: Bool, afterFailure: (ShipFailure) -> Bool)
        throws(PostgresError) -> Int
    /// What the store did that the operator should read (partitions dropped by retention), once.
    func takeNotices() -> [String]
}

extension FragmentSink {
    public func takeNotices() -> [String] { [] }
}

extension FragmentShipper: FragmentSink {}

/// Makes the sink for `configuration` under `agentID` (the daemon's, or an earlier one whose
/// committed fragments are still to ship).
public typealias FragmentSinkFactory = (_ configuration: Configuration, _ agentID: String) -> any FragmentSink
