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
@testable import Scheduling

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

    @Test func callsTheClientRefusesToSendAreNotRetriedAndNeverMoveTheBreaker() async throws {
        let refusals = CircuitBreakerConfiguration().consecutiveFailures * 4
        let bed = TestBed(script: Array(repeating: .failure(.invalidQuery), count: refusals) + [.success(true)])
        for _ in 0..<refusals {
            let outcome = try await bed.resolve(deadlineIn: .seconds(10))
            #expect(outcome.status == .unavailable && outcome.attempts == 1)
        }
        #expect(bed.database.callTimes.count == refusals, "none retried")
        #expect(bed.access.breaker.state == .closed)
        let other = try await bed.resolve(deadlineIn: .seconds(10))
        #expect(other.status == .verified)
    }

    @Test(arguments: [
        PopulationDBError.Code.rateLimited, .rejected, .unauthorized, .businessFault, .malformedResponse,
    ])
    func anyAnswerToAHalfOpenProbeClosesTheBreaker(probeAnswer: PopulationDBError.Code) async throws {
        let retryAfter: Duration? = probeAnswer == .rateLimited ? .seconds(1) : nil
        let bed = TestBed(script: [.failure(probeAnswer, retryAfter: retryAfter), .success(true)])
        for _ in 0..<CircuitBreakerConfiguration().consecutiveFailures { bed.access.breaker.recordFailure() }
        let probed = try await bed.resolve(deadlineIn: .seconds(120))
        #expect(bed.access.breaker.state == .closed)
        let probeTime = try #require(bed.database.callTimes.first)
        #expect(probeTime >= .seconds(30), "the probe goes after the cool-down")
        // A 429 is retried after its Retry-After once the breaker has closed; a permanent answer is final.
        #expect(probed.status == (probeAnswer == .rateLimited ? .verified : .unavailable))
        let next = try await bed.resolve(deadlineIn: .seconds(10))
        #expect(next.status == .verified)
    }

    @Test func requestsRefusedWhileTheProbeIsOutAreWokenByItsAnswer() async throws {
        let bed = TestBed(script: [.success(true)], holdFirstCall: true)
        for _ in 0..<CircuitBreakerConfiguration().consecutiveFailures { bed.access.breaker.recordFailure() }
        // Past the cool-down: a timer that registers only now still fires at once.
        await bed.clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { bed.access.breaker.state == .halfOpen })
        let probe = bed.start(deadlineIn: .seconds(60))
        #expect(await eventually { bed.database.callTimes.count == 1 })
        let refused = bed.start(deadlineIn: .seconds(60))
        #expect(await eventually { bed.access.breaker.waitingCalls == 1 })
        bed.database.releaseHeldCall()
        // No virtual time passes: the probe's answer closes the breaker, which wakes the refused request.
        let answers = (try #require(await probe.value), try #require(await refused.value))
        #expect(answers.0.status == .verified && answers.1.status == .verified)
        #expect(bed.database.callTimes == [.seconds(30) + .milliseconds(1), .seconds(30) + .milliseconds(1)])
        #expect(bed.access.scheduler.snapshot.inFlight == 0)
    }

    // MARK: Coalescing

    @Test func aJoinerOutlivesTheCallItJoinedAndMakesItsOwn() async throws {
        // The database asks to wait a second each time: the counter request's call runs out of time (2.5 s) while
        // the batch request that joined it has time left, and makes calls of its own until it is answered.
        let bed = TestBed(
            script: Array(repeating: .failure(.rateLimited, retryAfter: .seconds(1)), count: 5) + [.success(true)],
            attempts: 1_000,
            coalescing: true
        )
        let (leaderAnswered, joinerAnswered) = (TestBed.Answered(), TestBed.Answered())
        let leader = bed.start(deadlineIn: .milliseconds(2_500), channel: .counter, answered: leaderAnswered)
        #expect(await eventually { bed.database.callTimes.count == 1 })
        let joiner = bed.start(deadlineIn: .seconds(60), channel: .batch, answered: joinerAnswered)
        #expect(await eventually { bed.access.cache.statistics.coalesced == 1 })
        await bed.advance(until: [leaderAnswered, joinerAnswered])
        let (led, joined) = (try #require(await leader.value), try #require(await joiner.value))
        #expect(led.status == .expired)
        #expect(joined.status == .verified)
        #expect(joined.attempts >= 1)
        #expect(bed.database.callTimes.count == led.attempts + joined.attempts, "its own calls, after the leader's")
    }

    @Test func aJoinerStopsWaitingAtItsOwnDeadline() async throws {
        let bed = TestBed(script: [.success(true)], holdFirstCall: true, coalescing: true)
        let (leaderAnswered, joinerAnswered) = (TestBed.Answered(), TestBed.Answered())
        let leader = bed.start(deadlineIn: .seconds(60), channel: .batch, answered: leaderAnswered)
        #expect(await eventually { bed.database.callTimes.count == 1 })
        let joiner = bed.start(deadlineIn: .seconds(2), channel: .batch, answered: joinerAnswered)
        #expect(await eventually { bed.access.cache.statistics.coalesced == 1 })
        await bed.advance(until: [joinerAnswered])
        let joined = try #require(await joiner.value)
        #expect(joined.status == .expired && joined.attempts == 0)
        #expect(bed.access.scheduler.now.sinceStart < .seconds(3), "expired at its own deadline, not the leader's")
        bed.database.releaseHeldCall()
        await bed.advance(until: [leaderAnswered])
        #expect(try #require(await leader.value).status == .verified)
    }

    @Test func aCounterRequestDoesNotWaitBehindABatchRequestsCall() async throws {
        let bed = TestBed(script: [.success(true)], holdFirstCall: true, coalescing: true)
        let (batchAnswered, counterAnswered) = (TestBed.Answered(), TestBed.Answered())
        let batch = bed.start(deadlineIn: .seconds(600), channel: .batch, answered: batchAnswered)
        #expect(await eventually { bed.database.callTimes.count == 1 })
        let counter = bed.start(deadlineIn: .seconds(60), channel: .counter, answered: counterAnswered)
        await bed.advance(until: [counterAnswered])
        bed.database.releaseHeldCall()
        let counterOutcome = try #require(await counter.value)
        #expect(counterOutcome.status == .verified && counterOutcome.attempts == 1)
        let callTimes = bed.database.callTimes
        #expect(callTimes.count == 2 && callTimes[1] < .seconds(1), "its own call, at once: \(callTimes)")
        await bed.advance(until: [batchAnswered])
        #expect(try #require(await batch.value).status == .verified)
        #expect(bed.access.cache.statistics.coalesced == 0)
    }
}

