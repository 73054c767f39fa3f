import DanCuContract
import DurationUnits
import Testing

@testable import Scheduling

/// The scheduling requirements, shown by simulations in virtual time.
@Suite struct SchedulerPolicyTests {
    static let quota = QuotaSettings(requestsPerSecond: 100, burst: 20, maxInFlight: 50)

    /// One portal with `count` batch requests waiting from the start: the scheduler saturated.
    static func batchBacklog(_ count: Int) -> SchedulerSimulation {
        SchedulerSimulation(quota: quota, portals: [portal("a")], arrivals: burst(count, portal: "a", channel: .batch))
    }

    @Test(arguments: [
        QuotaSettings(requestsPerSecond: 100, burst: 20, maxInFlight: 50),
        QuotaSettings(requestsPerSecond: 100, burst: 100, maxInFlight: 1000),
        QuotaSettings(requestsPerSecond: 7, burst: 50, maxInFlight: 5),
    ])
    func quotaHoldsOverEveryWindowBurstsIncluded(quota: QuotaSettings) {
        // Idle spells let the bucket fill to its burst; then floods arrive.
        var arrivals: [SchedulerSimulation.Arrival] = []
        for second in stride(from: 0, to: 40, by: 8) {
            arrivals += burst(1_000, portal: "a", channel: .counter, at: .seconds(second), deadlineAfter: .seconds(3))
            arrivals += burst(300, portal: "b", channel: .batch, at: .seconds(second) + .milliseconds(999))
        }
        var simulation = SchedulerSimulation(quota: quota, portals: [portal("a"), portal("b")], arrivals: arrivals)
        simulation.run(until: .seconds(45))

        let limit = Int(quota.requestsPerSecond)
        #expect(maximumPerSecond(simulation.grantTimes) == limit)
        // Saturated seconds use the quota: the first second of each flood gets all of it.
        #expect(simulation.granted(from: .zero, to: .seconds(1)) == limit)
    }

    @Test func saturationUsesAtLeastNinetyEightPercentOfTheQuota() {
        var simulation = Self.batchBacklog(20_000)
        simulation.run(until: .seconds(60))
        let used = Double(simulation.granted()) / (Self.quota.requestsPerSecond * 60)
        #expect(used >= 0.98 && used <= 1.0)
        #expect(simulation.upstream.rejected == 0)
    }

