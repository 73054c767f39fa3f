import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging

/// Captures live request traffic into the replay format.
///
/// Offsets come from the messages' own timestamps, so the replay keeps the timing the portals
/// produced, not the timing of the recorder's fetches. Where validation alone decides a message's
/// outcome, the entry carries that expectation; what needs the population database is unknown here.
public struct TrafficRecorder: Sendable {
    public let bootstrapServers: String
    public let rules: ContractRules
    public let logger: Logger
    public var kafkaProperties: [String: String] = [:]

    public static let defaultTopics = #"^dancu\.requests\..+"#

    public init(bootstrapServers: String, rules: ContractRules, logger: Logger) {
        self.bootstrapServers = bootstrapServers
        self.rules = rules
        self.logger = logger
    }

    /// Records messages of `topics` (names, or one `^regex`) into `writer` until `duration` has passed
    /// or `limit` messages are written (or until cancelled when both are `nil`). With `fromBeginning`
    /// it starts at the oldest retained message instead of the newest. `ready` is called once
    /// partitions are assigned. Returns the entry count.
    public func record(
        topics: [String] = [defaultTopics],
        duration: Duration?,
        limit: Int? = nil,
        fromBeginning: Bool = false,
        to writer: ReplayWriter,
        ready: @Sendable () -> Void = {}
    ) async throws(LoadRunError) -> Int {
        var properties = [
            "bootstrap.servers": bootstrapServers,
            "group.id": "dancu-load-record-\(LoadRunner.newRunId())",
            "auto.offset.reset": fromBeginning ? "earliest" : "latest",
            "topic.metadata.refresh.interval.ms": "1000",
            // Recorded offsets are arrival times: read them as they come.
            "fetch.wait.max.ms": LoadRunner.fetchWaitMilliseconds,
        ]
        properties.merge(kafkaProperties) { $1 }
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(properties: properties, logger: logger)
            try consumer.subscribe(topics: topics)
        } catch {
            throw LoadRunError.kafka(error)
        }
        let clock = ContinuousClock()
        let stopAt = duration.map { clock.now.advanced(by: $0) }
        var firstTimestamp: Int64?
        var written = 0
        var announced = false
        var failure: LoadRunError?
        while !Task.isCancelled, stopAt.map({ clock.now < $0 }) ?? true, limit.map({ written < $0 }) ?? true {
            let events: [KafkaConsumerEvent]
            do {
                events = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
            } catch {
                failure = .kafka(error)
                break
            }
            var entries: [ReplayEntry] = []
            for event in events {
                switch event {
                case .assigned:
                    if !announced {
                        announced = true
                        ready()
                    }
                case .messages(let messages):
                    for message in messages {
                        let timestamp = message.timestampMilliseconds ?? Int64(Date().timeIntervalSince1970 * 1000)
                        let base = firstTimestamp ?? timestamp
                        firstTimestamp = base
                        if let entry = entry(for: message, offsetMs: Double(timestamp - base)) {
                            entries.append(entry)
                        }
                    }
                case .error(let error):
                    logger.warning("Recorder consumer error", metadata: [LogKey.Load.error: "\(error)"])
                case .revoked:
                    break
                }
            }
            if let limit { entries = Array(entries.prefix(limit - written)) }
            do {
                try writer.append(entries)
            } catch {
                failure = .file(error)
                break
            }
            written += entries.count
        }
        await consumer.close()
        if let failure { throw failure }
        return written
    }

    func entry(for message: KafkaMessage, offsetMs: Double) -> ReplayEntry? {
        let prefix = rules.policy.topics.requestPrefix
        guard message.topic.hasPrefix(prefix) else { return nil }
        let portal = String(message.topic.dropFirst(prefix.count))
        let expectation: Expectation? =
            switch rules.decide(topic: message.topic, value: message.value ?? [], receivedAt: Date()) {
            case .answer(let outcome): Expectation(answeredByGateway: outcome, kind: nil)
            case .deadLetter: Expectation(kind: nil, status: nil, source: .gateway, allowsTransient: false)
            case .query: nil
            }
        return ReplayEntry(
            offsetMs: offsetMs,
            portal: portal,
            key: message.key,
            headers: message.headers.map { ReplayEntry.Header(name: $0.name, bytes: $0.value) },
            value: message.value,
            expectation: expectation
        )
    }
}
