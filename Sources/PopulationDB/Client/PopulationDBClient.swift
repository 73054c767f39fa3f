import AsyncHTTPClient
import DanCuConfig
public import DanCuContract
import DurationUnits
import Foundation
import LogKeys
public import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Tracing

/// Calls the population database: builds and signs the SOAP request, sends it over pooled
/// keep-alive connections, and turns the answer (or the failure) into typed results.
/// Quota and retries other than the one re-signed 401 are the caller's; every error says
/// whether a retry may help.
public final class PopulationDBClient: Sendable {
    /// Answers larger than this are not population records.
    static let maximumAnswerBytes = 1 << 20

    private let httpClient: HTTPClient
    private let url: String
    private let username: String
    private let secret: String
    private let integrationCode: String
    private let requestTimeout: TimeAmount
    private let maxRetryAfter: Duration
    private let logger: Logger
    private let epochMilliseconds: @Sendable () -> Int64

    /// - Parameters:
    ///   - url: the endpoint to call (the configured `url`, or the in-process simulator's).
    /// - Throws: `PopulationDBError` with code `.invalidConfiguration` naming the key when the URL
    ///   is unusable or a TLS file cannot be read.
    public convenience init(configuration: PopulationDBConfiguration, url: String, logger: Logger) throws {
        try self.init(configuration: configuration, url: url, logger: logger) {
            Int64((Date().timeIntervalSince1970 * 1000).rounded())
        }
    }

