import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import Prometheus
import Testing

@testable import Operations

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    private let registry = PrometheusCollectorRegistry()
    private let metrics: GatewayMetrics

    init() {
        metrics = GatewayMetrics(registry: registry, elapsed: ManualElapsed().closure)
    }

    private var exposition: PrometheusText { PrometheusText(registry.emitToString()) }

    /// `increase()` needs a series to exist before its first event, or the first dead letter after a start is lost.
    @Test("dead-letter and outcome series exist at zero before the first event")
    func seriesStartAtZero() {
        let registry = PrometheusCollectorRegistry()
        _ = GatewayMetrics(registry: registry, portalNames: ["an-giang": "An Giang"], elapsed: ManualElapsed().closure)
        let text = PrometheusText(registry.emitToString())
        for reason in DeadLetterReason.codeNames {
            #expect(text.value("dancu_dead_letters_total", ["reason": reason]) == 0, "\(reason)")
        }
        for status in OutcomeStatus.allCases {
            #expect(
                text.value(
                    "dancu_outcomes_total",
                    ["portal": "an-giang", "status": status.rawValue, "source": "population-db"]
                ) == 0
            )
        }
        #expect(text.value("dancu_build_info", ["mode": "production", "version": BuildVersion.current]) == 1)
        for header in ["traceparent", "tracestate"] {
            #expect(text.value("dancu_invalid_headers_total", ["portal": "an-giang", "header": header]) == 0)
        }
    }

    @Test("a dropped trace header is counted by portal and the gateway's name for the header")
    func invalidHeaders() {
        metrics.invalidHeader(portal: "hoa-binh", header: TraceContext.traceparentHeader)
        metrics.invalidHeader(portal: "hoa-binh", header: TraceContext.traceparentHeader)
        #expect(exposition.value("dancu_invalid_headers_total", ["portal": "hoa-binh", "header": "traceparent"]) == 2)
    }

    @Test("counters carry the portal and fixed vocabularies as labels")
    func counters() {
        metrics.requestConsumed(portal: "an-giang", type: .verify, channel: .counter)
        metrics.requestConsumed(portal: "an-giang", type: .verify, channel: .counter)
        metrics.requestConsumed(portal: "hoa-binh", type: nil, channel: nil)
        metrics.outcomePublished(portal: "an-giang", status: .notVerified, source: .cache, endToEnd: .milliseconds(3))
        metrics.upstreamCall(operation: "lookup", httpStatus: 429, outcome: .retriable, latency: .milliseconds(20))
        metrics.upstreamCall(operation: "lookup", httpStatus: nil, outcome: .retriable, latency: .seconds(2))
        metrics.retried(portal: "an-giang")
        metrics.deadLettered(reason: "not_json")
        metrics.deadLettered(reason: "not_json")
        metrics.cache(hit: true)
        metrics.cache(hit: false)
        metrics.cache(hit: false)

        let text = exposition
        let expectations: [(String, [String: String], Double)] = [
            ("dancu_requests_consumed_total", ["portal": "an-giang", "type": "verify", "channel": "counter"], 2),
            ("dancu_requests_consumed_total", ["portal": "hoa-binh", "type": "unknown", "channel": "unknown"], 1),
            ("dancu_outcomes_total", ["portal": "an-giang", "status": "not_verified", "source": "cache"], 1),
            ("dancu_upstream_calls_total", ["operation": "lookup", "status": "429", "outcome": "retriable"], 1),
            ("dancu_upstream_calls_total", ["operation": "lookup", "status": "none", "outcome": "retriable"], 1),
            ("dancu_retries_total", ["portal": "an-giang"], 1),
            ("dancu_dead_letters_total", ["reason": "not_json"], 2),
            ("dancu_cache_hits_total", [:], 1),
            ("dancu_cache_misses_total", [:], 2),
        ]
        for (name, labels, expected) in expectations {
            #expect(text.value(name, labels) == expected, "\(name) \(labels)")
        }
    }

    @Test("latency histograms are in seconds with buckets that fit each latency")
    func histograms() {
        metrics.upstreamCall(operation: "verify", httpStatus: 200, outcome: .ok, latency: .milliseconds(200))
        metrics.outcomePublished(portal: "a", status: .verified, source: .populationDb, endToEnd: .seconds(90))

        let text = exposition
        #expect(text.value("dancu_upstream_latency_seconds_bucket", ["operation": "verify", "le": "0.1"]) == 0)
        #expect(text.value("dancu_upstream_latency_seconds_bucket", ["operation": "verify", "le": "0.25"]) == 1)
        #expect(text.value("dancu_upstream_latency_seconds_sum", ["operation": "verify"]) == 0.2)
        // A batch request that waited a minute and a half lands in a finite bucket, not only in +Inf.
        #expect(text.value("dancu_end_to_end_latency_seconds_bucket", ["le": "60.0"]) == 0)
        #expect(text.value("dancu_end_to_end_latency_seconds_bucket", ["le": "120.0"]) == 1)
    }

    @Test("the gateway's own time has millisecond buckets, so a 5 ms target can be read off it")
    func overheadHistogram() {
        metrics.gatewayOverhead(.microseconds(2_400))
        metrics.gatewayOverhead(.microseconds(4_100))
        metrics.gatewayOverhead(.milliseconds(-1))

        let text = exposition
        #expect(
            text.value("dancu_gateway_overhead_seconds_bucket", ["le": "0.0005"]) == 1,
            "a negative difference counts as zero"
        )
        #expect(text.value("dancu_gateway_overhead_seconds_bucket", ["le": "0.002"]) == 1)
        #expect(text.value("dancu_gateway_overhead_seconds_bucket", ["le": "0.003"]) == 2)
        #expect(text.value("dancu_gateway_overhead_seconds_bucket", ["le": "0.005"]) == 3)
    }

    @Test("circuit, readiness and scheduler gauges; a queue no longer reported reads zero")
    func gauges() {
        metrics.circuit(state: .open)
        metrics.group(joined: true)
        metrics.scheduler(
            queueDepth: [
                (portal: "an-giang", channel: .counter, depth: 4), (portal: "hoa-binh", channel: .batch, depth: 900),
            ],
            effectiveRate: 42.5,
            nationalQuota: 100,
            quotaShare: 50,
            inFlight: 7
        )
        metrics.scheduler(
            queueDepth: [(portal: "an-giang", channel: .counter, depth: 1)],
            effectiveRate: 40,
            nationalQuota: 100,
            quotaShare: 50,
            inFlight: 2
        )
        metrics.cacheSize(entries: 120, bytes: 64_000)

        let text = exposition
        #expect(text.value("dancu_circuit_state") == 2)
        #expect(text.value("dancu_group_joined") == 1)
        #expect(text.value("dancu_upstream_reachable") == 0)
        #expect(text.value("dancu_ready") == 0)
        #expect(text.value("dancu_scheduler_queue_depth", ["portal": "an-giang", "channel": "counter"]) == 1)
        #expect(text.value("dancu_scheduler_queue_depth", ["portal": "hoa-binh", "channel": "batch"]) == 0)
        #expect(text.value("dancu_upstream_rate_effective") == 40)
        #expect(text.value("dancu_upstream_quota") == 100)
        #expect(text.value("dancu_upstream_quota_share") == 50)
        #expect(text.value("dancu_in_flight") == 2)
        #expect(text.value("dancu_cache_entries") == 120)
        #expect(text.value("dancu_cache_bytes") == 64_000)
        #expect(metrics.status.upstream.queue.map(\.depth) == [1, 0])
    }

    @Test("consumer lag per partition from statistics; a revoked partition's series goes away")
    func consumerLag() throws {
        metrics.kafka(try statistics(group: "up", partitions: [(0, 12, 100), (1, 3, 40)]))
        var text = exposition
        #expect(text.value("dancu_consumer_lag", ["topic": "dancu.req.an-giang", "partition": "0"]) == 12)
        #expect(text.value("dancu_committed_offset", ["topic": "dancu.req.an-giang", "partition": "1"]) == 40)
        #expect(metrics.status.kafka.totalLag == 15)

        metrics.kafka(try statistics(group: "up", partitions: [(1, 5, 41)]))
        metrics.committed(TopicPartition(topic: "dancu.req.an-giang", partition: 1), offset: 45)
        text = exposition
        #expect(text.series(named: "dancu_consumer_lag").map { $0.labels["partition"] } == ["1"])
        #expect(text.value("dancu_committed_offset", ["topic": "dancu.req.an-giang", "partition": "1"]) == 45)
        let partitions = metrics.status.kafka.partitions
        #expect(partitions.map(\.partition) == [1])
        #expect(partitions.first?.lag == 5)
        #expect(partitions.first?.committedOffset == 45)
    }

    @Test("a producer's statistics carry no lag and change nothing")
    func producerStatistics() throws {
        metrics.kafka(try statistics(group: "up", partitions: [(0, 12, 100)]))
        metrics.kafka(try statistics(group: nil, partitions: [(0, -1, -1), (3, -1, -1)]))
        #expect(metrics.status.kafka.partitions.map(\.lag) == [12])
        #expect(exposition.series(named: "dancu_consumer_lag").count == 1)
    }

    /// librdkafka's statistics JSON, reduced to the fields `KafkaStatistics` reads.
    private func statistics(group: String?, partitions: [(id: Int, lag: Int, committed: Int)]) throws -> KafkaStatistics
    {
        let partitionEntries = partitions.map { partition in
            "\"\(partition.id)\": {\"partition\": \(partition.id), \"consumer_lag\": \(partition.lag), "
                + "\"committed_offset\": \(partition.committed), \"hi_offset\": 200, \"msgq_cnt\": 0}"
        }
        let groupEntry =
            group.map { ", \"cgrp\": {\"state\": \"\($0)\", \"assignment_size\": \(partitions.count)}" } ?? ""
        let json = """
            {"name": "test#consumer-1", "msg_cnt": 0, "txmsgs": 0, "rxmsgs": 0,
             "topics": {"dancu.req.an-giang": {"partitions": {\(partitionEntries.joined(separator: ", ")),
               "-1": {"partition": -1, "consumer_lag": -1, "committed_offset": -1001, "msgq_cnt": 0}}}}\(groupEntry)}
            """
        return try KafkaStatistics(json: Data(json.utf8))
    }
}
