import DanCuContract
import Foundation
import Kafka
import Testing

@testable import Gateway

/// What a crash costs: requests answered behind one that still waits for the quota are not answered again.
@Suite(.timeLimit(.minutes(10))) struct ReplayTests {
    /// Valid batch requests (a day's deadline), which a starved quota keeps waiting.
    static func batchRequests(_ bed: GatewayTestBed, portal: String, prefix: String, count: Int) -> [TestRequest] {
        (0..<count).map { index in
            let citizen = bed.population.citizen(at: index)
            return .verify(
                portal,
                "\(prefix)-\(index)",
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText,
                channel: "batch"
            )
        }
    }

    @Test func aKillBehindAWaitingRequestReplaysNothingAlreadyCommitted() async throws {
        let bed = try await GatewayTestBed(partitions: 1, latencyMs: 5)
        let group = "replay-\(UUID().uuidString)"
        let portal = "angiang"
        let partition = TopicPartition(topic: "dancu.requests.\(portal)", partition: 0)
        // Batch requests (a day's deadline) first, held by a quota of one call a second; then requests the
        // gateway answers itself (invalid ones), which finish while the first wait and sit behind them.
        let waiting = Self.batchRequests(bed, portal: portal, prefix: "waiting", count: 60)
        let answeredAtOnce = (0..<120).map { index in
            TestRequest(portal: portal, requestId: "answered-\(index)", json: ["type": "verify", "channel": "online"])
        }
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.publish(waiting + answeredAtOnce, with: producer)
        let starved = ["DANCU_POPULATION_DB_QUOTA_REQUESTS_PER_SECOND": "1", "DANCU_POPULATION_DB_QUOTA_BURST": "1"]
        let first = try ProcessTests.GatewayProcess(bed: bed, group: group, extra: starved)
        let answeredIds = Set(answeredAtOnce.map(\.requestId))
        try await collector.collect(limit: .seconds(90)) { $0.answeredRequestIds.isSuperset(of: answeredIds) }
        // Killed only once a commit says all of them are finished, though the waiting ones hold its offset.
        let inspector = try KafkaConsumer(
            properties: ["bootstrap.servers": bed.cluster.bootstrapServers, "group.id": group],
            logger: bed.logger
        )
        var committed: CommittedPosition?
        let covered = try await eventually(limit: .seconds(120)) {
            committed = try await inspector.committedPositions([partition])[partition]
            return committed.map {
                FinishedRuns(metadata: $0.metadata, base: $0.offset).count >= Int64(answeredAtOnce.count)
            } ?? false
        }
        #expect(covered, "a commit covers every request answered behind the waiting ones")
        await inspector.close()
        #expect(try #require(committed).offset < Int64(waiting.count), "the waiting requests hold the committed offset")
        await first.kill()

        let second = try ProcessTests.GatewayProcess(bed: bed, group: group)
        let everything = answeredIds.union(waiting.map(\.requestId))
        let collected = try await collector.collect(limit: .seconds(120)) {
            $0.answeredRequestIds.isSuperset(of: everything)
        }
        _ = await second.terminate()
        await collector.close()
        #expect(collected.answeredRequestIds == everything)
        let answeredTwice = Dictionary(grouping: collected.outcomes, by: \.outcome.requestId)
            .filter { answeredIds.contains($0.key) && $0.value.count > 1 }.count
        #expect(answeredTwice == 0, "requests answered before the kill and answered again after it")
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// A graceful stop that waits for requests queued behind the quota commits what finishes as it goes: should
    /// its last commit never come (refused in a rebalance, or the orchestrator's SIGKILL at the end of its grace
    /// period), the next owner answers again only the last commit interval's work.
    @Test func aDrainingStopCommitsAsItsRequestsFinish() async throws {
        let bed = try await GatewayTestBed(partitions: 1, latencyMs: 5)
        let group = "drain-\(UUID().uuidString)"
        let portal = "angiang"
        let partition = TopicPartition(topic: "dancu.requests.\(portal)", partition: 0)
        // Far more batch requests than a call a second answers within the stop's five minutes.
        let queued = Self.batchRequests(bed, portal: portal, prefix: "queued", count: 200)
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.publish(queued, with: producer)
        let gateway = try ProcessTests.GatewayProcess(
            bed: bed,
            group: group,
            extra: [
                "DANCU_POPULATION_DB_QUOTA_REQUESTS_PER_SECOND": "1", "DANCU_POPULATION_DB_QUOTA_BURST": "1",
                "DANCU_PIPELINE_SHUTDOWN_TIMEOUT": "300s",
            ]
        )
        try await collector.collect(limit: .seconds(90)) { $0.answeredRequestIds.count >= 3 }
        let inspector = try KafkaConsumer(
            properties: ["bootstrap.servers": bed.cluster.bootstrapServers, "group.id": group],
            logger: bed.logger
        )
        func committed() async throws -> Int64 {
            try await inspector.committedPositions([partition])[partition]?.offset ?? 0
        }
        gateway.process.terminate()
        let atStop = try await committed()
        let advanced = try await eventually(limit: .seconds(120)) { try await committed() >= atStop + 5 }
        #expect(advanced, "the commit moves on while the stop waits (from offset \(atStop))")
        await gateway.kill()
        await inspector.close()
        await collector.close()
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}