    /// With the clock that stamps requests injected, so tests can send stale timestamps.
    init(
        configuration: PopulationDBConfiguration,
        url: String,
        logger: Logger,
        epochMilliseconds: @escaping @Sendable () -> Int64
    ) throws(PopulationDBError) {
        guard PopulationDBConfiguration.isUsableURL(url) else {
            throw PopulationDBError(.invalidConfiguration, detail: "populationDb.url is not an http(s) URL")
        }
        let timeout = HTTPClient.Configuration.Timeout(
            connect: TimeAmount(configuration.connectTimeout.duration),
            read: TimeAmount(configuration.requestTimeout.duration)
        )
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: try Self.tlsConfiguration(configuration.tls),
            timeout: timeout,
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.quota.maxInFlight
            )
        )
        clientConfiguration.redirectConfiguration = .disallow
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        self.url = url
        username = configuration.username
        secret = configuration.secret?.value ?? ""
        integrationCode = configuration.integrationCode
        requestTimeout = TimeAmount(configuration.requestTimeout.duration)
        maxRetryAfter = configuration.maxRetryAfter.duration
        var logger = logger
        logger[metadataKey: LogKey.PopulationDB.endpoint] = "\(url)"
        self.logger = logger
        self.epochMilliseconds = epochMilliseconds
    }

    /// Whether a citizen with this ID, name and date of birth exists (`TonTai`).
    public func verify(_ query: PopulationQuery) async throws(PopulationDBError) -> Bool {
        switch try await call(.verify, query) {
        case .verified(let exists): return exists
        default: throw PopulationDBError(.malformedResponse, requestId: query.requestId, detail: "not a verify answer")
        }
    }

    /// The matching citizen's record with codes mapped to words, or `nil` when none matched.
    public func lookup(_ query: PopulationQuery) async throws(PopulationDBError) -> CitizenRecord? {
        switch try await call(.lookup, query) {
        case .lookedUp(let citizen): return citizen
        default: throw PopulationDBError(.malformedResponse, requestId: query.requestId, detail: "not a lookup answer")
        }
    }

    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    // MARK: Calling

    private func call(
        _ operation: PopulationOperation,
        _ query: PopulationQuery
    ) async throws(PopulationDBError)
        -> PopulationSOAP.Answer
    {
        guard query.idKind != nil else {
            throw PopulationDBError(
                .invalidQuery,
                requestId: query.requestId,
                detail: "idNumber must be 12 or 9 digits"
            )
        }
        var logger = logger
        logger[metadataKey: LogKey.requestId] = "\(query.requestId)"
        logger[metadataKey: LogKey.PopulationDB.operation] = "\(operation.rawValue)"
        logger[metadataKey: LogKey.idNumber] = "\(maskedIdNumber(query.idNumber))"

        let envelope = PopulationSOAP.encode(
            PopulationSOAP.Request(operation: operation, integrationCode: integrationCode, query: query)
        )
        var exchange = try await send(envelope, operation, query, logger: logger)
        if exchange.status == .unauthorized {
            // A 401 may only mean our timestamp aged in a queue; one freshly signed retry tells.
            logger.notice("population database answered 401; retrying once with a fresh signature")
            exchange = try await send(envelope, operation, query, logger: logger)
        }
        return try interpret(exchange, operation, requestId: query.requestId)
    }

    private struct Exchange {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    private func send(
        _ envelope: String,
        _ operation: PopulationOperation,
        _ query: PopulationQuery,
        logger: Logger
    ) async throws(PopulationDBError) -> Exchange {
        // One client span per HTTP exchange (retries and the fresh-signature retry each get their own), a child
        // of the request's span; with no tracer installed the portal's traceparent is forwarded as it came.
        let span = startSpan(operation.rawValue, ofKind: .client)
        defer { span.end() }
        if span.isRecording {
            span.attributes["rpc.system"] = "soap"
            span.attributes["rpc.method"] = operation.rawValue
            span.attributes["http.request.method"] = "POST"
        }
        var request = makeRequest(envelope, operation, traceparent: query.traceparent)
        InstrumentationSystem.instrument.inject(span.context, into: &request.headers, using: HTTPHeadersInjector())
        let started = ContinuousClock.now
        do {
            let response = try await httpClient.execute(request, timeout: requestTimeout)
            span.attributes["http.response.status_code"] = Int(response.status.code)
            let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            logger.debug(
                "population database answered",
                metadata: [
                    LogKey.httpStatus: "\(response.status.code)",
                    LogKey.elapsed: "\(ContinuousClock.now - started)",
                ]
            )
            return Exchange(status: response.status, headers: response.headers, body: body)
        } catch {
            let failure = Self.classify(transportError: error, requestId: query.requestId)
            logger.debug("population database call failed", metadata: [LogKey.error: "\(failure)"])
            span.recordError(failure)
            span.setStatus(SpanStatus(code: .error))
            throw failure
        }
    }

    /// A freshly signed request: a retry gets a new timestamp and signature.
    func makeRequest(_ envelope: String, _ operation: PopulationOperation, traceparent: String?) -> HTTPClientRequest {
        let timestamp = String(epochMilliseconds())
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.headers.add(name: "SOAPAction", value: PopulationSOAP.soapAction(for: operation))
        request.headers.add(name: "Timestamp", value: timestamp)
        request.headers.add(
            name: "Authorization",
            value: RequestSignature.authorization(url: url, username: username, timestamp: timestamp, secret: secret)
        )
        if let traceparent { request.headers.add(name: "traceparent", value: traceparent) }
        request.body = .bytes(ByteBuffer(string: envelope))
        return request
    }

    private func interpret(
        _ exchange: Exchange,
        _ operation: PopulationOperation,
        requestId: String
    )
        throws(PopulationDBError) -> PopulationSOAP.Answer
    {
        let status = Int(exchange.status.code)
        let retryAfter = exchange.headers.first(name: "Retry-After").flatMap {
            Self.parseRetryAfter($0, atMost: maxRetryAfter)
        }
        let answer: PopulationSOAP.Answer?
        do {
            answer = try PopulationSOAP.decodeAnswer(operation, exchange.body.readableBytesView)
        } catch {
            answer = nil
            if status == 200 {
                throw PopulationDBError(
                    .malformedResponse,
                    httpStatus: status,
                    requestId: requestId,
                    detail: error.reason
                )
            }
        }
        if case .fault(let fault)? = answer {
            // SOAP 1.1 says who is to blame: the caller (Client) or the service (Server).
            let code: PopulationDBError.Code =
                switch (fault.kind, status) {
                case (_, 429): .rateLimited
                case (_, 401): .unauthorized
                case (.client, _): .businessFault
                case (.server, _): .serverError
                }
            throw PopulationDBError(
                code,
                httpStatus: status,
                retryAfter: retryAfter,
                faultCode: fault.code,
                requestId: requestId
            )
        }
        switch status {
        case 200:
            if let answer { return answer }
            throw PopulationDBError(.malformedResponse, httpStatus: status, requestId: requestId)
        case 429:
            throw PopulationDBError(.rateLimited, httpStatus: status, retryAfter: retryAfter, requestId: requestId)
        case 401:
            throw PopulationDBError(.unauthorized, httpStatus: status, requestId: requestId)
        case 500...599:
            throw PopulationDBError(.serverError, httpStatus: status, retryAfter: retryAfter, requestId: requestId)
        default:
            throw PopulationDBError(.rejected, httpStatus: status, requestId: requestId)
        }
    }

    // MARK: Classifying

    static func classify(transportError error: any Error, requestId: String) -> PopulationDBError {
        let typeName = String(describing: type(of: error))
        if let error = error as? HTTPClientError {
            let code: PopulationDBError.Code =
                switch error {
                case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                    .getConnectionFromPoolTimeout:
                    .timedOut
                case .alreadyShutdown:
                    .shutDown
                case .cancelled:
                    .cancelled
                case .invalidURL, .emptyHost, .emptyScheme:
                    .invalidConfiguration
                case .traceRequestWithBody, .bodyLengthMismatch, .identityCodingIncorrectlyPresent:
                    .invalidQuery
                default:
                    isInvalidHeader(error) ? .invalidQuery : .connectionFailed
                }
            return PopulationDBError(code, requestId: requestId, detail: error.shortDescription)
        }
        if error is CancellationError {
            return PopulationDBError(.cancelled, requestId: requestId, detail: typeName)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return PopulationDBError(.timedOut, requestId: requestId, detail: typeName)
        }
        // Refused connections, resets, DNS and TLS failures: the service may be reachable later.
        return PopulationDBError(.connectionFailed, requestId: requestId, detail: typeName)
    }

    /// Whether the client refused to send a header (a forwarded `traceparent` with a control character, say):
    /// what the request carries, not the database, is at fault, and it never left the gateway. These errors
    /// carry the offending names or values and have no kind to match on; their short description is stable,
    /// and a test pins it.
    private static func isInvalidHeader(_ error: HTTPClientError) -> Bool {
        error.shortDescription.hasPrefix("Invalid header field")
    }

    /// `Retry-After` as delta-seconds (the simulator and the database send that form), at most `limit`
    /// (`populationDb.maxRetryAfter`).
    static func parseRetryAfter(_ value: String, atMost limit: Duration) -> Duration? {
        let trimmed = value.trimmingXMLWhitespace()
        // Compared in seconds before converting: a huge value must not overflow a `Duration`.
        guard let seconds = Double(trimmed), seconds >= 0, seconds.isFinite else { return nil }
        return seconds >= limit.inSeconds ? limit : .milliseconds(Int64((seconds * 1000).rounded(.down)))
    }

    private static func tlsConfiguration(
        _ files: TLSFiles
    ) throws(PopulationDBError)
        -> TLSConfiguration
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        func load<T>(_ key: String, _ read: () throws -> T) throws(PopulationDBError) -> T {
            do {
                return try read()
            } catch {
                throw PopulationDBError(
                    .invalidConfiguration,
                    detail: "populationDb.tls.\(key): cannot be read (\(error))"
                )
            }
        }
        if let caFile = files.caFile {
            tls.trustRoots = .certificates(try load("caFile") { try NIOSSLCertificate.fromPEMFile(caFile) })
        }
        if let certificateFile = files.certificateFile, let privateKeyFile = files.privateKeyFile {
            let chain = try load("certificateFile") { try NIOSSLCertificate.fromPEMFile(certificateFile) }
            guard !chain.isEmpty else {
                throw PopulationDBError(
                    .invalidConfiguration,
                    detail: "populationDb.tls.certificateFile: no certificate in it"
                )
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(
                try load("privateKeyFile") {
                    guard let password = files.privateKeyPassword?.value else {
                        return try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
                    }
                    return try NIOSSLPrivateKey(file: privateKeyFile, format: .pem) { setPassword in
                        setPassword(Array(password.utf8))
                    }
                }
            )
        }
        return tls
    }
}

/// Writes trace context into an HTTP request's headers, replacing what was there (a forwarded traceparent).
struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout HTTPHeaders) {
        carrier.replaceOrAdd(name: key, value: value)
    }
}
