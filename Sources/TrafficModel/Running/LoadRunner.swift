import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import LogKeys
import Logging
import Synchronization

/// Runs a load against a gateway through Kafka: publishes open-loop to `dancu.requests.<portal>`,
/// consumes `dancu.outcomes.<portal>`, matches outcomes by `requestId` and checks each one.
///
/// Outcomes are read from the beginning of the outcome topics in a group of the run's own: reading
/// only new messages (`latest`) would miss the first outcomes whenever the group's offsets are
/// resolved after they are written. Old outcomes are skipped by the run-unique `requestId` prefix.
public struct LoadRunner: Sendable {
    public let bootstrapServers: String
    public let rules: ContractRules
    public let logger: Logger
    public let progress: ProgressReporter?
    /// Extra librdkafka properties for the producer and the consumer (e.g. security settings).
    public var kafkaProperties: [String: String] = [:]

    public init(
        bootstrapServers: String,
        rules: ContractRules,
        logger: Logger,
        progress: ProgressReporter? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.rules = rules
        self.logger = logger
        self.progress = progress
    }

    /// A fresh prefix for request ids: `ld` and eight hex digits.
    public static func newRunId() -> String {
        "ld" + String(UInt32.random(in: .min ... .max), radix: 16).leftPadded(to: 8)
    }

