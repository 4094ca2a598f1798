/// A failure talking to PostgreSQL, classified for retrying.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Whether waiting and trying again can succeed.
    public enum Kind: Sendable, Equatable {
        /// The connection was refused or lost, the server is restarting, a serialization failure or
        /// deadlock, the server's disk is full: retry with backoff.
        case transient
        /// Authentication, permissions, a schema mismatch: an operator must act; retried slowly.
        case permanent
    }

    public let kind: Kind
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    public let message: String

    public init(kind: Kind, sqlState: String?, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    /// Classifies a server error by its SQLSTATE.
    public init(sqlState: String?, message: String) {
        self.init(kind: PostgresError.kind(of: sqlState), sqlState: sqlState, message: message)
    }

    /// Transient classes: 08 connection exception, 40 transaction rollback (serialization failure,
    /// deadlock), 53 insufficient resources (disk full, out of memory, too many connections), 57 operator
    /// intervention (admin shutdown, crash shutdown, cannot connect now), 58 system error.
    public static func kind(of sqlState: String?) -> Kind {
        guard let sqlState, sqlState.count == 5 else { return .transient }
        switch sqlState.prefix(2) {
        case "08", "40", "53", "57", "58": return .transient
        default: return sqlState == "55P03" ? .transient : .permanent  // lock_not_available
        }
    }

    public var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }
}
