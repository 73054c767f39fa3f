import CRdKafka
import Foundation
import LogKeys
import Logging

/// Owns one librdkafka handle (`rd_kafka_t`) and its queues; destroys them after `deinit`.
///
/// Events (delivery reports, fetched messages, rebalances, logs, errors, statistics) are read from a queue
/// by the owner's poll loop, never through C callbacks, so no Swift closure has to cross into C.
final class RDKafkaClient: Sendable {
    enum Kind {
        case producer
        case consumer

        var cValue: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    private let handlePointer: SendableOpaquePointer
    /// The queue the owner polls: the main queue for a producer; for a consumer the consumer queue,
    /// into which the main queue (logs, errors, statistics) is forwarded.
    private let eventQueuePointer: SendableOpaquePointer
    let logger: Logger
    private let onStatistics: (@Sendable (KafkaStatistics) -> Void)?

    var handle: OpaquePointer { handlePointer.pointer }
    var eventQueue: OpaquePointer { eventQueuePointer.pointer }

    init(
        kind: Kind,
        properties: [String: String],
        events: Int32,
        logger: Logger,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)?
    ) throws(KafkaError) {
        var properties = properties
        // librdkafka's own log lines go to the event queue and from there to swift-log.
        properties["log.queue"] = "true"
        let configuration = try Self.makeConfiguration(properties)
        rd_kafka_conf_set_events(
            configuration,
            events | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_STATS
        )

        let errorCapacity = 512
        var errorText = [CChar](repeating: 0, count: errorCapacity)
        guard let handle = rd_kafka_new(kind.cValue, configuration, &errorText, errorCapacity) else {
            // On failure the configuration still belongs to us.
            rd_kafka_conf_destroy(configuration)
            throw KafkaError.configuration(key: "(client)", message: Self.string(errorText))
        }
        rd_kafka_set_log_queue(handle, nil)
        let queue: OpaquePointer
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
            queue = rd_kafka_queue_get_consumer(handle)
        } else {
            queue = rd_kafka_queue_get_main(handle)
        }
        self.handlePointer = SendableOpaquePointer(handle)
        self.eventQueuePointer = SendableOpaquePointer(queue)
        self.logger = logger
        self.onStatistics = onStatistics
    }

    /// `rd_kafka_destroy` joins librdkafka's threads and may wait out its timeouts, and the last reference
    /// is often dropped on Swift's cooperative pool: each client is destroyed on a serial queue of its own,
    /// so that one slow destruction holds up neither the pool nor another's.
    deinit {
        let handle = handlePointer
        let eventQueue = eventQueuePointer
        DispatchQueue(label: "dancu.kafka.destroy").async {
            rd_kafka_queue_destroy(eventQueue.pointer)
            rd_kafka_destroy(handle.pointer)
        }
    }

    /// Builds an `rd_kafka_conf_t` with every property set, or throws naming the first key librdkafka refused.
    static func makeConfiguration(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        guard let configuration = rd_kafka_conf_new() else {
            throw KafkaError.configuration(key: "(client)", message: "librdkafka could not allocate a configuration")
        }
        let errorCapacity = 512
        var errorText = [CChar](repeating: 0, count: errorCapacity)
        // Sorted so that the same bad configuration always names the same key first.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(configuration, key, value, &errorText, errorCapacity)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(configuration)
                throw KafkaError.configuration(key: key, message: string(errorText))
            }
        }
        return configuration
    }

    /// Checks that librdkafka accepts every property, without creating a client.
    static func validate(_ properties: [String: String]) throws(KafkaError) {
        rd_kafka_conf_destroy(try makeConfiguration(properties))
    }

    /// Handles the events every client gets; returns `false` for events the owner must handle itself.
    func handleCommonEvent(_ event: OpaquePointer) -> Bool {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_LOG:
            var facility: UnsafePointer<CChar>?
            var text: UnsafePointer<CChar>?
            var level: Int32 = 0
            guard rd_kafka_event_log(event, &facility, &text, &level) == 0, let text else { return true }
            logger.log(
                level: Self.logLevel(syslog: level),
                "\(String(cString: text))",
                metadata: [LogKey.Kafka.facility: "\(facility.map { String(cString: $0) } ?? "")"],
                source: "librdkafka"
            )
            return true
        case RD_KAFKA_EVENT_ERROR:
            let error = rd_kafka_event_error(event)
            let isFatal = rd_kafka_event_error_is_fatal(event) != 0
            let message = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            // Most client errors (a broker down, a connection refused) are transient and librdkafka recovers.
            logger.log(
                level: isFatal ? .critical : .warning,
                "Kafka client error",
                metadata: [
                    LogKey.Kafka.error: "\(String(cString: rd_kafka_err2name(error)))",
                    LogKey.Kafka.message: "\(message)",
                    LogKey.Kafka.fatal: "\(isFatal)",
                ]
            )
            return true
        case RD_KAFKA_EVENT_STATS:
            guard let onStatistics, let json = rd_kafka_event_stats(event) else { return true }
            let length = strlen(json)
            let bytes = UnsafeRawBufferPointer(start: json, count: length)
            do {
                onStatistics(try KafkaStatistics(json: Data(bytes)))
            } catch {
                logger.debug("Unreadable librdkafka statistics", metadata: [LogKey.Kafka.error: "\(error)"])
            }
            return true
        default:
            return false
        }
    }

    /// The fatal error the client is in, if any (idempotent producer, static membership).
    func currentFatalError() -> KafkaError? {
        let capacity = 512
        var text = [CChar](repeating: 0, count: capacity)
        let code = rd_kafka_fatal_error(handle, &text, capacity)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError.broker(code, message: Self.string(text), isFatal: true)
    }

    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { pointer in
            pointer.baseAddress.map { String(cString: $0) } ?? ""
        }
    }
}

