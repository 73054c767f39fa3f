import DanCuContract
import Testing

@testable import Scheduling

@Suite struct AdaptiveRateTests {
    private func core(increasePerSecond: Double = 5) -> SchedulerCore<Int> {
        var configuration = SchedulerConfiguration()
        configuration.adaptive.increasePerSecond = increasePerSecond
        configuration.adaptive.latencyThreshold = .seconds(2)
        return SchedulerCore(
            configuration: configuration,
            quota: QuotaSettings(requestsPerSecond: 100, burst: 10, maxInFlight: 10),
            portals: [portal("a")],
            now: .init(sinceStart: .zero)
        )
    }

    private func at(_ milliseconds: Int) -> SchedulingInstant { .init(sinceStart: .milliseconds(milliseconds)) }

    @Test(arguments: [
        (UpstreamCallResult.rateLimited(retryAfter: nil), 50.0),
        (.success(latency: .seconds(3)), 50.0),
        (.failure(latency: .seconds(3)), 50.0),
        (.success(latency: .milliseconds(1999)), 100.0),
        (.failure(latency: .milliseconds(10)), 100.0),
    ])
    func overloadSignalsCutTheRateMultiplicatively(result: UpstreamCallResult, expectedRate: Double) {
        var core = core()
        var effects = SchedulerCore<Int>.Effects()
        core.complete(result, number: 0, grantedAt: at(0), now: at(0), effects: &effects)
        #expect(core.snapshot(now: at(0)).effectiveRate == expectedRate)
    }

    @Test func answersToCallsSentBeforeACutDoNotCutAgain() {
        var core = core()
        var effects = SchedulerCore<Int>.Effects()
        core.complete(.rateLimited(retryAfter: nil), number: 0, grantedAt: at(0), now: at(100), effects: &effects)
        core.complete(.rateLimited(retryAfter: nil), number: 0, grantedAt: at(50), now: at(100), effects: &effects)
        #expect(core.snapshot(now: at(100)).effectiveRate == 50)
        core.complete(.rateLimited(retryAfter: nil), number: 0, grantedAt: at(100), now: at(100), effects: &effects)
        #expect(core.snapshot(now: at(100)).effectiveRate == 25)
    }

    @Test func rateRecoversAdditivelyUpToTheQuota() {
        var core = core(increasePerSecond: 5)
        var effects = SchedulerCore<Int>.Effects()
        core.complete(.rateLimited(retryAfter: nil), number: 0, grantedAt: at(0), now: at(0), effects: &effects)
        #expect(core.snapshot(now: at(4_000)).effectiveRate == 70)
        #expect(core.snapshot(now: at(60_000)).effectiveRate == 100)
    }

    /// Without a configured increase the recovery scales with the quota: a halving is won back in ten
    /// seconds at 100 calls/s and at 1,000 alike, and at an instance's share of either.
    @Test(arguments: [(100.0, 1.0), (1_000.0, 1.0), (1_000.0, 0.25)])
    func defaultRecoveryScalesWithTheQuota(requestsPerSecond: Double, share: Double) {
        var core = SchedulerCore<Int>(
            configuration: SchedulerConfiguration(),
            quota: QuotaSettings(requestsPerSecond: requestsPerSecond, burst: 10, maxInFlight: 10),
            portals: [portal("a")],
            now: at(0)
        )
        var effects = SchedulerCore<Int>.Effects()
        core.setShare(share, now: at(0), effects: &effects)
        let ceiling = requestsPerSecond * share
        core.complete(.rateLimited(retryAfter: nil), number: 0, grantedAt: at(0), now: at(0), effects: &effects)
        #expect(core.snapshot(now: at(0)).effectiveRate == ceiling / 2)
        #expect(abs(core.snapshot(now: at(4_000)).effectiveRate - ceiling * 0.7) < 1e-9)
        #expect(core.snapshot(now: at(10_000)).effectiveRate == ceiling)
    }

    @Test func rateIsNeverCutBelowTheMinimum() {
        var core = core()
        var effects = SchedulerCore<Int>.Effects()
        for step in 0..<20 {
            core.complete(
                .rateLimited(retryAfter: nil),
                number: 0,
                grantedAt: at(step),
                now: at(step),
                effects: &effects
            )
        }
        #expect(core.snapshot(now: at(20)).effectiveRate >= 1)
        #expect(core.snapshot(now: at(20)).effectiveRate < 1.2)
    }

    @Test func retryAfterPausesEveryCall() {
        var core = core()
        var effects = SchedulerCore<Int>.Effects()
        core.complete(
            .rateLimited(retryAfter: .seconds(3)),
            number: 0,
            grantedAt: at(0),
            now: at(500),
            effects: &effects
        )
        #expect(core.snapshot(now: at(500)).pausedUntil == at(3_500))
        core.arrive(
            id: 1,
            portal: "a",
            channel: .counter,
            deadline: at(60_000),
            ticket: 1,
            now: at(600),
            effects: &effects
        )
        #expect(effects.resolved.isEmpty)
        #expect(core.nextWake(now: at(600)) == at(3_500))
        core.dispatch(now: at(3_500), effects: &effects)
        #expect(effects.resolved.count == 1)
    }

    @Test func shareScalesRateBurstWindowAndInFlight() {
        var core = core()
        var effects = SchedulerCore<Int>.Effects()
        core.setShare(0.25, now: at(0), effects: &effects)
        let snapshot = core.snapshot(now: at(0))
        #expect(snapshot.quotaRate == 25)
        #expect(snapshot.effectiveRate == 25)
        #expect(snapshot.maxInFlight == 2)
        // The burst shrinks to a quarter as well: 10 requests at once get 2 calls (the in-flight cap).
        for id in 0..<10 {
            core.arrive(
                id: UInt64(id),
                portal: "a",
                channel: .batch,
                deadline: at(60_000),
                ticket: id,
                now: at(0),
                effects: &effects
            )
        }
        #expect(effects.resolved.count == 2)
    }
}
