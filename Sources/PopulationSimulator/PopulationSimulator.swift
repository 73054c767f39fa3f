import DanCuContract
import DurationUnits
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LogKeys
public import Logging
import NIOCore
import PopulationDB
import ServiceLifecycle
import Synchronization
public import SyntheticPopulation

/// A stand-in for the population database: the same SOAP operations, signatures, matching rule
/// and quota, plus switchable faults (`/_sim/faults`) and the traffic statistics that referee
/// every quota claim (`/_sim/stats`). Runs in-process (the gateway, tests) or as `dancu-sim`.
/// One instance serves one start/stop cycle.
public final class PopulationSimulator: Sendable {
    public let population: SyntheticPopulation

    private let configuration: SimulatorConfiguration
    private let logger: Logger
    private let matcher: CitizenMatcher
    private let state: Mutex<State>
    private let lifecycle = Mutex(Lifecycle.idle)
    private let heldRequests = ReleaseLatch()
    private let epochMilliseconds: @Sendable () -> Int64
    private let now: @Sendable () -> ContinuousClock.Instant

    private struct State {
        var faults: SimulatorFaults
        var traffic = TrafficRecorder()
        var quotas: [String: ClientQuota] = [:]
    }

    private enum Lifecycle {
        case idle
        case running(ServiceGroup, Task<Void, any Error>)
        case stopped
    }

    public convenience init(configuration: SimulatorConfiguration, logger: Logger) {
        self.init(
            configuration: configuration,
            logger: logger,
            epochMilliseconds: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
            now: { ContinuousClock.now }
        )
    }

    /// With its clocks injected: the wall clock that judges request timestamps, and the monotonic one that
    /// stamps arrivals for the quota and the statistics.
    init(
        configuration: SimulatorConfiguration,
        logger: Logger,
        epochMilliseconds: @escaping @Sendable () -> Int64,
        now: @escaping @Sendable () -> ContinuousClock.Instant
    ) {
        self.configuration = configuration
        self.logger = logger
        self.epochMilliseconds = epochMilliseconds
        self.now = now
        population = SyntheticPopulation(seed: configuration.seed, size: configuration.citizens)
        matcher = CitizenMatcher(population: population, tones: configuration.tonePlacement)
        state = Mutex(State(faults: configuration.initialFaults))
    }

    /// Starts listening and returns the bound port (a free one when the configured port is 0).
    public func start() async throws -> Int {
        try await start(stopOnSignals: false)
    }

