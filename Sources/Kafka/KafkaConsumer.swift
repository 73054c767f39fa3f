import CRdKafka
import Dispatch
import LogKeys
import Logging
import Synchronization

/// What a consumer poll hands the caller, in the order it happened.
public enum KafkaConsumerEvent: Sendable {
    /// Messages fetched, in offset order per partition.
    case messages([KafkaMessage])
    /// Partitions now owned (for the cooperative protocol: added to what was owned).
    case assigned([TopicPartition])
    /// Partitions about to be taken away. They are still owned until the next `poll`, so the caller can
    /// finish and commit their work first; then `poll` lets them go.
    case revoked([TopicPartition])
    /// A non-fatal consumer error (e.g. a topic that went away); fatal ones are thrown by `poll`.
    case error(KafkaError)
}

/// A Kafka consumer-group member with explicit commits, pause/resume per partition, and rebalances
/// handed to the caller before partitions are taken away.
///
/// Auto-commit and automatic offset storing are off: the caller commits exactly the offsets it has
/// finished. Blocking librdkafka calls run on two dedicated serial queues (polling, and commits),
/// never on the cooperative pool.
public final class KafkaConsumer: Sendable {
    private let client: RDKafkaClient
    private let pollQueue = DispatchQueue(label: "dancu.kafka.consumer.poll")
    private let controlQueue = DispatchQueue(label: "dancu.kafka.consumer.control")
    /// Partitions announced as revoked and not yet let go: the next poll unassigns them first.
    private let pendingRevocation = Mutex<[TopicPartition]?>(nil)
    private let closed = Atomic<Bool>(false)

    /// - Parameter properties: librdkafka properties by name; `group.id` is required. Auto-commit and
    ///   auto offset store are forced off. The gateway maps its `kafka` section to them in one place (`KafkaConfiguration`).
    public init(
        properties: [String: String],
        logger: Logger,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        guard properties["group.id"].map({ !$0.isEmpty }) == true else {
            throw KafkaError.configuration(key: "group.id", message: "a consumer needs a group id")
        }
        var properties = properties
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        client = try RDKafkaClient(
            kind: .consumer,
            properties: properties,
            events: RD_KAFKA_EVENT_FETCH | RD_KAFKA_EVENT_REBALANCE | RD_KAFKA_EVENT_OFFSET_COMMIT,
            logger: logger,
            onStatistics: onStatistics
        )
    }

    deinit {
        // A consumer dropped without `close` must still leave the group, or its partitions stay stuck
        // until the session times out.
        if !closed.load(ordering: .acquiring) { closeBlocking() }
    }

