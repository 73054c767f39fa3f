import DanCuConfig
import DanCuContract
import DurationUnits
import Kafka
import Metrics
import Scheduling
import Synchronization

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// Everything the pipeline reports, in one place. Each call updates the swift-metrics instruments that
/// `/metrics` exposes and the rolling status board behind `/status` and the dashboard.
///
/// Labels stay bounded: portal ids from the configuration, topic partitions, and fixed vocabularies
/// (request types, channels, statuses, sources, call outcomes, HTTP status codes, dead-letter reason codes).
/// Callers never pass request ids or personal data.
public final class GatewayMetrics: Sendable {
    /// Names as Prometheus shows them; documented in Docs/operations-metrics.md.
    enum Name {
        static let requestsConsumed = "dancu_requests_consumed_total"
        static let outcomes = "dancu_outcomes_total"
        static let upstreamCalls = "dancu_upstream_calls_total"
        static let upstreamLatency = "dancu_upstream_latency_seconds"
        static let endToEndLatency = "dancu_end_to_end_latency_seconds"
        static let overhead = "dancu_gateway_overhead_seconds"
        static let retries = "dancu_retries_total"
        static let deadLetters = "dancu_dead_letters_total"
        static let invalidHeaders = "dancu_invalid_headers_total"
        static let cacheHits = "dancu_cache_hits_total"
        static let cacheMisses = "dancu_cache_misses_total"
        static let cacheEntries = "dancu_cache_entries"
        static let cacheBytes = "dancu_cache_bytes"
        static let queueDepth = "dancu_scheduler_queue_depth"
        static let effectiveRate = "dancu_upstream_rate_effective"
        static let quota = "dancu_upstream_quota"
        static let quotaShare = "dancu_upstream_quota_share"
        static let buildInfo = "dancu_build_info"
        static let circuitState = "dancu_circuit_state"
        static let inFlight = "dancu_in_flight"
        static let consumerLag = "dancu_consumer_lag"
        static let committedOffset = "dancu_committed_offset"
        static let groupJoined = "dancu_group_joined"
        static let upstreamReachable = "dancu_upstream_reachable"
        static let ready = "dancu_ready"
    }

