import Clocks
import DanCuConfig
import DanCuContract
import Foundation
import Logging
import Operations
import Prometheus
import Scheduling
import Synchronization
import Testing

@testable import Gateway
@testable import PopulationDB

/// Retries, deadlines, Retry-After and the breaker's refusals, in virtual time against a scripted database.
@Suite struct UpstreamAccessTests {
    private static let receivedAt = Date(timeIntervalSince1970: 1_716_168_600)

    @Test func retriableFailuresAreRetriedUntilAnAnswerComes() async throws {
        let bed = TestBed(script: [.failure(.serverError), .failure(.timedOut), .success(true)])
        let outcome = try await bed.resolve(deadlineIn: .seconds(60))
        #expect(outcome.status == .verified)
        #expect(outcome.source == .populationDb)
        #expect(outcome.attempts == 3)
        #expect(bed.database.callTimes.count == 3)
    }

    @Test func aPermanentFailureIsNotRetried() async throws {
        let bed = TestBed(script: [.failure(.rejected), .success(true)])
        let outcome = try await bed.resolve(deadlineIn: .seconds(60))
        #expect(outcome.status == .unavailable)
        #expect(outcome.attempts == 1)
        #expect(bed.database.callTimes.count == 1)
    }

    @Test func retriesStopWhenTheAttemptsAreSpent() async throws {
        let bed = TestBed(script: [.failure(.serverError)], attempts: 3)
        let outcome = try await bed.resolve(deadlineIn: .seconds(600))
        #expect(outcome.status == .unavailable)
        #expect(outcome.attempts == 3)
        #expect(bed.database.callTimes.count == 3)
    }

    @Test func retriesGiveUpAtTheRequestsDeadline() async throws {
        let bed = TestBed(script: [.failure(.serverError)], attempts: 1_000)
        let outcome = try await bed.resolve(deadlineIn: .seconds(5))
        #expect(outcome.status == .expired)
        let calls = bed.database.callTimes
        #expect(calls.count >= 1)
        #expect(outcome.attempts == calls.count)
        #expect(calls.allSatisfy { $0 < .seconds(5) }, "no call after the deadline: \(calls)")
    }

    @Test func theNextCallWaitsForRetryAfter() async throws {
        let bed = TestBed(script: [.failure(.rateLimited, retryAfter: .seconds(3)), .success(true)])
        let outcome = try await bed.resolve(deadlineIn: .seconds(60))
        #expect(outcome.status == .verified)
        let calls = bed.database.callTimes
        try #require(calls.count == 2)
        #expect(calls[1] - calls[0] >= .seconds(3))
    }

    @Test func aRetryAfterBeyondTheDeadlineExpiresTheRequestAtOnce() async throws {
        let bed = TestBed(script: [.failure(.rateLimited, retryAfter: .seconds(30)), .success(true)])
        let outcome = try await bed.resolve(deadlineIn: .seconds(10))
        #expect(outcome.status == .expired)
        #expect(outcome.attempts == 1)
        #expect(bed.database.callTimes.count == 1)
    }

    @Test func anOpenBreakerMakesNoCallAndTheRequestExpires() async throws {
        let bed = TestBed(script: [.success(true)])
        for _ in 0..<CircuitBreakerConfiguration().consecutiveFailures { bed.access.breaker.recordFailure() }
        let outcome = try await bed.resolve(deadlineIn: .seconds(2))
        #expect(outcome.status == .expired)
        #expect(outcome.attempts == 0)
        #expect(bed.database.callTimes.isEmpty)
    }
}

/// An `UpstreamAccess` with real scheduler, breaker and cache on one `TestClock`, and a scripted database.
private struct TestBed {
    let clock: TestClock<Duration>
    let database: ScriptedDatabase
    let access: UpstreamAccess
    let wallStart = Date(timeIntervalSince1970: 1_716_168_600)