    /// - Parameter stopOnSignals: stop gracefully on SIGTERM and SIGINT (for the executable).
    public func start(stopOnSignals: Bool) async throws -> Int {
        let (ports, portContinuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let server: HTTPServerBuilder =
            try configuration.tls.map { try .tls(tlsConfiguration: $0.serverConfiguration()) }
            ?? .http1()
        let application = Application(
            router: makeRouter(),
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "dancu-sim"
            ),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [ReleasingHeldRequests(application: application, heldRequests: heldRequests)],
                gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        try lifecycle.withLock { lifecycle in
            guard case .idle = lifecycle else { throw SimulatorError.alreadyStarted }
            let task = Task {
                do {
                    try await group.run()
                    portContinuation.finish()
                } catch {
                    portContinuation.finish(throwing: error)
                    throw error
                }
            }
            lifecycle = .running(group, task)
        }
        for try await port in ports { return port }
        throw SimulatorError.stoppedBeforeListening
    }

    /// Stops gracefully: requests held to simulate timeouts are let go, the others finish.
    public func stop() async {
        let running: (ServiceGroup, Task<Void, any Error>)? = lifecycle.withLock { lifecycle in
            guard case .running(let group, let task) = lifecycle else { return nil }
            lifecycle = .stopped
            return (group, task)
        }
        guard let (group, task) = running else { return }
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Returns when the server has stopped (after `stop()` or a signal), throwing if it failed.
    public func waitUntilStopped() async throws {
        let task: Task<Void, any Error>? = lifecycle.withLock { lifecycle in
            if case .running(_, let task) = lifecycle { return task }
            return nil
        }
        try await task?.value
    }

    private var scheme: String { configuration.tls == nil ? "http" : "https" }

    /// Where the simulator serves once `start()` has returned `port` (HTTPS when configured with TLS).
    public func baseURL(port: Int) -> String {
        "\(scheme)://\(configuration.host):\(port)"
    }

    /// Where the SOAP service is served.
    public static let endpointPath = "/dancu/ws"

    /// The URL a client posts to once `start()` has returned `port`.
    public func endpointURL(port: Int) -> String {
        baseURL(port: port) + Self.endpointPath
    }

    public var faults: SimulatorFaults {
        state.withLock { $0.faults }
    }

    /// Replaces the faults in-process, as `POST /_sim/faults` does over HTTP.
    public func setFaults(_ faults: SimulatorFaults) throws(SimulatorError) {
        if let problem = faults.problem { throw SimulatorError.invalidFaults(problem) }
        state.withLock { $0.faults = faults }
        logger.info("simulator faults changed", metadata: [LogKey.faults: "\(faults)"])
    }

    public func stats() -> SimulatorStats {
        let now = self.now()
        return state.withLock { $0.traffic.snapshot(at: now) }
    }

    public func resetStats() {
        state.withLock { $0.traffic.reset() }
    }

    // MARK: Routes

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post(RouterPath(Self.endpointPath)) { request, _ in await self.serveSOAP(request) }
        router.get("/_sim/faults") { _, _ in Self.json(self.faults) }
        router.post("/_sim/faults") { request, _ in await self.changeFaults(request) }
        router.get("/_sim/stats") { _, _ in Self.json(self.stats()) }
        router.delete("/_sim/stats") { _, _ in
            self.resetStats()
            return Response(status: .noContent)
        }
        router.get("/_sim/citizens/sample") { request, _ in
            let count = request.uri.queryParameters["n"].flatMap { Int($0) } ?? 10
            let seed = request.uri.queryParameters["seed"].flatMap { UInt64($0) } ?? 0
            return Self.json(
                CitizenSample.draw(count: count, seed: seed, from: self.population, size: self.configuration.citizens)
            )
        }
        return router
    }

    private func serveSOAP(_ request: Request) async -> Response {
        let arrival = now()
        let client = authenticatedClient(request) ?? Self.unauthenticatedClient
        state.withLock { $0.traffic.arrived(client: client, at: arrival) }
        let (operation, response) = await answerSOAP(request, client: client, arrival: arrival)
        state.withLock { $0.traffic.answered(client: client, operation: operation, status: Int(response.status.code)) }
        return response
    }

    private static let unauthenticatedClient = "unauthenticated"
    private static let unknownOperation = "unknown"
    private static let maximumRequestBytes = 64 * 1024

    private func answerSOAP(
        _ request: Request,
        client: String,
        arrival: ContinuousClock.Instant
    ) async
        -> (operation: String, response: Response)
    {
        guard client != Self.unauthenticatedClient else {
            return (
                Self.unknownOperation,
                Self.fault(.unauthorized, .client, "Client.Authentication", "signature or timestamp rejected")
            )
        }
        var request = request
        let body = try? await request.collectBody(upTo: Self.maximumRequestBytes)
        let decoded = body.flatMap { try? PopulationSOAP.decodeRequest($0.readableBytesView) }
        let operation = decoded?.operation.rawValue ?? Self.unknownOperation

        let (faults, quotaWait) = state.withLock { state in
            let wait = state.quotas[client, default: ClientQuota()]
                .admit(at: arrival, quota: state.faults.quota, burst: state.faults.burst)
            return (state.faults, wait)
        }
        if let quotaWait {
            var response = Self.fault(.tooManyRequests, .server, "Server.QuotaExceeded", "request quota exceeded")
            // Whole seconds, rounded up, so that waiting that long is always enough.
            response.headers[.retryAfter] = String(Int(quotaWait.inSeconds.rounded(.up)))
            return (operation, response)
        }
        if faults.outage {
            return (operation, Self.fault(.serviceUnavailable, .server, "Server.Unavailable", "service unavailable"))
        }
        guard let decoded else {
            return (
                operation, Self.fault(.internalServerError, .client, "Client.MalformedRequest", "malformed request")
            )
        }

        var random = SystemRandomNumberGenerator()
        if Double.random(in: 0..<1, using: &random) < faults.timeoutRate {
            await heldRequests.wait(atMost: configuration.hangLimit)
            return (operation, Self.fault(.gatewayTimeout, .server, "Server.Timeout", "no answer in time"))
        }
        let latency = LatencyModel(medianMs: faults.latencyMs, p99Ms: faults.latencyP99Ms).sample(using: &random)
        if latency > .zero { try? await Task.sleep(for: latency) }
        if Double.random(in: 0..<1, using: &random) < faults.errorRate {
            return (operation, Self.fault(.internalServerError, .server, "Server.InternalError", "simulated failure"))
        }

        let query = decoded.query
        let citizen = matcher.match(query)
        logger.debug(
            "population query answered",
            metadata: [
                LogKey.requestId: "\(query.requestId)",
                LogKey.PopulationDB.operation: "\(operation)",
                LogKey.idNumber: "\(maskedIdNumber(query.idNumber))",
                LogKey.matched: "\(citizen != nil)",
            ]
        )
        let xml =
            switch decoded.operation {
            case .verify: PopulationSOAP.encodeVerifyAnswer(requestId: query.requestId, exists: citizen != nil)
            case .lookup:
                PopulationSOAP.encodeLookupAnswer(requestId: query.requestId, citizens: citizen.map { [$0] } ?? [])
            }
        return (operation, Self.xml(.ok, xml))
    }

    /// The user name when the timestamp is fresh and the signature is right, otherwise `nil`.
    private func authenticatedClient(_ request: Request) -> String? {
        guard let timestampText = Self.header("timestamp", of: request), let timestamp = Int64(timestampText),
            let authorization = Self.header("authorization", of: request),
            let credentials = RequestSignature.credentials(fromAuthorization: authorization),
            credentials.username == configuration.username,
            let authority = request.head.authority
        else { return nil }
        let skew = Duration.milliseconds(abs(epochMilliseconds() - timestamp))
        guard skew <= configuration.maximumClockSkew else { return nil }
        // The client signed the URL it posted to; this is that URL as the request shows it.
        let url = scheme + "://" + authority + request.uri.path
        let expected = RequestSignature.digest(
            url: url,
            username: credentials.username,
            timestamp: timestampText,
            secret: configuration.secret
        )
        return RequestSignature.constantTimeEquals(expected, credentials.digest) ? credentials.username : nil
    }

    private func changeFaults(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maximumRequestBytes),
            let change = try? JSONDecoder().decode(SimulatorFaults.Change.self, from: Data(body.readableBytesView))
        else {
            return Self.text(.badRequest, "expected a JSON object with fault fields")
        }
        let changed = change.applied(to: faults)
        do {
            try setFaults(changed)
            return Self.json(changed)
        } catch {
            return Self.text(.badRequest, error.description)
        }
    }

