import DanCuContract
import Foundation
import Kafka
import Prometheus
import Scheduling
import Testing

@testable import Operations

@Suite("Rolling status board")
struct StatusBoardTests {
    private func metrics(_ elapsed: ManualElapsed, names: [String: String] = [:]) -> GatewayMetrics {
        GatewayMetrics(registry: PrometheusCollectorRegistry(), portalNames: names, elapsed: elapsed.closure)
    }

    private func publish(_ metrics: GatewayMetrics, portal: String, count: Int, status: OutcomeStatus = .verified) {
        for _ in 0..<count {
            metrics.outcomePublished(portal: portal, status: status, source: .populationDb, endToEnd: .milliseconds(80))
        }
    }

    @Test("only complete seconds count, oldest first, and the rate averages the rate window")
    func completeSecondsOnly() {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed, names: ["an-giang": "An Giang"])
        publish(metrics, portal: "an-giang", count: 3)
        elapsed.set(.milliseconds(1500))
        publish(metrics, portal: "an-giang", count: 5)
        publish(metrics, portal: "hoa-binh", count: 2)
        elapsed.set(.milliseconds(2100))
        // This second is still filling: it must not show yet.
        publish(metrics, portal: "an-giang", count: 7)

        let status = metrics.status
        #expect(status.throughput.publishedSeries.suffix(2) == [3, 7])
        #expect(status.throughput.publishedSeries.count == StatusBoard.windowSeconds)
        #expect(status.throughput.publishedPerSecond == 10.0 / Double(StatusBoard.rateWindowSeconds))
        let anGiang = status.throughput.portals.first { $0.portal == "an-giang" }
        #expect(anGiang?.name == "An Giang")
        #expect(anGiang?.publishedSeries.suffix(2) == [3, 5])
        #expect(anGiang?.publishedTotal == 15)
        #expect(status.throughput.portals.map(\.portal) == ["an-giang", "hoa-binh"])
        #expect(status.throughput.portals.last?.name == "hoa-binh")
        #expect(status.totals.published == 17)
    }

    @Test(
        "a slot is forgotten once its second leaves the window, totals are not",
        arguments: [
            (readAt: 60, expectedInWindow: 4),
            (readAt: 61, expectedInWindow: 0),
            (readAt: 200, expectedInWindow: 0),
        ]
    )
    func windowExpiry(readAt: Int, expectedInWindow: Int) {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed)
        publish(metrics, portal: "an-giang", count: 4, status: .notFound)
        elapsed.set(.seconds(readAt))
        let status = metrics.status
        #expect(status.throughput.publishedSeries.reduce(0, +) == expectedInWindow)
        #expect(status.outcomes["not_found", default: 0] == expectedInWindow)
        #expect(status.totals.published == 4)
    }

    @Test("a second that reuses a slot replaces the older second's counts")
    func slotReuse() {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed)
        publish(metrics, portal: "an-giang", count: 9)
        elapsed.set(.seconds(60))
        publish(metrics, portal: "an-giang", count: 2)
        elapsed.set(.seconds(61))
        #expect(metrics.status.throughput.publishedSeries.reduce(0, +) == 2)
    }

    @Test("outcome mix, sources, cache ratio and upstream use of the quota")
    func mixes() {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed)
        metrics.outcomePublished(portal: "a", status: .verified, source: .populationDb, endToEnd: .milliseconds(5))
        metrics.outcomePublished(portal: "a", status: .verified, source: .cache, endToEnd: .milliseconds(5))
        metrics.outcomePublished(portal: "a", status: .invalidRequest, source: .gateway, endToEnd: .milliseconds(5))
        for hit in [true, true, true, false] { metrics.cache(hit: hit) }
        for status in [200, 200, 429, nil] as [Int?] {
            let outcome: UpstreamCallOutcome = status == 200 ? .ok : .retriable
            metrics.upstreamCall(operation: "verify", httpStatus: status, outcome: outcome, latency: .milliseconds(40))
        }
        metrics.scheduler(queueDepth: [], effectiveRate: 35, nationalQuota: 100, quotaShare: 50, inFlight: 3)
        elapsed.set(.seconds(1))

        let status = metrics.status
        #expect(status.outcomes == ["verified": 2, "invalid_request": 1])
        #expect(status.sources == ["population-db": 1, "cache": 1, "gateway": 1])
        #expect(status.cache.hitRatio == 0.75)
        #expect(status.upstream.outcomes == ["ok": 2, "retriable": 2])
        #expect(status.upstream.throttled == 1)
        #expect(status.upstream.callsPerSecond == 4.0 / Double(StatusBoard.rateWindowSeconds))
        #expect(status.upstream.quotaShare == 50)
        #expect(status.upstream.nationalQuota == 100)
        #expect(status.upstream.effectiveRate == 35)
        #expect(status.upstream.inFlight == 3)
    }

    @Test("no lookups means no hit ratio rather than zero")
    func emptyCacheRatio() {
        let elapsed = ManualElapsed()
        elapsed.set(.seconds(5))
        #expect(metrics(elapsed).status.cache.hitRatio == nil)
        #expect(metrics(elapsed).status.latency.endToEnd == nil)
    }

    @Test("percentiles over the window are within the histogram's 4% resolution")
    func percentiles() throws {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed)
        // 1 ms ... 1000 ms in a shuffled order, so the order of arrival does not matter.
        var latencies = Array(1...1000)
        var generator = SplitMix(seed: 7)
        latencies.shuffle(using: &generator)
        for (index, milliseconds) in latencies.enumerated() {
            elapsed.set(.milliseconds(index * 20))
            metrics.outcomePublished(
                portal: "a",
                status: .found,
                source: .populationDb,
                endToEnd: .milliseconds(milliseconds)
            )
        }
        elapsed.set(.seconds(20))
        let endToEnd = try #require(metrics.status.latency.endToEnd)
        #expect(endToEnd.samples == 1000)
        for (measured, exact) in [
            (endToEnd.p50Milliseconds, 500.0), (endToEnd.p90Milliseconds, 900), (endToEnd.p99Milliseconds, 990),
        ] {
            #expect(measured >= exact && measured <= exact * 1.04, "\(measured) should be within 4% above \(exact)")
        }
    }

    @Test(
        "ready needs the group, and either the upstream or a breaker that lets calls through",
        arguments: [
            (joined: false, reachable: true, circuit: CircuitState.closed, ready: false),
            (joined: true, reachable: true, circuit: .open, ready: true),
            (joined: true, reachable: false, circuit: .closed, ready: true),
            (joined: true, reachable: false, circuit: .halfOpen, ready: true),
            (joined: true, reachable: false, circuit: .open, ready: false),
        ]
    )
    func readiness(joined: Bool, reachable: Bool, circuit: CircuitState, ready: Bool) {
        let metrics = metrics(ManualElapsed())
        metrics.group(joined: joined)
        metrics.upstreamReachable(reachable)
        metrics.circuit(state: circuit)
        #expect(metrics.isReady == ready)
        #expect(metrics.status.health.ready == ready)
        #expect(AdminServer.notReadyReasons(metrics.status.health).isEmpty == ready)
    }

    @Test("the status snapshot survives a JSON round trip")
    func codable() throws {
        let elapsed = ManualElapsed()
        let metrics = metrics(elapsed)
        publish(metrics, portal: "an-giang", count: 2)
        metrics.deadLettered(reason: "not_json")
        elapsed.set(.seconds(3))
        let status = metrics.status
        let decoded = try JSONDecoder().decode(GatewayStatus.self, from: JSONEncoder().encode(status))
        #expect(decoded == status)
        #expect(decoded.totals.deadLettersByReason == ["not_json": 1])
    }
}

/// A seeded generator, so the shuffled order is the same on every run.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
