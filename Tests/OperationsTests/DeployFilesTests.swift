import DanCuContract
import Foundation
import Kafka
import Prometheus
import Testing

@testable import Operations

/// The Grafana dashboard and the alert rules name metrics in text; a renamed metric would leave an empty
/// panel or an alert that never fires. Check every name they use against what the gateway really exports.
@Suite("Deploy files")
struct DeployFilesTests {
    /// Metric names in the exposition after every `GatewayMetrics` entry point was called once.
    private static func exportedNames() throws -> Set<String> {
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(registry: registry, elapsed: { .zero })
        metrics.requestConsumed(portal: "p", type: .verify, channel: .counter)
        metrics.outcomePublished(portal: "p", status: .verified, source: .cache, endToEnd: .milliseconds(1))
        metrics.upstreamCall(operation: "verify", httpStatus: 200, outcome: .ok, latency: .milliseconds(1))
        metrics.retried(portal: "p")
        metrics.deadLettered(reason: "not_json")
        metrics.cache(hit: true)
        metrics.cache(hit: false)
        metrics.cacheSize(entries: 1, bytes: 1)
        metrics.scheduler(
            queueDepth: [(portal: "p", channel: .batch, depth: 1)],
            effectiveRate: 1,
            quota: 1,
            inFlight: 1
        )
        metrics.circuit(state: .open)
        metrics.committed(TopicPartition(topic: "t", partition: 0), offset: 1)
        metrics.kafka(
            try KafkaStatistics(
                json: Data(
                    #"""
                    {"name": "c", "topics": {"t": {"partitions": {"0": {"partition": 0, "consumer_lag": 1, "committed_offset": 1}}}},
                     "cgrp": {"state": "up"}}
                    """#.utf8
                )
            )
        )
        metrics.group(joined: true)
        metrics.upstreamReachable(true)
        return Set(PrometheusText(registry.emitToString()).samples.map(\.name))
    }

    private static func referencedNames(in file: String) throws -> Set<String> {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
        let regex = try Regex(#"dancu_[a-z_]+"#)
        return Set(text.matches(of: regex).map { String(text[$0.range]) })
    }

    @Test(
        "every metric the deploy files use is exported",
        arguments: [
            "Deploy/prometheus/dancu-alerts.yml", "Deploy/grafana/dancu-gateway.json",
        ]
    )
    func namesExist(file: String) throws {
        let exported = try Self.exportedNames()
        let referenced = try Self.referencedNames(in: file)
        #expect(referenced.count >= 5)
        #expect(
            referenced.subtracting(exported).isEmpty,
            "unknown in \(file): \(referenced.subtracting(exported).sorted())"
        )
    }

    @Test("the Grafana dashboard is valid JSON with panels that query Prometheus")
    func grafanaJSON() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Deploy/grafana/dancu-gateway.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        for panel in panels {
            let targets = try #require(panel["targets"] as? [[String: Any]])
            #expect(!targets.isEmpty && targets.allSatisfy { ($0["expr"] as? String)?.contains("dancu_") == true })
        }
    }
}
