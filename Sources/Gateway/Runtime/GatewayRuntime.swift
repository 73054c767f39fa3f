import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging
import Operations
import PopulationDB
import Prometheus
import Scheduling
import ServiceLifecycle

/// Assembles the gateway from its configuration and the services it connects to, then runs it as one
/// `ServiceGroup`: the pipeline, the admin server, the span exporter, and the closing of the Kafka producer
/// and the population-database client, all stopped by the group in reverse order of start.
public struct GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let rules: ContractRules
    public let logger: Logger

    public init(configuration: GatewayConfiguration, rules: ContractRules, logger: Logger) {
        self.configuration = configuration
        self.rules = rules
        self.logger = logger
    }

    /// Where the gateway connects: the configured Kafka and population database, or development mode's
    /// stand-ins (`DevelopmentEnvironment`), never a mix of the two.
    public struct Connections: Sendable {
        public var kafka: KafkaConfiguration
        /// With its `url` set.
        public var populationDb: PopulationDBConfiguration
        public var mode: DeploymentMode

        public init(kafka: KafkaConfiguration, populationDb: PopulationDBConfiguration, mode: DeploymentMode) {
            self.kafka = kafka
            self.populationDb = populationDb
            self.mode = mode
        }

        /// The configured services; refuses a configuration that is not wholly production.
        public static func configured(_ configuration: GatewayConfiguration) throws(ConfigurationError) -> Connections {
            let issues = configuration.deploymentIssues()
            guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
            guard configuration.mode == .production else {
                throw ConfigurationError(
                    key: "embedded.enabled",
                    message: "development mode starts its own stand-ins (DevelopmentEnvironment)"
                )
            }
            return Connections(kafka: configuration.kafka, populationDb: configuration.populationDb, mode: .production)
        }

        public var bootstrapServers: String { kafka.bootstrapServers.joined(separator: ",") }
        public var populationDatabaseURL: String { populationDb.url ?? "" }
    }

    /// Runs until SIGTERM/SIGINT (or until `whileRunning` returns, when given), then shuts down gracefully
    /// within `pipeline.shutdownTimeout` plus the time to flush and close.
    /// - Parameters:
    ///   - companions: services that must outlive the pipeline (development mode's simulator); started first,
    ///     stopped after it.
    ///   - handlesSignals: whether SIGTERM/SIGINT stop it (off when a test hosts the gateway in its own process).
    ///   - announce: called with the connections before consuming starts (`run` prints `bootstrap: …` first).
    ///   - whileRunning: work to do while the gateway runs (the demo's traffic), given the gateway's metrics to
    ///     wait for readiness on; the gateway stops when it returns.
    public func run(
        connections: Connections,
        companions: [any Service] = [],
        handlesSignals: Bool = true,
        announce: @Sendable (Connections) throws -> Void,
        whileRunning: (@Sendable (Connections, GatewayMetrics) async throws -> Void)? = nil
    ) async throws {
        try announce(connections)
        let parts = try makeParts(connections)
        var services: [any Service] = companions + parts.closers + [parts.admin, parts.pipeline]
        if let whileRunning {
            services.append(DriverService(connections: connections, metrics: parts.metrics, body: whileRunning))
        }
        let group = ServiceGroup(
            configuration: serviceGroupConfiguration(
                services: (parts.spanExporter.map { [$0] } ?? []) + services,
                handlesSignals: handlesSignals
            )
        )
        defer { logger.info("Gateway stopped") }
        try await group.run()
    }

    /// Everything the gateway runs, built and wired once, at the top.
    private struct Parts {
        var metrics: GatewayMetrics
        var pipeline: GatewayPipeline
        var admin: AdminServer
        var spanExporter: (any Service)?
        /// Close the producer (flushing what is left) and the population-database client once the pipeline,
        /// which stops before them, no longer uses them.
        var closers: [any Service]
    }

    private func makeParts(_ connections: Connections) throws -> Parts {
        let populationDb = connections.populationDb
        // What can still be refused (tracing, then librdkafka's settings) is built first, and the HTTP client,
        // which must be shut down once made, last: a refusal then leaves nothing open behind it.
        let spanExporter = try GatewayTracing.bootstrap(configuration.tracing, logger: logger)
        let servers = connections.kafka.bootstrapServers
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(
            registry: registry,
            portalNames: Dictionary(uniqueKeysWithValues: rules.portals.map { ($0.id, $0.displayName) }),
            mode: connections.mode
        )
        let producer = try KafkaProducer(
            properties: connections.kafka.producerClientProperties(bootstrapServers: servers),
            logger: logger
        )
        let consumer = try KafkaConsumer(
            properties: connections.kafka.consumerClientProperties(bootstrapServers: servers),
            logger: logger,
            onStatistics: { metrics.kafka($0) }
        )
        let client = try PopulationDBClient(
            configuration: populationDb,
            url: connections.populationDatabaseURL,
            logger: logger
        )
        // The one clock of the request path; tests give each part a TestClock instead.
        let clock = ContinuousClock()
        let wallClock: @Sendable () -> Date = { Date() }
        let quota = populationDb.quota
        let scheduler = UpstreamScheduler(
            configuration: configuration.scheduler,
            quota: QuotaSettings(
                requestsPerSecond: Double(quota.requestsPerSecond),
                burst: quota.burst,
                maxInFlight: quota.maxInFlight
            ),
            portals: rules.portals,
            clock: clock,
            logger: logger
        )
        let breaker = CircuitBreaker(configuration: configuration.circuitBreaker, clock: clock, logger: logger)
        let cache = ResultCache(
            configuration: configuration.cache,
            secret: configuration.cache.secret.map { Array($0.value.utf8) },
            clock: clock
        )
        let upstream = UpstreamAccess(
            client: client,
            scheduler: scheduler,
            cache: cache,
            breaker: breaker,
            cachedTypes: Set(configuration.cache.enabledFor),
            retry: RetryPolicy(configuration.pipeline.retry),
            metrics: metrics,
            logger: logger,
            clock: ElapsedClock(clock),
            wallClock: wallClock
        )
        let duplicates = DuplicateFilter(
            window: configuration.pipeline.duplicateWindow.duration,
            capacity: configuration.pipeline.duplicateCapacity,
            maxBytes: configuration.pipeline.duplicateMaxBytes,
            clock: clock
        )
        let processor = RequestProcessor(
            planner: RequestPlanner(
                rules: rules,
                duplicates: duplicates,
                cachedOutcome: { upstream.cachedOutcome($0) },
                wallClock: wallClock
            ),
            rules: rules,
            upstream: upstream,
            producer: producer,
            duplicates: duplicates,
            metrics: metrics,
            audit: AuditTrail(
                topic: configuration.audit.topic,
                hasher: AuditHasher(secret: configuration.audit.secret)
            ),
            retry: RetryPolicy(configuration.pipeline.retry),
            logger: logger,
            mode: connections.mode,
            clock: ElapsedClock(clock)
        )
        let pipeline = GatewayPipeline(
            consumer: consumer,
            processor: processor,
            scheduler: scheduler,
            cacheStatistics: { cache.statistics },
            metrics: metrics,
            rules: rules,
            configuration: configuration.pipeline,
            logger: logger,
            clock: ElapsedClock(clock)
        )
        link(breaker: breaker, scheduler: scheduler, pipeline: pipeline, metrics: metrics)
        let admin = AdminServer(
            configuration: configuration.admin,
            metrics: metrics,
            registry: registry,
            logger: logger
        ) { port in
            logger.notice(
                "Admin server: dashboard, /metrics, /status, /healthz, /readyz",
                metadata: [LogKey.url: "http://\(configuration.admin.host):\(port)/"]
            )
        }
        return Parts(
            metrics: metrics,
            pipeline: pipeline,
            admin: admin,
            spanExporter: spanExporter,
            closers: [
                CloseOnShutdown { await producer.close(flushTimeout: Self.producerFlushTimeout) },
                CloseOnShutdown { try? await client.shutdown() },
            ]
        )
    }

    /// The links between the parts, made once, here: a full portal queue pauses that portal's request partitions;
    /// an open breaker pauses the scheduler for the cool-down and the request partitions until it closes or probes.
    private func link(
        breaker: CircuitBreaker,
        scheduler: UpstreamScheduler,
        pipeline: GatewayPipeline,
        metrics: GatewayMetrics
    ) {
        let coolDown = configuration.circuitBreaker.coolDown.duration
        scheduler.onBackpressure { portal, full in pipeline.portalQueue(of: portal, full: full) }
        breaker.onStateChange { state in
            metrics.circuit(state: state)
            if state == .open { scheduler.pause(until: scheduler.now.advanced(by: coolDown)) }
            pipeline.circuitEntered(state)
        }
    }

    /// Outcomes the pipeline handed over but the broker has not yet acknowledged get this long at shutdown.
    private static let producerFlushTimeout = Duration.seconds(10)

    /// Every service ends the group when it ends, successfully or not, and the group's shutdown is bounded:
    /// the pipeline's own timeout for in-flight work, then the producer's flush, then a margin.
    private func serviceGroupConfiguration(services: [any Service], handlesSignals: Bool) -> ServiceGroupConfiguration {
        var group = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0,
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            },
            gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        group.maximumGracefulShutdownDuration =
            configuration.pipeline.shutdownTimeout.duration + Self.producerFlushTimeout + .seconds(5)
        return group
    }
}

/// Waits for the group's graceful shutdown, then closes one resource: the group's reverse stop order puts
/// the closing after everything started later (the pipeline) has stopped.
struct CloseOnShutdown: Service {
    let close: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// Runs the caller's work next to the gateway; when it returns, the whole group shuts down gracefully.
private struct DriverService: Service {
    let connections: GatewayRuntime.Connections
    let metrics: GatewayMetrics
    let body: @Sendable (GatewayRuntime.Connections, GatewayMetrics) async throws -> Void

    func run() async throws {
        try await body(connections, metrics)
    }
}
