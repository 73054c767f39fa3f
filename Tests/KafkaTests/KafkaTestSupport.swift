import Foundation
import Kafka
import Logging
import Synchronization
import Testing

/// Shared set-up for tests on the embedded cluster: each test gets its own cluster and group names.
struct KafkaTestHarness {
    let cluster: EmbeddedKafkaCluster
    let logger: Logger

    init(brokers: Int = 3) throws {
        var logger = Logger(label: "kafka-tests")
        logger.logLevel = .warning
        self.logger = logger
        cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
    }

    var bootstrap: String { cluster.bootstrapServers }

    func producer(_ extra: [String: String] = [:]) throws -> KafkaProducer {
        var properties = ["bootstrap.servers": bootstrap, "linger.ms": "1"]
        properties.merge(extra) { $1 }
        return try KafkaProducer(properties: properties, logger: logger)
    }

    func consumer(
        group: String,
        strategy: String = "roundrobin",
        _ extra: [String: String] = [:],
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) throws -> KafkaConsumer {
        var properties = [
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": strategy,
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "500",
            "topic.metadata.refresh.interval.ms": "500",
            "fetch.wait.max.ms": "10",
        ]
        properties.merge(extra) { $1 }
        let consumer = try KafkaConsumer(properties: properties, logger: logger, onStatistics: onStatistics)
        if strategy == "cooperative-sticky" { keptUntilExit.withLock { $0.append(consumer) } }
        return consumer
    }
}

/// Cooperative-sticky consumers are never destroyed in tests: Debian's librdkafka 2.0.2 can abort the
/// whole test process in `rd_kafka_sticky_assignor_state_destroy` when one is (librdkafka issue 4312,
/// fixed in 2.3.0), as it did once in a full run. The gateway itself defaults to `roundrobin`.
private let keptUntilExit = Mutex<[KafkaConsumer]>([])

/// A name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Records the consumer's events until `done` says so, or fails after `limit` (real time: the brokers
/// are real sockets, but the wait ends as soon as the condition holds).
@discardableResult
func pollUntil(
    _ consumer: KafkaConsumer,
    limit: Duration = .seconds(120),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ done: ([KafkaConsumerEvent]) -> Bool
) async throws -> [KafkaConsumerEvent] {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    var events: [KafkaConsumerEvent] = []
    while !done(events) {
        guard clock.now < deadline else {
            Issue.record("condition not reached within \(limit)", sourceLocation: sourceLocation)
            return events
        }
        events += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
    }
    return events
}

extension Array where Element == KafkaConsumerEvent {
    var messages: [KafkaMessage] {
        flatMap { event -> [KafkaMessage] in
            if case .messages(let messages) = event { return messages }
            return []
        }
    }

    var assigned: [TopicPartition] {
        flatMap { event -> [TopicPartition] in
            if case .assigned(let partitions) = event { return partitions }
            return []
        }
    }

    var revoked: [TopicPartition] {
        flatMap { event -> [TopicPartition] in
            if case .revoked(let partitions) = event { return partitions }
            return []
        }
    }
}

extension KafkaMessage {
    var valueString: String { value.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
