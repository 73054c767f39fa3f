import DanCuContract
import Foundation
import Kafka
import Logging
import Operations
import Scheduling
import Tracing

/// Turns request messages into outcomes (or dead letters) and publishes them; a message is settled once the
/// broker acknowledged, or when nothing could be published (the offset then stays uncommitted and the
/// message is redelivered).
///
/// Most messages are answered from what the gateway already holds: validation decides, the cache holds the
/// citizen, or a copy was answered before. `begin` takes those to a ready publication at once, and a poll's
/// worth of them is published together and awaited once (`publishAll`). Only the others, which call the
/// population database or wait for an identical request in flight, need a task of their own (`finish`).
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

    /// A message taken as far as it goes without waiting.
    enum Beginning: Sendable {
        /// Its outcome is ready to publish.
        case ready(Publication)
        /// It needs a task of its own.
        case needsTask(Pending)
    }

    /// A message whose answer needs waiting for: a population-database call, an identical request in
    /// flight, or the dead-letter topic.
    struct Pending: Sendable {
        fileprivate let message: KafkaMessage
        fileprivate let decision: RequestDecision
        fileprivate let started: SchedulingInstant
    }

    /// An outcome ready to publish, with its audit record when it releases population data.
    struct Publication: Sendable {
        fileprivate let message: KafkaMessage
        fileprivate let key: DuplicateFilter.Key
        fileprivate let records: [KafkaRecord]
        /// The outcome this copy produced; `nil` when it republishes the first copy's.
        fileprivate let fresh: Outcome?
        fileprivate let started: SchedulingInstant
        fileprivate let upstreamTime: UpstreamTime?
        fileprivate let span: (any Span)?
    }

    let rules: ContractRules
    let upstream: UpstreamAccess
    let producer: KafkaProducer
    let duplicates: DuplicateFilter
    let metrics: GatewayMetrics
    let audit: AuditTrail
    let retry: RetryPolicy
    let logger: Logger
    /// In development mode every outcome says so, so that a portal can never mistake a synthetic answer.
    let mode: DeploymentMode
    /// Measures end-to-end latency and waits between publishing attempts.
    let clock: ElapsedClock
    /// Stamps when a request was received; its deadline and `requestedAt` are dates.
    let wallClock: @Sendable () -> Date

    static let requestIdHeader = "dancu-request-id"
    static let environmentHeader = "dancu-environment"
    static let traceparentHeader = "traceparent"

    /// The partition as the scheduler knows it, for withdrawing a revoked partition's waiting requests.
    static func source(of partition: TopicPartition) -> String { partition.description }

    // MARK: Without waiting

    /// Validates the message and, when nothing needs waiting for, builds its publication.
    func begin(_ message: KafkaMessage) -> Beginning {
        let started = clock.now
        let decision = rules.decide(topic: message.topic, value: message.value ?? [], receivedAt: wallClock())
        let pending = Pending(message: message, decision: decision, started: started)
        switch decision {
        case .deadLetter:
            return .needsTask(pending)
        case .answer(let outcome):
            metrics.requestConsumed(portal: outcome.portal, type: outcome.type, channel: nil)
            let key = DuplicateFilter.Key(portal: outcome.portal, requestId: outcome.requestId)
            switch duplicates.claimNow(key) {
            case nil:
                return .needsTask(pending)
            case .duplicate(let previous)?:
                return .ready(republication(of: message, key: key, previous: previous, started: started, span: nil))
            case .first?:
                return .ready(publication(of: message, key: key, outcome: outcome, audit: nil, started: started, span: nil))
            }
        case .query(let request):
            metrics.requestConsumed(portal: request.portal, type: request.type, channel: request.channel)
            guard let cached = upstream.cachedOutcome(request) else { return .needsTask(pending) }
            let key = DuplicateFilter.Key(portal: request.portal, requestId: request.requestId)
            guard let claim = duplicates.claimNow(key) else { return .needsTask(pending) }
            let span = requestSpan(for: request, message: message)
            switch claim {
            case .duplicate(let previous):
                return .ready(republication(of: message, key: key, previous: previous, started: started, span: span))
            case .first:
                describe(cached, in: span)
                let auditRecord = audit.record(for: request, outcome: cached)
                return .ready(publication(of: message, key: key, outcome: cached, audit: auditRecord, started: started, span: span))
            }
        }
    }

    /// Publishes the outcomes together and waits once for all their acknowledgements; a publication Kafka
    /// refused goes on alone, retried, or dead-lettered. Dispositions in the order of `publications`.
    func publishAll(_ publications: [Publication]) async -> [Disposition] {
        let records = publications.flatMap(\.records)
        var results = await producer.sendAll(records)[...]
        var dispositions: [Disposition] = []
        dispositions.reserveCapacity(publications.count)
        for publication in publications {
            let own = results.prefix(publication.records.count)
            results = results.dropFirst(publication.records.count)
            let refused = zip(publication.records, own).compactMap { record, result in
                if case .failure = result { record } else { nil }
            }
            dispositions.append(refused.isEmpty ? settle(publication) : await deliver(publication, records: refused))
        }
        return dispositions
    }

    // MARK: With waiting

    /// Answers a message that needed waiting for, and publishes its outcome or dead letter.
    func finish(_ pending: Pending) async -> Disposition {
        let message = pending.message
        switch pending.decision {
        case .deadLetter(let reason):
            metrics.requestConsumed(portal: rules.portal(forRequestTopic: message.topic)?.id ?? "unknown", type: nil, channel: nil)
            let published = await deadLetter(message, reason: reason.headerValue)
            if published { metrics.deadLettered(reason: reason.codeName) }
            return published ? .published : .unpublished
        case .answer(let outcome):
            let key = DuplicateFilter.Key(portal: outcome.portal, requestId: outcome.requestId)
            return await answerOnce(message, key: key, started: pending.started, span: nil) {
                publication(of: message, key: key, outcome: outcome, audit: nil, started: pending.started, span: nil)
            }
        case .query(let request):
            let key = DuplicateFilter.Key(portal: request.portal, requestId: request.requestId)
            let span = requestSpan(for: request, message: message)
            let answer = {
                await answerOnce(message, key: key, started: pending.started, span: span) {
                    let traceparent = message.headers.first(named: Self.traceparentHeader)?.stringValue
                    let upstreamTime = UpstreamTime()
                    guard let outcome = await upstream.resolve(
                        request, source: Self.source(of: message.topicPartition), traceparent: traceparent, upstreamTime: upstreamTime
                    ) else { return nil }
                    describe(outcome, in: span)
                    return publication(
                        of: message, key: key, outcome: outcome, audit: audit.record(for: request, outcome: outcome),
                        started: pending.started, span: span, upstreamTime: upstreamTime
                    )
                }
            }
            guard let span else { return await answer() }
            // The upstream calls' spans become children of this one.
            return await ServiceContext.$current.withValue(span.context) { await answer() }
        }
    }

    /// Publishes the outcome of the first copy of a request; later copies within the window get the same bytes.
    private func answerOnce(
        _ message: KafkaMessage,
        key: DuplicateFilter.Key,
        started: SchedulingInstant,
        span: (any Span)?,
        produce: () async -> Publication?
    ) async -> Disposition {
        switch await duplicates.claim(key) {
        case .duplicate(let previous):
            let publication = republication(of: message, key: key, previous: previous, started: started, span: span)
            return await deliver(publication, records: publication.records)
        case .first:
            guard let publication = await produce() else {
                duplicates.abandon(key)
                span?.end()
                logger.log(.debug, request: key.requestId, portal: key.portal, "Request withdrawn: its partition is leaving this instance")
                return .withdrawn
            }
            return await deliver(publication, records: publication.records)
        }
    }

    // MARK: Publications

    private func publication(
        of message: KafkaMessage,
        key: DuplicateFilter.Key,
        outcome: Outcome,
        audit: KafkaRecord?,
        started: SchedulingInstant,
        span: (any Span)?,
        upstreamTime: UpstreamTime? = nil
    ) -> Publication {
        logger.log(
            .debug,
            request: key.requestId,
            portal: key.portal,
            "Outcome ready",
            metadata: ["status": "\(outcome.status.rawValue)", "source": "\(outcome.source.rawValue)", "attempts": "\(outcome.attempts)"]
        )
        let records = [outcomeRecord(for: message, key: key, bytes: outcome.jsonBytes(), span: span)] + (audit.map { [$0] } ?? [])
        return Publication(
            message: message, key: key, records: records, fresh: outcome, started: started, upstreamTime: upstreamTime, span: span
        )
    }

    private func republication(
        of message: KafkaMessage,
        key: DuplicateFilter.Key,
        previous: [UInt8],
        started: SchedulingInstant,
        span: (any Span)?
    ) -> Publication {
        logger.log(.debug, request: key.requestId, portal: key.portal, "Duplicate request: publishing the first outcome again")
        return Publication(
            message: message, key: key, records: [outcomeRecord(for: message, key: key, bytes: previous, span: span)], fresh: nil,
            started: started, upstreamTime: nil, span: span
        )
    }

    /// The outcome on the asking portal's topic, keyed as the request was. Only configured portals' requests
    /// get this far: `decide` dead-letters the others.
    private func outcomeRecord(for message: KafkaMessage, key: DuplicateFilter.Key, bytes: [UInt8], span: (any Span)?) -> KafkaRecord {
        var headers = [KafkaHeader(name: Self.requestIdHeader, string: key.requestId)] + traceHeaders(of: message, span: span)
        if mode == .development { headers.append(KafkaHeader(name: Self.environmentHeader, string: mode.rawValue)) }
        return KafkaRecord(topic: rules.outcomeTopic(forPortalId: key.portal), key: message.key, value: bytes, headers: headers)
    }

    /// Publishes `records` (those of the publication still unacknowledged), retrying what may succeed later;
    /// an outcome its topic refuses becomes a dead letter, so the request does not vanish.
    private func deliver(_ publication: Publication, records: [KafkaRecord]) async -> Disposition {
        if await publish(records, logger: logger.forRequest(id: publication.key.requestId, portal: publication.key.portal)) {
            return settle(publication)
        }
        if publication.fresh != nil { duplicates.abandon(publication.key) }
        publication.span?.end()
        guard !Task.isCancelled else { return .unpublished }
        let deadLettered = await deadLetter(publication.message, reason: "outcome_not_published: the outcome topic refused the outcome")
        return deadLettered ? .published : .unpublished
    }

    /// Everything of the publication is acknowledged.
    private func settle(_ publication: Publication) -> Disposition {
        if let outcome = publication.fresh {
            duplicates.complete(publication.key, outcome: publication.records[0].value ?? [])
            let elapsed = publication.started.duration(to: clock.now)
            metrics.outcomePublished(portal: outcome.portal, status: outcome.status, source: outcome.source, endToEnd: elapsed)
            metrics.gatewayOverhead(elapsed - (publication.upstreamTime?.total ?? .zero))
        }
        publication.span?.end()
        return .published
    }

    // MARK: Tracing

    /// The span of a request the population database is asked about, continuing the portal's trace.
    private func requestSpan(for request: ValidatedRequest, message: KafkaMessage) -> (any Span)? {
        var portalContext = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(message.headers, into: &portalContext, using: KafkaHeadersExtractor())
        let span = startSpan("dancu.request \(request.type.rawValue)", context: portalContext, ofKind: .consumer)
        // Without a tracer nothing would keep the span or its attributes, which cost string work per request.
        guard span.isRecording else { return nil }
        span.attributes["messaging.system"] = "kafka"
        span.attributes["messaging.destination.name"] = message.topic
        span.attributes["messaging.kafka.destination.partition"] = Int(message.partition)
        span.attributes["messaging.kafka.message.offset"] = Int(message.offset)
        span.attributes["dancu.portal"] = request.portal
        span.attributes["dancu.request_id"] = request.requestId
        span.attributes["dancu.channel"] = request.channel.rawValue
        return span
    }

    private func describe(_ outcome: Outcome, in span: (any Span)?) {
        span?.attributes["dancu.outcome.status"] = outcome.status.rawValue
        span?.attributes["dancu.outcome.source"] = outcome.source.rawValue
    }

    /// The trace context an outcome carries: the gateway's span when tracing is on, else the portal's own
    /// `traceparent` unchanged, so the portal can join its request and outcome either way.
    private func traceHeaders(of message: KafkaMessage, span: (any Span)?) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        if let span {
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: KafkaHeadersInjector())
        }
        if headers.isEmpty, let traceparent = message.headers.first(named: Self.traceparentHeader) {
            headers.append(traceparent)
        }
        return headers
    }

    // MARK: Kafka

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
            try? await clock.sleep(for: backoff ?? .seconds(1))
        }
        return false
    }
}
