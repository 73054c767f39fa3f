import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import SyntheticPopulation
import Testing

@testable import TrafficModel

/// A stand-in for the gateway: answers requests with the contract's rules and the synthetic
/// population, except that it drops, corrupts and duplicates the requests `sabotage` picks.
struct Responder {
    enum Sabotage { case drop, corrupt, duplicate }

    let cluster: EmbeddedKafkaCluster
    let rules: ContractRules
    let population: SyntheticPopulation
    let sabotage: @Sendable (String) -> Sabotage?

    /// Reads the request topics from where they end when it starts, without a group to wait for.
    func start() async throws -> Task<Void, any Error> {
        let consumer = try KafkaConsumer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": uniqueName("responder")],
            logger: Fixture.logger
        )
        let partitionCounts = try await consumer.partitionCounts(of: Set(rules.requestTopics))
        let partitions = partitionCounts.flatMap { topic, count in
            (0..<count).map { TopicPartition(topic: topic, partition: Int32($0)) }
        }
        try #require(partitions.count == rules.requestTopics.count * Int(LoadRunnerTests.partitionsPerTopic))
        try consumer.assign(try await consumer.endOffsets(of: partitions))
        let producer = try KafkaProducer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "1"],
            logger: Fixture.logger
        )
        return Task {
            let answering = await capture { try await answer(consumer: consumer, producer: producer) }
            await consumer.close()
            try answering.get()
        }
    }

    private func answer(consumer: KafkaConsumer, producer: KafkaProducer) async throws {
        while !Task.isCancelled {
            var records: [KafkaRecord] = []
            for case .messages(let messages) in try await consumer.poll(maxMessages: 500, timeout: .milliseconds(20)) {
                for message in messages {
                    guard var outcome = answer(message) else { continue }
                    let action = sabotage(outcome.requestId)
                    if action == .drop { continue }
                    if action == .corrupt {
                        outcome.status = outcome.status == .forbidden ? .invalidRequest : .forbidden
                    }
                    let record = KafkaRecord(
                        topic: rules.policy.topics.outcomePrefix + outcome.portal,
                        key: message.key,
                        value: outcome.jsonBytes()
                    )
                    records.append(record)
                    if action == .duplicate { records.append(record) }
                }
            }
            _ = await producer.sendAll(records)
        }
    }

    private func answer(_ message: KafkaMessage) -> Outcome? {
        switch rules.decide(topic: message.topic, value: message.value ?? [], receivedAt: Date()) {
        case .deadLetter: return nil
        case .answer(let outcome): return outcome
        case .query(let request):
            let citizen = request.citizen
            let record =
                population.citizen(idNumber: citizen.idNumber) ?? population.citizen(legacyIdNumber: citizen.idNumber)
            let matches: Bool
            if let record, request.type == .link {
                matches = record.legacyIdNumber == request.legacyIdNumber
            } else if let record {
                matches =
                    record.fullName == citizen.fullName && citizen.dateOfBirth.map(record.dateOfBirth.matches) == true
            } else {
                matches = false
            }
            guard let record, matches else {
                return request.notFound(source: .populationDb, attempts: 1, completedAt: Date())
            }
            return request.found(record, source: .populationDb, attempts: 1, completedAt: Date())
        }
    }
}

@Suite(.serialized) struct LoadRunnerTests {
    static let profile = LoadProfile(
        count: 400,
        rate: 800,
        wrongShare: 0.2,
        invalidShare: 0.05,
        forbiddenShare: 0.05,
        seed: 11,
        citizens: 50_000,
        // A drain ends as soon as nothing is outstanding; the bound only matters on a stalled machine.
        drainTimeout: .seconds(30)
    )

    static let partitionsPerTopic: Int32 = 4