    // MARK: Responses

    private static func header(_ lowercasedName: String, of request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == lowercasedName }?.value
    }

    private static func fault(
        _ status: HTTPResponse.Status,
        _ kind: PopulationSOAP.Fault.Kind,
        _ code: String,
        _ message: String
    ) -> Response {
        xml(status, PopulationSOAP.encode(PopulationSOAP.Fault(kind: kind, code: code, message: message)))
    }

    private static func xml(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/xml; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n"))
        )
    }

    private static func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else {
            return text(.internalServerError, "cannot encode the answer")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Why the simulator could not start.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    private enum Code: String {
        case alreadyStarted = "the simulator was already started; use a new instance"
        case stoppedBeforeListening = "the server stopped before it was listening"
        case invalidFaults = "invalid faults"
        case unreadableTLSFile = "a TLS file cannot be read"
    }

    private let code: Code
    private let detail: String?

    private init(code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public static let alreadyStarted = SimulatorError(code: .alreadyStarted)
    public static let stoppedBeforeListening = SimulatorError(code: .stoppedBeforeListening)
    static func invalidFaults(_ problem: String) -> SimulatorError {
        SimulatorError(code: .invalidFaults, detail: problem)
    }
    static func unreadableTLSFile(_ detail: String) -> SimulatorError {
        SimulatorError(code: .unreadableTLSFile, detail: detail)
    }

    public var description: String { detail.map { "\(code.rawValue): \($0)" } ?? code.rawValue }
}

/// The server, whose graceful shutdown (`stop()` or a signal) first lets go the requests held to simulate
/// timeouts: they would otherwise keep the shutdown waiting for their hang limit. Only then, not while the
/// simulator runs, so that a held request times out its client as a hung database would.
private struct ReleasingHeldRequests: Service {
    let application: any Service
    let heldRequests: ReleaseLatch

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: {
            heldRequests.release()
        }
    }
}
