import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging
import Operations
import PopulationDB
import Scheduling

/// Everything between a validated request and the population database: the cache (with coalescing), the
/// scheduler (quota, priority, fairness, adaptive rate), the circuit breaker, and retries with backoff,
/// never past the request's deadline.
struct UpstreamAccess: Sendable {
    let client: any PopulationDatabase
    let scheduler: UpstreamScheduler
    let cache: ResultCache
    let breaker: CircuitBreaker
    let cachedTypes: Set<RequestType>
    let retry: RetryPolicy
    let metrics: GatewayMetrics
    let logger: Logger
    /// Measures calls and waits between them: the scheduler's clock, so that tests run in virtual time.
    let clock: ElapsedClock
    /// Reads the time an outcome is completed at, and how much of a request's deadline (a `Date`) is left.
    let wallClock: @Sendable () -> Date

    /// Why no record could be had; shared with requests that joined the same upstream call.
    private struct Failure: Error {
        enum Kind { case expired, unavailable, withdrawn }
        let kind: Kind
        let attempts: Int
    }

    /// The outcome when the cache holds the answer, without waiting; `nil` when the population database must
    /// be asked (or an identical request's call joined), which `resolve` does.
    func cachedOutcome(_ request: ValidatedRequest) -> Outcome? {
        guard cachedTypes.contains(request.type) else { return nil }
        let key = cache.key(for: request.citizen, legacyIdNumber: request.legacyIdNumber)
        let answer: Answer
        if request.needsRecord {
            guard let record = cache.cachedValue(for: key, type: request.type) else { return nil }
            answer = .record(record)
        } else {
            guard let matched = cache.cachedMatch(for: key, type: request.type) else { return nil }
            answer = .matched(matched)
        }
        metrics.cache(hit: true)
        return Self.outcome(request, answer: answer, attempts: 0, source: .cache, completedAt: wallClock())
    }

    /// The request's outcome; `nil` when its source (partition) was withdrawn before it could call: this
    /// instance no longer owns it, and the next owner answers it.
    /// - Parameter upstreamTime: adds up the time spent in population-database exchanges.
    func resolve(
        _ request: ValidatedRequest,
        source: String,
        traceparent: String?,
        upstreamTime: UpstreamTime
    ) async -> Outcome? {
        let deadline = scheduler.now.advanced(by: .seconds(max(0, request.deadline.timeIntervalSince(wallClock()))))
        let query = PopulationQuery(
            requestId: request.requestId,
            serviceCode: request.procedureCode,
            officerId: request.officerId,
            idNumber: request.citizen.idNumber,
            fullName: request.citizen.fullName,
            dateOfBirth: request.citizen.dateOfBirth,
            legacyIdNumber: request.legacyIdNumber,
            traceparent: traceparent
        )
        // A verify that names no fields, and a link, ask only yes or no: the gateway never sees the record.
        let operation: PopulationOperation = request.needsRecord ? .lookup : .verify
        let call = { @Sendable (client: any PopulationDatabase) async throws(PopulationDBError) -> Answer in
            request.needsRecord ? .record(try await client.lookup(query)) : .matched(try await client.verify(query))
        }
        guard cachedTypes.contains(request.type) else {
            return await outcome(request) {
                try await callWithRetries(
                    request,
                    source: source,
                    deadline: deadline,
                    operation: operation,
                    upstreamTime: upstreamTime,
                    call: call
                )
            }
        }
        let key = cache.key(for: request.citizen, legacyIdNumber: request.legacyIdNumber)
        // Joining an identical call never costs this request its deadline or priority (see `ResultCache.Joiner`).
        let joiner = ResultCache.Joiner(channel: request.channel, waitingAtMost: scheduler.now.duration(to: deadline))
        let ownCall = { @Sendable () async throws -> (result: Answer, attempts: Int) in
            let (answer, attempts, _) = try await callWithRetries(
                request,
                source: source,
                deadline: deadline,
                operation: operation,
                upstreamTime: upstreamTime,
                call: call
            )
            return (answer, attempts)
        }
        return await outcome(request) {
            // A cached record answers every type, a cached yes or no only what needs no record.
            let answer: Answer
            let answeredBy: ResultCache.Source<Int>
            do {
                if request.needsRecord {
                    let (record, origin) = try await cache.value(for: key, type: request.type, as: joiner) {
                        @Sendable in
                        let (answer, attempts) = try await ownCall()
                        guard case .record(let record) = answer else { return (nil, attempts) }
                        return (record, attempts)
                    }
                    (answer, answeredBy) = (.record(record), origin)
                } else {
                    let (matched, origin) = try await cache.match(for: key, type: request.type, as: joiner) {
                        @Sendable in
                        let (answer, attempts) = try await ownCall()
                        guard case .matched(let matched) = answer else { return (false, attempts) }
                        return (matched, attempts)
                    }
                    (answer, answeredBy) = (.matched(matched), origin)
                }
            } catch is ResultCache.JoinExpired {
                throw Failure(kind: .expired, attempts: 0)
            }
            metrics.cache(hit: answeredBy.fromCache)
            switch answeredBy {
            case .cache: return (answer, 0, .cache)
            // The identical call it joined is its one attempt.
            case .joined: return (answer, 1, .populationDb)
            case .ownCall(let attempts): return (answer, attempts, .populationDb)
            }
        }
    }

    private enum Answer: Sendable {
        case matched(Bool)
        case record(CitizenRecord?)
    }

