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
            nationalQuota: 2,
            quotaShare: 1,
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
            "Deploy/kubernetes/prometheus-operator/prometheusrule.yaml",
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

    /// `scripts/check-deploy` on a git copy of the deployment files with one thing broken: each kind of mistake
    /// it exists for is reported, naming the file. The real files pass it in `scripts/test`.
    @Test(
        "check-deploy reports untracked files, missing ACLs, broken runbook links and a syntax line",
        .timeLimit(.minutes(2)),
        arguments: DeployMistake.allCases
    )
    func checkDeployFindsTheMistake(mistake: DeployMistake) throws {
        let copy = FileManager.default.temporaryDirectory.appending(path: "check-deploy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for item in ["Deploy", "Docs", "scripts", "Package.swift", "Sources", "Tests"] {
            try FileManager.default.copyItem(at: packageRoot.appending(path: item), to: copy.appending(path: item))
        }
        try mistake.make(in: copy)
        try run("/usr/bin/git", ["init", "-q"], in: copy)
        try run("/usr/bin/git", ["add", "-A"], in: copy)
        if let untracked = mistake.untracked {
            try run("/usr/bin/git", ["rm", "-q", "--cached", untracked], in: copy)
        }
        let report = try run("/usr/bin/env", ["python3", "scripts/check_deploy.py"], in: copy, expectSuccess: false)
        #expect(report.contains(mistake.expectedProblem), "\(report)")
    }

    /// The ACL script against a stand-in for Kafka's `kafka-acls.sh` that records each call: what the brokers
    /// would be told. Portal isolation rests on this list.
    @Test("the ACL script grants each portal its own two topics and nothing of another portal's")
    func aclScriptGrantsEachPortalItsOwnTopicsOnly() throws {
        let stub = FileManager.default.temporaryDirectory.appending(path: "kafka-acls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: stub) }
        try FileManager.default.createDirectory(at: stub, withIntermediateDirectories: true)
        let log = stub.appending(path: "calls")
        try "#!/usr/bin/env bash\necho \"$*\" >> \"$ACL_LOG\"\n".write(
            to: stub.appending(path: "kafka-acls.sh"),
            atomically: true,
            encoding: .utf8
        )
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755],
            ofItemAtPath: stub.appending(path: "kafka-acls.sh").path
        )
        let process = Process()
        process.executableURL = URL(filePath: "/bin/bash")
        process.arguments = [packageRoot.appending(path: "Deploy/kafka/create-acls.sh").path]
        process.environment = [
            "PATH": "/usr/bin:/bin", "ACL_LOG": log.path, "KAFKA_BIN": stub.path, "BOOTSTRAP_SERVERS": "broker:9092",
            "PORTALS": "angiang phutho",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        func grants(_ principal: String) -> Set<String> {
            Set(
                calls.filter { $0.contains("--allow-principal User:\(principal) ") }.map {
                    String($0.split(separator: "--operation ", maxSplits: 1)[1])
                }
            )
        }
        #expect(
            grants("portal-angiang") == [
                "WRITE --topic dancu.requests.angiang", "DESCRIBE --topic dancu.requests.angiang",
                "READ --topic dancu.outcomes.angiang", "DESCRIBE --topic dancu.outcomes.angiang",
                "READ --group portal-angiang --resource-pattern-type prefixed",
            ]
        )
        #expect(grants("portal-phutho").allSatisfy { !$0.contains("angiang") })
        #expect(grants("dancu-gateway").contains("WRITE --topic dancu.outcomes. --resource-pattern-type prefixed"))
        #expect(!grants("dancu-gateway").contains { $0.hasPrefix("WRITE --topic dancu.requests.") })
        #expect(grants("keda").allSatisfy { $0.hasPrefix("DESCRIBE") } && !grants("keda").isEmpty)
    }

    enum DeployMistake: CaseIterable, Sendable {
        case mountedFileNotTracked, portalWriteACLMissing, runbookLinkBroken, syntaxDirective

        /// Only this file is left out of git, as a file that exists on one developer's machine.
        var untracked: String? { self == .mountedFileNotTracked ? "Deploy/prometheus/prometheus.yml" : nil }

        var expectedProblem: String {
            switch self {
            case .mountedFileNotTracked: "Deploy/prometheus/prometheus.yml is not tracked by git"
            case .portalWriteACLMissing: "no ACL for: a portal writes its own request topic"
            case .runbookLinkBroken: "runbook_url Docs/operations-metrics.md#dancucircuitopen does not resolve"
            case .syntaxDirective: "# syntax= directive"
            }
        }

        func make(in root: URL) throws {
            switch self {
            case .mountedFileNotTracked:
                break
            case .portalWriteACLMissing:
                try edit(root.appending(path: "Deploy/kafka/create-acls.sh")) {
                    $0.replacingOccurrences(of: #"allow "$principal" WRITE --topic "$REQUEST_PREFIX$portal""#, with: "")
                }
            case .runbookLinkBroken:
                try edit(root.appending(path: "Docs/operations-metrics.md")) {
                    $0.replacingOccurrences(of: "### DancuCircuitOpen", with: "### Circuit open")
                }
            case .syntaxDirective:
                try edit(root.appending(path: "Deploy/Dockerfile")) { "# syntax=docker/dockerfile:1\n" + $0 }
            }
        }

        private func edit(_ file: URL, _ change: (String) -> String) throws {
            let text = try String(contentsOf: file, encoding: .utf8)
            let changed = change(text)
            #expect(changed != text, "the mistake was made in \(file.lastPathComponent)")
            try changed.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    @discardableResult
    private func run(
        _ executable: String,
        _ arguments: [String],
        in directory: URL,
        expectSuccess: Bool = true
    ) throws -> String {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        // check-config is not what these cases are about: a missing binary is one more reported problem.
        process.environment = ProcessInfo.processInfo.environment.merging(["DANCU_GATEWAY_BIN": "/nonexistent"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if expectSuccess { #expect(process.terminationStatus == 0, "\(executable) \(arguments): \(text)") }
        return text
    }
}