extension TopicPartitionList {
    /// Copies a C partition list into Swift values.
    init(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let count = Int(list.pointee.cnt)
        var entries: [(TopicPartition, Int64)] = []
        var metadata: [TopicPartition: [UInt8]] = [:]
        entries.reserveCapacity(count)
        for index in 0..<count {
            let element = list.pointee.elems[index]
            let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            entries.append((partition, element.offset))
            if let bytes = element.metadata, element.metadata_size > 0 {
                metadata[partition] = Array(UnsafeRawBufferPointer(start: bytes, count: element.metadata_size))
            }
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// A new C list (the caller destroys it with `rd_kafka_topic_partition_list_destroy`).
    func makeCList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        // librdkafka aborts on allocation failure rather than returning NULL, so these are never nil.
        let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t> =
            rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))
        for (topicPartition, offset) in entries {
            let element: UnsafeMutablePointer<rd_kafka_topic_partition_t> =
                rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)
            element.pointee.offset = offset
            if let bytes = metadata[topicPartition], !bytes.isEmpty {
                // The list's destroy frees it with free(3): it must come from malloc.
                let copy = malloc(bytes.count)!
                bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                element.pointee.metadata = copy
                element.pointee.metadata_size = bytes.count
            }
        }
        return list
    }
}

/// Partitions with an offset each (an assignment, or offsets to commit); the C list's Swift twin.
struct TopicPartitionList {
    var entries: [(TopicPartition, Int64)]
    /// What a commit stores with a partition's offset, and what reading committed offsets returns.
    var metadata: [TopicPartition: [UInt8]] = [:]

    init(entries: [(TopicPartition, Int64)], metadata: [TopicPartition: [UInt8]] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    init(partitions: [TopicPartition]) {
        entries = partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }
    }

    var partitions: [TopicPartition] { entries.map(\.0) }
}

/// Checks librdkafka properties without connecting anywhere, for `check-config`.
public enum KafkaClientProperties {
    /// Throws the first property librdkafka refuses, naming its key.
    public static func validate(_ properties: [String: String]) throws(KafkaError) {
        try RDKafkaClient.validate(properties)
    }
}
