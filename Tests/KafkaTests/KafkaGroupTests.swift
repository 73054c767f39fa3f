import Foundation
import Kafka
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct KafkaGroupTests {
    @Test(arguments: ["cooperative-sticky", "roundrobin"])
    func twoMembersSharePartitionsAndEachMessageIsConsumedOnce(strategy: String) async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("shared")
        try harness.cluster.createTopic(topic, partitions: 6)
        let group = uniqueName("group")
        let first = try harness.consumer(group: group, strategy: strategy)
        let second = try harness.consumer(group: group, strategy: strategy)
        try first.subscribe(topics: [topic])
        try second.subscribe(topics: [topic])
        // Both must own partitions before anything is produced, so that the split is observable.
        try await pollBoth(first, second) { first.assignment().count == 3 && second.assignment().count == 3 }
        #expect(Set(first.assignment()).isDisjoint(with: second.assignment()))

        let producer = try harness.producer()
        let sent = (0..<300).map { "m\($0)" }
        let results = await producer.sendAll(
            sent.map { KafkaRecord(topic: topic, key: Array($0.utf8), value: Array($0.utf8)) }
        )
        #expect(results.allSatisfy { (try? $0.get()) != nil })

        var received: [KafkaMessage] = []
        var receivedByFirst = 0
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while received.count < sent.count, clock.now < deadline {
            let fromFirst = try await first.poll(timeout: .milliseconds(50)).messages
            receivedByFirst += fromFirst.count
            received += fromFirst
            received += try await second.poll(timeout: .milliseconds(50)).messages
        }
        #expect(received.count == sent.count)
        #expect(Set(received.map(\.valueString)) == Set(sent))
        #expect(receivedByFirst > 0 && receivedByFirst < sent.count)
        await first.close()
        await second.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func aCommitKeepsItsMetadataForTheNextMemberOfTheGroup() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("metadata")
        try harness.cluster.createTopic(topic, partitions: 2)
        let group = uniqueName("group")
        let positions = [
            TopicPartition(topic: topic, partition: 0): CommittedPosition(
                offset: 7,
                metadata: Array(repeating: UInt8(ascii: "x"), count: CommittedPosition.maxMetadataBytes)
            ),
            TopicPartition(topic: topic, partition: 1): CommittedPosition(offset: 3),
        ]
        let writer = try harness.consumer(group: group)
        try await writer.commit(positions: positions)
        await writer.close()
        let reader = try harness.consumer(group: group)
        #expect(try await reader.committedPositions(Array(positions.keys)) == positions)
        await reader.close()
    }

    @Test func restartResumesRightAfterTheCommittedOffset() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("resume")
        try harness.cluster.createTopic(topic, partitions: 1)
        let producer = try harness.producer()
        _ = await producer.sendAll((0..<20).map { KafkaRecord(topic: topic, value: Array("m\($0)".utf8)) })
        let group = uniqueName("group")
        let partition = TopicPartition(topic: topic, partition: 0)

        let before = try harness.consumer(group: group)
        try before.subscribe(topics: [topic])
        let firstRun = try await pollUntil(before) { $0.messages.count >= 20 }.messages
        // Only the first twelve are finished; the rest must come again.
        try await before.commit([partition: firstRun[11].offset + 1])
        #expect(try await before.committed([partition]) == [partition: 12])
        await before.close()

        let after = try harness.consumer(group: group)
        try after.subscribe(topics: [topic])
        // The mock coordinator takes about 10 s to give the returning group its partitions, and over 30 s
        // once with the whole suite running beside it.
        let secondRun = try await pollUntil(after, limit: .seconds(90)) { $0.messages.count >= 8 }.messages
        #expect(secondRun.map(\.offset) == Array(12..<20))
        #expect(secondRun.first?.valueString == "m12")
        await after.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func pausedPartitionsDeliverNothingUntilResumed() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("pause")
        try harness.cluster.createTopic(topic, partitions: 2)
        let consumer = try harness.consumer(group: uniqueName("group"))
        try consumer.subscribe(topics: [topic])
        try await pollUntil(consumer) { $0.assigned.count == 2 }
        let paused = TopicPartition(topic: topic, partition: 0)
        let running = TopicPartition(topic: topic, partition: 1)
        consumer.pause([paused])

        let producer = try harness.producer()
        _ = await producer.sendAll(
            (0..<10).map { KafkaRecord(topic: topic, value: Array("p0-\($0)".utf8), partition: 0) }
        )
        _ = await producer.sendAll(
            (0..<10).map { KafkaRecord(topic: topic, value: Array("p1-\($0)".utf8), partition: 1) }
        )
        // Everything of the running partition arrives; the paused one stays silent meanwhile.
        let whilePaused = try await pollUntil(consumer) {
            $0.messages.filter { $0.topicPartition == running }.count >= 10
        }
        #expect(whilePaused.messages.allSatisfy { $0.topicPartition == running })

        consumer.resume([paused])
        let afterResume = try await pollUntil(consumer) { $0.messages.count >= 10 }
        #expect(afterResume.messages.map(\.valueString) == (0..<10).map { "p0-\($0)" })
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test(arguments: ["cooperative-sticky", "roundrobin"])
    func revocationIsDeliveredBeforeThePartitionsMove(strategy: String) async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("revoke")
        try harness.cluster.createTopic(topic, partitions: 4)
        let group = uniqueName("group")
        let owner = try harness.consumer(group: group, strategy: strategy)
        try owner.subscribe(topics: [topic])
        try await pollUntil(owner) { _ in owner.assignment().count == 4 }

        let producer = try harness.producer()
        _ = await producer.sendAll((0..<40).map { KafkaRecord(topic: topic, value: Array("m\($0)".utf8)) })
        let consumed = try await pollUntil(owner) { $0.messages.count >= 40 }.messages

        let newcomer = try harness.consumer(group: group, strategy: strategy)
        try newcomer.subscribe(topics: [topic])
        // The owner hears of the revocation while it still owns the partitions, commits its work, then lets go.
        var revoked: [TopicPartition] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while revoked.isEmpty, clock.now < deadline {
            revoked = try await owner.poll(timeout: .milliseconds(50)).revoked
            _ = try await newcomer.poll(timeout: .milliseconds(50))
        }
        #expect(!revoked.isEmpty)
        #expect(Set(owner.assignment()).isSuperset(of: revoked))
        #expect(newcomer.assignment().isEmpty)
        let lastOffsets = Dictionary(consumed.map { ($0.topicPartition, $0.offset + 1) }, uniquingKeysWith: max)
        // librdkafka's mock coordinator refuses commits while an eager rebalance is under way (Apache Kafka
        // accepts them from the old generation), so the commit-then-move check runs on the cooperative protocol.
        var committedDuringRevocation = false
        if strategy == "cooperative-sticky" {
            // Now and then the mock refuses this commit too, while Apache Kafka accepts it.
            try await withKnownIssue(
                "the mock coordinator refuses some commits during a rebalance",
                isIntermittent: true
            ) {
                try await owner.commit(lastOffsets.filter { revoked.contains($0.key) })
                committedDuringRevocation = true
            } matching: { issue in
                issue.error.map { "\($0)".contains("Group rebalance in progress") } ?? false
            }
        }

        try await pollBoth(owner, newcomer) { !newcomer.assignment().isEmpty && owner.assignment().count < 4 }
        if committedDuringRevocation {
            // The new owner starts after what was committed during the revocation: nothing is consumed twice.
            let extra = try await newcomer.poll(timeout: .milliseconds(500)).messages
            #expect(extra.isEmpty)
        }
        #expect(Set(newcomer.assignment()).isDisjoint(with: owner.assignment()))
        await owner.close()
        await newcomer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func sendFailsRetriablyWhileAllBrokersAreDownAndSucceedsAfter() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("outage")
        try harness.cluster.createTopic(topic, partitions: 1)
        let producer = try harness.producer(["message.timeout.ms": "1500", "reconnect.backoff.max.ms": "500"])
        // A caller retries a retriable failure, as the gateway does; a busy machine may need a few tries.
        func sendUntilDelivered(_ value: String) async -> KafkaDelivery? {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while clock.now < deadline {
                do {
                    return try await producer.send(KafkaRecord(topic: topic, value: Array(value.utf8)))
                } catch {
                    #expect(error.isRetriable)
                }
            }
            return nil
        }
        #expect(await sendUntilDelivered("before") != nil)

        for broker in harness.cluster.brokerIDs { try harness.cluster.setBrokerDown(broker) }
        do {
            _ = try await producer.send(KafkaRecord(topic: topic, value: Array("during".utf8)))
            Issue.record("a send succeeded with every broker down")
        } catch {
            #expect(error.isRetriable)
            #expect(!error.isFatal)
        }

        for broker in harness.cluster.brokerIDs { try harness.cluster.setBrokerUp(broker) }
        // The producer reconnects with backoff.
        #expect(await sendUntilDelivered("after")?.offset ?? -1 >= 1)
        await producer.close(flushTimeout: .seconds(5))
    }
}

/// Polls two group members in turn (each must keep polling for a rebalance to complete) until `done`.
func pollBoth(
    _ first: KafkaConsumer,
    _ second: KafkaConsumer,
    limit: Duration = .seconds(120),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ done: () -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while !done() {
        guard clock.now < deadline else {
            Issue.record("group did not settle within \(limit)", sourceLocation: sourceLocation)
            return
        }
        _ = try await first.poll(timeout: .milliseconds(50))
        _ = try await second.poll(timeout: .milliseconds(50))
    }
}