    static func cluster(rules: ContractRules, withOutcomeTopics: Bool = true) throws -> EmbeddedKafkaCluster {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Fixture.logger)
        for portal in rules.portals {
            try cluster.createTopic(rules.requestTopic(for: portal), partitions: partitionsPerTopic)
            if withOutcomeTopics {
                try cluster.createTopic(rules.outcomeTopic(for: portal), partitions: partitionsPerTopic)
            }
        }
        return cluster
    }

    /// Runs `profile` against a responder, returning the report.
    static func run(
        _ profile: LoadProfile,
        runId: String,
        sabotage: @escaping @Sendable (String) -> Responder.Sabotage? = { _ in nil },
        recordTo writer: ReplayWriter? = nil
    ) async throws -> LoadReport {
        let rules = try Fixture.rules()
        let cluster = try cluster(rules: rules)
        let responder = Responder(
            cluster: cluster,
            rules: rules,
            population: SyntheticPopulation(seed: profile.seed, size: profile.citizens),
            sabotage: sabotage
        )
        let responding = try await responder.start()
        let runner = LoadRunner(bootstrapServers: cluster.bootstrapServers, rules: rules, logger: Fixture.logger)
        let report = await capture { try await runner.generate(profile, runId: runId, recordTo: writer) }
        responding.cancel()
        try await responding.value
        return try report.get()
    }

    @Test(.timeLimit(.minutes(3)))
    func everyOutcomeOfAFaithfulGatewayIsCorrect() async throws {
        let report = try await Self.run(Self.profile, runId: "ldclean")
        #expect(report.sent == 400)
        #expect(report.outcomes == 400)
        #expect(report.correct == 400, "\(report.incorrectExamples)")
        #expect(report.lost == 0 && report.incorrect == 0 && report.duplicates == 0)
        #expect(report.passed)
        #expect(report.byPortal.values.map(\.sent).reduce(0, +) == 400)
        #expect(report.byChannel.values.map(\.correct).reduce(0, +) == 400)
        #expect(report.byStatus.values.reduce(0, +) == 400)
        #expect(report.latencyMs.p50 > 0 && report.latencyMs.p50 <= report.latencyMs.max)
        #expect(report.timeline.map(\.outcomes).reduce(0, +) == 400)
    }

    @Test(.timeLimit(.minutes(3)))
    func aMissingOutcomeTopicFailsTheRunBeforeAnythingIsSent() async throws {
        let rules = try Fixture.rules()
        let cluster = try Self.cluster(rules: rules, withOutcomeTopics: false)
        let runner = LoadRunner(bootstrapServers: cluster.bootstrapServers, rules: rules, logger: Fixture.logger)
        var profile = Self.profile
        profile.count = 10
        let result = await capture { try await runner.generate(profile, runId: "ldmissing") }
        guard case .failure(let failure) = result else {
            Issue.record("the run went ahead without its outcome topics")
            return
        }
        let error = try #require(failure as? LoadRunError)
        #expect(error.isRetriable)
        #expect(error.exitStatus == .unavailable)
        for portal in rules.portals { #expect(error.description.contains(rules.outcomeTopic(for: portal))) }
        let requests = try KafkaConsumer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": uniqueName("check")],
            logger: Fixture.logger
        )
        let requestPartitions = rules.requestTopics.flatMap { topic in
            (0..<Self.partitionsPerTopic).map { TopicPartition(topic: topic, partition: $0) }
        }
        #expect(try await requests.endOffsets(of: requestPartitions).values.allSatisfy { $0 == 0 })
        await requests.close()
    }

    @Test(.timeLimit(.minutes(3)))
    func lostIncorrectAndDuplicateOutcomesAreCaught() async throws {
        let sequence: @Sendable (String) -> Int = { Int($0.split(separator: "-").last ?? "") ?? -1 }
        // The dropped outcomes keep the drain waiting for its whole bound.
        var profile = Self.profile
        profile.drainTimeout = .seconds(15)
        let report = try await Self.run(profile, runId: "ldsabotage") { requestId in
            switch sequence(requestId) % 40 {
            case 3: .drop
            case 17: .corrupt
            case 29: .duplicate
            default: nil
            }
        }
        #expect(report.sent == 400)
        #expect(report.lost == 10)
        #expect(report.incorrect == 10)
        #expect(report.duplicates == 10)
        #expect(report.correct == 380)
        #expect(report.incorrectExamples.count == LoadTally.exampleLimit)
        #expect(
            report.incorrectExamples.allSatisfy { $0.reason.hasPrefix("status ") && sequence($0.requestId) % 40 == 17 }
        )
        #expect(!report.passed)
    }
}
