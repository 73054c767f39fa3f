import Foundation

/// The part of librdkafka's statistics (`statistics.interval.ms`) that operations needs, typed.
public struct KafkaStatistics: Sendable, Hashable {
    /// One partition as this client sees it.
    public struct Partition: Sendable, Hashable {
        public var topicPartition: TopicPartition
        /// Messages between the committed offset (or the consume position) and the high watermark;
        /// `nil` when librdkafka does not know it (`-1`), e.g. on a partition this consumer does not own.
        public var consumerLag: Int64?
        public var committedOffset: Int64?
        public var highWatermark: Int64?
        /// Messages waiting in the producer's queue for this partition.
        public var producerQueueMessages: Int64
    }

    /// The client's instance name, e.g. `dancu-gateway#consumer-1`.
    public var name: String
    /// Messages in the producer's queues, waiting for delivery.
    public var queuedMessages: Int64
    /// Total messages sent to and received from brokers since start.
    public var transmittedMessages: Int64
    public var receivedMessages: Int64
    /// Partitions with a real partition id (librdkafka's internal partition `-1` is left out).
    public var partitions: [Partition]
    /// The consumer group's state (`up`, `join`, ...), `nil` for a producer.
    public var groupState: String?
    public var groupAssignmentSize: Int?

    public init(json: Data) throws {
        let raw = try JSONDecoder().decode(Raw.self, from: json)
        name = raw.name
        queuedMessages = raw.msg_cnt ?? 0
        transmittedMessages = raw.txmsgs ?? 0
        receivedMessages = raw.rxmsgs ?? 0
        partitions = (raw.topics ?? [:]).flatMap { topic, topicStatistics in
            (topicStatistics.partitions ?? [:]).values.compactMap { partition -> Partition? in
                guard partition.partition >= 0 else { return nil }
                return Partition(
                    topicPartition: TopicPartition(topic: topic, partition: partition.partition),
                    consumerLag: Self.known(partition.consumer_lag),
                    committedOffset: Self.known(partition.committed_offset),
                    highWatermark: Self.known(partition.hi_offset),
                    producerQueueMessages: partition.msgq_cnt ?? 0
                )
            }
        }.sorted { $0.topicPartition < $1.topicPartition }
        groupState = raw.cgrp?.state
        groupAssignmentSize = raw.cgrp?.assignment_size
    }

    /// librdkafka writes -1 (and -1001 for "invalid offset") when it does not know a value.
    private static func known(_ value: Int64?) -> Int64? {
        guard let value, value >= 0 else { return nil }
        return value
    }

    // Field names are librdkafka's (STATISTICS.md).
    private struct Raw: Decodable {
        struct Topic: Decodable {
            var partitions: [String: RawPartition]?
        }
        struct RawPartition: Decodable {
            var partition: Int32
            var consumer_lag: Int64?
            var committed_offset: Int64?
            var hi_offset: Int64?
            var msgq_cnt: Int64?
        }
        struct Group: Decodable {
            var state: String?
            var assignment_size: Int?
        }
        var name: String
        var msg_cnt: Int64?
        var txmsgs: Int64?
        var rxmsgs: Int64?
        var topics: [String: Topic]?
        var cgrp: Group?
    }
}
