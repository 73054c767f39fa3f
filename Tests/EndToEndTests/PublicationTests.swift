import DanCuContract
import Foundation
import Gateway
import Kafka
import Operations
import Testing

/// How publications are settled, on the embedded cluster. librdkafka 2.0.2's mock cluster cannot make one
/// topic refuse produce requests (`rd_kafka_mock_topic_set_error` reaches only metadata requests), so a
/// topic refuses by having the only partitions of a broker whose produce requests are refused.
extension PipelineTests {
    /// Leads every partition except those refusing.
    private static let acceptingBroker: Int32 = 1
    private static let refusingBroker: Int32 = 3

    /// Fail closed (issue 17, defect 5): while the audit topic refuses the audit record, the outcome is not
    /// published and the request's offset is not committed; once the audit record is accepted, both follow.
    @Test func anOutcomeIsPublishedOnlyOnceItsAuditRecordIsAcknowledged() async throws {
        let bed = try await GatewayTestBed(partitions: 1)
        try bed.lead(partitions: 1, by: Self.acceptingBroker)
        let auditTopic = AuditConfiguration().topic
        try bed.cluster.createTopic(auditTopic, partitions: 1)
        try bed.cluster.setPartitionLeader(topic: auditTopic, partition: 0, broker: Self.refusingBroker)
        try bed.refuseProduceRequests(of: Self.refusingBroker)
        let citizen = bed.population.citizen(at: 17)
        let request = TestRequest.verify(
            "phutho",
            "audited-first",
            name: citizen.fullName,
            idNumber: citizen.idNumber,
            dateOfBirth: citizen.dateOfBirth.displayText
        )
        let requestPartition = TopicPartition(topic: "dancu.requests.phutho", partition: 0)
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let offsets = try bed.gatewayOffsets()
        try await bed.withGateway {
            try await bed.publish([request], with: producer)
            // The gateway has sent the audit record: the audit topic's broker refused it at least once.
            #expect(try await eventually { try bed.refusalsLeft(of: Self.refusingBroker) < refusals })
            var checksWhileRefused = 0
            var outcomesWhileRefused = 0
            var commitsWhileRefused = 0
            let clock = ContinuousClock()
            let giveUp = clock.now.advanced(by: .seconds(120))
            while clock.now < giveUp {
                let collected = try await collector.pollOnce()
                let committed = try await offsets.committed([requestPartition])
                // Read after them: a refusal still left now means the audit record was not accepted before.
                guard try bed.refusalsLeft(of: Self.refusingBroker) > 0 else { break }
                checksWhileRefused += 1
                outcomesWhileRefused += collected.outcomes(for: request.requestId).count
                commitsWhileRefused += committed[requestPartition] == nil ? 0 : 1
            }
            #expect(checksWhileRefused > 0)
            #expect(outcomesWhileRefused == 0)
            #expect(commitsWhileRefused == 0)
            let collected = try await collector.collect { !$0.outcomes(for: request.requestId).isEmpty }
            #expect(collected.outcomes(for: request.requestId).map(\.outcome.status) == [.verified])
            #expect(
                try await eventually { try await offsets.committed([requestPartition])[requestPartition] == 1 }
            )
        }
        let audits = try await bed.auditRecords().filter { $0.requestId == request.requestId }
        #expect(audits.map(\.status) == [.verified])
        await offsets.close()
        await collector.close()
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// Issue 16: each publication of a poll is settled on its own acknowledgement. Two requests of one
    /// partition, polled together; the second's outcome partition refuses for a while: the first's offset is
    /// committed meanwhile, not after the batch's slowest acknowledgement.
    @Test func aPublicationKafkaKeepsRefusingHoldsBackNoOtherOfItsPoll() async throws {
        let bed = try await GatewayTestBed(partitions: 2)
        try bed.lead(partitions: 2, by: Self.acceptingBroker)
        let producer = try bed.producer()
        // Keys whose outcomes land on partitions 1 and 0 of a two-partition topic: the gateway's producer
        // partitions by key as this one does.
        let probe = "key-probe"
        try bed.cluster.createTopic(probe, partitions: 2)
        var keyByPartition: [Int32: String] = [:]
        for index in 0..<64 where keyByPartition.count < 2 {
            let key = "poll-\(index)"
            let delivery = try await producer.send(KafkaRecord(topic: probe, key: Array(key.utf8), value: []))
            keyByPartition[delivery.topicPartition.partition] = keyByPartition[delivery.topicPartition.partition] ?? key
        }
        let quick = try #require(keyByPartition[1])
        let slow = try #require(keyByPartition[0])
        try bed.cluster.setPartitionLeader(
            topic: bed.rules.outcomeTopic(forPortalId: "phutho"),
            partition: 0,
            broker: Self.refusingBroker
        )
        try bed.refuseProduceRequests(of: Self.refusingBroker)
        // Answered by the gateway alone (no audit record, no database call), from one partition.
        let citizen = bed.population.citizen(at: 5)
        let requests = [quick, slow].map { id in
            var request = TestRequest.verify(
                "phutho",
                id,
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: "31/02/1990"
            )
            request.partition = 0
            return request
        }
        // Published before the gateway starts, in one message set: its first poll takes both.
        try await bed.publish(requests, with: producer)
        let requestPartition = TopicPartition(topic: "dancu.requests.phutho", partition: 0)
        let collector = try bed.outcomeCollector()
        let offsets = try bed.gatewayOffsets()
        try await bed.withGateway {
            #expect(
                try await eventually { try await offsets.committed([requestPartition])[requestPartition] ?? 0 >= 1 }
            )
            // Committed while the slow outcome was still refused.
            #expect(try bed.refusalsLeft(of: Self.refusingBroker) > 0)
            let collected = try await collector.collect { $0.answeredRequestIds.count == 2 }
            #expect(collected.outcomes.map(\.outcome.status) == [.invalidRequest, .invalidRequest])
            #expect(
                try await eventually { try await offsets.committed([requestPartition])[requestPartition] == 2 }
            )
        }
        await offsets.close()
        await collector.close()
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}

