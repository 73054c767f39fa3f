import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging
import Operations
import Scheduling
import Tracing

/// Turns request messages into outcomes (or dead letters) and publishes them; a message is settled once the
/// broker acknowledged, or when nothing could be published (the offset then stays uncommitted and the
/// message is redelivered).
///
/// Each message is planned once (`RequestPlanner`). Most plans answer from what the gateway already holds:
/// validation decides, the cache holds the citizen, or a copy was answered before. `begin` takes those to a
/// ready publication without suspending, and a poll's worth of them is published together, each settled on
/// its own acknowledgements (`publishAll`). Only the others, which call the population database, wait for an
/// identical request in flight or go to the dead-letter topic, need a task of their own (`finish`).
///
/// Auditing fails closed: an outcome that has an audit record is sent only once Kafka acknowledged that
/// record. Sending both together, or in a Kafka transaction, was not chosen: a transaction protects only
/// portals that read `read_committed` (the gateway does not control portals' consumers), it serialises the
/// batches of one producer, and librdkafka 2.0.2's mock cluster, which the tests run on, supports
/// transactions only in part. The cost is one more acknowledgement's latency on audited outcomes.
/// The order means an audit record may exist without its outcome (the outcome's publication failed or the
/// instance stopped in between) and a redelivered request is audited again; Docs/operations.md says how
/// audit readers deal with both.
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

    /// A message whose plan needs waiting for: a population-database call, an identical request in
    /// flight, or the dead-letter topic.
    struct Pending: Sendable {
        fileprivate let message: KafkaMessage
        fileprivate let plan: RequestPlan
        fileprivate let started: SchedulingInstant
    }

    /// What became of one publication of a batch on its first send.
    enum BatchDelivery: Sendable {
        /// Acknowledged: the offset may be committed.
        case published
        /// Refused in part: it goes on alone (`redeliver`), so that its retries hold back no other publication.
        case refused(Refused)
    }

    /// A publication Kafka refused a record of.
    struct Refused: Sendable {
        fileprivate let publication: Publication
        /// Whether the refused record was its audit record, which its outcome still waits for.
        fileprivate let auditPending: Bool
    }

    /// An outcome ready to publish, with its audit record when the population database was asked about the
    /// citizen or its cache answered.
    struct Publication: Sendable {
        fileprivate let message: KafkaMessage
        fileprivate let key: DuplicateFilter.Key
        /// Sent first: the outcome waits for its acknowledgement.
        fileprivate let audit: KafkaRecord?
        fileprivate let outcome: KafkaRecord
        /// The outcome this copy produced; `nil` when it republishes the first copy's.
        fileprivate let fresh: Outcome?
        fileprivate let started: SchedulingInstant
        fileprivate let upstreamTime: UpstreamTime?
        fileprivate let span: (any Span)?
    }

    let planner: RequestPlanner
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

    static let requestIdHeader = "dancu-request-id"
    static let environmentHeader = "dancu-environment"

    /// The partition as the scheduler knows it, for withdrawing a revoked partition's waiting requests.
    static func source(of partition: TopicPartition) -> String { partition.description }

    // MARK: Without waiting

    /// Plans the message, counts it, and builds its publication when its answer is ready. From here on the
    /// message carries only trace headers that parsed (`PortalHeaders.screen`); those that did not are
    /// counted, and the request starts a trace of its own.
    func begin(_ consumed: KafkaMessage) -> Beginning {
        let started = clock.now
        let (message, invalidHeaders) = PortalHeaders.screen(consumed)
        let (plan, counted) = planner.plan(
            topic: message.topic,
            value: message.value ?? [],
            keyAndHeadersBytes: PortalHeaders.keyAndHeadersBytes(of: consumed)
        )
        metrics.requestConsumed(portal: counted.portal, type: counted.type, channel: counted.channel)
        for header in invalidHeaders { metrics.invalidHeader(portal: counted.portal, header: header) }
        guard case .answerNow(let answer) = plan else {
            // A dead letter is evidence for operators and goes nowhere else: it copies the message as it came.
            let kept = if case .deadLetter = plan { consumed } else { message }
            return .needsTask(Pending(message: kept, plan: plan, started: started))
        }
        let span = plan.query.flatMap { requestSpan(for: $0, message: message) }
        return .ready(publication(of: message, answer: answer, started: started, span: span))
    }

    /// Publishes the publications together, each outcome once its audit record is acknowledged, and settles
    /// each one as soon as its own records are acknowledged or one is refused: `settle` gets its index in
    /// `publications`. No publication waits for another's acknowledgement; those refused go on alone
    /// (`redeliver`).
    func publishAll(_ publications: [Publication], settle: (Int, BatchDelivery) -> Void) async {
        let reports = KafkaDeliveryReports()
        for (index, publication) in publications.enumerated() {
            await producer.send(publication.audit ?? publication.outcome, tag: index, reportingTo: reports)
        }
        var auditAcknowledged = [Bool](repeating: false, count: publications.count)
        while case let reported = await reports.next(), !reported.isEmpty {
            for (index, result) in reported {
                let publication = publications[index]
                let wasAudit = publication.audit != nil && !auditAcknowledged[index]
                guard case .success = result else {
                    settle(index, .refused(Refused(publication: publication, auditPending: wasAudit)))
                    continue
                }
                if wasAudit {
                    auditAcknowledged[index] = true
                    // Stopping: the outcome stays unsent and the message is redelivered to the next owner.
                    guard !Task.isCancelled else { continue }
                    await producer.send(publication.outcome, tag: index, reportingTo: reports)
                } else {
                    completeAcknowledged(publication)
                    settle(index, .published)
                }
            }
        }
    }

    /// Publishes what Kafka refused of a batch's publication, retrying what may succeed later, else as a dead letter.
    func redeliver(_ refused: Refused) async -> Disposition {
        await deliver(refused.publication, auditPending: refused.auditPending)
    }

    // MARK: With waiting

    /// Carries out a plan that needed waiting for, and publishes its outcome or dead letter.
    func finish(_ pending: Pending) async -> Disposition {
        guard let query = pending.plan.query, let span = requestSpan(for: query, message: pending.message) else {
            return await carryOut(pending.plan, message: pending.message, started: pending.started, span: nil)
        }
        // The upstream calls' spans become children of this one.
        return await ServiceContext.$current.withValue(span.context) {
            await carryOut(pending.plan, message: pending.message, started: pending.started, span: span)
        }
    }

    private func carryOut(
        _ plan: RequestPlan,
        message: KafkaMessage,
        started: SchedulingInstant,
        span: (any Span)?
    ) async -> Disposition {
        switch plan {
        case .answerNow(let answer):
            let publication = publication(of: message, answer: answer, started: started, span: span)
            return await deliver(publication, auditPending: true)
        case .deadLetter(let reason):
            let published = await deadLetter(message, reason: reason.headerValue)
            if published { metrics.deadLettered(reason: reason.codeName) }
            return published ? .published : .unpublished
        case .callDatabase(let request):
            let traceparent = message.headers.first(named: TraceContext.traceparentHeader)?.stringValue
            let upstreamTime = UpstreamTime()
            guard
                let outcome = await upstream.resolve(
                    request,
                    source: Self.source(of: message.topicPartition),
                    traceparent: traceparent,
                    upstreamTime: upstreamTime
                )
            else {
                duplicates.abandon(AnswerableRequest.query(request).key)
                span?.end()
                logger.log(
                    .debug,
                    request: request.requestId,
                    portal: request.portal,
                    "Request withdrawn: its partition is leaving this instance"
                )
                return .withdrawn
            }
            let publication = publication(
                of: message,
                answer: .fresh(outcome, of: .query(request)),
                started: started,
                span: span,
                upstreamTime: upstreamTime
            )
            return await deliver(publication, auditPending: true)
        case .waitForFirstCopy(let request):
            guard let previous = await duplicates.outcomeOfFirstCopy(request.key) else {
                // The first copy gave up (its partition left, or Kafka refused its outcome): plan this copy afresh.
                return await carryOut(planner.plan(request), message: message, started: started, span: span)
            }
            return await carryOut(
                .answerNow(.repeated(previous, of: request)),
                message: message,
                started: started,
                span: span
            )
        }
    }

    // MARK: Publications

    /// The records of a ready answer: the outcome, and the audit record of a fresh outcome that the population
    /// database (or its cache) answered, or that ended expired or unavailable after calling it.
    private func publication(
        of message: KafkaMessage,
        answer: RequestPlan.ReadyAnswer,
        started: SchedulingInstant,
        span: (any Span)?,
        upstreamTime: UpstreamTime? = nil
    ) -> Publication {
        let key = answer.request.key
        switch answer {
        case .fresh(let outcome, let request):
            describe(outcome, in: span)
            logger.log(
                .debug,
                request: key.requestId,
                portal: key.portal,
                "Outcome ready",
                metadata: [
                    LogKey.status: "\(outcome.status.rawValue)", LogKey.source: "\(outcome.source.rawValue)",
                    LogKey.attempts: "\(outcome.attempts)",
                ]
            )
            return Publication(
                message: message,
                key: key,
                audit: request.query.flatMap { audit.record(for: $0, outcome: outcome) },
                outcome: outcomeRecord(for: message, key: key, bytes: outcome.jsonBytes(), span: span),
                fresh: outcome,
                started: started,
                upstreamTime: upstreamTime,
                span: span
            )
        case .repeated(let previous, _):
            logger.log(
                .debug,
                request: key.requestId,
                portal: key.portal,
                "Duplicate request: publishing the first outcome again"
            )
            return Publication(
                message: message,
                key: key,
                audit: nil,
                outcome: outcomeRecord(for: message, key: key, bytes: previous, span: span),
                fresh: nil,
                started: started,
                upstreamTime: nil,
                span: span
            )
        }
    }

    /// The outcome on the asking portal's topic, keyed as the request was. Only configured portals' requests
    /// get this far: `decide` dead-letters the others.
    private func outcomeRecord(
        for message: KafkaMessage,
        key: DuplicateFilter.Key,
        bytes: [UInt8],
        span: (any Span)?
    ) -> KafkaRecord {
        var headers =
            [KafkaHeader(name: Self.requestIdHeader, string: key.requestId)] + traceHeaders(of: message, span: span)
        if mode == .development { headers.append(KafkaHeader(name: Self.environmentHeader, string: mode.rawValue)) }
        return KafkaRecord(
            topic: rules.outcomeTopic(forPortalId: key.portal),
            key: message.key,
            value: bytes,
            headers: headers
        )
    }

    /// Publishes the audit record, when still pending, until Kafka acknowledges it (fail closed: without it
    /// the outcome is not sent, and the message stays uncommitted), then the outcome, retrying what may succeed
    /// later; an outcome its topic refuses becomes a dead letter, so the request does not vanish.
    private func deliver(_ publication: Publication, auditPending: Bool) async -> Disposition {
        let requestLogger = { logger.forRequest(id: publication.key.requestId, portal: publication.key.portal) }
        if auditPending, let audit = publication.audit,
            await !publish([audit], evenWhenRefusedForGood: true, logger: requestLogger())
        {
            abandon(publication)
            return .unpublished
        }
        if await publish([publication.outcome], logger: requestLogger()) {
            completeAcknowledged(publication)
            return .published
        }
        abandon(publication)
        guard !Task.isCancelled else { return .unpublished }
        let deadLettered = await deadLetter(
            publication.message,
            reason: "outcome_not_published: the outcome topic refused the outcome"
        )
        return deadLettered ? .published : .unpublished
    }

    /// The publication's outcome is not published: later copies plan afresh, its span ends.
    private func abandon(_ publication: Publication) {
        if publication.fresh != nil { duplicates.abandon(publication.key) }
        publication.span?.end()
    }

    /// Everything of the publication is acknowledged: later copies get its outcome, it is counted, its span ends.
    private func completeAcknowledged(_ publication: Publication) {
        if let outcome = publication.fresh {
            duplicates.complete(publication.key, outcome: publication.outcome.value ?? [])
            let elapsed = publication.started.duration(to: clock.now)
            metrics.outcomePublished(
                portal: outcome.portal,
                status: outcome.status,
                source: outcome.source,
                endToEnd: elapsed
            )
            metrics.gatewayOverhead(elapsed - (publication.upstreamTime?.total ?? .zero))
        }
        publication.span?.end()
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
    /// `traceparent` as it parsed (`begin` dropped one that did not), so the portal can join its request and
    /// outcome either way.
    private func traceHeaders(of message: KafkaMessage, span: (any Span)?) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        if let span {
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: KafkaHeadersInjector())
        }
        if headers.isEmpty, let traceparent = message.headers.first(named: TraceContext.traceparentHeader) {
            headers.append(traceparent)
        }
        return headers
    }

    // MARK: Kafka

    /// The original message, with headers saying why and where it came from, on the dead-letter topic, cut to
    /// fit (`DeadLetter`). When the dead-letter topic refuses the original bytes (its own limit lower than the
    /// gateway's), the headers go alone: the source topic, partition and offset still point at the original.
    private func deadLetter(_ message: KafkaMessage, reason: String) async -> Bool {
        let letter = DeadLetter(
            of: message,
            reason: reason,
            topic: rules.deadLetterTopic,
            limit: rules.policy.maxMessageBytes
        )
        var published = await publish([letter.record], logger: logger)
        if !published, !Task.isCancelled, letter.record.value != nil {
            published = await publish([letter.withoutValue], logger: logger)
        }
        guard published else { return false }
        logger.warning(
            "Request dead-lettered",
            metadata: [
                LogKey.reason: "\(reason)", LogKey.topic: "\(message.topic)", LogKey.partition: "\(message.partition)",
                LogKey.offset: "\(message.offset)",
            ]
        )
        return true
    }

    /// Sends until every record is acknowledged, retrying retriable failures (brokers away, leaders moving)
    /// until the task is cancelled (shutdown); `false` on a permanent refusal or cancellation.
    /// - Parameters:
    ///   - evenWhenRefusedForGood: retries permanent refusals too (an audit record, which nothing may go
    ///     without: a topic created or an access granted later lets it through without a restart).
    ///   - logger: made only when a failure is logged.
    private func publish(
        _ records: [KafkaRecord],
        evenWhenRefusedForGood: Bool = false,
        logger: @autoclosure () -> Logger
    ) async -> Bool {
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
            if failed.allSatisfy({ $0.1.isRetriable }) {
                logger().warning(
                    "Publishing failed; retrying",
                    metadata: [LogKey.error: "\(firstError)", LogKey.attempt: "\(attempt)"]
                )
            } else {
                logger().error(
                    "Kafka refused a record",
                    metadata: [
                        LogKey.topic: "\(failed[0].0.topic)", LogKey.error: "\(firstError)",
                        LogKey.attempt: "\(attempt)",
                    ]
                )
                guard evenWhenRefusedForGood else { return false }
            }
            pending = failed.map(\.0)
            let backoff = retry.delay(
                afterAttempts: min(attempt, retry.attempts - 1),
                retryAfter: nil,
                unitRandom: Double.random(in: 0.5..<1)
            )
            try? await clock.sleep(for: backoff ?? .seconds(1))
        }
        return false
    }
}
