import CRdKafka
import Dispatch
import DurationUnits
import Foundation
import LogKeys
import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all` unless overridden) whose `send`
/// returns once the broker has acknowledged the record.
///
/// Records are handed to librdkafka at once and batched there (`linger`), so thousands of sends in flight
/// cost one small allocation each. Delivery reports are read on a dedicated thread, never on the
/// cooperative pool.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let pollLoop: PollLoop
    private let blockingQueue = DispatchQueue(label: "dancu.kafka.producer.blocking")
    private let deliveryTimeout: Duration
    /// Topic handles by name. Creating one asks for the topic's metadata at once (naming the topic per record
    /// would wait for librdkafka's next 1 s scan), and producing by handle skips a lookup per record.
    private let topicHandles = Mutex<[String: SendableOpaquePointer]>([:])

    /// - Parameters:
    ///   - properties: librdkafka properties by name; the gateway maps its `kafka` section to them in one place (`KafkaConfiguration`).
    ///   - onStatistics: called on the poll thread with each statistics report.
    public init(
        properties: [String: String],
        logger: Logger,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        var properties = properties
        properties["enable.idempotence"] = properties["enable.idempotence"] ?? "true"
        properties["acks"] = properties["acks"] ?? "all"
        let client = try RDKafkaClient(
            kind: .producer,
            properties: properties,
            events: RD_KAFKA_EVENT_DR,
            logger: logger,
            onStatistics: onStatistics
        )
        self.client = client
        self.deliveryTimeout = .milliseconds(Int(properties["message.timeout.ms"] ?? "") ?? 300_000)
        self.pollLoop = PollLoop(name: "dancu.kafka.producer.poll", wake: { rd_kafka_queue_yield(client.eventQueue) }) {
            guard let event = rd_kafka_queue_poll(client.eventQueue, 100) else { return }
            defer { rd_kafka_event_destroy(event) }
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_DR {
                Self.completeDeliveries(in: event)
            } else if !client.handleCommonEvent(event) {
                client.logger.debug(
                    "Unexpected Kafka producer event",
                    metadata: [LogKey.Kafka.event: "\(String(cString: rd_kafka_event_name(event)))"]
                )
            }
        }
    }

    deinit {
        pollLoop.stop()
        topicHandles.withLock { handles in
            for handle in handles.values { rd_kafka_topic_destroy(handle.pointer) }
        }
    }

    private func topicHandle(_ name: String) -> OpaquePointer? {
        topicHandles.withLock { handles in
            if let existing = handles[name] { return existing.pointer }
            guard let created = rd_kafka_topic_new(client.handle, name, nil) else { return nil }
            handles[name] = SendableOpaquePointer(created)
            return created
        }
    }

    /// Sends one record and waits for the broker's acknowledgement.
    public func send(_ record: KafkaRecord) async throws(KafkaError) -> KafkaDelivery {
        guard let result = await sendAll([record]).first else { throw KafkaError.closed }
        return try result.get()
    }

    /// Sends records in order and waits until every one is acknowledged or failed.
    public func sendAll(_ records: [KafkaRecord]) async -> [Result<KafkaDelivery, KafkaError>] {
        guard !records.isEmpty else { return [] }
        let reports = KafkaDeliveryReports()
        for (index, record) in records.enumerated() {
            await send(record, tag: index, reportingTo: reports)
        }
        var results = [Result<KafkaDelivery, KafkaError>](repeating: .failure(.closed), count: records.count)
        while case let reported = await reports.next(), !reported.isEmpty {
            for report in reported { results[report.tag] = report.result }
        }
        return results
    }

    /// Hands one record to librdkafka without waiting for its acknowledgement, which arrives in `reports`
    /// under `tag` as soon as the broker answers for this record, whatever becomes of the others.
    /// Suspends only while librdkafka's local queue is full.
    public func send(_ record: KafkaRecord, tag: Int, reportingTo reports: KafkaDeliveryReports) async {
        reports.expect()
        let clock = ContinuousClock()
        let giveUpAt = clock.now.advanced(by: deliveryTimeout)
        while true {
            guard !pollLoop.isStopped else {
                reports.complete(tag, with: .failure(.closed))
                return
            }
            guard let error = produce(record, ticket: DeliveryTicket(reports: reports, tag: tag)) else { return }
            // A full local queue drains as deliveries complete; anything else is final for this record.
            if error.brokerErrorCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, clock.now < giveUpAt {
                try? await Task.sleep(for: .milliseconds(1))
                continue
            }
            reports.complete(tag, with: .failure(error))
            return
        }
    }

    /// Hands one record to librdkafka; returns the error when librdkafka refused it synchronously.
    private func produce(_ record: KafkaRecord, ticket: DeliveryTicket) -> KafkaError? {
        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        let headers: OpaquePointer? = record.headers.isEmpty ? nil : rd_kafka_headers_new(record.headers.count)
        for header in record.headers {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
            }
        }
        guard let topic = topicHandle(record.topic) else {
            if let headers { rd_kafka_headers_destroy(headers) }
            Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
            return KafkaError.broker(rd_kafka_last_error(), message: "topic \(record.topic)")
        }
        let error: OpaquePointer? = withOptionalBytes(record.key) { key in
            withOptionalBytes(record.value) { value in
                // On the stack: a heap array per record was a measurable share of the produce path.
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { arguments in
                    var count = 0
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        var argument = rd_kafka_vu_t()
                        argument.vtype = type
                        fill(&argument)
                        arguments.initializeElement(at: count, to: argument)
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    if let partition = record.partition {
                        add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
                    }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                    }
                    if let value {
                        add(RD_KAFKA_VTYPE_VALUE) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                            $0.u.mem.size = value.count
                        }
                    }
                    if let headers {
                        add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                    }
                    return rd_kafka_produceva(client.handle, arguments.baseAddress, count)
                }
            }
        }
        guard let error else { return nil }
        // Refused: librdkafka took ownership of neither the headers nor the ticket.
        if let headers { rd_kafka_headers_destroy(headers) }
        Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
        return KafkaError.consuming(error)
    }

    /// Waits until every record handed to librdkafka is delivered or failed, at most `timeout`.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let milliseconds = Int32(clamping: Int64(timeout.inMilliseconds.rounded(.down)))
        let handle = SendableOpaquePointer(client.handle)
        let code = await withCheckedContinuation { continuation in
            blockingQueue.async {
                continuation.resume(returning: rd_kafka_flush(handle.pointer, milliseconds))
            }
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw code == RD_KAFKA_RESP_ERR__TIMED_OUT ? KafkaError.timedOut("flush") : KafkaError.broker(code)
        }
    }

    /// Flushes for at most `flushTimeout`; records still undelivered then are purged and their senders get
    /// an error. Then stops reading delivery reports.
    public func close(flushTimeout: Duration) async {
        do {
            try await flush(timeout: flushTimeout)
        } catch {
            client.logger.warning(
                "Kafka producer closing with records undelivered",
                metadata: [LogKey.Kafka.error: "\(error)", LogKey.Kafka.queued: "\(queuedRecords)"]
            )
            rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            // The purged records come back as failed delivery reports, which the poll thread hands to their senders.
            try? await flush(timeout: .seconds(5))
        }
        pollLoop.stop()
    }

    /// Records handed to librdkafka and not yet acknowledged or failed.
    public var queuedRecords: Int { Int(rd_kafka_outq_len(client.handle)) }

    private static func completeDeliveries(in event: OpaquePointer) {
        while let message = rd_kafka_event_message_next(event) {
            guard let opaque = message.pointee._private else { continue }
            let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                ticket.reports.complete(
                    ticket.tag,
                    with: .success(
                        KafkaDelivery(
                            topicPartition: TopicPartition(topic: topic, partition: message.pointee.partition),
                            offset: message.pointee.offset
                        )
                    )
                )
            } else {
                // Not rd_kafka_message_errstr: for a delivery report it would return the record's own payload.
                ticket.reports.complete(ticket.tag, with: .failure(KafkaError.broker(error)))
            }
        }
    }
}

/// The acknowledgements (or failures) of records sent with `KafkaProducer.send(_:tag:reportingTo:)`, handed
/// over as they arrive: one slow or refused record holds back no other's report.
public final class KafkaDeliveryReports: Sendable {
    public typealias Report = (tag: Int, result: Result<KafkaDelivery, KafkaError>)

    private struct State {
        var arrived: [Report] = []
        /// Records sent and not yet reported.
        var outstanding = 0
        var waiter: CheckedContinuation<[Report], Never>?
    }

    private let state = Mutex(State())

    public init() {}

    fileprivate func expect() {
        state.withLock { $0.outstanding += 1 }
    }

    /// Called on the poll thread: resumes a waiting reader at once, else keeps the report for its next call.
    fileprivate func complete(_ tag: Int, with result: Result<KafkaDelivery, KafkaError>) {
        let resumed: (CheckedContinuation<[Report], Never>, [Report])? = state.withLock { state in
            state.outstanding -= 1
            state.arrived.append((tag, result))
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.arrived = [] }
            return (waiter, state.arrived)
        }
        if let (waiter, reports) = resumed { waiter.resume(returning: reports) }
    }

    /// The reports arrived since the last call, waiting until there is at least one; empty once every record
    /// sent so far has been reported.
    public func next() async -> [Report] {
        await withCheckedContinuation { continuation in
            let ready: [Report]? = state.withLock { state in
                guard state.arrived.isEmpty, state.outstanding > 0 else {
                    defer { state.arrived = [] }
                    return state.arrived
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// One record's tag and its reports; its retained pointer travels through librdkafka as the message opaque.
private final class DeliveryTicket: Sendable {
    let reports: KafkaDeliveryReports
    let tag: Int

    init(reports: KafkaDeliveryReports, tag: Int) {
        self.reports = reports
        self.tag = tag
    }
}

private func withOptionalBytes<Result>(
    _ bytes: [UInt8]?,
    _ body: (UnsafeRawBufferPointer?) -> Result
) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