/// Waits for `condition`, yielding to other tasks, at most `attempts` times.
private func eventually(attempts: Int = 10_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<attempts {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

/// An `UpstreamAccess` with real scheduler, breaker and cache on one `TestClock`, and a scripted database.
private struct TestBed {
    let clock: TestClock<Duration>
    let database: ScriptedDatabase
    let access: UpstreamAccess
    let wallStart = Date(timeIntervalSince1970: 1_716_168_600)

    /// - Parameter coalescing: caches verify answers, so that identical requests share a call.
    init(script: [ScriptedDatabase.Answer], attempts: Int = 6, holdFirstCall: Bool = false, coalescing: Bool = false) {
        let clock = TestClock()
        self.clock = clock
        let elapsed = ElapsedClock(clock)
        let wallStart = wallStart
        database = ScriptedDatabase(script: script, clock: elapsed, holdFirstCall: holdFirstCall)
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
            cachedTypes: coalescing ? [.verify] : [],
            retry: RetryPolicy(base: .milliseconds(200), cap: .seconds(1), attempts: attempts),
            metrics: GatewayMetrics(registry: PrometheusCollectorRegistry(), clock: clock),
            logger: logger,
            clock: elapsed,
            wallClock: { wallStart.addingTimeInterval(elapsed.now.sinceStart.inSeconds) }
        )
    }

    /// Resolves a verify due `deadlineIn` from now, advancing virtual time in small steps until it is answered.
    func resolve(deadlineIn deadline: Duration) async throws -> Outcome {
        let answered = Answered()
        let task = start(deadlineIn: deadline, answered: answered)
        await advance(until: [answered])
        let outcome = await task.value
        return try #require(outcome)
    }

    /// Advances virtual time in small steps while any of the requests is unanswered, at most 10 minutes of it.
    func advance(until answered: [Answered]) async {
        var steps = 0
        while !answered.allSatisfy({ $0.flag.load(ordering: .acquiring) }), steps < 6_000 {
            await clock.advance(by: .milliseconds(100))
            steps += 1
        }
        if !answered.allSatisfy({ $0.flag.load(ordering: .acquiring) }) {
            Issue.record("unanswered after 10 minutes of virtual time")
        }
    }

    /// Starts resolving a verify due `deadlineIn` from now; the caller moves virtual time.
    func start(
        deadlineIn deadline: Duration,
        channel: Channel = .online,
        answered: Answered = Answered()
    ) -> Task<Outcome?, Never> {
        let now = access.wallClock()
        let request = ValidatedRequest(
            requestId: "ag-\(channel)",
            portal: "angiang",
            type: .verify,
            channel: channel,
            citizen: ValidatedRequest.Citizen(
                fullName: "Trần Quang Khương",
                idNumber: "089090001234",
                dateOfBirth: .full(year: 1990, month: 4, day: 20)
            ),
            releasedFields: [],
            deadline: now.addingTimeInterval(deadline.inSeconds),
            receivedAt: now
        )
        return Task { [access] in
            defer { answered.flag.store(true, ordering: .releasing) }
            return await access.resolve(request, source: "test", traceparent: nil, upstreamTime: UpstreamTime())
        }
    }

    final class Answered: Sendable {
        let flag = Atomic<Bool>(false)
    }
}

/// Answers verify calls from a script (its last answer repeats) and notes when each call came. With
/// `holdFirstCall`, the first call is not answered until `releaseHeldCall()`.
private final class ScriptedDatabase: PopulationDatabase {
    struct Answer: Sendable {
        let result: Result<Bool, PopulationDBError>

        static func success(_ matched: Bool) -> Answer { Answer(result: .success(matched)) }
        static func failure(_ code: PopulationDBError.Code, retryAfter: Duration? = nil) -> Answer {
            Answer(result: .failure(PopulationDBError(code, retryAfter: retryAfter)))
        }
    }

    private struct State {
        var script: [Answer]
        var callTimes: [Duration] = []
        var holdsNextCall: Bool
        var released = false
        var held: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>
    private let clock: ElapsedClock

    init(script: [Answer], clock: ElapsedClock, holdFirstCall: Bool = false) {
        state = Mutex(State(script: script, holdsNextCall: holdFirstCall))
        self.clock = clock
    }

    /// When each call came, on the test's clock.
    var callTimes: [Duration] { state.withLock { $0.callTimes } }

    func releaseHeldCall() {
        let held = state.withLock { state in
            state.released = true
            return state.held.take()
        }
        held?.resume()
    }

    func verify(_ query: PopulationQuery) async throws(PopulationDBError) -> Bool {
        let now = clock.now.sinceStart
        let (answer, holds) = state.withLock { state in
            state.callTimes.append(now)
            let holds = state.holdsNextCall
            state.holdsNextCall = false
            return (state.script.count > 1 ? state.script.removeFirst() : state.script[0], holds)
        }
        if holds {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let releasedAlready = state.withLock { state in
                    if !state.released { state.held = continuation }
                    return state.released
                }
                if releasedAlready { continuation.resume() }
            }
        }
        return try answer.result.get()
    }

    func lookup(_ query: PopulationQuery) async throws(PopulationDBError) -> CitizenRecord? {
        Issue.record("only verify is scripted")
        return nil
    }
}
