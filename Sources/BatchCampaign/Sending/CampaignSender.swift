import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging
import Synchronization

/// Sends a campaign's stored requests to the portal's request topic at a steady rate and records
/// every outcome read from its outcome topic, until each row has one or the wait runs out.
public struct CampaignSender<C: Clock<Duration>>: Sendable {
    public var bootstrapServers: String
    public var rules: ContractRules
    public var rate: Double
    /// How long to wait for outstanding outcomes after the last send.
    public var wait: Duration
    public var clock: C
    public var logger: Logger
    public var progress: ProgressDisplay?
    /// Extra librdkafka properties for the producer and the consumer (e.g. security settings).
    public var kafkaProperties: [String: String] = [:]

    public init(
        bootstrapServers: String,
        rules: ContractRules,
        rate: Double,
        wait: Duration,
        clock: C,
        logger: Logger,
        progress: ProgressDisplay? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.rules = rules
        self.rate = rate
        self.wait = wait
        self.clock = clock
        self.logger = logger
        self.progress = progress
    }

    static var batchSize: Int { 500 }

    /// Returns the counts at the end; the store holds everything, so a run stopped at any point resumes.
    public func run(_ store: CampaignStore, settings: CampaignSettings) async throws -> CampaignCounts {
        guard let portal = rules.portal(withId: settings.portal) else {
            throw CampaignError("--portal \(settings.portal): no such portal in the configuration")
        }
        let requestTopic = rules.requestTopic(for: portal)
        let outcomeTopic = rules.outcomeTopic(for: portal)
        var base = ["bootstrap.servers": bootstrapServers]
        base.merge(kafkaProperties) { $1 }
        let consumer = try KafkaConsumer(
            properties: base.merging(
                // Never joined: partitions are assigned directly, from where the last run stopped reading.
                // Named inside the portal's own group prefix, which its ACLs allow (Deploy/kafka/create-acls.sh).
                [
                    "group.id": "portal-\(settings.portal)-batch-" + settings.requestIdPrefix.dropLast(),
                    "fetch.wait.max.ms": "100",
                ]
            ) { $1 },
            logger: logger
        )
        let producer = try KafkaProducer(properties: base.merging(["linger.ms": "5"]) { $1 }, logger: logger)
        do {
            try await readOutcomes(consumer, topic: outcomeTopic, store: store)
            let run = try store.beginRun()
            let sent = SentCounter()
            let readerFailed = FailureFlag()
            let start = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await consume(consumer, store: store, prefix: settings.requestIdPrefix)
                    } catch {
                        readerFailed.value.store(true, ordering: .relaxed)
                        throw error
                    }
                }
                if let progress {
                    group.addTask {
                        while true {
                            try await clock.sleep(for: progress.interval)
                            progress.show(try snapshot(store, sent: sent.value.load(ordering: .relaxed), since: start))
                        }
                    }
                }
                let pacer = Pacer(rate: rate)
                var index = 0
                // New rows first; then rows an earlier run sent and never saw answered, whose outcomes
                // had the time of the new rows to arrive.
                let sources: [() throws -> [CampaignStore.Pending]] = [
                    { try store.unsent(limit: Self.batchSize) },
                    { try store.unanswered(sentBefore: run, limit: Self.batchSize) },
                ]
                for next in sources {
                    while true {
                        let batch = try next()
                        if batch.isEmpty { break }
                        index = try await send(
                            batch,
                            producer: producer,
                            topic: requestTopic,
                            pacer: pacer,
                            from: index,
                            start: start,
                            store: store,
                            run: run
                        )
                        sent.value.store(index, ordering: .relaxed)
                    }
                }
                let deadline = clock.now.advanced(by: wait)
                while !readerFailed.value.load(ordering: .relaxed), !(try store.counts().isComplete),
                    clock.now < deadline
                {
                    try await clock.sleep(for: .milliseconds(200))
                }
                group.cancelAll()
                // A failed outcome reader (a fatal poll, a state-file error) ends the run with its reason; the
                // others only stopped because they were cancelled.
                while true {
                    do {
                        guard try await group.next() != nil else { break }
                    } catch is CancellationError {
                        continue
                    }
                }
                progress?.show(try snapshot(store, sent: sent.value.load(ordering: .relaxed), since: start))
            }
        } catch {
            await close(consumer, producer)
            throw error
        }
        await close(consumer, producer)
        return try store.counts()
    }

    private func close(_ consumer: KafkaConsumer, _ producer: KafkaProducer) async {
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
    }

    private func snapshot(_ store: CampaignStore, sent: Int, since start: C.Instant) throws -> CampaignProgress {
        CampaignProgress(
            counts: try store.counts(),
            sentThisRun: sent,
            elapsed: start.duration(to: clock.now),
            rate: rate
        )
    }

    /// Sends `batch` in paced groups; a request counts as sent once the broker acknowledged it.
    /// Returns the run's message count so far.
    private func send(
        _ batch: [CampaignStore.Pending],
        producer: KafkaProducer,
        topic: String,
        pacer: Pacer,
        from index: Int,
        start: C.Instant,
        store: CampaignStore,
        run: Int
    ) async throws -> Int {
        var index = index
        var remaining = batch[...]
        while !remaining.isEmpty {
            let allowed = pacer.allowed(by: start.duration(to: clock.now)) - index
            guard allowed > 0 else {
                try await clock.sleep(until: start.advanced(by: pacer.due(index)), tolerance: nil)
                continue
            }
            let group = remaining.prefix(allowed)
            remaining = remaining.dropFirst(group.count)
            let results = await producer.sendAll(
                group.map { KafkaRecord(topic: topic, key: Array($0.requestId.utf8), value: $0.body) }
            )
            let delivered = zip(group, results).compactMap { pending, result -> String? in
                if case .success = result { return pending.requestId }
                return nil
            }
            try store.markSent(delivered, run: run)
            index += group.count
            if delivered.count < group.count {
                let error = results.lazy.compactMap { result -> KafkaError? in
                    if case .failure(let error) = result { return error }
                    return nil
                }.first
                logger.error(
                    "Requests not delivered",
                    metadata: [LogKey.Batch.failed: "\(group.count - delivered.count)"]
                )
                throw CampaignError(
                    "Kafka did not accept \(group.count - delivered.count) requests: \(error.map { "\($0)" } ?? "")"
                )
            }
        }
        return index
    }

    /// Assigns every partition of the outcome topic from where the last run stopped reading, or from
    /// its end on the first run (outcomes of this campaign cannot come before its first request).
    private func readOutcomes(_ consumer: KafkaConsumer, topic: String, store: CampaignStore) async throws {
        guard let count = try await consumer.partitionCounts(of: [topic])[topic] else {
            throw CampaignError("the cluster has no topic \(topic)")
        }
        let partitions = (0..<count).map { TopicPartition(topic: topic, partition: Int32($0)) }
        let stored = try store.positions(topic: topic)
        let unread = partitions.filter { stored[$0] == nil }
        let ends = unread.isEmpty ? [:] : try await consumer.endOffsets(of: unread)
        let starts = stored.merging(ends) { stored, _ in stored }
        try store.record([], positions: ends)
        try consumer.assign(starts)
    }

    private func consume(_ consumer: KafkaConsumer, store: CampaignStore, prefix: String) async throws {
        let decoder = JSONDecoder()
        while !Task.isCancelled {
            var outcomes: [Outcome] = []
            var positions: [TopicPartition: Int64] = [:]
            for event in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                switch event {
                case .messages(let messages):
                    for message in messages {
                        positions[message.topicPartition] = message.offset + 1
                        guard let key = message.key, String(decoding: key, as: UTF8.self).hasPrefix(prefix),
                            let value = message.value,
                            let outcome = try? decoder.decode(Outcome.self, from: Data(value))
                        else { continue }
                        outcomes.append(outcome)
                    }
                case .error(let error):
                    logger.warning("Outcome consumer error", metadata: [LogKey.Batch.error: "\(error)"])
                case .assigned, .revoked:
                    break
                }
            }
            if !positions.isEmpty { try store.record(outcomes, positions: positions) }
        }
    }
}

/// Messages published by the running campaign, read by the progress display.
private final class SentCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Set when the outcome reader fails, so that the wait for outcomes stops at once.
private final class FailureFlag: Sendable {
    let value = Atomic<Bool>(false)
}