    /// Generates `profile.count` requests at `profile.rate` per second and checks every outcome.
    /// With `recordTo`, every sent request is also written as a replay entry with its expectation.
    public func generate(
        _ profile: LoadProfile,
        runId: String = newRunId(),
        recordTo writer: ReplayWriter? = nil
    ) async throws(LoadRunError) -> LoadReport {
        let problems = profile.problems(against: rules)
        guard problems.isEmpty else { throw LoadRunError.profile(problems) }
        let generator = TrafficGenerator(profile: profile, rules: rules, runId: runId)
        let requestPrefix = rules.policy.topics.requestPrefix
        return try await run(
            runId: runId,
            portals: Set(profile.portals),
            count: profile.count,
            drainTimeout: profile.drainTimeout,
            offset: { .seconds(Double($0) / profile.rate) },
            message: { sequence in
                let request = generator.request(sequence)
                return Outbound(
                    requestId: request.requestId,
                    portal: request.portal,
                    channel: request.channel,
                    record: KafkaRecord(
                        topic: requestPrefix + request.portal,
                        key: Array(request.requestId.utf8),
                        value: request.value
                    ),
                    expectation: request.expectation
                )
            },
            sent: writer.map { writer in
                { @Sendable (batch: [Outbound], offsets: [Duration]) -> ReplayFileError? in
                    let entries = zip(batch, offsets).map { message, offset in
                        ReplayEntry(
                            offsetMs: offset / .milliseconds(1),
                            portal: message.portal,
                            key: message.record.key,
                            value: message.record.value,
                            expectation: message.expectation
                        )
                    }
                    do throws(ReplayFileError) {
                        try writer.append(entries)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
        )
    }

    /// Replays `entries` keeping their relative timing divided by `speed`. Request ids get the run's
    /// prefix so that their outcomes are told apart from the recorded run's.
    public func replay(
        _ entries: [ReplayEntry],
        speed: Double,
        drainTimeout: Duration,
        runId: String = newRunId()
    ) async throws(LoadRunError) -> LoadReport {
        guard speed > 0, speed.isFinite else { throw LoadRunError.profile(["speed: must be a positive number"]) }
        guard !entries.isEmpty else { throw LoadRunError.profile(["file: has no entries"]) }
        let entries = entries.sorted { $0.offsetMs < $1.offsetMs }
        // Recorded offsets may start above zero (or below, across partitions): the replay starts at once.
        let base = entries.first?.offset ?? .zero
        let requestPrefix = rules.policy.topics.requestPrefix
        return try await run(
            runId: runId,
            portals: Set(entries.map(\.portal)),
            count: entries.count,
            drainTimeout: drainTimeout,
            offset: { (entries[$0].offset - base) / speed },
            message: { index in
                let entry = entries[index]
                let rewritten = RequestIdRewriter(runId: runId, fallback: "unaddressed-\(index)").rewrite(entry)
                return Outbound(
                    requestId: rewritten.requestId,
                    portal: entry.portal,
                    channel: rewritten.channel,
                    record: KafkaRecord(
                        topic: requestPrefix + entry.portal,
                        key: rewritten.key,
                        value: rewritten.value,
                        headers: entry.headers.map { KafkaHeader(name: $0.name, value: $0.bytes) }
                    ),
                    expectation: entry.expectation
                )
            },
            sent: nil
        )
    }

    // MARK: - The run

    struct Outbound: Sendable {
        var requestId: String
        var portal: String
        var channel: String
        var record: KafkaRecord
        var expectation: Expectation?
    }

    private final class RunState: Sendable {
        let tally: Mutex<LoadTally>
        let sendingFinishedAt = Mutex<Duration?>(nil)

        init(runId: String) {
            tally = Mutex(LoadTally(runId: runId))
        }
    }

    private func run(
        runId: String,
        portals: Set<String>,
        count: Int,
        drainTimeout: Duration,
        offset: @escaping @Sendable (Int) -> Duration,
        message: @escaping @Sendable (Int) -> Outbound,
        sent: (@Sendable ([Outbound], [Duration]) -> ReplayFileError?)?
    ) async throws(LoadRunError) -> LoadReport {
        let logger = {
            var logger = self.logger
            logger[metadataKey: LogKey.Load.run] = "\(runId)"
            return logger
        }()
        let outcomeTopics = portals.sorted().map { rules.policy.topics.outcomePrefix + $0 }
        let consumer: KafkaConsumer
        let producer: KafkaProducer
        do {
            consumer = try KafkaConsumer(properties: consumerProperties(runId: runId), logger: logger)
            producer = try KafkaProducer(properties: producerProperties(), logger: logger)
        } catch {
            throw LoadRunError.kafka(error)
        }
        let state = RunState(runId: runId)
        let clock = ContinuousClock()
        // Times count from the first send; finding where the outcome topics end is not part of the run.
        let origin = Mutex(clock.now)
        let elapsed: @Sendable () -> Duration = { origin.withLock { $0 }.duration(to: clock.now) }

        let outcome: Result<Duration, LoadRunError>
        do {
            try await readFromTheirEnds(consumer, topics: outcomeTopics)
            logger.info(
                "Load run starting",
                metadata: [
                    LogKey.Load.requests: "\(count)",
                    LogKey.Load.outcomeTopics: "\(outcomeTopics.joined(separator: ","))",
                ]
            )
            let sendingStart = clock.now
            origin.withLock { $0 = sendingStart }
            outcome = .success(
                try await withThrowingTaskGroup(of: Void.self, returning: Duration.self) { group in
                    group.addTask {
                        try await consume(consumer, state: state, drainTimeout: drainTimeout, elapsed: elapsed)
                    }
                    if let progress {
                        group.addTask {
                            try await reportProgress(progress, state: state, total: count, elapsed: elapsed)
                        }
                    }
                    let deliveryProblem = Mutex<ReplayFileError?>(nil)
                    await withDiscardingTaskGroup { sends in
                        try? await OpenLoopScheduler(clock: clock).run(count: count, offset: offset) { range in
                            let batch = range.map(message)
                            let offsets = range.map(offset)
                            state.tally.withLock { tally in
                                for (message, scheduledAt) in zip(batch, offsets) {
                                    tally.expect(
                                        requestId: message.requestId,
                                        portal: message.portal,
                                        channel: message.channel,
                                        expectation: message.expectation,
                                        scheduledAt: scheduledAt
                                    )
                                }
                            }
                            if let problem = sent?(batch, offsets) {
                                deliveryProblem.withLock { $0 = $0 ?? problem }
                            }
                            sends.addTask {
                                let results = await producer.sendAll(batch.map(\.record))
                                let failed = zip(batch, results).compactMap { message, result -> String? in
                                    if case .failure = result { return message.requestId }
                                    return nil
                                }
                                guard !failed.isEmpty else { return }
                                logger.warning(
                                    "Requests not delivered",
                                    metadata: [LogKey.Load.failed: "\(failed.count)"]
                                )
                                state.tally.withLock { tally in failed.forEach { tally.sendFailed(requestId: $0) } }
                            }
                        }
                    }
                    let sendingTime = sendingStart.duration(to: clock.now)
                    state.sendingFinishedAt.withLock { $0 = elapsed() }
                    if let problem = deliveryProblem.withLock({ $0 }) {
                        logger.error("Recording the sent requests failed", metadata: [LogKey.Load.error: "\(problem)"])
                    }
                    // The consumer ends once everything is answered or the drain timeout passes.
                    try await group.next()
                    group.cancelAll()
                    return sendingTime
                }
            )
        } catch let error as LoadRunError {
            outcome = .failure(error)
        } catch let error as KafkaError {
            outcome = .failure(.kafka(error))
        } catch {
            outcome = .failure(.cancelled)
        }
        await consumer.close()
        await producer.close(flushTimeout: .seconds(5))
        let sendingTime = try outcome.get()
        let total = elapsed()
        if let progress {
            let snapshot = state.tally.withLock { $0.progress }
            progress.report(
                LoadProgress(
                    sent: snapshot.sent,
                    outcomes: snapshot.outcomes,
                    inFlight: snapshot.outstanding,
                    total: count,
                    elapsed: total
                )
            )
        }
        return state.tally.withLock { tally in
            tally.report(durationSeconds: total / .seconds(1), sendingSeconds: sendingTime / .seconds(1))
        }
    }

    /// Outcomes are timed when they are read, so the outcome consumer must not idle in long fetches: the
    /// embedded (mock) cluster holds an empty fetch for the whole `fetch.wait.max.ms` even when records
    /// arrive meanwhile, which would add up to that wait to every latency measured.
    static let fetchWaitMilliseconds = "10"

    private func consumerProperties(runId: String) -> [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers,
            // Never joined (the partitions are assigned directly); it names the run in the brokers' logs.
            "group.id": "dancu-load-\(runId)",
            "fetch.wait.max.ms": LoadRunner.fetchWaitMilliseconds,
        ]
        properties.merge(kafkaProperties) { $1 }
        return properties
    }

    private func producerProperties() -> [String: String] {
        var properties = ["bootstrap.servers": bootstrapServers, "linger.ms": "5"]
        properties.merge(kafkaProperties) { $1 }
        return properties
    }

    /// The run reads all of its outcome topics itself, from where they end before the first send: no
    /// consumer group has to form first (a group join can take a rebalance delay or longer), and
    /// outcomes of earlier runs are not read again. Partitions added during a run are not read.
    private func readFromTheirEnds(_ consumer: KafkaConsumer, topics: [String]) async throws(LoadRunError) {
        let partitionCounts: [String: Int]
        do {
            partitionCounts = try await consumer.partitionCounts(of: Set(topics))
        } catch {
            throw LoadRunError.kafka(error)
        }
        let missing = topics.filter { partitionCounts[$0] == nil }
        guard missing.isEmpty else { throw LoadRunError.missingTopics(missing) }
        let partitions = topics.flatMap { topic in
            (0..<(partitionCounts[topic] ?? 0)).map { TopicPartition(topic: topic, partition: Int32($0)) }
        }
        do {
            try consumer.assign(try await consumer.endOffsets(of: partitions))
        } catch {
            throw LoadRunError.kafka(error)
        }
    }

    private func consume(
        _ consumer: KafkaConsumer,
        state: RunState,
        drainTimeout: Duration,
        elapsed: @Sendable () -> Duration
    ) async throws {
        while !Task.isCancelled {
            let events = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(50))
            let now = elapsed()
            for event in events { handle(event, state: state, at: now) }
            guard let finishedAt = state.sendingFinishedAt.withLock({ $0 }) else { continue }
            if state.tally.withLock({ $0.outstanding }) == 0 || now >= finishedAt + drainTimeout { return }
        }
    }

    private func handle(_ event: KafkaConsumerEvent, state: RunState, at now: Duration) {
        switch event {
        case .messages(let messages):
            let decoder = JSONDecoder()
            state.tally.withLock { tally in
                for message in messages {
                    if let value = message.value, let outcome = try? decoder.decode(Outcome.self, from: Data(value)) {
                        tally.receive(outcome, at: now)
                    } else if let key = message.key {
                        tally.receiveUnreadable(requestId: String(decoding: key, as: UTF8.self), at: now)
                    }
                }
            }
        case .error(let error):
            logger.warning("Outcome consumer error", metadata: [LogKey.Load.error: "\(error)"])
        case .assigned, .revoked:
            break
        }
    }

    private func reportProgress(
        _ progress: ProgressReporter,
        state: RunState,
        total: Int,
        elapsed: @Sendable () -> Duration
    ) async throws {
        while true {
            try await Task.sleep(for: progress.interval)
            let snapshot = state.tally.withLock { $0.progress }
            progress.report(
                LoadProgress(
                    sent: snapshot.sent,
                    outcomes: snapshot.outcomes,
                    inFlight: snapshot.outstanding,
                    total: total,
                    elapsed: elapsed()
                )
            )
        }
    }
}

/// A load run could not be carried out (as opposed to a run whose report failed).
public struct LoadRunError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case profile([String])
        case kafka(KafkaError)
        case missingTopics([String])
        case file(ReplayFileError)
        case cancelled
    }

    private let code: Code

    static func profile(_ problems: [String]) -> Self { Self(code: .profile(problems)) }
    static func kafka(_ error: KafkaError) -> Self { Self(code: .kafka(error)) }
    static func missingTopics(_ topics: [String]) -> Self { Self(code: .missingTopics(topics)) }
    static func file(_ error: ReplayFileError) -> Self { Self(code: .file(error)) }
    static let cancelled = Self(code: .cancelled)

    /// The profile or the command line is wrong: fix it, do not retry.
    public var isUsageProblem: Bool {
        if case .profile = code { return true }
        return false
    }

    /// Kafka was unreachable or the topics missing: worth another try once the cluster is up.
    public var isRetriable: Bool {
        switch code {
        case .kafka(let error): error.isRetriable
        case .missingTopics: true
        case .profile, .file, .cancelled: false
        }
    }

    /// The command's exit status for this failure (README, "Exit status").
    public var exitStatus: ExitStatus {
        switch code {
        case .profile: .usage
        case .kafka, .missingTopics: .unavailable
        case .file: .ioError
        case .cancelled: .internalError
        }
    }

    public var description: String {
        switch code {
        case .profile(let problems):
            "the load profile is not usable:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .kafka(let error): "Kafka: \(error)"
        case .missingTopics(let topics):
            "the cluster has no such outcome topics: \(topics.joined(separator: ", "))"
        case .file(let error): "replay file: \(error)"
        case .cancelled: "the run was cancelled"
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