    init(script: [ScriptedDatabase.Answer], attempts: Int = 6) {
        let clock = TestClock()
        self.clock = clock
        let elapsed = ElapsedClock(clock)
        let wallStart = wallStart
        database = ScriptedDatabase(script: script, clock: elapsed)
        let logger = Logger(label: "test")
        access = UpstreamAccess(
            client: database,
            scheduler: UpstreamScheduler(
                configuration: SchedulerConfiguration(),
                quota: QuotaSettings(requestsPerSecond: 100, burst: 10, maxInFlight: 10),
                portals: [PortalConfiguration(id: "angiang", displayName: "An Giang", requestTypes: [.verify])],
                clock: clock,
                logger: logger
            ),
            cache: ResultCache(configuration: CacheConfiguration(), secret: nil, clock: clock),
            breaker: CircuitBreaker(configuration: CircuitBreakerConfiguration(), clock: clock, logger: logger),
            cachedTypes: [],
            retry: RetryPolicy(base: .milliseconds(200), cap: .seconds(1), attempts: attempts),
            metrics: GatewayMetrics(registry: PrometheusCollectorRegistry(), clock: clock),
            logger: logger,
            clock: elapsed,
            wallClock: { wallStart.addingTimeInterval(elapsed.now.sinceStart.inSeconds) }
        )
    }

    /// Resolves a verify due `deadlineIn` from now, advancing virtual time in small steps until it is answered.
    func resolve(deadlineIn deadline: Duration) async throws -> Outcome {
        let request = ValidatedRequest(
            requestId: "ag-1",
            portal: "angiang",
            type: .verify,
            channel: .online,
            citizen: ValidatedRequest.Citizen(
                fullName: "Trần Quang Khương",
                idNumber: "089090001234",
                dateOfBirth: .full(year: 1990, month: 4, day: 20)
            ),
            releasedFields: [],
            deadline: wallStart.addingTimeInterval(deadline.inSeconds),
            receivedAt: wallStart
        )
        let answered = Answered()
        let task = Task { [access] in
            defer { answered.flag.store(true, ordering: .releasing) }
            return await access.resolve(request, source: "test", traceparent: nil, upstreamTime: UpstreamTime())
        }
        // Virtual time moves only while the request is unanswered, and at most 10 minutes of it.
        var steps = 0
        while !answered.flag.load(ordering: .acquiring), steps < 6_000 {
            await clock.advance(by: .milliseconds(100))
            steps += 1
        }
        if !answered.flag.load(ordering: .acquiring) {
            Issue.record("unanswered after 10 minutes of virtual time")
            task.cancel()
        }
        let outcome = await task.value
        return try #require(outcome)
    }

    private final class Answered: Sendable {
        let flag = Atomic<Bool>(false)
    }
}

/// Answers verify calls from a script (its last answer repeats) and notes when each call came.
private final class ScriptedDatabase: PopulationDatabase {
    struct Answer: Sendable {
        let result: Result<Bool, PopulationDBError>

        static func success(_ matched: Bool) -> Answer { Answer(result: .success(matched)) }
        static func failure(_ code: PopulationDBError.Code, retryAfter: Duration? = nil) -> Answer {
            Answer(result: .failure(PopulationDBError(code, retryAfter: retryAfter)))
        }
    }

    private let state: Mutex<(script: [Answer], callTimes: [Duration])>
    private let clock: ElapsedClock

    init(script: [Answer], clock: ElapsedClock) {
        state = Mutex((script, []))
        self.clock = clock
    }

    /// When each call came, on the test's clock.
    var callTimes: [Duration] { state.withLock { $0.callTimes } }

    func verify(_ query: PopulationQuery) async throws(PopulationDBError) -> Bool {
        let now = clock.now.sinceStart
        let answer = state.withLock { state in
            state.callTimes.append(now)
            return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
        }
        return try answer.result.get()
    }

    func lookup(_ query: PopulationQuery) async throws(PopulationDBError) -> CitizenRecord? {
        Issue.record("only verify is scripted")
        return nil
    }
}
