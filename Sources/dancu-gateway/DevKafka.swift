import ArgumentParser
import CommandSupport
import DevelopmentEnvironment
import Foundation
import Gateway
import Kafka

struct DevKafka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-kafka",
        abstract: "Run an embedded Kafka cluster (librdkafka's mock) for local development, until SIGINT/SIGTERM.",
        discussion: """
            Each partition keeps at most 5 MiB or 100,000 message sets and silently drops older messages:
            give topics enough partitions for the backlog you build (Docs/embedded-kafka.md).
            """
    )

    @Option(help: "Number of brokers.")
    var brokers = 3

    @Option(help: "Partitions of each topic created with --topic NAME (NAME:N sets N for one topic).")
    var partitions: Int32 = 16

    @Option(name: .customLong("topic"), help: "A topic to create (repeatable), as NAME or NAME:PARTITIONS.")
    var topics: [String] = []

    @Option(help: "Also write the bootstrap servers to this file.")
    var bootstrapFile: String?

    @Flag(
        help:
            "Also create the gateway's topics (every portal's request and outcome topic, dead letters, audit) of --config."
    )
    var gatewayTopics = false

    @OptionGroup var configOption: ConfigOption

    func validate() throws {
        guard (1...9).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 9") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 1024") }
        for topic in topics where Self.parse(topic, defaultPartitions: partitions) == nil {
            throw ValidationError("--topic \(topic): write NAME or NAME:PARTITIONS")
        }
    }

    func run() async throws {
        let logger = makeLogger()
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        if gatewayTopics {
            try await exitingByKind {
                let (configuration, rules) = try GatewayConfiguration.load(
                    path: configOption.path,
                    checkingDeployment: false
                )
                try DevelopmentEnvironment.createTopics(
                    in: cluster,
                    rules: rules,
                    auditTopic: configuration.audit.topic,
                    partitions: partitions
                )
            }
        }
        for topic in topics {
            guard let (name, count) = Self.parse(topic, defaultPartitions: partitions) else { continue }
            try cluster.createTopic(name, partitions: count)
        }
        try announceBootstrap(cluster.bootstrapServers, file: bootstrapFile)
        let limitMiB = EmbeddedKafkaCluster.partitionByteLimit / 1024 / 1024
        logger.warning(
            "Embedded cluster: each partition keeps at most \(limitMiB) MiB or \(EmbeddedKafkaCluster.partitionMessageSetLimit) message sets and drops older messages silently; size partitions for your backlog"
        )
        try await TerminationSignals.wait(logger: logger)
        logger.info("Stopping the embedded cluster")
        withExtendedLifetime(cluster) {}
    }

    static func parse(_ text: String, defaultPartitions: Int32) -> (String, Int32)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty, parts.count <= 2 else { return nil }
        guard parts.count == 2 else { return (String(name), defaultPartitions) }
        guard let count = Int32(parts[1]), count >= 1 else { return nil }
        return (String(name), count)
    }
}
