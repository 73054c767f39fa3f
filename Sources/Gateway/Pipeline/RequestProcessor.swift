import DanCuContract
import Foundation
import Kafka
import Logging
import Operations
import Tracing

/// Turns one request message into its outcome (or dead letter) and publishes it; returns once the broker
/// acknowledged, or when nothing could be published (the offset then stays uncommitted and the message is
/// redelivered).
struct RequestProcessor: Sendable {
    enum Disposition: Sendable {
        /// The outcome or dead letter is acknowledged: the offset may be committed.
        case published
        /// The message's partition is leaving this instance before it could call: nothing was published,
        /// and the next owner answers it.
        case withdrawn
        /// Neither outcome nor dead letter could be published (shutdown, or Kafka refusing both).
        case unpublished
    }

    let rules: ContractRules
    let upstream: UpstreamAccess
    let producer: KafkaProducer
    let duplicates: DuplicateFilter
    let metrics: GatewayMetrics
    let audit: AuditTrail
    let retry: RetryPolicy
    let logger: Logger

    static let requestIdHeader = "dancu-request-id"
    static let traceparentHeader = "traceparent"

    /// The partition as the scheduler knows it, for withdrawing a revoked partition's waiting requests.
    static func source(of partition: TopicPartition) -> String { partition.description }

    func process(_ message: KafkaMessage) async -> Disposition {
        await UpstreamTime.$current.withValue(UpstreamTime()) { await decideAndAnswer(message) }
    }

    private func decideAndAnswer(_ message: KafkaMessage) async -> Disposition {
        let receivedAt = Date()
        let started = ContinuousClock.now
        switch rules.decide(topic: message.topic, value: message.value ?? [], receivedAt: receivedAt) {
        case .deadLetter(let reason):
            metrics.requestConsumed(portal: rules.portal(forRequestTopic: message.topic)?.id ?? "unknown", type: nil, channel: nil)
            let published = await deadLetter(message, reason: reason.headerValue)
            if published { metrics.deadLettered(reason: reason.codeName) }
            return published ? .published : .unpublished
        case .answer(let outcome):
            metrics.requestConsumed(portal: outcome.portal, type: outcome.type, channel: nil)
            return await answerOnce(message, portal: outcome.portal, requestId: outcome.requestId, started: started) {
                (outcome, nil)
            }
        case .query(let request):
            metrics.requestConsumed(portal: request.portal, type: request.type, channel: request.channel)
            // The portal's trace continues here; the upstream calls become children of this span.
            var portalContext = ServiceContext.topLevel
            InstrumentationSystem.instrument.extract(message.headers, into: &portalContext, using: KafkaHeadersExtractor())
            return await withSpan("dancu.request \(request.type.rawValue)", context: portalContext, ofKind: .consumer) { span in
                // Attributes cost string work on every request; without a tracer nothing would keep them.
                if span.isRecording {
                    span.attributes["messaging.system"] = "kafka"
                    span.attributes["messaging.destination.name"] = message.topic
                    span.attributes["messaging.kafka.destination.partition"] = Int(message.partition)
                    span.attributes["messaging.kafka.message.offset"] = Int(message.offset)
                    span.attributes["dancu.portal"] = request.portal
                    span.attributes["dancu.request_id"] = request.requestId
                    span.attributes["dancu.channel"] = request.channel.rawValue
                }
                return await answerOnce(message, portal: request.portal, requestId: request.requestId, started: started) {
                    let traceparent = message.headers.first(named: Self.traceparentHeader)?.stringValue
                    let source = Self.source(of: message.topicPartition)
                    guard let outcome = await upstream.resolve(request, source: source, traceparent: traceparent) else {
                        return nil
                    }
                    if span.isRecording {
                        span.attributes["dancu.outcome.status"] = outcome.status.rawValue
                        span.attributes["dancu.outcome.source"] = outcome.source.rawValue
                    }
                    return (outcome, audit.record(for: request, outcome: outcome))
                }
            }
        }
    }

