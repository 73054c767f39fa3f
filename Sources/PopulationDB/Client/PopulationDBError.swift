/// Why a call to the population database failed, and what the caller may do about it.
/// The description names the kind of failure, the HTTP status and the request id; never the
/// citizen's data nor the service's free-text fault message (which may echo it).
public struct PopulationDBError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare with the static members, e.g. `error.code == .rateLimited`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case connectionFailed = "connection failed"
            case timedOut = "timed out"
            case serverError = "server error"
            case rateLimited = "rate limited"
            case unauthorized = "unauthorized"
            case rejected = "request rejected"
            case businessFault = "business fault"
            case malformedResponse = "malformed response"
            case invalidQuery = "invalid query"
            case invalidConfiguration = "invalid configuration"
            case shutDown = "client shut down"
            case cancelled = "cancelled"
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No connection could be made, or it broke before an answer arrived. Retriable.
        public static let connectionFailed = Code(.connectionFailed)
        /// No answer within the connect or request timeout. Retriable.
        public static let timedOut = Code(.timedOut)
        /// HTTP 5xx, or a SOAP `Server` fault. Retriable.
        public static let serverError = Code(.serverError)
        /// HTTP 429; `retryAfter` says when, if the service said. Retriable.
        public static let rateLimited = Code(.rateLimited)
        /// HTTP 401 even with a freshly signed retry: the credentials are wrong. Permanent.
        public static let unauthorized = Code(.unauthorized)
        /// Another HTTP 4xx. Permanent.
        public static let rejected = Code(.rejected)
        /// A SOAP `Client` fault: the service understood and refused the request. Permanent.
        public static let businessFault = Code(.businessFault)
        /// The answer is not the protocol's. Permanent.
        public static let malformedResponse = Code(.malformedResponse)
        /// The query cannot be sent (an ID that is neither 12 nor 9 digits, a header value the HTTP client
        /// refuses). Permanent; says nothing about the database.
        public static let invalidQuery = Code(.invalidQuery)
        /// The client cannot be built (bad URL, unreadable TLS files). Permanent.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The client was shut down. Permanent.
        public static let shutDown = Code(.shutDown)
        /// The calling task was cancelled before an answer arrived. Permanent for this call.
        public static let cancelled = Code(.cancelled)

        public var description: String { value.rawValue }

        fileprivate var databaseHealth: DatabaseHealth {
            switch value {
            case .connectionFailed, .timedOut, .serverError: .failing
            case .rateLimited, .unauthorized, .rejected, .businessFault, .malformedResponse: .answering
            case .invalidQuery, .invalidConfiguration, .shutDown, .cancelled: .unknown
            }
        }

        fileprivate var isRetriable: Bool {
            switch value {
            case .connectionFailed, .timedOut, .serverError, .rateLimited: true
            default: false
            }
        }
    }

    public let code: Code
    /// The HTTP status of the answer, when there was one.
    public let httpStatus: Int?
    /// How long the service asked us to wait (`Retry-After` on a 429 or 503).
    public let retryAfter: Duration?
    /// The SOAP fault code's local part (e.g. `Client.NotPermitted`), when the answer was a fault.
    public let faultCode: String?
    /// `MaYeuCau` of the failed request.
    public let requestId: String?
    /// Non-personal detail for operators (an underlying error's type, which check failed).
    public let detail: String?

    init(
        _ code: Code,
        httpStatus: Int? = nil,
        retryAfter: Duration? = nil,
        faultCode: String? = nil,
        requestId: String? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.faultCode = faultCode
        self.requestId = requestId
        self.detail = detail
    }

    /// What a failed call says about the population database, for the circuit breaker and `upstreamReachable`.
    public enum DatabaseHealth: Sendable, Hashable {
        /// No answer, or a 5xx: the database (or the way to it) is failing.
        case failing
        /// It answered (429, another 4xx, a SOAP client fault, a page that is not the protocol's): it is up.
        case answering
        /// The call says nothing about it: it was never sent (what the request carries could not be sent,
        /// the client is shut down) or was cancelled. Nothing a portal sends can make a database failure.
        case unknown
    }

    public var databaseHealth: DatabaseHealth { code.databaseHealth }

    /// Whether the same request may succeed later: connection failures, timeouts, 5xx and 429.
    public var isRetriable: Bool { code.isRetriable }

    public var description: String {
        var parts = ["population database: \(code)"]
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let faultCode { parts.append("fault \(faultCode)") }
        if let retryAfter { parts.append("retry after \(retryAfter)") }
        if let requestId { parts.append("request \(requestId)") }
        if let detail { parts.append(detail) }
        return parts.joined(separator: ", ")
    }
}
