import DanCuContract
import DurationUnits
import Kafka
import Scheduling

/// The rolling in-memory view behind `/status`: one slot per second for the last `windowSeconds`, plus
/// totals and the latest gauges. A plain value that `GatewayMetrics` guards with a lock; time comes in as
/// whole seconds since start, so it is tested without a clock.
struct StatusBoard: Sendable {
    static let windowSeconds = 60
    /// Rates average this many complete seconds: short enough to follow a surge, long enough not to flicker.
    static let rateWindowSeconds = 10

    private struct Slot: Sendable {
        var second: Int64
        var consumedByPortal: [String: Int] = [:]
        var publishedByPortal: [String: Int] = [:]
        var outcomes: [String: Int] = [:]
        var sources: [String: Int] = [:]
        var endToEnd = LatencyHistogram()
        var upstream = LatencyHistogram()
        var upstreamCalls = 0
        var upstreamOutcomes: [String: Int] = [:]
        var throttled = 0
        var cacheHits = 0
        var cacheMisses = 0
    }

    private var slots: [Slot] = (0..<StatusBoard.windowSeconds).map { _ in Slot(second: -1) }

    private var consumedTotals: [String: Int] = [:]
    private var publishedTotals: [String: Int] = [:]
    private var retries = 0
    private var deadLetters: [String: Int] = [:]

    var groupJoined = false
    var upstreamReachable = false
    var circuitState = CircuitState.closed
    var cacheEntries = 0
    var cacheBytes = 0
    var queueDepths: [GatewayStatus.QueueDepth] = []
    var effectiveRate = 0.0
    var nationalQuota = 0.0
    var quotaShare = 0.0
    var mode = DeploymentMode.production
    var inFlight = 0
    var partitions: [TopicPartition: GatewayStatus.PartitionStatus] = [:]

    var ready: Bool { groupJoined && (upstreamReachable || circuitState != .open) }

    var health: GatewayStatus.Health {
        .init(ready: ready, groupJoined: groupJoined, upstreamReachable: upstreamReachable, circuitState: circuitState)
    }

    mutating func requestConsumed(portal: String, at second: Int64) {
        consumedTotals[portal, default: 0] += 1
        update(second) { $0.consumedByPortal[portal, default: 0] += 1 }
    }

    mutating func outcomePublished(
        portal: String,
        status: OutcomeStatus,
        source: OutcomeSource,
        endToEnd: Duration,
        at second: Int64
    ) {
        publishedTotals[portal, default: 0] += 1
        update(second) { slot in
            slot.publishedByPortal[portal, default: 0] += 1
            slot.outcomes[status.rawValue, default: 0] += 1
            slot.sources[source.rawValue, default: 0] += 1
            slot.endToEnd.record(endToEnd)
        }
    }

    mutating func upstreamCall(httpStatus: Int?, outcome: UpstreamCallOutcome, latency: Duration, at second: Int64) {
        update(second) { slot in
            slot.upstreamCalls += 1
            slot.upstreamOutcomes[outcome.rawValue, default: 0] += 1
            if httpStatus == 429 { slot.throttled += 1 }
            slot.upstream.record(latency)
        }
    }

    mutating func retried() { retries += 1 }

    mutating func deadLettered(reason: String) { deadLetters[reason, default: 0] += 1 }

    mutating func cache(hit: Bool, at second: Int64) {
        update(second) { slot in
            if hit { slot.cacheHits += 1 } else { slot.cacheMisses += 1 }
        }
    }

    /// Updates one partition: an argument left `nil` keeps what is known, `.some(nil)` records "unknown".
    mutating func partition(_ topicPartition: TopicPartition, lag: Int64?? = nil, committedOffset: Int64?? = nil) {
        var entry =
            partitions[topicPartition]
            ?? GatewayStatus.PartitionStatus(
                topic: topicPartition.topic,
                partition: topicPartition.partition,
                lag: nil,
                committedOffset: nil
            )
        if let lag { entry.lag = lag }
        if let committedOffset { entry.committedOffset = committedOffset }
        partitions[topicPartition] = entry
    }

