import Foundation
import Kafka
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(4))) struct KafkaRoundTripTests {
    @Test func producesAndConsumesWithKeysAndHeaders() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("roundtrip")
        try harness.cluster.createTopic(topic, partitions: 4)
        let producer = try harness.producer()
        let records = (0..<100).map { index in
            KafkaRecord(
                topic: topic,
                key: Array("key-\(index % 7)".utf8),
                value: Array("value-\(index)".utf8),
                headers: [
                    KafkaHeader(name: "dancu-request-id", string: "r-\(index)"), KafkaHeader(name: "empty", value: nil),
                ]
            )
        }
        let results = await producer.sendAll(records)
        let deliveries = try results.map { try $0.get() }
        #expect(deliveries.allSatisfy { $0.topicPartition.topic == topic && $0.offset >= 0 })

        let consumer = try harness.consumer(group: uniqueName("group"))
        try consumer.subscribe(topics: [topic])
        let messages = try await pollUntil(consumer) { $0.messages.count >= 100 }.messages
        #expect(messages.count == 100)
        let byValue = Dictionary(uniqueKeysWithValues: messages.map { ($0.valueString, $0) })
        for index in 0..<100 {
            let message = try #require(byValue["value-\(index)"])
            #expect(message.key == Array("key-\(index % 7)".utf8))
            #expect(message.headers.first(named: "dancu-request-id")?.stringValue == "r-\(index)")
            #expect(message.headers.first(named: "empty")?.value == nil)
            #expect(message.headers.first(named: "empty") != nil)
            #expect(message.timestampMilliseconds != nil)
        }
        // Same key, same partition: ordering per key holds.
        let partitionsByKey = Dictionary(grouping: messages, by: { $0.key ?? [] }).mapValues {
            Set($0.map(\.partition))
        }
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 })
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func sendReportsWhereTheBrokerStoredTheRecord() async throws {
        let harness = try KafkaTestHarness()
        let topic = uniqueName("offsets")
        try harness.cluster.createTopic(topic, partitions: 1)
        let producer = try harness.producer()
        let first = try await producer.send(KafkaRecord(topic: topic, value: Array("a".utf8)))
        let second = try await producer.send(KafkaRecord(topic: topic, value: Array("b".utf8)))
        #expect(first.topicPartition == TopicPartition(topic: topic, partition: 0))
        #expect(second.offset == first.offset + 1)
        await producer.close(flushTimeout: .seconds(5))
    }

    /// A record a broker keeps refusing (retriably) holds back no other record's report: the accepted one
    /// is reported while the broker still refuses, the refused one once the broker accepts.
    @Test func eachRecordIsReportedOnItsOwnAcknowledgement() async throws {
        let harness = try KafkaTestHarness()
        let quick = uniqueName("quick")
        let slow = uniqueName("slow")
        try harness.cluster.createTopic(quick, partitions: 1)
        try harness.cluster.createTopic(slow, partitions: 1)
        try harness.cluster.setPartitionLeader(topic: quick, partition: 0, broker: 1)
        try harness.cluster.setPartitionLeader(topic: slow, partition: 0, broker: 2)
        let producer = try harness.producer()
        // Produce requests to broker 2 refused 20 times (NOT_ENOUGH_REPLICAS, retriable), each after 500 ms.
        try harness.cluster.pushRequestErrors(
            apiKey: 0,
            errorCodes: Array(repeating: 19, count: 20),
            broker: 2,
            roundTripTime: .milliseconds(500)
        )
        let reports = KafkaDeliveryReports()
        await producer.send(KafkaRecord(topic: slow, value: Array("s".utf8)), tag: 0, reportingTo: reports)
        await producer.send(KafkaRecord(topic: quick, value: Array("q".utf8)), tag: 1, reportingTo: reports)
        let first = await reports.next()
        #expect(first.map(\.tag) == [1])
        #expect(try harness.cluster.pendingRequestErrors(apiKey: 0, broker: 2) > 0)
        let second = await reports.next()
        #expect(second.map(\.tag) == [0])
        #expect(second.allSatisfy { (try? $0.result.get())?.topicPartition.topic == slow })
        #expect(await reports.next().isEmpty)
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func regexSubscriptionPicksUpTopicsCreatedLater() async throws {
        let harness = try KafkaTestHarness()
        let prefix = uniqueName("dancu").replacingOccurrences(of: "-", with: "")
        try harness.cluster.createTopic("\(prefix).requests.angiang", partitions: 2)
        let consumer = try harness.consumer(group: uniqueName("group"))
        try consumer.subscribe(topics: ["^\(prefix)\\.requests\\..+"])
        let producer = try harness.producer()
        _ = try await producer.send(KafkaRecord(topic: "\(prefix).requests.angiang", value: Array("one".utf8)))
        try await pollUntil(consumer) { $0.messages.contains { $0.valueString == "one" } }

        try harness.cluster.createTopic("\(prefix).requests.phutho", partitions: 2)
        _ = try await producer.send(KafkaRecord(topic: "\(prefix).requests.phutho", value: Array("two".utf8)))
        let later = try await pollUntil(consumer) { $0.messages.contains { $0.valueString == "two" } }
        #expect(later.messages.first { $0.valueString == "two" }?.topic == "\(prefix).requests.phutho")
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func partitionCountsComeFromTheBrokersMetadata() async throws {
        let harness = try KafkaTestHarness(brokers: 2)
        let six = uniqueName("six")
        let two = uniqueName("two")
        try harness.cluster.createTopic(six, partitions: 6)
        try harness.cluster.createTopic(two, partitions: 2)
        let consumer = try harness.consumer(group: uniqueName("group"))
        let counts = try await consumer.partitionCounts(of: [six, two, "never-created"])
        #expect(counts == [six: 6, two: 2])
        await consumer.close()
    }

    @Test func assignedPartitionsAreReadFromTheirEndOffsetsWithoutAGroup() async throws {
        let harness = try KafkaTestHarness(brokers: 2)
        let topic = uniqueName("ends")
        try harness.cluster.createTopic(topic, partitions: 2)
        let producer = try harness.producer()
        let partitions = [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]
        let earlier = (0..<5).map {
            KafkaRecord(topic: topic, key: Array("k\($0)".utf8), value: Array("earlier-\($0)".utf8))
        }
        let earlierDeliveries = try await producer.sendAll(earlier).map { try $0.get() }
        let consumer = try harness.consumer(group: uniqueName("group"))
        let ends = try await consumer.endOffsets(of: partitions)
        let written = Dictionary(grouping: earlierDeliveries, by: \.topicPartition).mapValues { Int64($0.count) }
        #expect(ends == Dictionary(uniqueKeysWithValues: partitions.map { ($0, written[$0] ?? 0) }))

        try consumer.assign(ends)
        let later = (0..<5).map {
            KafkaRecord(topic: topic, key: Array("k\($0)".utf8), value: Array("later-\($0)".utf8))
        }
        _ = try await producer.sendAll(later).map { try $0.get() }
        let events = try await pollUntil(consumer) { $0.messages.count >= 5 }
        #expect(Set(events.messages.map(\.valueString)) == Set((0..<5).map { "later-\($0)" }))
        #expect(
            events.messages.allSatisfy { $0.offset >= ends[TopicPartition(topic: topic, partition: $0.partition)]! }
        )
        #expect(consumer.assignment() == partitions)
        #expect(!events.contains { if case .assigned = $0 { true } else { false } })
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    @Test func badPropertiesFailAtStartNamingTheKey() {
        let harness = try? KafkaTestHarness(brokers: 1)
        #expect(harness != nil)
        do {
            _ = try KafkaProducer(
                properties: ["bootstrap.servers": "localhost:1", "linger.mss": "5"],
                logger: harness!.logger
            )
            Issue.record("an unknown property was accepted")
        } catch {
            #expect(error.configurationKey == "linger.mss")
            #expect(error.message.contains("linger.mss"))
        }
        do {
            _ = try KafkaConsumer(properties: ["group.id": "g", "session.timeout.ms": "soon"], logger: harness!.logger)
            Issue.record("a bad value was accepted")
        } catch {
            #expect(error.configurationKey == "session.timeout.ms")
        }
        #expect(throws: KafkaError.self) {
            try KafkaConsumer(properties: ["bootstrap.servers": "localhost:1"], logger: harness!.logger)
        }
    }

    @Test func statisticsReportConsumerLagPerPartition() async throws {
        let harness = try KafkaTestHarness(brokers: 1)
        let topic = uniqueName("lag")
        try harness.cluster.createTopic(topic, partitions: 1)
        let producer = try harness.producer()
        _ = await producer.sendAll((0..<50).map { KafkaRecord(topic: topic, value: Array("m\($0)".utf8)) })

        let latest = LatestStatistics()
        let group = uniqueName("group")
        let consumer = try harness.consumer(group: group, ["statistics.interval.ms": "100"]) { latest.store($0) }
        try consumer.subscribe(topics: [topic])
        let events = try await pollUntil(consumer) { $0.messages.count >= 50 }
        // Finish and commit ten; the lag the statistics report is what is left.
        let partition = TopicPartition(topic: topic, partition: 0)
        let tenth = try #require(events.messages.first { $0.offset == 9 })
        try await consumer.commit([partition: tenth.offset + 1])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        var observed: KafkaStatistics.Partition?
        while clock.now < deadline {
            _ = try await consumer.poll(timeout: .milliseconds(100))
            observed = latest.value?.partitions.first { $0.topicPartition == partition }
            if observed?.committedOffset == 10 { break }
        }
        #expect(observed?.committedOffset == 10)
        #expect(observed?.highWatermark == 50)
        #expect(observed?.consumerLag == 40)
        #expect(latest.value?.groupState == "up")
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }
}

/// The last statistics report, written by the poll thread and read by the test.
final class LatestStatistics: Sendable {
    private let storage = Mutex<KafkaStatistics?>(nil)
    func store(_ statistics: KafkaStatistics) { storage.withLock { $0 = statistics } }
    var value: KafkaStatistics? { storage.withLock { $0 } }
}
