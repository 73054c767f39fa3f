import DanCuContract
import Kafka
import LogKeys
import Logging
import Operations
import Scheduling
import ServiceLifecycle
import Synchronization

/// The gateway's consume → process → publish → commit loop, as a lifecycle service.
///
/// Messages of one partition are processed concurrently; the ledger commits, per partition, the offset below
/// which everything is finished, so a slow or retrying message holds back the commit and nothing else. An
/// offset is finished only when its outcome (or dead letter) is acknowledged by the broker: at least once.
public final class GatewayPipeline: Service {
    private let consumer: KafkaConsumer
    private let processor: RequestProcessor
    private let scheduler: UpstreamScheduler
    private let cacheStatistics: @Sendable () -> CacheStatistics
    private let metrics: GatewayMetrics
    private let rules: ContractRules
    private let ledger: OffsetLedger
    private let configuration: PipelineConfiguration
    private let logger: Logger
    /// Paces commits and bounds the waits for in-flight work: injected, like the request path's other clocks.
    private let clock: ElapsedClock
    private let stopRequested = Atomic<Bool>(false)
    private let messageTasks = MessageTasks()

    init(
        consumer: KafkaConsumer,
        processor: RequestProcessor,
        scheduler: UpstreamScheduler,
        cacheStatistics: @escaping @Sendable () -> CacheStatistics,
        metrics: GatewayMetrics,
        rules: ContractRules,
        configuration: PipelineConfiguration,
        logger: Logger,
        clock: ElapsedClock
    ) {
        self.consumer = consumer
        self.processor = processor
        self.scheduler = scheduler
        self.cacheStatistics = cacheStatistics
        self.metrics = metrics
        self.rules = rules
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        ledger = OffsetLedger(
            maxInFlightPerPartition: configuration.maxInFlightPerPartition,
            maxInFlight: configuration.maxInFlight
        )
    }

    /// A portal's queue in the scheduler filled up (`full`) or drained to half: its request partitions pause or
    /// resume. The runtime links the scheduler's backpressure here.
    func portalQueue(of portal: String, full: Bool) {
        guard let topic = rules.portal(withId: portal).map(rules.requestTopic(for:)) else { return }
        apply(full ? ledger.portalQueueFilled(topic: topic) : ledger.portalQueueDrained(topic: topic))
    }

    /// The circuit breaker entered `state`: request partitions stay paused while it is open. The runtime links
    /// the breaker's state changes here.
    func circuitEntered(_ state: CircuitState) {
        if state == .open {
            logger.warning("Circuit open: population database calls stop; request partitions paused")
        }
        apply(state == .open ? ledger.circuitOpened() : ledger.circuitReleased())
    }

    /// The one place the consumer's pause state changes: to what the ledger decided.
    private func apply(_ actions: OffsetLedger.Actions) {
        guard !actions.isEmpty else { return }
        consumer.pause(actions.pause)
        consumer.resume(actions.resume)
        logger.debug(
            "Partitions paused or resumed",
            metadata: [
                LogKey.paused: "\(actions.pause.map(\.description))",
                LogKey.resumed: "\(actions.resume.map(\.description))",
            ]
        )
    }

    /// Runs until graceful shutdown: then stops fetching, lets in-flight work finish within `shutdownTimeout`
    /// (committing as it finishes), commits what finished and leaves the group. Work still unfinished is redelivered to the next owner.
    /// - Throws: the consumer's fatal error, after the same orderly stop, so that the process exits with it
    ///   (69, Kafka unreachable) and the orchestrator restarts it, rather than ending as if asked to.
    public func run() async throws {
        // Until the group assigns partitions this instance owns nothing, so its first share is an increase,
        // which the scheduler applies only after a full window: another instance may have been calling
        // for those partitions until a moment ago.
        scheduler.setShare(Self.minimumShare)
        try consumer.subscribe(topics: [configuration.requestTopicPattern])
        logger.info("Consuming requests", metadata: [LogKey.pattern: "\(configuration.requestTopicPattern)"])
        let (fatalError, committed) = await withTaskCancellationHandler {
            let fatalError = await withGracefulShutdownHandler {
                await consumeUntilStopped()
            } onGracefulShutdown: {
                self.stopRequested.store(true, ordering: .releasing)
            }
            let finished = await drain(timeout: configuration.shutdownTimeout.duration)
            if !finished {
                logger.warning(
                    "Shutdown timeout reached; unfinished requests will be redelivered",
                    metadata: [LogKey.inFlight: "\(ledger.totalInFlight)"]
                )
                messageTasks.cancelAll()
            }
            await messageTasks.waitForAll()
            let committed = await commitFinished()
            return (fatalError, committed)
        } onCancel: {
            messageTasks.cancelAll()
        }
        await consumer.close()
        logger.info("Consumer closed", metadata: [LogKey.committed: "\(committed)"])
        if let fatalError { throw fatalError }
    }