    /// The trace context an outcome carries: this gateway's span when tracing is on, else the portal's own
    /// `traceparent` unchanged, so the portal can join its request and outcome either way.
    private func traceHeaders(of message: KafkaMessage) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        if let context = ServiceContext.current {
            InstrumentationSystem.instrument.inject(context, into: &headers, using: KafkaHeadersInjector())
        }
        if headers.isEmpty, let traceparent = message.headers.first(named: Self.traceparentHeader) {
            headers.append(traceparent)
        }
        return headers
    }

    /// Publishes the outcome of the first copy of a request (with its audit record, when it touched the
    /// population database); later copies within the window get the same bytes.
    private func answerOnce(
        _ message: KafkaMessage,
        portal: String,
        requestId: String,
        started: ContinuousClock.Instant,
        produce: () async -> (Outcome, KafkaRecord?)?
    ) async -> Disposition {
        let key = DuplicateFilter.Key(portal: portal, requestId: requestId)
        let bytes: [UInt8]
        var auditRecord: KafkaRecord?
        var outcome: Outcome?
        switch await duplicates.claim(key) {
        case .duplicate(let previous):
            logger.log(.debug, request: requestId, portal: portal, "Duplicate request: publishing the first outcome again")
            bytes = previous
        case .first:
            guard let (produced, audit) = await produce() else {
                duplicates.abandon(key)
                logger.log(.debug, request: requestId, portal: portal, "Request withdrawn: its partition is leaving this instance")
                return .withdrawn
            }
            logger.log(
                .debug,
                request: requestId,
                portal: portal,
                "Outcome ready",
                metadata: ["status": "\(produced.status.rawValue)", "source": "\(produced.source.rawValue)", "attempts": "\(produced.attempts)"]
            )
            bytes = produced.jsonBytes()
            auditRecord = audit
            outcome = produced
        }
        guard let portalConfiguration = rules.portal(withId: portal) else {
            // decide() only answers for configured portals; this would be a contract bug, not bad input.
            duplicates.abandon(key)
            return await deadLetter(message, reason: "internal: no configuration for portal \(portal)") ? .published : .unpublished
        }
        let headers = [KafkaHeader(name: Self.requestIdHeader, string: requestId)] + traceHeaders(of: message)
        let record = KafkaRecord(topic: rules.outcomeTopic(for: portalConfiguration), key: message.key, value: bytes, headers: headers)
        // The offset is finished only when both the outcome and its audit record are acknowledged.
        if await publish([record] + (auditRecord.map { [$0] } ?? []), logger: logger.forRequest(id: requestId, portal: portal)) {
            duplicates.complete(key, outcome: bytes)
            if let outcome {
                let elapsed = started.duration(to: .now)
                metrics.outcomePublished(portal: portal, status: outcome.status, source: outcome.source, endToEnd: elapsed)
                metrics.gatewayOverhead(elapsed - (UpstreamTime.current?.total ?? .zero))
            }
            return .published
        }
        duplicates.abandon(key)
        guard !Task.isCancelled else { return .unpublished }
        // The outcome topic refuses it (deleted, not authorised): the request must not vanish.
        let deadLettered = await deadLetter(message, reason: "outcome_not_published: the outcome topic refused the outcome")
        return deadLettered ? .published : .unpublished
    }

    /// The original message, with headers saying why and where it came from, on the dead-letter topic.
    /// When the dead-letter topic refuses the original bytes (too large for it), the headers go alone: the
    /// source topic, partition and offset still point at the original.
    private func deadLetter(_ message: KafkaMessage, reason: String) async -> Bool {
        let headers =
            message.headers
            + [
                KafkaHeader(name: DeadLetterHeader.error, string: reason),
                KafkaHeader(name: DeadLetterHeader.sourceTopic, string: message.topic),
                KafkaHeader(name: DeadLetterHeader.sourcePartition, string: String(message.partition)),
                KafkaHeader(name: DeadLetterHeader.sourceOffset, string: String(message.offset)),
            ]
        let withValue = KafkaRecord(topic: rules.deadLetterTopic, key: message.key, value: message.value, headers: headers)
        var published = await publish([withValue], logger: logger)
        if !published, !Task.isCancelled {
            let omitted = KafkaHeader(name: Self.valueOmittedHeader, string: String(message.value?.count ?? 0))
            published = await publish(
                [KafkaRecord(topic: rules.deadLetterTopic, key: message.key, value: nil, headers: headers + [omitted])],
                logger: logger
            )
        }
        guard published else { return false }
        logger.warning(
            "Request dead-lettered",
            metadata: ["reason": "\(reason)", "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)"]
        )
        return true
    }

    /// On a dead letter whose original value could not be copied: the value's size in bytes.
    static let valueOmittedHeader = "dancu-value-omitted"

    /// Sends until every record is acknowledged, retrying retriable failures (brokers away, leaders moving)
    /// until the task is cancelled (shutdown); `false` on a permanent refusal or cancellation.
    /// - Parameter logger: made only when a failure is logged.
    private func publish(_ records: [KafkaRecord], logger: @autoclosure () -> Logger) async -> Bool {
        var pending = records
        var attempt = 0
        while !Task.isCancelled {
            let results = await producer.sendAll(pending)
            let failed = zip(pending, results).compactMap { record, result -> (KafkaRecord, KafkaError)? in
                if case .failure(let error) = result { return (record, error) }
                return nil
            }
            guard let (_, firstError) = failed.first else { return true }
            attempt += 1
            guard failed.allSatisfy({ $0.1.isRetriable }) else {
                logger().error("Kafka refused a record", metadata: ["topic": "\(failed[0].0.topic)", "error": "\(firstError)"])
                return false
            }
            logger().warning("Publishing failed; retrying", metadata: ["error": "\(firstError)", "attempt": "\(attempt)"])
            pending = failed.map(\.0)
            let backoff = retry.delay(afterAttempts: min(attempt, retry.attempts - 1), retryAfter: nil, unitRandom: Double.random(in: 0.5..<1))
            try? await Task.sleep(for: backoff ?? .seconds(1))
        }
        return false
    }
}