    private func outcome(
        _ request: ValidatedRequest,
        _ body: () async throws -> (result: Answer, attempts: Int, source: OutcomeSource)
    ) async -> Outcome? {
        do {
            let (answer, attempts, source) = try await body()
            return Self.outcome(request, answer: answer, attempts: attempts, source: source, completedAt: wallClock())
        } catch let failure as Failure {
            switch failure.kind {
            case .expired: return request.expired(attempts: failure.attempts, completedAt: wallClock())
            case .unavailable: return request.unavailable(attempts: failure.attempts, completedAt: wallClock())
            case .withdrawn: return nil
            }
        } catch {
            // Cancelled (shutdown): nothing is published for it either; it is redelivered.
            return nil
        }
    }

    private static func outcome(
        _ request: ValidatedRequest,
        answer: Answer,
        attempts: Int,
        source: OutcomeSource,
        completedAt: Date
    ) -> Outcome {
        switch answer {
        case .matched(let matched):
            request.verified(matched: matched, source: source, attempts: attempts, completedAt: completedAt)
        case .record(let record?):
            request.found(record, source: source, attempts: attempts, completedAt: completedAt)
        case .record(nil):
            request.type == .verify
                ? request.verified(matched: false, source: source, attempts: attempts, completedAt: completedAt)
                : request.notFound(source: source, attempts: attempts, completedAt: completedAt)
        }
    }

    /// Calls within the quota, retrying what may succeed later; an expired request never spends a call.
    private func callWithRetries(
        _ request: ValidatedRequest,
        source: String,
        deadline: SchedulingInstant,
        operation: PopulationOperation,
        upstreamTime: UpstreamTime,
        call: (any PopulationDatabase) async throws(PopulationDBError) -> Answer
    ) async throws -> (result: Answer, attempts: Int, source: OutcomeSource) {
        var attempts = 0
        while true {
            guard scheduler.now < deadline else { throw Failure(kind: .expired, attempts: attempts) }
            let permit: UpstreamPermit
            switch try await scheduler.acquire(
                portal: request.portal,
                channel: request.channel,
                deadline: deadline,
                source: source
            ) {
            case .permit(let granted): permit = granted
            case .expired: throw Failure(kind: .expired, attempts: attempts)
            case .withdrawn: throw Failure(kind: .withdrawn, attempts: attempts)
            }
            if case .refused(let mark) = breaker.admitCall() {
                // Open, or half-open with its probes out: no call, so the permit goes back without a measurement,
                // and the request waits for the breaker's next state (or its deadline) before asking again.
                permit.returnUnused()
                await breaker.waitForChange(after: mark, atMost: scheduler.now.duration(to: deadline))
                continue
            }
            attempts += 1
            permit.recordCallStart()
            let started = clock.now
            do {
                let answer = try await call(client)
                let latency = started.duration(to: clock.now)
                upstreamTime.add(latency)
                permit.complete(.success(latency: latency))
                breaker.recordSuccess()
                metrics.upstreamCall(
                    operation: operation.rawValue,
                    httpStatus: 200,
                    outcome: Self.callOutcome(answer),
                    latency: latency
                )
                metrics.upstreamReachable(true)
                return (answer, attempts, .populationDb)
            } catch {
                let latency = started.duration(to: clock.now)
                upstreamTime.add(latency)
                metrics.upstreamCall(
                    operation: operation.rawValue,
                    httpStatus: error.httpStatus,
                    outcome: error.isRetriable ? .retriable : .permanent,
                    latency: latency
                )
                permit.complete(
                    error.code == .rateLimited ? .rateLimited(retryAfter: error.retryAfter) : .failure(latency: latency)
                )
                switch error.databaseHealth {
                case .failing:
                    breaker.recordFailure()
                    metrics.upstreamReachable(false)
                case .answering:
                    breaker.recordSuccess()
                    metrics.upstreamReachable(true)
                case .unknown:
                    breaker.recordInconclusive()
                }
                logger.forRequest(id: request.requestId, portal: request.portal).debug(
                    "Population database call failed",
                    metadata: [LogKey.error: "\(error)", LogKey.attempt: "\(attempts)"]
                )
                guard error.isRetriable,
                    let delay = retry.delay(
                        afterAttempts: attempts,
                        retryAfter: error.retryAfter,
                        unitRandom: Double.random(in: 0..<1)
                    )
                else {
                    throw Failure(kind: .unavailable, attempts: attempts)
                }
                guard scheduler.now.advanced(by: delay) < deadline else {
                    throw Failure(kind: .expired, attempts: attempts)
                }
                metrics.retried(portal: request.portal)
                try await clock.sleep(for: delay)
            }
        }
    }

    private static func callOutcome(_ answer: Answer) -> UpstreamCallOutcome {
        switch answer {
        case .matched(true), .record(.some): .ok
        case .matched(false), .record(nil): .notFound
        }
    }
}

/// What the gateway asks of the population database: the client, or a fake in unit tests.
protocol PopulationDatabase: Sendable {
    func verify(_ query: PopulationQuery) async throws(PopulationDBError) -> Bool
    func lookup(_ query: PopulationQuery) async throws(PopulationDBError) -> CitizenRecord?
}

extension PopulationDBClient: PopulationDatabase {}

/// Builds the audit record of each population-database access: who asked, for what, what was released.
struct AuditTrail: Sendable {
    let topic: String
    let hasher: AuditHasher

    /// The audit record of every outcome for which the population database was asked about the citizen:
    /// answered by it or its cache, and also expired or unavailable after calls were made (`attempts` > 0).
    /// Outcomes the gateway decided alone (invalid, forbidden, expired before any call) asked nobody.
    func record(for request: ValidatedRequest, outcome: Outcome) -> KafkaRecord? {
        guard outcome.source != .gateway || outcome.attempts > 0 else { return nil }
        let record = AuditRecord(request: request, outcome: outcome, hasher: hasher)
        return KafkaRecord(topic: topic, key: Array(record.key.utf8), value: record.jsonBytes())
    }
}
