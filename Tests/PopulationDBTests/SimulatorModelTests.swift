import DurationUnits
import Testing

@testable import PopulationSimulator

@Suite("Simulator quota, statistics and latency")
struct SimulatorModelTests {
    static let start = ContinuousClock.now

    /// Arrival times (ms after `start`) drawn from a seeded generator: bursts and gaps.
    static func arrivals(seed: UInt64, count: Int) -> [ContinuousClock.Instant] {
        var generator = SplitMix64(seed: seed)
        var offset = 0.0
        return (0..<count).map { _ in
            offset +=
                Double.random(in: 0..<1, using: &generator) < 0.1
                ? Double.random(in: 0..<400, using: &generator) : Double.random(in: 0..<8, using: &generator)
            return start + .microseconds(Int64(offset * 1000))
        }
    }

    /// The most instants in any window (t - 1s, t], by brute force.
    static func busiestSecond(_ instants: [ContinuousClock.Instant]) -> Int {
        instants.map { end in instants.filter { $0 > end - .seconds(1) && $0 <= end }.count }.max() ?? 0
    }

    @Test(
        "accepted requests never exceed the quota in any one-second window",
        arguments: [(5, 5), (20, 3), (50, 50), (1, 1)]
    )
    func quotaIsExact(quota: Int, burst: Int) {
        var clientQuota = ClientQuota()
        let instants = Self.arrivals(seed: UInt64(quota * 100 + burst), count: 1500)
        let accepted = instants.filter { clientQuota.admit(at: $0, quota: quota, burst: burst) == nil }
        #expect(Self.busiestSecond(accepted) <= quota)
        // The limiter is not merely strict: under this much traffic it reaches the quota.
        #expect(Self.busiestSecond(accepted) >= min(quota, burst))
    }

    @Test("a rejected client that waits the advised time is accepted")
    func retryAfterIsEnough() {
        var clientQuota = ClientQuota()
        var now = Self.start
        for _ in 0..<3 { #expect(clientQuota.admit(at: now, quota: 3, burst: 3) == nil) }
        let wait = clientQuota.admit(at: now, quota: 3, burst: 3)
        #expect(wait == .seconds(1))
        now += .milliseconds(999)
        #expect(clientQuota.admit(at: now, quota: 3, burst: 3) != nil)
        now += .milliseconds(1)
        #expect(clientQuota.admit(at: now, quota: 3, burst: 3) == nil)
    }

    @Test("burst limits back-to-back requests below the quota")
    func burstLimitsBackToBack() {
        var clientQuota = ClientQuota()
        let results = (0..<10).map { _ in clientQuota.admit(at: Self.start, quota: 10, burst: 4) }
        #expect(results.filter { $0 == nil }.count == 4)
        // The bucket refills at quota per second: one more token after 100 ms.
        #expect(clientQuota.admit(at: Self.start + .milliseconds(100), quota: 10, burst: 4) == nil)
        #expect(clientQuota.admit(at: Self.start + .milliseconds(100), quota: 10, burst: 4) != nil)
    }

    @Test("a zero quota is unlimited")
    func unlimited() {
        var clientQuota = ClientQuota()
        #expect((0..<1000).allSatisfy { _ in clientQuota.admit(at: Self.start, quota: 0, burst: 0) == nil })
    }

    @Test("the busiest second is found exactly", arguments: [1, 2, 3] as [UInt64])
    func busiestSecond(seed: UInt64) {
        var counter = WindowCounter()
        let instants = Self.arrivals(seed: seed, count: 800)
        for instant in instants { counter.record(at: instant) }
        #expect(counter.maximum == Self.busiestSecond(instants))
        let last = instants[instants.count - 1]
        #expect(counter.count(at: last) == instants.filter { $0 > last - .seconds(1) }.count)
    }

    @Test("statistics count by operation, status and client, and concurrency")
    func trafficStatistics() {
        var recorder = TrafficRecorder()
        recorder.arrived(client: "a", at: Self.start)
        recorder.arrived(client: "b", at: Self.start + .milliseconds(10))
        recorder.arrived(client: "a", at: Self.start + .milliseconds(20))
        recorder.answered(client: "a", operation: "XacThucThongTinCongDan", status: 200)
        recorder.answered(client: "b", operation: "TraCuuThongTinCongDan", status: 429)
        recorder.arrived(client: "a", at: Self.start + .milliseconds(1500))
        recorder.answered(client: "a", operation: "XacThucThongTinCongDan", status: 200)
        let stats = recorder.snapshot(at: Self.start + .milliseconds(1600))
        #expect(stats.totalRequests == 4)
        #expect(stats.byOperation == ["XacThucThongTinCongDan": 2, "TraCuuThongTinCongDan": 1])
        #expect(stats.byStatus == ["200": 2, "429": 1])
        #expect(stats.maxRps1s == 3)
        #expect(abs(stats.meanRps - 3 / 1.5) < 1e-9)
        #expect(stats.currentRps == 1)
        #expect(stats.maxConcurrency == 3)
        #expect(stats.inFlight == 1)
        #expect(stats.clients["a"]?.totalRequests == 3)
        #expect(stats.clients["a"]?.maxRps1s == 2)
        #expect(abs((stats.clients["a"]?.meanRps ?? 0) - 2 / 1.5) < 1e-9)
        #expect(stats.clients["b"]?.byStatus == ["429": 1])
        #expect(stats.clients["b"]?.meanRps == 0)
    }

    @Test("latency is log-normal with the asked median and 99th percentile", arguments: [(20.0, 200.0), (5.0, 5.0)])
    func latencyDistribution(median: Double, p99: Double) {
        let model = LatencyModel(medianMs: median, p99Ms: p99)
        var generator = SplitMix64(seed: 42)
        let samples = (0..<20_000).map { _ in model.sample(using: &generator) }.sorted()
        let observedMedian = samples[samples.count / 2].inMilliseconds
        let observedP99 = samples[samples.count * 99 / 100].inMilliseconds
        #expect(abs(observedMedian - median) / median < 0.05)
        #expect(abs(observedP99 - p99) / p99 < 0.1)
    }

    @Test("zero latency adds nothing")
    func zeroLatency() {
        var generator = SplitMix64(seed: 1)
        #expect(LatencyModel(medianMs: 0, p99Ms: 100).sample(using: &generator) == .zero)
    }

    @Test("fault changes keep unspecified fields; impossible values are named")
    func faultChanges() {
        let current = SimulatorFaults(errorRate: 0.1, latencyMs: 5, quota: 10, burst: 4)
        let changed = SimulatorFaults.Change(outage: true, quota: 20).applied(to: current)
        #expect(changed == SimulatorFaults(errorRate: 0.1, latencyMs: 5, outage: true, quota: 20, burst: 20))
        #expect(changed.problem == nil)
        let invalid: [SimulatorFaults.Change] = [
            .init(errorRate: 1.5), .init(timeoutRate: -0.1), .init(quota: -1), .init(latencyMs: -3), .init(burst: 0),
        ]
        for change in invalid {
            #expect(change.applied(to: current).problem != nil, "\(change)")
        }
    }
}
