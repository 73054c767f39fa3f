import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import Logging
import Operations
import PopulationDB
import PopulationSimulator
import Prometheus
import Scheduling
import ServiceLifecycle

/// Assembles the gateway from its configuration: real Kafka and the real population database, or in
/// development mode the embedded cluster and the in-process simulator, never one of them alone.
public struct GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let rules: ContractRules
    public let logger: Logger

    public init(configuration: GatewayConfiguration, rules: ContractRules, logger: Logger) {
        self.configuration = configuration
        self.rules = rules
        self.logger = logger
    }

    /// What an embedded run started, for the caller to announce or reuse (the demo sends traffic to it).
    public struct Endpoints: Sendable {
        public var bootstrapServers: String
        public var populationDatabaseURL: String
        public var mode: DeploymentMode
    }

    /// Runs until SIGTERM/SIGINT (or until `whileRunning` returns, when given), then shuts down gracefully.
    /// - Parameters:
    ///   - handlesSignals: whether SIGTERM/SIGINT stop it (off when a test hosts the gateway in its own process).
    ///   - announce: called with the endpoints before consuming starts (`run` prints `bootstrap: …` first).
    ///   - whileRunning: work to do while the gateway runs (the demo's traffic), given the gateway's metrics to
    ///     wait for readiness on; the gateway stops when it returns.
    public func run(
        handlesSignals: Bool = true,
        announce: @Sendable (Endpoints) throws -> Void,
        whileRunning: (@Sendable (Endpoints, GatewayMetrics) async throws -> Void)? = nil
    ) async throws {
        let mode = configuration.mode
        let issues = configuration.deploymentIssues()
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        let cluster = mode == .development ? try startEmbeddedKafka() : nil
        let bootstrapServers = cluster?.bootstrapServers ?? configuration.kafka.bootstrapServers.joined(separator: ",")
        if let cluster { try createTopics(in: cluster, partitions: Int32(configuration.embedded.partitions)) }

        var populationDb = configuration.populationDb
        let simulator = mode == .development ? try await startSimulator(&populationDb) : nil
        guard let databaseURL = populationDb.url else {
            throw ConfigurationError(key: "populationDb.url", message: "is not set (DANCU_POPULATION_DB_URL)")
        }
        let endpoints = Endpoints(bootstrapServers: bootstrapServers, populationDatabaseURL: databaseURL, mode: mode)
        try announce(endpoints)

        let client = try PopulationDBClient(configuration: populationDb, url: databaseURL, logger: logger)
        let servers = bootstrapServers.split(separator: ",").map(String.init)
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(
            registry: registry,
            portalNames: Dictionary(uniqueKeysWithValues: rules.portals.map { ($0.id, $0.displayName) }),
            mode: mode
        )
        let producer = try KafkaProducer(properties: configuration.kafka.producerClientProperties(bootstrapServers: servers), logger: logger)
        var kafka = configuration.kafka
        // The mock cluster holds every empty fetch for the whole wait, even while records arrive.
        if cluster != nil { kafka.fetchWait = .milliseconds(10) }
        let consumer = try KafkaConsumer(
            properties: kafka.consumerClientProperties(bootstrapServers: servers),
            logger: logger,
            onStatistics: { metrics.kafka($0) }
        )
        let clock = ContinuousClock()
        let quota = populationDb.quota
        let scheduler = UpstreamScheduler(
            configuration: configuration.scheduler,
            quota: QuotaSettings(requestsPerSecond: Double(quota.requestsPerSecond), burst: quota.burst, maxInFlight: quota.maxInFlight),
            portals: rules.portals,
            clock: clock,
            logger: logger
        )
        let breaker = CircuitBreaker(configuration: configuration.circuitBreaker, clock: clock, logger: logger)
        let upstream = UpstreamAccess(
            client: client,
            scheduler: scheduler,
            cache: ResultCache(
                configuration: configuration.cache,
                secret: configuration.cache.secret.map { Array($0.value.utf8) },
                clock: clock
            ),
            breaker: breaker,
            cachedTypes: Set(configuration.cache.enabledFor),
            retry: RetryPolicy(configuration.pipeline.retry),
            metrics: metrics,
            logger: logger
        )
        let pipelineConfiguration = configuration.pipeline
        let processor = RequestProcessor(
            rules: rules,
            upstream: upstream,
            producer: producer,
            duplicates: DuplicateFilter(
                window: pipelineConfiguration.duplicateWindow.duration,
                capacity: pipelineConfiguration.duplicateCapacity
            ),
            metrics: metrics,
            audit: AuditTrail(topic: configuration.audit.topic, hasher: AuditHasher(secret: configuration.audit.secret)),
            retry: RetryPolicy(pipelineConfiguration.retry),
            logger: logger,
            mode: mode
        )
        let pipeline = GatewayPipeline(
            consumer: consumer,
            processor: processor,
            scheduler: scheduler,
            breaker: breaker,
            circuitCoolDown: configuration.circuitBreaker.coolDown.duration,
            metrics: metrics,
            rules: rules,
            configuration: pipelineConfiguration,
            logger: logger
        )
        let admin = AdminServer(configuration: configuration.admin, metrics: metrics, registry: registry, logger: logger) { port in
            logger.notice("Admin server: dashboard, /metrics, /status, /healthz, /readyz", metadata: ["url": "http://\(configuration.admin.host):\(port)/"])
        }
        // Started in order and stopped in reverse: the pipeline stops first, the admin server next, and the span
        // exporter last, so that it flushes the spans of the final requests.
        var services: [any Service] = [admin, pipeline]
        if let whileRunning {
            services.append(DriverService(endpoints: endpoints, metrics: metrics, body: whileRunning))
        }
        let spanExporter = try GatewayTracing.bootstrap(configuration.tracing, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: (spanExporter.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
                    + services.map {
                        .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                    },
                gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        defer { logger.info("Gateway stopped") }
        do {
            try await group.run()
        } catch {
            await close(producer: producer, client: client, simulator: simulator)
            throw error
        }
        await close(producer: producer, client: client, simulator: simulator)
    }

    private func close(producer: KafkaProducer, client: PopulationDBClient, simulator: PopulationSimulator?) async {
        await producer.close(flushTimeout: .seconds(10))
        try? await client.shutdown()
        await simulator?.stop()
    }

    private func startEmbeddedKafka() throws -> EmbeddedKafkaCluster {
        let cluster = try EmbeddedKafkaCluster(brokers: configuration.embedded.brokers, logger: logger)
        logger.warning(
            "Development mode: started the embedded Kafka cluster (librdkafka's mock; each partition keeps at most 5 MiB or 100,000 message sets)",
            metadata: ["bootstrap": "\(cluster.bootstrapServers)", "brokers": "\(configuration.embedded.brokers)"]
        )
        return cluster
    }

    /// The request and outcome topics of every configured portal, the dead-letter and the audit topic.
    public func createTopics(in cluster: EmbeddedKafkaCluster, partitions: Int32) throws {
        for portal in rules.portals {
            try cluster.createTopic(rules.requestTopic(for: portal), partitions: partitions)
            try cluster.createTopic(rules.outcomeTopic(for: portal), partitions: partitions)
        }
        try cluster.createTopic(rules.deadLetterTopic, partitions: partitions)
        try cluster.createTopic(configuration.audit.topic, partitions: partitions)
    }

    private func startSimulator(_ populationDb: inout PopulationDBConfiguration) async throws -> PopulationSimulator {
        let secret = populationDb.secret?.value ?? UUID().uuidString
        populationDb.secret = Secret(secret)
        let embedded = configuration.embedded
        let simulator = PopulationSimulator(
            configuration: SimulatorConfiguration(
                port: 0,
                citizens: embedded.citizens,
                seed: embedded.seed,
                username: populationDb.username,
                secret: secret,
                quota: embedded.simulatorQuota,
                latencyMs: embedded.latency.seconds * 1000,
                latencyP99Ms: embedded.latencyP99.seconds * 1000
            ),
            logger: logger
        )
        let port = try await simulator.start()
        populationDb.url = simulator.endpointURL(port: port)
        logger.warning(
            "Development mode: started the population-database simulator; outcomes carry synthetic citizens and the header dancu-environment: development",
            metadata: ["url": "\(populationDb.url ?? "")", "citizens": "\(embedded.citizens)", "seed": "\(embedded.seed)"]
        )
        return simulator
    }
}

/// Runs the caller's work next to the gateway; when it returns, the whole group shuts down gracefully.
private struct DriverService: Service {
    let endpoints: GatewayRuntime.Endpoints
    let metrics: GatewayMetrics
    let body: @Sendable (GatewayRuntime.Endpoints, GatewayMetrics) async throws -> Void

    func run() async throws {
        try await body(endpoints, metrics)
    }
}