    /// Returns the consumer's fatal error when that is what stopped it.
    private func consumeUntilStopped() async -> (any Error)? {
        var nextCommit = clock.now.advanced(by: configuration.commitInterval.duration)
        // Cancellation (the service group failing) stops the loop like a graceful shutdown does.
        while !stopRequested.load(ordering: .acquiring), !Task.isCancelled {
            let events: [KafkaConsumerEvent]
            do {
                // A small batch: the tasks it starts (one for its answered messages, one per message that
                // must wait) queue ahead of the calls just granted, and hundreds of them make those calls
                // reach the database late and bunched.
                events = try await consumer.poll(maxMessages: Self.pollBatch, timeout: .milliseconds(50))
            } catch {
                // Only fatal consumer errors are thrown; stopping lets the orchestrator restart a clean process.
                logger.critical("Kafka consumer failed; stopping", metadata: [LogKey.error: "\(error)"])
                return error
            }
            for event in events {
                switch event {
                case .messages(let messages):
                    start(messages)
                case .assigned(let partitions):
                    apply(ledger.assigned(partitions))
                    await restoreFinished(partitions)
                    scheduler.readmit(sources: Set(partitions.map(RequestProcessor.source(of:))))
                    await updateQuotaShare()
                    metrics.group(joined: true)
                    logger.info(
                        "Partitions assigned",
                        metadata: [LogKey.partitions: "\(partitions.map(\.description))"]
                    )
                case .revoked(let partitions):
                    await revoke(partitions)
                case .error(let error):
                    logger.warning("Kafka consumer error", metadata: [LogKey.error: "\(error)"])
                }
            }
            if clock.now >= nextCommit {
                await commitFinished()
                reportGauges()
                nextCommit = clock.now.advanced(by: configuration.commitInterval.duration)
            }
        }
        return nil
    }

    private static let pollBatch = 64

    /// One task takes a poll's messages as far as they go without waiting and publishes those answered,
    /// together, settling each on its own acknowledgements; each message that must wait (for the population
    /// database, say) gets a task of its own.
    /// A task per message cost more than answering a cache hit.
    private func start(_ messages: [KafkaMessage]) {
        var begun: [(KafkaMessage, OffsetLedger.Ticket)] = []
        for message in messages {
            let (ticket, actions) = ledger.polled(message)
            apply(actions)
            if let ticket { begun.append((message, ticket)) }
        }
        guard !begun.isEmpty else { return }
        messageTasks.start { [self, begun] in
            var ready: [(publication: RequestProcessor.Publication, ticket: OffsetLedger.Ticket)] = []
            for (message, ticket) in begun {
                switch processor.begin(message) {
                case .ready(let publication):
                    ready.append((publication, ticket))
                case .needsTask(let pending):
                    messageTasks.start { [self] in updateLedger(ticket, after: await processor.finish(pending)) }
                }
            }
            guard !ready.isEmpty else { return }
            // Each ticket is settled as soon as its own publication is: none waits for the batch's slowest.
            await processor.publishAll(ready.map(\.publication)) { index, delivery in
                let ticket = ready[index].ticket
                switch delivery {
                case .published:
                    updateLedger(ticket, after: .published)
                case .refused(let refused):
                    // Retried in a task of its own: a record Kafka keeps refusing holds back no other ticket.
                    messageTasks.start { [self] in updateLedger(ticket, after: await processor.redeliver(refused)) }
                }
            }
        }
    }

    /// The message's offset is finished once its outcome or dead letter is acknowledged, or released when withdrawn.
    private func updateLedger(_ ticket: OffsetLedger.Ticket, after disposition: RequestProcessor.Disposition) {
        switch disposition {
        case .published:
            apply(ledger.finished(ticket))
        case .withdrawn:
            apply(ledger.withdrawn(ticket))
        case .unpublished:
            guard !Task.isCancelled else { return }
            logger.critical(
                "A request could be neither answered nor dead-lettered; its partition's commits wait for a restart",
                metadata: [
                    LogKey.topic: "\(ticket.partition.topic)", LogKey.partition: "\(ticket.partition.partition)",
                    LogKey.offset: "\(ticket.offset)",
                ]
            )
        }
    }

    /// Called while the partitions are still owned: requests still waiting for a call are withdrawn (the
    /// next owner answers them), calls already made finish or are waited for (bounded), what finished is
    /// committed, then the partitions go. Waiting for queued requests instead would stretch the revocation
    /// past the group's rebalance timeout, and a member dropped from the group would still be calling.
    private func revoke(_ partitions: [TopicPartition]) async {
        ledger.revocationStarted(partitions)
        scheduler.withdraw(sources: Set(partitions.map(RequestProcessor.source(of:))))
        // The share drops before the wait: the next owner may start calling before this wait ends.
        await updateQuotaShare(leaving: Set(partitions))
        let finished = await waitForIdle(partitions, timeout: configuration.revocationTimeout.duration)
        let committed = await commitFinished(of: partitions)
        apply(ledger.revoked(partitions))
        // `committed: false` names the work the next owner will answer again (the chaos suite counts it).
        logger.info(
            "Partitions revoked",
            metadata: [
                LogKey.partitions: "\(partitions.map(\.description))", LogKey.allFinished: "\(finished)",
                LogKey.committed: "\(committed)",
            ]
        )
    }