private let produceApiKey: Int16 = 0
/// Retriable: librdkafka tries again until the broker accepts or the delivery timeout passes.
private let notEnoughReplicas: Int32 = 19
/// Each answered after half a second, with librdkafka's backoff between: refused for 10 s or more.
private let refusals = 20

extension GatewayTestBed {
    /// Every partition of the portals' topics and the dead-letter topic led by `broker`, so that errors
    /// pushed on another broker reach only the partitions a test moves there.
    fileprivate func lead(partitions: Int32, by broker: Int32) throws {
        let topics = rules.portals.flatMap { [rules.requestTopic(for: $0), rules.outcomeTopic(for: $0)] }
        for topic in topics + [rules.deadLetterTopic] {
            for partition in 0..<partitions {
                try cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
            }
        }
    }

    /// The broker refuses its next `refusals` produce requests.
    fileprivate func refuseProduceRequests(of broker: Int32) throws {
        try cluster.pushRequestErrors(
            apiKey: produceApiKey,
            errorCodes: Array(repeating: notEnoughReplicas, count: refusals),
            broker: broker,
            roundTripTime: .milliseconds(500)
        )
    }

    fileprivate func refusalsLeft(of broker: Int32) throws -> Int {
        try cluster.pendingRequestErrors(apiKey: produceApiKey, broker: broker)
    }

    /// Reads the gateway's committed offsets (without joining its group).
    fileprivate func gatewayOffsets() throws -> KafkaConsumer {
        try KafkaConsumer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "gateway-under-test"],
            logger: logger
        )
    }
}

extension OutcomeCollector {
    /// Polls once (at most 100 ms) and returns everything collected so far.
    fileprivate func pollOnce() async throws -> Collected {
        var polled = false
        return try await collect { _ in
            defer { polled = true }
            return polled
        }
    }
}