    /// The snapshot at `second`: the slots of the complete seconds before it, so numbers do not move
    /// while the current second fills.
    func status(at second: Int64, uptimeSeconds: Double, portalNames: [String: String]) -> GatewayStatus {
        let window = complete(before: second, count: Self.windowSeconds)
        let recent = complete(before: second, count: Self.rateWindowSeconds)
        let rateDivisor = Double(Self.rateWindowSeconds)

        var endToEnd = LatencyHistogram()
        var upstream = LatencyHistogram()
        for slot in window.compactMap({ $0 }) {
            endToEnd.merge(slot.endToEnd)
            upstream.merge(slot.upstream)
        }
        let cacheHits = sum(window, \.cacheHits)
        let cacheMisses = sum(window, \.cacheMisses)
        let portals = Set(consumedTotals.keys).union(publishedTotals.keys).sorted()

        return GatewayStatus(
            mode: mode,
            uptimeSeconds: uptimeSeconds,
            windowSeconds: Self.windowSeconds,
            rateWindowSeconds: Self.rateWindowSeconds,
            health: health,
            throughput: .init(
                consumedPerSecond: Double(sum(recent) { $0.consumedByPortal.values.reduce(0, +) }) / rateDivisor,
                publishedPerSecond: Double(sum(recent) { $0.publishedByPortal.values.reduce(0, +) }) / rateDivisor,
                publishedSeries: window.map { $0?.publishedByPortal.values.reduce(0, +) ?? 0 },
                portals: portals.map { portal in
                    GatewayStatus.PortalThroughput(
                        portal: portal,
                        name: portalNames[portal] ?? portal,
                        consumedPerSecond: Double(sum(recent) { $0.consumedByPortal[portal, default: 0] })
                            / rateDivisor,
                        publishedPerSecond: Double(sum(recent) { $0.publishedByPortal[portal, default: 0] })
                            / rateDivisor,
                        publishedSeries: window.map { $0?.publishedByPortal[portal] ?? 0 },
                        consumedTotal: consumedTotals[portal, default: 0],
                        publishedTotal: publishedTotals[portal, default: 0]
                    )
                }
            ),
            outcomes: merged(window, \.outcomes),
            sources: merged(window, \.sources),
            latency: .init(endToEnd: Self.percentiles(endToEnd), upstream: Self.percentiles(upstream)),
            cache: .init(
                hits: cacheHits,
                misses: cacheMisses,
                hitRatio: cacheHits + cacheMisses == 0 ? nil : Double(cacheHits) / Double(cacheHits + cacheMisses),
                entries: cacheEntries,
                bytes: cacheBytes
            ),
            upstream: .init(
                callsPerSecond: Double(sum(recent, \.upstreamCalls)) / rateDivisor,
                nationalQuota: nationalQuota,
                quotaShare: quotaShare,
                effectiveRate: effectiveRate,
                inFlight: inFlight,
                outcomes: merged(window, \.upstreamOutcomes),
                throttled: sum(window, \.throttled),
                queue: queueDepths
            ),
            kafka: .init(
                partitions: partitions.keys.sorted().compactMap { partitions[$0] },
                totalLag: partitions.values.compactMap(\.lag).reduce(0, +)
            ),
            totals: .init(
                consumed: consumedTotals.values.reduce(0, +),
                published: publishedTotals.values.reduce(0, +),
                retries: retries,
                deadLetters: deadLetters.values.reduce(0, +),
                deadLettersByReason: deadLetters
            )
        )
    }

    private mutating func update(_ second: Int64, _ change: (inout Slot) -> Void) {
        let index = Self.index(of: second)
        if slots[index].second != second {
            slots[index] = Slot(second: second)
        }
        change(&slots[index])
    }

    /// The slots of the `count` seconds before `second`, oldest first; nil for a second with no traffic.
    private func complete(before second: Int64, count: Int) -> [Slot?] {
        (1...count).reversed().map { back in
            let wanted = second - Int64(back)
            guard wanted >= 0 else { return nil }
            let slot = slots[Self.index(of: wanted)]
            return slot.second == wanted ? slot : nil
        }
    }

    private static func index(of second: Int64) -> Int {
        Int(second % Int64(windowSeconds))
    }

    private func sum(_ slots: [Slot?], _ value: (Slot) -> Int) -> Int {
        slots.reduce(0) { total, slot in total + (slot.map(value) ?? 0) }
    }

    private func merged(_ slots: [Slot?], _ counts: KeyPath<Slot, [String: Int]>) -> [String: Int] {
        slots.compactMap { $0 }.reduce(into: [:]) { total, slot in
            total.merge(slot[keyPath: counts], uniquingKeysWith: +)
        }
    }

    private static func percentiles(_ histogram: LatencyHistogram) -> GatewayStatus.Percentiles? {
        guard let p50 = histogram.value(atQuantile: 0.5),
            let p90 = histogram.value(atQuantile: 0.9),
            let p99 = histogram.value(atQuantile: 0.99)
        else { return nil }
        return .init(
            p50Milliseconds: p50.inMilliseconds,
            p90Milliseconds: p90.inMilliseconds,
            p99Milliseconds: p99.inMilliseconds,
            samples: histogram.count
        )
    }
}
