import Clocks
import DanCuContract
import Logging
import Synchronization
import Testing

@testable import Scheduling

/// Waits for `condition`, yielding to other tasks, at most `attempts` times.
func eventually(attempts: Int = 10_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<attempts {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

/// The async scheduler on a test clock: timers, deadlines, cancellation, permits.
@Suite(.timeLimit(.minutes(1))) struct UpstreamSchedulerTests {
    private func scheduler(
        clock: TestClock<Duration>,
        quota: QuotaSettings = QuotaSettings(requestsPerSecond: 10, burst: 1, maxInFlight: 5),
        configuration: SchedulerConfiguration = SchedulerConfiguration()
    ) -> UpstreamScheduler {
        UpstreamScheduler(
            configuration: configuration,
            quota: quota,
            portals: [portal("phutho"), portal("angiang")],
            clock: clock,
            logger: Logger(label: "test")
        )
    }

    @Test func grantsAtOnceWhenTheQuotaAllows() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        let grant = try await scheduler.acquire(
            portal: "phutho",
            channel: .counter,
            deadline: scheduler.now.advanced(by: .seconds(30))
        )
        guard case .permit(let permit) = grant else {
            Issue.record("expected a permit, got \(grant)")
            return
        }
        #expect(scheduler.snapshot.inFlight == 1)
        permit.complete(.success(latency: .milliseconds(80)))
        #expect(scheduler.snapshot.inFlight == 0)
    }

    @Test func aPermitReturnedUnusedGivesItsQuotaToTheNextRequestAndLeavesTheRateAlone() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock, quota: QuotaSettings(requestsPerSecond: 1, burst: 1, maxInFlight: 1))
        let deadline = scheduler.now.advanced(by: .seconds(30))
        let rate = scheduler.snapshot.effectiveRate
        let refused = try #require(
            try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline).permit,
            "expected a permit"
        )
        refused.returnUnused()
        #expect(scheduler.snapshot.inFlight == 0)
        // With the one token and the one place in the window given back, the next request needs no time to pass.
        let next = try await scheduler.acquire(portal: "angiang", channel: .counter, deadline: deadline)
        guard case .permit(let permit) = next else {
            Issue.record("expected a permit at once, got \(next)")
            return
        }
        #expect(scheduler.snapshot.effectiveRate == rate)
        permit.complete(.success(latency: .milliseconds(50)))
    }

    @Test func waitingRequestIsGrantedWhenTheNextTokenArrives() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        let deadline = scheduler.now.advanced(by: .seconds(30))
        _ = try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline)
        let waiting = Task { try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline) }
        #expect(await eventually { scheduler.snapshot.waiting == 1 })
        // Tokens come at the pace the window admits: 10 calls per second and the default 20 ms margin.
        let tokenInterval = Duration.milliseconds(102)
        await clock.advance(by: tokenInterval - .milliseconds(1))
        #expect(scheduler.snapshot.waiting == 1)
        // A hair past the token, so that a timer task that registers late finds its time passed.
        await clock.advance(by: .milliseconds(2))
        let permit = try #require(try await waiting.value.permit, "expected a permit")
        #expect(permit.grantedAt >= SchedulingInstant(sinceStart: tokenInterval))
    }

    @Test func requestExpiresWhenItsDeadlinePassesWhileWaiting() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        scheduler.pause(until: scheduler.now.advanced(by: .seconds(60)))
        let waiting = Task {
            try await scheduler.acquire(
                portal: "angiang",
                channel: .online,
                deadline: scheduler.now.advanced(by: .seconds(2))
            )
        }
        #expect(await eventually { scheduler.snapshot.waiting == 1 })
        await clock.advance(by: .seconds(2) + .milliseconds(1))
        guard case .expired = try await waiting.value else {
            Issue.record("expected expired")
            return
        }
        #expect(scheduler.snapshot.waiting == 0)
        #expect(scheduler.snapshot.inFlight == 0)
    }

    @Test func withdrawnSourcesStopWaitingAndStayWithdrawnUntilReadmitted() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        let deadline = scheduler.now.advanced(by: .seconds(30))
        scheduler.pause(until: scheduler.now.advanced(by: .seconds(5)))
        let leaving = Task {
            try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline, source: "p0")
        }
        let staying = Task {
            try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline, source: "p1")
        }
        #expect(await eventually { scheduler.snapshot.waiting == 2 })

        scheduler.withdraw(sources: ["p0"])
        guard case .withdrawn = try await leaving.value else {
            Issue.record("the leaving partition's request was not withdrawn")
            return
        }
        #expect(scheduler.snapshot.waiting == 1)
        guard
            case .withdrawn = try await scheduler.acquire(
                portal: "phutho",
                channel: .counter,
                deadline: deadline,
                source: "p0"
            )
        else {
            Issue.record("a later request from a withdrawn source was queued")
            return
        }

        await clock.advance(by: .seconds(5) + .milliseconds(1))
        guard case .permit(let permit) = try await staying.value else {
            Issue.record("the staying partition's request was not granted")
            return
        }
        permit.complete(.success(latency: .milliseconds(10)))
        scheduler.readmit(sources: ["p0"])
        await clock.advance(by: .seconds(1))
        guard
            case .permit = try await scheduler.acquire(
                portal: "phutho",
                channel: .counter,
                deadline: deadline,
                source: "p0"
            )
        else {
            Issue.record("a readmitted source was refused")
            return
        }
    }

    @Test func pastDeadlineExpiresWithoutWaiting() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        await clock.advance(by: .seconds(5))
        let grant = try await scheduler.acquire(
            portal: "angiang",
            channel: .batch,
            deadline: .init(sinceStart: .seconds(4))
        )
        guard case .expired = grant else {
            Issue.record("expected expired, got \(grant)")
            return
        }
    }

    @Test func cancelledWaiterThrowsAndLeavesTheQueue() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        scheduler.pause(until: scheduler.now.advanced(by: .seconds(60)))
        let waiting = Task {
            try await scheduler.acquire(
                portal: "angiang",
                channel: .batch,
                deadline: scheduler.now.advanced(by: .seconds(600))
            )
        }
        #expect(await eventually { scheduler.snapshot.waiting == 1 })
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(scheduler.snapshot.waiting == 0)
    }

    @Test func droppedPermitFreesItsSlot() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock, quota: QuotaSettings(requestsPerSecond: 100, burst: 10, maxInFlight: 1))
        let deadline = scheduler.now.advanced(by: .seconds(30))
        do {
            _ = try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline)
        }
        #expect(scheduler.snapshot.inFlight == 0)
        let permit = try #require(
            try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline).permit,
            "expected a permit"
        )
        permit.complete(.success(latency: .milliseconds(1)))
        permit.complete(.success(latency: .milliseconds(1)))
        #expect(scheduler.snapshot.inFlight == 0)
    }

    @Test func inFlightCapHoldsRequestsUntilACallCompletes() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock, quota: QuotaSettings(requestsPerSecond: 100, burst: 10, maxInFlight: 1))
        let deadline = scheduler.now.advanced(by: .seconds(30))
        let first = try #require(
            try await scheduler.acquire(portal: "phutho", channel: .counter, deadline: deadline).permit,
            "expected a permit"
        )
        let waiting = Task { try await scheduler.acquire(portal: "angiang", channel: .counter, deadline: deadline) }
        #expect(await eventually { scheduler.snapshot.waiting == 1 })
        first.complete(.success(latency: .milliseconds(5)))
        #expect(try await waiting.value.permit != nil, "expected a permit")
    }

    /// An instance that is assigned its partitions and then sees no request still shows its full share one
    /// window later: the dashboard and alerts must not read an idle instance's quota as its old sliver.
    @Test func aLargerShareIsAppliedOneWindowLaterWithoutAnyRequest() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        scheduler.setShare(0.1)
        scheduler.setShare(1)
        #expect(scheduler.snapshot.quotaRate == 1)
        #expect(scheduler.snapshot.nationalQuota == 10)
        await clock.advance(by: .milliseconds(500))
        #expect(scheduler.snapshot.quotaRate == 1)
        // A millisecond past the window: a test clock keeps a sleep registered for exactly "now" until its next
        // advance, and under load the scheduler's timer task may register only after this one.
        await clock.advance(by: SchedulerConfiguration().windowMargin.duration + .milliseconds(501))
        #expect(await eventually { scheduler.snapshot.quotaRate == 10 })
        #expect(scheduler.snapshot.share == 1)
    }

    @Test func snapshotShowsQueuesByPortalAndChannelAndTheShare() async throws {
        let clock = TestClock()
        let scheduler = scheduler(clock: clock)
        scheduler.setShare(0.5)
        scheduler.pause(until: scheduler.now.advanced(by: .seconds(10)))
        let deadline = scheduler.now.advanced(by: .seconds(60))
        let waiters = [("phutho", Channel.counter), ("angiang", .batch), ("angiang", .batch), ("angiang", .online)].map
        {
            portal,
            channel in
            Task { try await scheduler.acquire(portal: portal, channel: channel, deadline: deadline) }
        }
        #expect(await eventually { scheduler.snapshot.waiting == 4 })
        let snapshot = scheduler.snapshot
        let byPortal = Dictionary(uniqueKeysWithValues: snapshot.queues.map { ($0.portal, $0.waitingByChannel) })
        #expect(byPortal["phutho"] == [.counter: 1, .online: 0, .batch: 0])
        #expect(byPortal["angiang"] == [.counter: 0, .online: 1, .batch: 2])
        #expect(snapshot.share == 0.5 && snapshot.quotaRate == 5 && snapshot.maxInFlight == 2)
        #expect(snapshot.pausedUntil == SchedulingInstant(sinceStart: .seconds(10)))
        for waiter in waiters { waiter.cancel() }
        for waiter in waiters { _ = try? await waiter.value }
        #expect(scheduler.snapshot.waiting == 0)
    }

    @Test func backpressureHandlerHearsPauseAndResume() async throws {
        let clock = TestClock()
        var configuration = SchedulerConfiguration()
        configuration.queueCapacityPerPortal = 4
        let scheduler = scheduler(clock: clock, configuration: configuration)
        let heard = Mutex<[String]>([])
        scheduler.onBackpressure { [weak scheduler] portal, paused in
            let waiting = scheduler?.snapshot.waiting ?? -1
            heard.withLock { $0.append("\(portal) \(paused) at \(waiting) waiting") }
        }
        scheduler.pause(until: scheduler.now.advanced(by: .seconds(1)))
        let deadline = scheduler.now.advanced(by: .seconds(60))
        let waiters = (0..<4).map { _ in
            Task { try await scheduler.acquire(portal: "angiang", channel: .batch, deadline: deadline) }
        }
        #expect(await eventually { heard.withLock { $0 } == ["angiang true at 4 waiting"] })
        // Calls start at 1 s, then one per 100 ms; the portal resumes when half its capacity is left.
        // Small steps, because a timer task may register its sleep with the test clock late.
        for _ in 0..<60 where heard.withLock({ $0.count }) < 2 {
            await clock.advance(by: .milliseconds(50))
            _ = await eventually(attempts: 100) { heard.withLock { $0.count } == 2 }
        }
        #expect(heard.withLock { $0 } == ["angiang true at 4 waiting", "angiang false at 2 waiting"])
        for _ in 0..<60 where scheduler.snapshot.waiting > 0 {
            await clock.advance(by: .milliseconds(50))
        }
        for waiter in waiters {
            try #require(try await waiter.value.permit, "expected a permit").complete(
                .success(latency: .milliseconds(1))
            )
        }
    }
}

extension SchedulerGrant {
    /// The permit, if the scheduler granted one.
    var permit: UpstreamPermit? {
        guard case .permit(let permit) = self else { return nil }
        return permit
    }
}
