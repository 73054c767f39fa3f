import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The admin HTTP server: `/metrics` (Prometheus text), `/healthz` (alive), `/readyz` (ready to work),
/// `/status` (JSON snapshot) and `/` (the live dashboard). Run it in the gateway's `ServiceGroup`.
public struct AdminServer: Service {
    private let configuration: AdminConfiguration
    private let metrics: GatewayMetrics
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let onServerRunning: @Sendable (_ port: Int) async -> Void

    /// - Parameter onServerRunning: called once listening, with the bound port (the chosen one when
    ///   `configuration.port` is 0).
    public init(
        configuration: AdminConfiguration,
        metrics: GatewayMetrics,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.registry = registry
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let configuredPort = configuration.port
        let onServerRunning = onServerRunning
        // Hummingbird itself logs the address it listens on.
        let application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuredPort), serverName: nil),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuredPort)
            },
            logger: logger
        )
        try await application.run()
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let metrics = metrics
        let registry = registry
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        router.get("/healthz") { _, _ in
            Self.text(.ok, "alive\n")
        }
        router.get("/readyz") { _, _ in
            let health = metrics.health
            let mode = metrics.mode == .development ? " (\(Self.developmentNotice))" : ""
            guard health.ready else {
                return Self.text(
                    .serviceUnavailable,
                    "not ready: " + Self.notReadyReasons(health).joined(separator: "; ") + mode + "\n"
                )
            }
            return Self.text(.ok, "ready" + mode + "\n")
        }
        router.get("/status") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = try encoder.encode(metrics.status)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8",
                    .cacheControl: "no-store",
                    // Gateways run in closed networks: the page must work with nothing but this server.
                    .contentSecurityPolicy: Dashboard.contentSecurityPolicy,
                ],
                body: .init(byteBuffer: ByteBuffer(string: Dashboard.html))
            )
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// Vietnamese first: officers read it too.
    static let developmentNotice =
        "môi trường phát triển: Kafka nhúng, CSDLQG về dân cư mô phỏng / development: embedded Kafka, simulated population database"

    static func notReadyReasons(_ health: GatewayStatus.Health) -> [String] {
        var reasons: [String] = []
        if !health.groupJoined { reasons.append("not a member of the consumer group") }
        if !health.upstreamReachable && health.circuitState == .open {
            reasons.append("population database unreachable and circuit open")
        }
        return reasons
    }
}
