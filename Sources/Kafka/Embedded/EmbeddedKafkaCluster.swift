import CRdKafka
import Logging

/// A Kafka cluster inside this process: librdkafka's mock cluster, speaking the real Kafka protocol on
/// loopback TCP, with consumer groups, committed offsets and fault injection.
///
/// Its limit: each partition keeps at most 5 MiB or 100,000 message sets and silently drops older ones.
/// Give topics enough partitions for the backlog a run builds (see `Docs/embedded-kafka.md`).
public final class EmbeddedKafkaCluster: Sendable {
    /// What a mock partition keeps before it drops its oldest messages.
    public static let partitionByteLimit = 5 * 1024 * 1024
    public static let partitionMessageSetLimit = 100_000

    private let hostClient: RDKafkaClient
    private let clusterPointer: SendableOpaquePointer
    /// `host:port,host:port,...` of the brokers.
    public let bootstrapServers: String
    public let brokerCount: Int

    private var cluster: OpaquePointer { clusterPointer.pointer }

    public init(brokers: Int = 3, logger: Logger) throws(KafkaError) {
        guard brokers >= 1 else { throw KafkaError.configuration(key: "brokers", message: "needs at least one broker") }
        // The mock cluster lives inside a client instance of its own.
        hostClient = try RDKafkaClient(kind: .producer, properties: [:], events: 0, logger: logger, onStatistics: nil)
        guard let cluster = rd_kafka_mock_cluster_new(hostClient.handle, Int32(brokers)) else {
            throw KafkaError.configuration(key: "brokers", message: "librdkafka could not start a mock cluster")
        }
        clusterPointer = SendableOpaquePointer(cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Broker ids run from 1 to `brokerCount`.
    public var brokerIDs: ClosedRange<Int32> { 1...Int32(brokerCount) }

    /// Creates a topic (no error when it exists with the same layout).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32? = nil) throws(KafkaError) {
        let replication = replicationFactor ?? Int32(min(brokerCount, 3))
        let error = rd_kafka_mock_topic_create(cluster, name, partitions, replication)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
            throw KafkaError.broker(error, message: "creating topic \(name)")
        }
    }

    /// Closes a broker's connections and refuses new ones, as a crashed broker would.
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_down(cluster, brokerID), "broker \(brokerID) down")
    }

    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_up(cluster, brokerID), "broker \(brokerID) up")
    }

    /// Delays every answer of a broker, as a slow network would.
    public func setRoundTripTime(_ duration: Duration, broker brokerID: Int32) throws(KafkaError) {
        try check(
            rd_kafka_mock_broker_set_rtt(cluster, brokerID, Int32(duration / .milliseconds(1))),
            "broker \(brokerID) rtt"
        )
    }

    /// Makes the next requests of one Kafka API (by its protocol key, e.g. 0 for Produce) fail with
    /// these error codes, one each, in order.
    public func pushRequestErrors(apiKey: Int16, errorCodes: [Int32]) {
        let errors = errorCodes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Makes the next requests of one Kafka API that reach one broker fail with these error codes, one each,
    /// in order, each answered after `roundTripTime`. Only the partitions this broker leads are refused: the
    /// way to make one topic refuse (`rd_kafka_mock_topic_set_error` reaches only metadata requests in
    /// librdkafka 2.0.2) is to give it a broker of its own.
    public func pushRequestErrors(
        apiKey: Int16,
        errorCodes: [Int32],
        broker brokerID: Int32,
        roundTripTime: Duration = .zero
    ) throws(KafkaError) {
        let milliseconds = Int32(roundTripTime / .milliseconds(1))
        for code in errorCodes {
            try check(
                dancu_mock_broker_push_request_error(
                    cluster,
                    brokerID,
                    apiKey,
                    rd_kafka_resp_err_t(rawValue: code),
                    milliseconds
                ),
                "errors of broker \(brokerID)"
            )
        }
    }

    /// The errors still waiting on a broker's stack for one Kafka API (see
    /// `pushRequestErrors(apiKey:errorCodes:broker:roundTripTime:)`).
    public func pendingRequestErrors(apiKey: Int16, broker brokerID: Int32) throws(KafkaError) -> Int {
        var count = 0
        try check(
            rd_kafka_mock_broker_error_stack_cnt(cluster, brokerID, apiKey, &count),
            "errors of broker \(brokerID)"
        )
        return count
    }

    /// Moves the leadership of a partition to another broker.
    public func setPartitionLeader(topic: String, partition: Int32, broker brokerID: Int32) throws(KafkaError) {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, brokerID),
            "leader of \(topic)[\(partition)]"
        )
    }

    private func check(_ error: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.broker(error, message: what) }
    }
}
