/// What a field of a log format holds, as far as sessions are concerned.
public enum LogField: UInt8, Sendable, CustomStringConvertible {
    /// Client address (`$remote_addr`, `%h`, `%a`).
    case client
    /// Virtual host (`$host`, `$http_host`, `$server_name`, `%v`, `%V`, `%{Host}i`).
    case host
    /// `10/Oct/2000:13:55:36 -0700` (`$time_local`; Apache `%t` is this between brackets).
    case timeCommonLog
    /// `$time_iso8601`.
    case timeISO8601
    /// `$msec`: seconds since the epoch with milliseconds.
    case timeEpochSeconds
    /// Apache `%{msec}t`: integer milliseconds since the epoch.
    case timeEpochMillis
    /// The request line (`$request`, `%r`).
    case request
    /// The request method alone (`$request_method`, `%m`).
    case method
    /// The request path, possibly with a query (`$request_uri`, `$uri`, `%U`).
    case path
    /// Response status (`$status`, `%>s`, `%s`).
    case status
    /// Response size (`$body_bytes_sent`, `$bytes_sent`, `%b`, `%B`, `%O`).
    case bytes
    /// `$http_referer`, `%{Referer}i`.
    case referrer
    /// `$http_user_agent`, `%{User-Agent}i`.
    case userAgent
    /// `$http_x_forwarded_for`, `%{X-Forwarded-For}i`.
    case forwardedFor
    /// The request header a source names as its visitor's address (`$http_cf_connecting_ip`,
    /// `%{Forwarded}i`…): see ``LogFormat/init(string:clientHeader:)``.
    case clientHeader
    /// Any other field: skipped.
    case opaque

    /// A short name for messages.
    public var description: String {
        switch self {
        case .client: "client"
        case .host: "host"
        case .timeCommonLog, .timeISO8601, .timeEpochSeconds, .timeEpochMillis: "time"
        case .request: "request"
        case .method: "method"
        case .path: "path"
        case .status: "status"
        case .bytes: "bytes"
        case .referrer: "referrer"
        case .userAgent: "user agent"
        case .forwardedFor: "X-Forwarded-For"
        case .clientHeader: "client header"
        case .opaque: "opaque"
        }
    }

    var isTime: Bool {
        switch self {
        case .timeCommonLog, .timeISO8601, .timeEpochSeconds, .timeEpochMillis: true
        default: false
        }
    }
}