    /// Before any of their messages is processed: what the partitions' last commits say was answered beyond
    /// the committed offsets is skipped, so that a restart or a rebalance answers again only what finished
    /// after the last commit (Docs/reliability.md).
    private func restoreFinished(_ partitions: [TopicPartition]) async {
        do {
            let positions = try await consumer.committedPositions(partitions)
            let skipped = positions.reduce(Int64(0)) { $0 + ledger.restore($1.key, from: $1.value) }
            guard skipped > 0 else { return }
            logger.info(
                "Requests answered before the assignment will be skipped",
                metadata: [LogKey.skipped: "\(skipped)"]
            )
        } catch {
            logger.warning(
                "Committed positions unreadable; requests answered before the assignment may be answered again",
                metadata: [LogKey.error: "\(error)"]
            )
        }
    }

    /// Whether everything finished is now committed (true when there was nothing new to commit).
    @discardableResult
    private func commitFinished(of partitions: [TopicPartition]? = nil) async -> Bool {
        let commits = ledger.commits(of: partitions)
        guard !commits.isEmpty else { return true }
        do {
            try await consumer.commit(positions: commits.mapValues(\.position))
            ledger.committed(commits)
            for (partition, commit) in commits { metrics.committed(partition, offset: commit.position.offset) }
            return true
        } catch {
            logger.warning("Offset commit failed; will retry", metadata: [LogKey.error: "\(error)"])
            return false
        }
    }

    /// Instances of one group split the national quota by their share of the request partitions, so that
    /// together they stay within it (Docs/operations.md). Recomputed at every assignment, and at the start of every revocation.
    private func updateQuotaShare(leaving: Set<TopicPartition> = []) async {
        let owned = ledger.ownedPartitions.filter {
            !leaving.contains($0) && rules.portal(forRequestTopic: $0.topic) != nil
        }.count
        do {
            let total = try await consumer.partitionCounts(of: Set(rules.requestTopics)).values.reduce(0, +)
            guard total > 0 else { return }
            let share = max(Double(owned) / Double(total), Self.minimumShare)
            scheduler.setShare(min(share, 1))
            logger.info(
                "Quota share",
                metadata: [
                    LogKey.ownedPartitions: "\(owned)", LogKey.requestPartitions: "\(total)", LogKey.share: "\(share)",
                ]
            )
        } catch {
            logger.warning("Quota share unchanged: partition counts unavailable", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// An instance that owns nothing keeps a sliver, so that it is never stuck at zero.
    private static let minimumShare = 0.01

    /// Levels read once per commit interval, not per request: reading them takes the components' locks.
    private func reportGauges() {
        let cache = cacheStatistics()
        metrics.cacheSize(entries: cache.entries, bytes: cache.bytes)
        let snapshot = scheduler.snapshot
        metrics.scheduler(
            queueDepth: snapshot.queues.flatMap { queue in
                queue.waitingByChannel.map { (portal: queue.portal, channel: $0.key, depth: $0.value) }
            },
            effectiveRate: snapshot.effectiveRate,
            nationalQuota: snapshot.nationalQuota,
            quotaShare: snapshot.quotaRate,
            inFlight: snapshot.inFlight
        )
    }

    /// Waits up to `timeout` for the owned partitions' work to finish, committing every commit interval what has
    /// finished: requests queued behind the quota can take the whole timeout, and leaving all of it to one last
    /// commit would have the next owner answer it again should that commit be refused (a rebalance under way)
    /// or never made (the orchestrator's SIGKILL after its grace period). Whether all of it finished.
    private func drain(timeout: Duration) async -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        var remaining = timeout
        repeat {
            if await waitForIdle(ledger.ownedPartitions, timeout: min(remaining, configuration.commitInterval.duration))
            {
                return true
            }
            await commitFinished()
            remaining = clock.now.duration(to: deadline)
        } while remaining > .zero
        return false
    }

    /// Whether the partitions' work finished before `timeout`.
    private func waitForIdle(_ partitions: [TopicPartition], timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { race in
            race.addTask { [ledger] in
                await ledger.waitUntilIdle(Set(partitions))
                return !Task.isCancelled
            }
            race.addTask { [clock] in
                try? await clock.sleep(for: timeout)
                return false
            }
            let first = await race.next() ?? false
            race.cancelAll()
            return first
        }
    }
}