    /// Subscribes to topic names; a name starting with `^` is a regular expression
    /// (e.g. `^dancu\.requests\..+`), so topics created later are picked up without a restart.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = TopicPartitionList(
            partitions: topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }
        )
        .makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_subscribe(client.handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.broker(error) }
    }

    /// Reads `startOffsets`' partitions from the given offsets without group membership: no rebalance
    /// adds or takes away partitions, and nothing waits for a group to form. For readers that want
    /// every partition themselves, such as the load tool reading outcomes.
    public func assign(_ startOffsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = TopicPartitionList(entries: startOffsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            .makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_assign(client.handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.broker(error) }
    }

    /// Waits up to `timeout` for the first event, then takes whatever else is ready, up to `maxMessages`
    /// messages. Stops early after a revocation so the caller sees it before the partitions go.
    public func poll(
        maxMessages: Int = 500,
        timeout: Duration = .milliseconds(100)
    ) async throws(KafkaError)
        -> [KafkaConsumerEvent]
    {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError.closed }
        let timeoutMilliseconds = Int32(clamping: Int(timeout / .milliseconds(1)))
        let result: Result<[KafkaConsumerEvent], KafkaError> = await withCheckedContinuation { continuation in
            pollQueue.async {
                continuation.resume(
                    returning: self.pollBlocking(maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
                )
            }
        }
        return try result.get()
    }

    private func pollBlocking(maxMessages: Int, timeoutMilliseconds: Int32) -> Result<[KafkaConsumerEvent], KafkaError>
    {
        if let revoked = pendingRevocation.withLock({ pending in
            defer { pending = nil }
            return pending
        }) {
            unassign(revoked)
        }
        var events: [KafkaConsumerEvent] = []
        var messages: [KafkaMessage] = []
        var messageCount = 0
        func flushMessages() {
            if !messages.isEmpty {
                events.append(.messages(messages))
                messages = []
            }
        }
        var wait = timeoutMilliseconds
        while messageCount < maxMessages, let event = rd_kafka_queue_poll(client.eventQueue, wait) {
            defer { rd_kafka_event_destroy(event) }
            wait = 0
            switch rd_kafka_event_type(event) {
            case RD_KAFKA_EVENT_FETCH:
                guard let message = rd_kafka_event_message_next(event) else { continue }
                let error = message.pointee.err
                if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    messages.append(Self.copy(message))
                    messageCount += 1
                } else if error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
                    flushMessages()
                    events.append(.error(KafkaError.broker(error, message: text)))
                }
            case RD_KAFKA_EVENT_REBALANCE:
                flushMessages()
                guard let list = rd_kafka_event_topic_partition_list(event) else { continue }
                let partitions = TopicPartitionList(list).partitions
                if rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                    assign(list)
                    events.append(.assigned(partitions))
                } else {
                    pendingRevocation.withLock { $0 = ($0 ?? []) + partitions }
                    events.append(.revoked(partitions))
                    return .success(events)
                }
            case RD_KAFKA_EVENT_OFFSET_COMMIT:
                let error = rd_kafka_event_error(event)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    client.logger.warning(
                        "Kafka offset commit failed",
                        metadata: [LogKey.Kafka.error: "\(KafkaError.broker(error))"]
                    )
                }
            default:
                if !client.handleCommonEvent(event) {
                    client.logger.debug(
                        "Unexpected Kafka consumer event",
                        metadata: [LogKey.Kafka.event: "\(String(cString: rd_kafka_event_name(event)))"]
                    )
                }
            }
        }
        flushMessages()
        if let fatal = client.currentFatalError() { return .failure(fatal) }
        return .success(events)
    }

    private var isCooperative: Bool {
        String(cString: rd_kafka_rebalance_protocol(client.handle)) == "COOPERATIVE"
    }

    private func assign(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        if isCooperative {
            if let error = rd_kafka_incremental_assign(client.handle, list) {
                client.logger.error(
                    "Kafka incremental assign failed",
                    metadata: [LogKey.Kafka.error: "\(KafkaError.consuming(error))"]
                )
            }
        } else {
            let error = rd_kafka_assign(client.handle, list)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                client.logger.error(
                    "Kafka assign failed",
                    metadata: [LogKey.Kafka.error: "\(KafkaError.broker(error))"]
                )
            }
        }
    }

    private func unassign(_ partitions: [TopicPartition]) {
        if isCooperative {
            let list = TopicPartitionList(partitions: partitions).makeCList()
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_incremental_unassign(client.handle, list) {
                client.logger.error(
                    "Kafka incremental unassign failed",
                    metadata: [LogKey.Kafka.error: "\(KafkaError.consuming(error))"]
                )
            }
        } else {
            let error = rd_kafka_assign(client.handle, nil)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                client.logger.error(
                    "Kafka unassign failed",
                    metadata: [LogKey.Kafka.error: "\(KafkaError.broker(error))"]
                )
            }
        }
    }

    /// Commits, synchronously with the group coordinator, the offset to resume from for each partition:
    /// one past the last message finished.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        try await commit(positions: offsets.mapValues { CommittedPosition(offset: $0) })
    }

    /// Commits each partition's offset with its metadata, synchronously with the group coordinator.
    public func commit(positions: [TopicPartition: CommittedPosition]) async throws(KafkaError) {
        guard !positions.isEmpty else { return }
        let sorted = positions.sorted { $0.key < $1.key }
        let list = TopicPartitionList(
            entries: sorted.map { ($0.key, $0.value.offset) },
            metadata: positions.mapValues(\.metadata)
        )
        let handle = SendableOpaquePointer(client.handle)
        let error: KafkaError? = await withCheckedContinuation { continuation in
            controlQueue.async {
                let cList = list.makeCList()
                defer { rd_kafka_topic_partition_list_destroy(cList) }
                let code = rd_kafka_commit(handle.pointer, cList, 0)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    continuation.resume(returning: KafkaError.broker(code))
                    return
                }
                let partitionError = (0..<Int(cList.pointee.cnt)).lazy.map { cList.pointee.elems[$0].err }
                    .first { $0 != RD_KAFKA_RESP_ERR_NO_ERROR }
                continuation.resume(returning: partitionError.map { KafkaError.broker($0) })
            }
        }
        if let error { throw error }
    }

    /// The group's committed offsets for `partitions` (absent when nothing was committed).
    public func committed(
        _ partitions: [TopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError) -> [TopicPartition: Int64] {
        try await committedPositions(partitions, timeout: timeout).mapValues(\.offset)
    }

    /// The group's committed offsets for `partitions`, with their metadata (absent when nothing was committed).
    public func committedPositions(
        _ partitions: [TopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError) -> [TopicPartition: CommittedPosition] {
        let handle = SendableOpaquePointer(client.handle)
        let milliseconds = Int32(clamping: Int(timeout / .milliseconds(1)))
        let result: Result<[TopicPartition: CommittedPosition], KafkaError> = await withCheckedContinuation {
            continuation in
            controlQueue.async {
                let cList = TopicPartitionList(partitions: partitions).makeCList()
                defer { rd_kafka_topic_partition_list_destroy(cList) }
                let code = rd_kafka_committed(handle.pointer, cList, milliseconds)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    continuation.resume(returning: .failure(KafkaError.broker(code)))
                    return
                }
                let list = TopicPartitionList(cList)
                var positions: [TopicPartition: CommittedPosition] = [:]
                for (partition, offset) in list.entries where offset >= 0 {
                    positions[partition] = CommittedPosition(offset: offset, metadata: list.metadata[partition] ?? [])
                }
                continuation.resume(returning: .success(positions))
            }
        }
        return try result.get()
    }

    /// How many partitions each existing topic has (from the brokers' metadata); topics unknown to the
    /// cluster are absent.
    public func partitionCounts(
        of topics: Set<String>,
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError) -> [String: Int] {
        let handle = SendableOpaquePointer(client.handle)
        let milliseconds = Int32(clamping: Int(timeout / .milliseconds(1)))
        let result: Result<[String: Int], KafkaError> = await withCheckedContinuation { continuation in
            controlQueue.async {
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let code = rd_kafka_metadata(handle.pointer, 1, nil, &metadata, milliseconds)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                    continuation.resume(returning: .failure(KafkaError.broker(code)))
                    return
                }
                defer { rd_kafka_metadata_destroy(metadata) }
                var counts: [String: Int] = [:]
                for index in 0..<Int(metadata.pointee.topic_cnt) {
                    let topic = metadata.pointee.topics[index]
                    let name = String(cString: topic.topic)
                    if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, topics.contains(name) {
                        counts[name] = Int(topic.partition_cnt)
                    }
                }
                continuation.resume(returning: .success(counts))
            }
        }
        return try result.get()
    }

    /// The offset the next message of each partition will get (its high watermark), asked of the
    /// partitions' leaders.
    public func endOffsets(
        of partitions: [TopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError)
        -> [TopicPartition: Int64]
    {
        let handle = SendableOpaquePointer(client.handle)
        let milliseconds = Int32(clamping: Int(timeout / .milliseconds(1)))
        let result: Result<[TopicPartition: Int64], KafkaError> = await withCheckedContinuation { continuation in
            controlQueue.async {
                var ends: [TopicPartition: Int64] = [:]
                for partition in partitions {
                    var low: Int64 = 0
                    var high: Int64 = 0
                    let code = rd_kafka_query_watermark_offsets(
                        handle.pointer,
                        partition.topic,
                        partition.partition,
                        &low,
                        &high,
                        milliseconds
                    )
                    guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        continuation.resume(returning: .failure(KafkaError.broker(code)))
                        return
                    }
                    ends[partition] = high
                }
                continuation.resume(returning: .success(ends))
            }
        }
        return try result.get()
    }

    /// Stops fetching from `partitions` until `resume`; messages already fetched are still delivered.
    public func pause(_ partitions: [TopicPartition]) {
        changePause(partitions, pause: true)
    }

    public func resume(_ partitions: [TopicPartition]) {
        changePause(partitions, pause: false)
    }

    private func changePause(_ partitions: [TopicPartition], pause: Bool) {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList(partitions: partitions).makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error =
            pause ? rd_kafka_pause_partitions(client.handle, list) : rd_kafka_resume_partitions(client.handle, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.logger.warning(
                pause ? "Kafka pause failed" : "Kafka resume failed",
                metadata: [LogKey.Kafka.error: "\(KafkaError.broker(error))"]
            )
        }
    }

    /// The partitions this member owns now.
    public func assignment() -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList(list).partitions.sorted()
    }

    /// Leaves the group (partitions are let go without another revocation event: commit first), then
    /// stops. Messages not yet polled are dropped; they were not committed, so the next owner gets them.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pollQueue.async {
                self.closeBlocking()
                continuation.resume()
            }
        }
    }

    private func closeBlocking() {
        if let error = rd_kafka_consumer_close_queue(client.handle, client.eventQueue) {
            client.logger.warning(
                "Kafka consumer close failed",
                metadata: [LogKey.Kafka.error: "\(KafkaError.consuming(error))"]
            )
            return
        }
        while rd_kafka_consumer_closed(client.handle) == 0 {
            guard let event = rd_kafka_queue_poll(client.eventQueue, 100) else { continue }
            defer { rd_kafka_event_destroy(event) }
            switch rd_kafka_event_type(event) {
            case RD_KAFKA_EVENT_REBALANCE:
                guard let list = rd_kafka_event_topic_partition_list(event) else { continue }
                if rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                    assign(list)
                } else {
                    unassign(TopicPartitionList(list).partitions)
                }
            case RD_KAFKA_EVENT_FETCH, RD_KAFKA_EVENT_OFFSET_COMMIT:
                continue
            default:
                _ = client.handleCommonEvent(event)
            }
        }
    }

    private static func copy(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaMessage {
        let pointee = message.pointee
        let topic = String(cString: rd_kafka_topic_name(pointee.rkt))
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topicPartition: TopicPartition(topic: topic, partition: pointee.partition),
            offset: pointee.offset,
            key: pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) },
            value: pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) },
            headers: headers(of: message),
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    private static func headers(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            if let name {
                result.append(
                    KafkaHeader(
                        name: String(cString: name),
                        value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                    )
                )
            }
            index += 1
        }
        return result
    }
}