    /// Population-database calls are a few milliseconds to the client's timeout.
    static let upstreamBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30),
    ]
    /// End to end includes queueing: a counter request is answered in well under a second, a batch
    /// clean-up may wait minutes behind it.
    /// What the gateway adds is meant to be a few milliseconds: fine buckets below 10 ms.
    static let overheadBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(4), .milliseconds(5),
        .milliseconds(7), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1), .seconds(10),
    ]

    static let endToEndBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(120), .seconds(300), .seconds(900),
    ]

    private let factory: PrometheusMetricsFactory
    private let portalNames: [String: String]
    private let elapsed: @Sendable () -> Duration
    private let board = Mutex(StatusBoard())
    /// Instruments by label and dimensions: making one asks the registry (name checks, label sorting, a
    /// lookup under its lock), which per request was a measurable share of the cache-hit path.
    private let instruments = Mutex(Instruments())

    private struct InstrumentKey: Hashable {
        let label: String
        let dimensions: [String]

        init(_ label: String, _ dimensions: [(String, String)]) {
            self.label = label
            var flattened: [String] = []
            flattened.reserveCapacity(dimensions.count * 2)
            for (name, value) in dimensions {
                flattened.append(name)
                flattened.append(value)
            }
            self.dimensions = flattened
        }
    }

    private struct Instruments {
        var counters: [InstrumentKey: Counter] = [:]
        var timers: [InstrumentKey: Timer] = [:]
        var gauges: [InstrumentKey: Gauge] = [:]
    }

    /// - Parameters:
    ///   - registry: where the metrics live; the admin server's `/metrics` emits it.
    ///   - portalNames: display names by portal id, for the dashboard (e.g. `an-giang` → `An Giang`).
    ///   - mode: shown by `/status`, `/readyz` and the dashboard, so that nobody mistakes a development
    ///     gateway's synthetic answers for the registry's.
    ///   - elapsed: time since start; the rolling windows count whole seconds of it. Tests pass a manual value.
    public init(
        registry: PrometheusCollectorRegistry,
        portalNames: [String: String] = [:],
        mode: DeploymentMode = .production,
        elapsed: @escaping @Sendable () -> Duration
    ) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            Name.upstreamLatency: Self.upstreamBuckets,
            Name.endToEndLatency: Self.endToEndBuckets,
            Name.overhead: Self.overheadBuckets,
        ]
        self.factory = factory
        self.portalNames = portalNames
        self.elapsed = elapsed
        board.withLock { $0.mode = mode }
        gauge(Name.buildInfo, [("version", BuildVersion.current), ("mode", mode.rawValue)]).record(1)
        seedCountersAtZero(portals: portalNames.keys.sorted())
        updateHealth { _ in }
    }

    /// Series that exist from the start at zero: `increase()` over a series that appears with its first
    /// event misses that event, so the first dead letter after a restart would never alert.
    private func seedCountersAtZero(portals: [String]) {
        for reason in DeadLetterReason.codeNames {
            _ = counter(Name.deadLetters, [("reason", reason)])
        }
        for portal in portals {
            for header in [TraceContext.traceparentHeader, TraceContext.tracestateHeader] {
                _ = counter(Name.invalidHeaders, [("portal", portal), ("header", header)])
            }
            for status in OutcomeStatus.allCases {
                for source in OutcomeSource.allCases {
                    _ = counter(
                        Name.outcomes,
                        [("portal", portal), ("status", status.rawValue), ("source", source.rawValue)]
                    )
                }
            }
        }
    }

    /// Rolling windows measured on `clock` from now.
    public convenience init<C: Clock>(
        registry: PrometheusCollectorRegistry,
        portalNames: [String: String] = [:],
        mode: DeploymentMode = .production,
        clock: C = ContinuousClock()
    ) where C.Duration == Duration {
        let start = clock.now
        self.init(registry: registry, portalNames: portalNames, mode: mode) { start.duration(to: clock.now) }
    }

    /// A request read from a portal's topic; `type` and `channel` are nil when the request could not be read.
    public func requestConsumed(portal: String, type: RequestType?, channel: Channel?) {
        counter(
            Name.requestsConsumed,
            [
                ("portal", portal), ("type", type?.rawValue ?? "unknown"), ("channel", channel?.rawValue ?? "unknown"),
            ]
        ).increment()
        let second = currentSecond()
        board.withLock { $0.requestConsumed(portal: portal, at: second) }
    }

    /// An outcome published back to its portal; `endToEnd` runs from the request's arrival.
    public func outcomePublished(portal: String, status: OutcomeStatus, source: OutcomeSource, endToEnd: Duration) {
        counter(Name.outcomes, [("portal", portal), ("status", status.rawValue), ("source", source.rawValue)])
            .increment()
        timer(Name.endToEndLatency).recordNanoseconds(endToEnd.inNanoseconds)
        let second = currentSecond()
        board.withLock {
            $0.outcomePublished(portal: portal, status: status, source: source, endToEnd: endToEnd, at: second)
        }
    }

    /// The gateway's own part of a request's latency: from reading it to the outcome's acknowledgement,
    /// less the time spent in population-database exchanges (queueing for the quota and retry back-off count).
    public func gatewayOverhead(_ duration: Duration) {
        timer(Name.overhead).recordNanoseconds(max(.zero, duration).inNanoseconds)
    }

    /// One population-database call; `httpStatus` is nil when no response came (timeout, connection refused).
    public func upstreamCall(operation: String, httpStatus: Int?, outcome: UpstreamCallOutcome, latency: Duration) {
        counter(
            Name.upstreamCalls,
            [
                ("operation", operation), ("status", httpStatus.map(String.init) ?? "none"),
                ("outcome", outcome.rawValue),
            ]
        ).increment()
        timer(Name.upstreamLatency, [("operation", operation)])
            .recordNanoseconds(latency.inNanoseconds)
        let second = currentSecond()
        board.withLock { $0.upstreamCall(httpStatus: httpStatus, outcome: outcome, latency: latency, at: second) }
    }

    public func retried(portal: String) {
        counter(Name.retries, [("portal", portal)]).increment()
        board.withLock { $0.retried() }
    }

    /// A message sent to the dead-letter topic; `reason` is a short code such as `DeadLetterReason.codeName`.
    public func deadLettered(reason: String) {
        counter(Name.deadLetters, [("reason", reason)]).increment()
        board.withLock { $0.deadLettered(reason: reason) }
    }

    /// A trace header that did not parse and was dropped (a new trace starts). `header` is the gateway's own
    /// name for it (`TraceContext.traceparentHeader`…), never text a portal sent.
    public func invalidHeader(portal: String, header: String) {
        counter(Name.invalidHeaders, [("portal", portal), ("header", header)]).increment()
    }

    public func cache(hit: Bool) {
        counter(hit ? Name.cacheHits : Name.cacheMisses).increment()
        let second = currentSecond()
        board.withLock { $0.cache(hit: hit, at: second) }
    }

    public func cacheSize(entries: Int, bytes: Int) {
        gauge(Name.cacheEntries).record(entries)
        gauge(Name.cacheBytes).record(bytes)
        board.withLock {
            $0.cacheEntries = entries
            $0.cacheBytes = bytes
        }
    }

    /// The scheduler's state; queues missing from `queueDepth` that were reported before are shown empty.
    /// - Parameters:
    ///   - nationalQuota: the configured quota, the same on every instance (dashboards take its `max()`).
    ///   - quotaShare: this instance's share of it in calls/s (dashboards take the `sum()` over instances).
    public func scheduler(
        queueDepth: [(portal: String, channel: Channel, depth: Int)],
        effectiveRate: Double,
        nationalQuota: Double,
        quotaShare: Double,
        inFlight: Int
    ) {
        let reported = Set(queueDepth.map { QueueKey(portal: $0.portal, channel: $0.channel.rawValue) })
        let emptied = board.withLock { board in
            board.queueDepths.map { QueueKey(portal: $0.portal, channel: $0.channel) }.filter { !reported.contains($0) }
        }
        for queue in emptied {
            queueGauge(portal: queue.portal, channel: queue.channel).record(0)
        }
        for queue in queueDepth {
            queueGauge(portal: queue.portal, channel: queue.channel.rawValue).record(queue.depth)
        }
        gauge(Name.effectiveRate).record(effectiveRate)
        gauge(Name.quota).record(nationalQuota)
        gauge(Name.quotaShare).record(quotaShare)
        gauge(Name.inFlight).record(inFlight)
        board.withLock { board in
            let current = queueDepth.map {
                GatewayStatus.QueueDepth(portal: $0.portal, channel: $0.channel.rawValue, depth: $0.depth)
            }
            let zeroed = emptied.map { GatewayStatus.QueueDepth(portal: $0.portal, channel: $0.channel, depth: 0) }
            board.queueDepths = (current + zeroed).sorted { ($0.portal, $0.channel) < ($1.portal, $1.channel) }
            board.effectiveRate = effectiveRate
            board.nationalQuota = nationalQuota
            board.quotaShare = quotaShare
            board.inFlight = inFlight
        }
    }

    public func circuit(state: CircuitState) {
        updateHealth { $0.circuitState = state }
    }

    /// Consumer lag and committed offsets from a consumer's librdkafka statistics. Statistics without a
    /// consumer group (a producer's) carry no lag and are left out; a partition the consumer no longer
    /// reports loses its lag series, so a revoked partition does not look stuck.
    public func kafka(_ statistics: KafkaStatistics) {
        guard statistics.groupState != nil else { return }
        let reported = Set(statistics.partitions.map(\.topicPartition))
        let dropped = board.withLock { board in
            let dropped = board.partitions.keys.filter { !reported.contains($0) }
            for partition in dropped { board.partitions[partition] = nil }
            for partition in statistics.partitions {
                board.partition(
                    partition.topicPartition,
                    lag: .some(partition.consumerLag),
                    committedOffset: partition.committedOffset.map { .some($0) }
                )
            }
            return dropped
        }
        for partition in dropped {
            partitionGauge(Name.consumerLag, partition).destroy()
            partitionGauge(Name.committedOffset, partition).destroy()
        }
        for partition in statistics.partitions {
            if let lag = partition.consumerLag {
                partitionGauge(Name.consumerLag, partition.topicPartition).record(lag)
            }
            if let offset = partition.committedOffset {
                partitionGauge(Name.committedOffset, partition.topicPartition).record(offset)
            }
        }
    }

    /// An offset the gateway committed itself, shown before the next statistics arrive.
    public func committed(_ partition: TopicPartition, offset: Int64) {
        partitionGauge(Name.committedOffset, partition).record(offset)
        board.withLock { $0.partition(partition, committedOffset: .some(offset)) }
    }

    public func group(joined: Bool) {
        updateHealth { $0.groupJoined = joined }
    }

    public func upstreamReachable(_ reachable: Bool) {
        updateHealth { $0.upstreamReachable = reachable }
    }

    /// Whether `/readyz` answers 200: joined the group, and the population database is reachable or the
    /// breaker is not open.
    public var isReady: Bool { board.withLock { $0.ready } }

    /// Readiness and what it depends on, without computing the whole status.
    public var health: GatewayStatus.Health { board.withLock { $0.health } }

    public var mode: DeploymentMode { board.withLock { $0.mode } }

    public var status: GatewayStatus {
        let now = elapsed()
        let second = Self.wholeSeconds(now)
        let uptime = now.inSeconds
        return board.withLock { $0.status(at: second, uptimeSeconds: uptime, portalNames: portalNames) }
    }

    private struct QueueKey: Hashable {
        var portal: String
        var channel: String
    }

    private func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        instrument(\.counters, label, dimensions) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
        instrument(\.timers, label, dimensions) { Timer(label: label, dimensions: dimensions, factory: factory) }
    }

    /// For gauges that live as long as the process; partition gauges are destroyed on revocation instead.
    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        instrument(\.gauges, label, dimensions) { Gauge(label: label, dimensions: dimensions, factory: factory) }
    }

    private func instrument<Instrument: Sendable>(
        _ kind: WritableKeyPath<Instruments, [InstrumentKey: Instrument]>,
        _ label: String,
        _ dimensions: [(String, String)],
        make: () -> Instrument
    ) -> Instrument {
        let key = InstrumentKey(label, dimensions)
        return instruments.withLock { instruments in
            if let existing = instruments[keyPath: kind][key] { return existing }
            let created = make()
            instruments[keyPath: kind][key] = created
            return created
        }
    }

    private func queueGauge(portal: String, channel: String) -> Gauge {
        gauge(Name.queueDepth, [("portal", portal), ("channel", channel)])
    }

    private func partitionGauge(_ name: String, _ partition: TopicPartition) -> Gauge {
        Gauge(
            label: name,
            dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
            factory: factory
        )
    }

    /// The gauges are set under the lock so that two concurrent changes cannot leave them disagreeing with
    /// the board (the registry takes its own lock and never calls back).
    private func updateHealth(_ change: (inout StatusBoard) -> Void) {
        board.withLock { board in
            change(&board)
            gauge(Name.circuitState).record(board.circuitState.gaugeValue)
            gauge(Name.groupJoined).record(board.groupJoined ? 1 : 0)
            gauge(Name.upstreamReachable).record(board.upstreamReachable ? 1 : 0)
            gauge(Name.ready).record(board.ready ? 1 : 0)
        }
    }

    private func currentSecond() -> Int64 { Self.wholeSeconds(elapsed()) }

    private static func wholeSeconds(_ duration: Duration) -> Int64 { max(0, duration.components.seconds) }
}