    @Test func floodingPortalDoesNotTakeTheQuietPortalsShare() {
        // Everyone wants more than a third of the quota; "flood" sends ten times the others.
        var generator = ArrivalGenerator(seed: 1)
        let end = Duration.seconds(120)
        let arrivals =
            generator.poisson(portal: "flood", channel: .online, perSecond: 600, until: end)
            + generator.poisson(portal: "quiet1", channel: .online, perSecond: 60, until: end)
            + generator.poisson(portal: "quiet2", channel: .online, perSecond: 60, until: end)
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("flood"), portal("quiet1"), portal("quiet2")],
            arrivals: arrivals
        )
        simulation.run(until: end)

        let measured = (from: Duration.seconds(10), to: end)
        let total = Double(simulation.granted(from: measured.from, to: measured.to))
        for id in ["flood", "quiet1", "quiet2"] {
            let share = Double(simulation.granted(portal: id, from: measured.from, to: measured.to)) / total
            #expect(abs(share - 1.0 / 3) / (1.0 / 3) < 0.05, "\(id) got \(share)")
        }
    }

    @Test func weightsDivideTheQuota() {
        let arrivals =
            burst(20_000, portal: "heavy", channel: .online) + burst(20_000, portal: "light", channel: .online)
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("heavy", weight: 3), portal("light", weight: 1)],
            arrivals: arrivals
        )
        simulation.run(until: .seconds(60))
        let heavy = Double(simulation.granted(portal: "heavy"))
        let light = Double(simulation.granted(portal: "light"))
        #expect(abs(heavy / light - 3) < 0.05 * 3)
    }

    @Test func quietPortalsLatencyIsThatOfItsOwnFairShare() {
        var generator = ArrivalGenerator(seed: 7)
        let end = Duration.seconds(60)
        let quiet1 = generator.poisson(portal: "quiet1", channel: .online, perSecond: 200, until: end)
        let quiet2 = generator.poisson(portal: "quiet2", channel: .online, perSecond: 200, until: end)
        let flood = generator.poisson(portal: "flood", channel: .online, perSecond: 2_000, until: end)
        var shared = SchedulerSimulation(
            quota: QuotaSettings(requestsPerSecond: 1_000, burst: 50, maxInFlight: 500),
            portals: [portal("flood"), portal("quiet1"), portal("quiet2")],
            arrivals: flood + quiet1 + quiet2
        )
        shared.run(until: end)

        // The reference: each quiet portal alone on a third of the quota.
        for (id, arrivals) in [("quiet1", quiet1), ("quiet2", quiet2)] {
            var alone = SchedulerSimulation(
                quota: QuotaSettings(requestsPerSecond: 1_000.0 / 3, burst: 17, maxInFlight: 167),
                portals: [portal(id)],
                arrivals: arrivals
            )
            alone.run(until: end)
            let throughput = Double(shared.granted(portal: id)) / Double(alone.granted(portal: id))
            let latency = shared.meanLatency(portal: id) / alone.meanLatency(portal: id)
            #expect(abs(throughput - 1) < 0.05, "\(id) throughput ratio \(throughput)")
            #expect(abs(latency - 1) < 0.05, "\(id) latency ratio \(latency)")
        }
    }

    @Test func counterLatencyIgnoresABatchBacklogOfOneHundredThousand() {
        var generator = ArrivalGenerator(seed: 3)
        let end = Duration.seconds(120)
        let counter = generator.poisson(portal: "phutho", channel: .counter, perSecond: 30, until: end)
        var quiet = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("phutho"), portal("angiang")],
            arrivals: counter
        )
        quiet.run(until: end + .seconds(1))
        var backlogged = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("phutho"), portal("angiang")],
            arrivals: counter + burst(100_000, portal: "angiang", channel: .batch)
        )
        backlogged.run(until: end + .seconds(1))

        let ratio = backlogged.meanLatency(channel: .counter) / quiet.meanLatency(channel: .counter)
        #expect(ratio < 1.10, "counter latency ratio \(ratio)")
        #expect(backlogged.granted(channel: .counter) == quiet.granted(channel: .counter))
        // The backlog takes what is left, and the quota still holds.
        #expect(backlogged.granted(channel: .batch) > 60 * 100)
        #expect(maximumPerSecond(backlogged.grantTimes) <= 100)
    }

    @Test(arguments: [(Channel.online, 0.2), (Channel.batch, 0.1)])
    func lowerChannelsGetTheirMinimumShare(channel: Channel, minimum: Double) {
        let arrivals = burst(20_000, portal: "a", channel: .counter) + burst(20_000, portal: "b", channel: channel)
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a"), portal("b")],
            arrivals: arrivals
        )
        simulation.run(until: .seconds(60))
        let share = Double(simulation.granted(channel: channel)) / Double(simulation.granted())
        #expect(abs(share - minimum) < 0.01, "\(channel) got \(share)")
    }

    @Test func allThreeChannelsBackloggedSplitBySharesAndPriority() {
        let arrivals =
            burst(20_000, portal: "a", channel: .counter) + burst(20_000, portal: "a", channel: .online)
            + burst(20_000, portal: "a", channel: .batch)
        var simulation = SchedulerSimulation(quota: Self.quota, portals: [portal("a")], arrivals: arrivals)
        simulation.run(until: .seconds(60))
        let total = Double(simulation.granted())
        #expect(abs(Double(simulation.granted(channel: .online)) / total - 0.2) < 0.01)
        #expect(abs(Double(simulation.granted(channel: .batch)) / total - 0.1) < 0.01)
        #expect(abs(Double(simulation.granted(channel: .counter)) / total - 0.7) < 0.01)
    }

    @Test func lowerPriorityWorkUsesWhatHigherPriorityLeaves() {
        var generator = ArrivalGenerator(seed: 11)
        let arrivals =
            generator.poisson(portal: "a", channel: .counter, perSecond: 40, until: .seconds(60))
            + burst(20_000, portal: "b", channel: .batch)
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a"), portal("b")],
            arrivals: arrivals
        )
        simulation.run(until: .seconds(60))
        let used = Double(simulation.granted()) / (100 * 60)
        #expect(used >= 0.98)
        #expect(Double(simulation.granted(channel: .batch)) / Double(simulation.granted()) > 0.5)
    }

    @Test func requestsWhoseDeadlinePassesWhileWaitingExpireAtTheirDeadline() {
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(500, portal: "a", channel: .counter, deadlineAfter: .seconds(2))
        )
        simulation.run(until: .seconds(10))

        let granted = simulation.requests.filter { $0.grantedAt != nil }
        let expired = simulation.requests.filter { $0.expiredAt != nil }
        // At most the quota in each of the two seconds before the deadline.
        #expect((195...200).contains(granted.count))
        #expect(expired.count == 500 - granted.count)
        #expect(expired.allSatisfy { $0.expiredAt == .seconds(2) && $0.grantedAt == nil })
    }

    @Test func pausedSchedulerMakesNoCallsButStillExpiresAtDeadlines() {
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(10, portal: "a", channel: .counter, at: .milliseconds(1), deadlineAfter: .seconds(1))
                + burst(10, portal: "a", channel: .batch, at: .milliseconds(1))
        )
        simulation.run(
            until: .seconds(10),
            events: [(.zero, { core, now in core.pause(until: now.advanced(by: .seconds(5))) })]
        )
        let counter = simulation.requests.filter { $0.arrival.channel == .counter }
        let batch = simulation.requests.filter { $0.arrival.channel == .batch }
        #expect(counter.allSatisfy { $0.expiredAt == .seconds(1) + .milliseconds(1) })
        #expect(batch.allSatisfy { $0.grantedAt == .seconds(5) })
    }

    @Test func lowerUpstreamQuotaIsFoundWithFewRateLimitedAnswers() {
        let lowered = Duration.seconds(30)
        let end = Duration.seconds(330)
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(60_000, portal: "a", channel: .batch),
            upstream: .init(latency: .milliseconds(150)) { now in now < lowered ? 100 : 60 }
        )
        simulation.run(until: end)

        let after = simulation.requests.filter { ($0.grantedAt ?? .zero) >= lowered }
        let rateLimited = after.filter(\.rateLimited).count
        let callRate = Double(after.count) / (end - lowered).inSeconds
        #expect(Double(rateLimited) / Double(after.count) < 0.01, "\(rateLimited) of \(after.count) answered 429")
        #expect(callRate <= 60 && callRate > 40, "calls per second \(callRate)")
    }

    @Test(arguments: [2, 3])
    func instancesSharingTheQuotaStayWithinItTogether(instances: Int) {
        var grantTimes: [Duration] = []
        for instance in 0..<instances {
            // Instances start at different moments and each floods its own partitions.
            var simulation = SchedulerSimulation(
                quota: Self.quota,
                portals: [portal("a")],
                arrivals: burst(20_000, portal: "a", channel: .batch, at: .milliseconds(137 * instance))
            )
            simulation.run(
                until: .seconds(30),
                events: [
                    (
                        .zero,
                        { core, now in
                            var effects = SchedulerCore<Int>.Effects()
                            core.setShare(1 / Double(instances), now: now, effects: &effects)
                        }
                    )
                ]
            )
            grantTimes += simulation.grantTimes
        }
        grantTimes.sort()
        #expect(maximumPerSecond(grantTimes) <= 100)
        // Rounding each share down costs at most one call per second per instance.
        #expect(Double(grantTimes.count) / 30 >= 100 - Double(instances) - 1)
    }

    /// A rebalance moves half the partitions from a saturated instance to a new one: the old one's share
    /// drops at once, the new one's rises only after a full window, so the two together never exceed the
    /// quota in any second, not even in the second of the handover.
    @Test(arguments: [Duration.milliseconds(2_500), .milliseconds(5_731)])
    func aHandoverBetweenInstancesStaysWithinTheQuota(at handover: Duration) {
        func setShare(_ fraction: Double) -> SchedulerSimulation.Event {
            (
                handover,
                { core, now in
                    var effects = SchedulerCore<Int>.Effects()
                    core.setShare(fraction, now: now, effects: &effects)
                }
            )
        }
        var leaving = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(5_000, portal: "a", channel: .batch)
        )
        leaving.run(until: .seconds(15), events: [setShare(0.5)])
        // The newcomer starts with the sliver of an instance that owns nothing, as the pipeline does, and
        // receives requests once the partitions are its own.
        var joining = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(5_000, portal: "a", channel: .batch, at: handover)
        )
        joining.run(
            until: .seconds(15),
            events: [
                (
                    .zero,
                    { core, now in
                        var effects = SchedulerCore<Int>.Effects()
                        core.setShare(0.01, now: now, effects: &effects)
                    }
                ),
                setShare(0.5),
            ]
        )
        let together = (leaving.grantTimes + joining.grantTimes).sorted()
        #expect(maximumPerSecond(together) <= 100)
        // The newcomer works at its full share from one window after the handover.
        let settled = handover + .seconds(2)
        #expect(joining.granted(from: settled, to: settled + .seconds(5)) >= 240)
    }

    /// Calls reach the database up to 20 ms apart from when they were granted, unevenly: counted where
    /// they arrive, every one-second window still holds at most the quota, thanks to the window margin.
    @Test func callsDelayedUnevenlyOnTheirWayStillArriveWithinTheQuota() {
        var simulation = Self.batchBacklog(10_000)
        simulation.run(until: .seconds(30))
        var generator = ArrivalGenerator(seed: 7)
        let arrivals = simulation.grantTimes.map { $0 + .microseconds(generator.uniform(below: 20_000)) }.sorted()
        #expect(maximumPerSecond(arrivals) <= 100)
        #expect(maximumPerSecond(simulation.grantTimes) == 100)
    }

    /// Under saturation the window is full all the time. If it set the pace, every burst would come
    /// back a window later, forever, and a burst of calls reaches the database spread out by its own
    /// queueing; paced by the bucket, calls leave one at a time once the first burst has passed.
    @Test func saturatedCallsLeaveEvenlySpacedOnceTheFirstBurstHasPassed() {
        var simulation = Self.batchBacklog(10_000)
        simulation.run(until: .seconds(30))
        let steady = simulation.grantTimes.filter { $0 >= .seconds(2) }.sorted()
        let gaps = zip(steady.dropFirst(), steady).map { ($0 - $1).inSeconds }
        let window = 1 + SchedulerConfiguration().windowMargin.duration.inSeconds
        let evenGap = window / Self.quota.requestsPerSecond
        #expect(steady.count > 2_500)
        #expect(gaps.allSatisfy { abs($0 - evenGap) < 1e-5 })
    }

    /// Calls that leave up to 100 ms after their grant, unevenly (threads of a busy process), five
    /// times the margin: counted from when they leave, the database never sees more than the quota
    /// in a second. Each call holds its place from its grant until a window after it leaves, 1.07 s
    /// on average here, so about 100 / 1.07 = 93 calls a second are made.
    @Test func callsLeavingLateAndUnevenlyAreCountedFromWhenTheyLeave() {
        var generator = ArrivalGenerator(seed: 11)
        let delays = (0..<10_000).map { _ in Duration.microseconds(generator.uniform(below: 100_000)) }
        var simulation = SchedulerSimulation(
            quota: Self.quota,
            portals: [portal("a")],
            arrivals: burst(10_000, portal: "a", channel: .batch),
            upstream: .init { _ in 100 },
            departureDelay: { delays[$0] }
        )
        simulation.run(until: .seconds(30))
        #expect(maximumPerSecond(simulation.departureTimes) <= 100)
        #expect(simulation.upstream.rejected == 0)
        #expect(simulation.departureTimes.count >= 29 * 92)
    }

    @Test func fullPortalQueueAsksToPauseOnlyThatPortalAndResumesAtHalf() {
        var configuration = SchedulerConfiguration()
        configuration.queueCapacityPerPortal = 100
        var simulation = SchedulerSimulation(
            configuration: configuration,
            quota: QuotaSettings(requestsPerSecond: 10, burst: 1, maxInFlight: 10),
            portals: [portal("flood"), portal("quiet")],
            arrivals: burst(150, portal: "flood", channel: .batch)
                + burst(5, portal: "quiet", channel: .batch, at: .milliseconds(1))
        )
        simulation.run(until: .seconds(60))
        #expect(simulation.backpressure.map(\.portal) == ["flood", "flood"])
        #expect(simulation.backpressure.map(\.paused) == [true, false])
        #expect(
            simulation.core.snapshot(now: .init(sinceStart: simulation.now)).queues.allSatisfy { !$0.backpressured }
        )
    }

    @Test func backpressureResumesWhenTheQueueDrainsToHalf() {
        var configuration = SchedulerConfiguration()
        configuration.queueCapacityPerPortal = 100
        // Exact one-second windows, so that the count below is one call per 100 ms.
        configuration.windowMargin = .milliseconds(0)
        var simulation = SchedulerSimulation(
            configuration: configuration,
            quota: QuotaSettings(requestsPerSecond: 10, burst: 1, maxInFlight: 10),
            portals: [portal("flood")],
            arrivals: burst(150, portal: "flood", channel: .batch)
        )
        simulation.run(until: .seconds(1))
        #expect(simulation.core.snapshot(now: .init(sinceStart: simulation.now)).queues.first?.backpressured == true)
        // 150 queued; one call at once, then one every 100 ms: 50 left (half) at 9.9 s.
        simulation.run(until: .milliseconds(9_790))
        #expect(simulation.core.snapshot(now: .init(sinceStart: simulation.now)).queues.first?.backpressured == true)
        simulation.run(until: .milliseconds(9_910))
        #expect(simulation.core.snapshot(now: .init(sinceStart: simulation.now)).queues.first?.backpressured == false)
    }
}
