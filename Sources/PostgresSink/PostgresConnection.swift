import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection: the only place the libpq C API is used.
///
/// Calls block (libpq is synchronous here), so a connection belongs to one thread at a time: the
/// shipper's own thread in the daemon, the main thread in batch mode. Not `Sendable`.
public final class PostgresConnection {
    private let connection: OpaquePointer
    /// The connection string with any password removed, for messages.
    public let redactedConninfo: String

    /// Connects with a libpq conninfo string or URI; empty means libpq's `PG*` environment alone.
    /// The corresponding C function is `PQconnectdb`.
    public init(conninfo: String) throws(PostgresError) {
        redactedConninfo = Conninfo.redacted(conninfo)
        guard let connection = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .transient, sqlState: nil, message: "out of memory creating a connection")
        }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            // Every stored property is set, so `deinit` runs and calls `PQfinish`.
            let message = PostgresConnection.clean(PQerrorMessage(connection))
            // Failures to authenticate or find the database need an operator; anything else (refused,
            // starting up, shutting down, unreachable) passes.
            let lowered = message.lowercased()
            let permanent = [
                "authentication failed", "no pg_hba.conf entry", "does not exist", "permission denied",
                "password is required", "invalid", "certificate",
            ].contains { lowered.contains($0) }
            throw PostgresError(
                kind: permanent ? .permanent : .transient, sqlState: nil,
                message:
                    "cannot connect to PostgreSQL (\(redactedConninfo.isEmpty ? "PG* environment" : redactedConninfo)): \(message)"
            )
        }
        _ = try execute("SET client_min_messages TO warning; SET client_encoding TO 'UTF8'")
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is still up (false after the server went away).
    public var isUsable: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one or more SQL statements without parameters (simple query protocol) and returns the rows
    /// of the last. The corresponding C function is `PQexec`.
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> QueryResult {
        try consume(PQexec(connection, sql))
    }

    /// Runs one statement with text parameters (`$1`, `$2`…; `nil` is NULL), never interpolated into
    /// the SQL. The corresponding C function is `PQexecParams`.
    @discardableResult
    public func execute(_ sql: String, parameters: [String?]) throws(PostgresError) -> QueryResult {
        var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { for p in cStrings { free(p) } }
        let result = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                PQexecParams(connection, sql, Int32(parameters.count), nil, $0, nil, nil, 0)
            }
        }
        return try consume(result)
    }

    /// Streams `data` into `COPY … FROM STDIN` (text format) and returns the rows copied. The
    /// corresponding C functions are `PQputCopyData`, `PQputCopyEnd` and `PQgetResult`.
    @discardableResult
    public func copy(_ sql: String, data: [UInt8]) throws(PostgresError) -> Int {
        let start = PQexec(connection, sql)
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            _ = try consume(start)
            throw PostgresError(kind: .permanent, sqlState: nil, message: "COPY did not start: \(sql)")
        }
        PQclear(start)
        var offset = 0
        var failed = false
        while offset < data.count && !failed {
            let chunk = min(1 << 20, data.count - offset)
            let sent = data.withUnsafeBytes {
                PQputCopyData(
                    connection, $0.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(chunk))
            }
            if sent != 1 { failed = true }
            offset += chunk
        }
        if PQputCopyEnd(connection, failed ? "client failed sending data" : nil) != 1 { failed = true }
        // The COPY's own result, then nothing.
        var copied = 0
        var firstError: PostgresError? = nil
        while let result = PQgetResult(connection) {
            do {
                let r = try consume(result)
                copied += r.affectedRows
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        if failed { throw connectionError("the connection failed during COPY") }
        return copied
    }

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else { throw connectionError("no result from the server") }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            let rowCount = Int(PQntuples(result))
            let columnCount = Int(PQnfields(result))
            var rows: [[String?]] = []
            rows.reserveCapacity(rowCount)
            for r in 0..<rowCount {
                var row: [String?] = []
                for c in 0..<columnCount {
                    row.append(
                        PQgetisnull(result, Int32(r), Int32(c)) == 1
                            ? nil : String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
                rows.append(row)
            }
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return QueryResult(columns: columns, rows: rows, affectedRows: affected)
        default:
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PostgresConnection.clean(PQresultErrorMessage(result))
            if sqlState == nil && !isUsable { throw connectionError(message) }
            throw PostgresError(sqlState: sqlState, message: message)
        }
    }

    private func connectionError(_ detail: String) -> PostgresError {
        let message = PostgresConnection.clean(PQerrorMessage(connection))
        return PostgresError(
            kind: .transient, sqlState: nil,
            message: "lost the connection to PostgreSQL: \(message.isEmpty ? detail : message)")
    }

    static func clean(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.joined(
            separator: " ")
    }
}

/// Rows returned by a statement, as text.
public struct QueryResult: Sendable {
    /// Column names.
    public let columns: [String]
    /// Values by row and column; `nil` is NULL.
    public let rows: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE/COPY.
    public let affectedRows: Int
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
