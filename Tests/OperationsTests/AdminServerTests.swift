import DanCuConfig
import DanCuContract
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Testing

@testable import Operations

@Suite("Admin server")
struct AdminServerTests {
    @Test("healthz, readyz, metrics, status and the dashboard over HTTP")
    func endpoints() async throws {
        let registry = PrometheusCollectorRegistry()
        let elapsed = ManualElapsed()
        let metrics = GatewayMetrics(registry: registry, elapsed: elapsed.closure)
        metrics.outcomePublished(portal: "an-giang", status: .found, source: .cache, endToEnd: .milliseconds(12))
        elapsed.set(.seconds(1))

        try await withAdminServer(metrics: metrics, registry: registry) { port in
            let health = try await get(port, "/healthz")
            #expect(health.status == 200)

            let notReady = try await get(port, "/readyz")
            #expect(notReady.status == 503)
            #expect(notReady.body.contains("consumer group"))
            metrics.group(joined: true)
            #expect(try await get(port, "/readyz").status == 200)

            let exposition = try await get(port, "/metrics")
            #expect(exposition.status == 200)
            #expect(exposition.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(
                PrometheusText(exposition.body).value(
                    "dancu_outcomes_total",
                    ["portal": "an-giang", "status": "found", "source": "cache"]
                ) == 1
            )

            let status = try await get(port, "/status")
            #expect(status.headers["content-type"] == "application/json")
            let decoded = try JSONDecoder().decode(GatewayStatus.self, from: Data(status.body.utf8))
            #expect(decoded.totals.published == 1)
            #expect(decoded.health.ready)

            let page = try await get(port, "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            #expect(page.body.contains("fetch(\"/status\""))
            // Self-contained: nothing is loaded from another host.
            #expect(!page.body.contains("http://") && !page.body.contains("https://"))
            #expect(!page.body.contains("<link") && !page.body.contains(" src="))

            #expect(try await get(port, "/nothing-here").status == 404)
        }
    }

    @Test("a development gateway says so in /readyz and /status; a production one does not")
    func developmentModeShowsItself() async throws {
        for mode in [DeploymentMode.development, .production] {
            let registry = PrometheusCollectorRegistry()
            let metrics = GatewayMetrics(registry: registry, mode: mode, elapsed: ManualElapsed().closure)
            try await withAdminServer(metrics: metrics, registry: registry) { port in
                #expect(
                    try await get(port, "/readyz").body.contains("simulated population database")
                        == (mode == .development)
                )
                metrics.group(joined: true)
                let ready = try await get(port, "/readyz")
                #expect(ready.status == 200)
                #expect(ready.body.contains("CSDLQG về dân cư mô phỏng") == (mode == .development))
                let status = try JSONDecoder().decode(
                    GatewayStatus.self,
                    from: Data(try await get(port, "/status").body.utf8)
                )
                #expect(status.mode == mode)
                let exposition = PrometheusText(try await get(port, "/metrics").body)
                #expect(
                    exposition.value("dancu_build_info", ["mode": mode.rawValue, "version": BuildVersion.current]) == 1
                )
            }
        }
    }

    @Test("in a ServiceGroup the server stops on graceful shutdown", .timeLimit(.minutes(1)))
    func gracefulShutdown() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(registry: registry, elapsed: ManualElapsed().closure)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "admin-test") { _ in SwiftLogNoOpLogHandler() }
        let server = AdminServer(
            configuration: AdminConfiguration(host: "127.0.0.1", port: 0),
            metrics: metrics,
            registry: registry,
            logger: logger,
            onServerRunning: { announce.yield($0) }
        )
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await withBound(.seconds(30), "the admin server to listen") {
                await ports.first { _ in true }
            }
            let listening = try #require(port)
            #expect(try await get(listening, "/healthz").status == 200)
            await group.triggerGracefulShutdown()
            // The group's run returns only once the server has stopped.
            try await tasks.next()
            await #expect(throws: (any Error).self) { try await get(listening, "/healthz") }
        }
    }
}
