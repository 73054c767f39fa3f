import DanCuConfig
import DanCuContract
import DurationUnits
import Foundation
import Gateway
import Kafka
import LogKeys
import Logging
import Operations
import PopulationSimulator
import ServiceLifecycle

/// Development mode's stand-ins, kept out of the production library: the embedded Kafka cluster (librdkafka's
/// mock) with the gateway's topics, and the population-database simulator, always together. The gateway runs
/// on them through `connections`; `companions` keep the simulator in the gateway's `ServiceGroup`, stopped
/// after the pipeline. Keep the environment alive while the gateway runs: the cluster lives as long as it.
public struct DevelopmentEnvironment: Sendable {
    public let cluster: EmbeddedKafkaCluster
    public let connections: GatewayRuntime.Connections
    public let companions: [any Service]

    /// Starts the cluster with every configured portal's topics and the simulator of `embedded`'s population.
    public static func start(
        configuration: GatewayConfiguration,
        rules: ContractRules,
        logger: Logger
    ) async throws -> DevelopmentEnvironment {
        let embedded = configuration.embedded
        let cluster = try EmbeddedKafkaCluster(brokers: embedded.brokers, logger: logger)
        try createTopics(
            in: cluster,
            rules: rules,
            auditTopic: configuration.audit.topic,
            partitions: Int32(embedded.partitions)
        )
        logger.warning(
            "Development mode: started the embedded Kafka cluster (librdkafka's mock; each partition keeps at most 5 MiB or 100,000 message sets)",
            metadata: [LogKey.bootstrap: "\(cluster.bootstrapServers)", LogKey.brokers: "\(embedded.brokers)"]
        )

        var populationDb = configuration.populationDb
        // A secret of this run only: nothing outside the process signs requests to this simulator.
        let secret = populationDb.secret?.value ?? UUID().uuidString
        populationDb.secret = Secret(secret)
        let simulator = PopulationSimulator(
            configuration: SimulatorConfiguration(
                port: 0,
                citizens: embedded.citizens,
                seed: embedded.seed,
                username: populationDb.username,
                secret: secret,
                quota: embedded.simulatorQuota,
                latencyMs: embedded.latency.duration.inMilliseconds,
                latencyP99Ms: embedded.latencyP99.duration.inMilliseconds,
                // The registry's convention is the one the gateway normalises names to.
                tonePlacement: configuration.contract.names.tonePlacement
            ),
            logger: logger
        )
        let port = try await simulator.start()
        populationDb.url = simulator.endpointURL(port: port)
        logger.warning(
            "Development mode: started the population-database simulator; outcomes carry synthetic citizens and the header dancu-environment: development",
            metadata: [
                LogKey.url: "\(populationDb.url ?? "")", LogKey.citizens: "\(embedded.citizens)",
                LogKey.seed: "\(embedded.seed)",
            ]
        )

        var kafka = configuration.kafka
        kafka.bootstrapServers = cluster.bootstrapServers.split(separator: ",").map(String.init)
        // The mock cluster holds every empty fetch for the whole wait, even while records arrive.
        kafka.fetchWait = .milliseconds(10)
        return DevelopmentEnvironment(
            cluster: cluster,
            connections: GatewayRuntime.Connections(kafka: kafka, populationDb: populationDb, mode: .development),
            companions: [SimulatorService(simulator: simulator)]
        )
    }

    /// The request and outcome topics of every configured portal, the dead-letter and the audit topic.
    public static func createTopics(
        in cluster: EmbeddedKafkaCluster,
        rules: ContractRules,
        auditTopic: String,
        partitions: Int32
    ) throws {
        for portal in rules.portals {
            try cluster.createTopic(rules.requestTopic(for: portal), partitions: partitions)
            try cluster.createTopic(rules.outcomeTopic(for: portal), partitions: partitions)
        }
        try cluster.createTopic(rules.deadLetterTopic, partitions: partitions)
        try cluster.createTopic(auditTopic, partitions: partitions)
    }
}

/// The simulator's life in the gateway's `ServiceGroup`: a failure of its server ends the group, and the
/// group's shutdown stops it (after the pipeline, which may still be calling it).
struct SimulatorService: Service {
    let simulator: PopulationSimulator

    func run() async throws {
        // Stopped gracefully with the group, or at once when the group is cancelled (its shutdown timed out).
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await simulator.waitUntilStopped()
            } onGracefulShutdown: {
                Task { await simulator.stop() }
            }
        } onCancel: {
            Task { await simulator.stop() }
        }
    }
}
