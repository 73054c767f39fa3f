import Kafka
import Synchronization

/// `PartitionLedger` behind a lock, with the tasks waiting for partitions to go idle. Every event returns the
/// ledger's `Actions`, which the caller applies to the consumer outside the lock.
final class OffsetLedger: Sendable {
    typealias Ticket = PartitionLedger.Ticket
    typealias Actions = PartitionLedger.Actions

    private struct State {
        var ledger: PartitionLedger
        var idleWaiters: [Int: (partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiterID = 0

        /// Waiters whose partitions have nothing left in flight, removed from the waiting.
        mutating func takeIdleWaiters() -> [CheckedContinuation<Void, Never>] {
            guard !idleWaiters.isEmpty else { return [] }
            let ready = idleWaiters.filter { ledger.isIdle($0.value.partitions) }
            for id in ready.keys { idleWaiters.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
    }

    private let state: Mutex<State>

    init(maxInFlightPerPartition: Int, maxInFlight: Int) {
        state = Mutex(
            State(ledger: PartitionLedger(maxInFlightPerPartition: maxInFlightPerPartition, maxInFlight: maxInFlight))
        )
    }

    func assigned(_ partitions: [TopicPartition]) -> Actions {
        state.withLock { $0.ledger.assigned(partitions) }
    }

    func revocationStarted(_ partitions: [TopicPartition]) {
        state.withLock { $0.ledger.revocationStarted(partitions) }
    }

    func revoked(_ partitions: [TopicPartition]) -> Actions {
        changeWakingIdleWaiters { $0.revoked(partitions) }
    }

    func polled(_ message: KafkaMessage) -> (Ticket?, Actions) {
        state.withLock { $0.ledger.polled(message.topicPartition, offset: message.offset) }
    }

    func finished(_ ticket: Ticket) -> Actions {
        changeWakingIdleWaiters { $0.finished(ticket) }
    }

    func withdrawn(_ ticket: Ticket) -> Actions {
        changeWakingIdleWaiters { $0.withdrawn(ticket) }
    }

    func commits(of partitions: [TopicPartition]? = nil) -> [TopicPartition: PartitionOffsets.Commit] {
        state.withLock { $0.ledger.commits(of: partitions) }
    }

    func committed(_ commits: [TopicPartition: PartitionOffsets.Commit]) {
        state.withLock { $0.ledger.committed(commits) }
    }

    func restore(_ partition: TopicPartition, from position: CommittedPosition) -> Int64 {
        state.withLock { $0.ledger.restore(partition, from: position) }
    }

    func portalQueueFilled(topic: String) -> Actions {
        state.withLock { $0.ledger.portalQueueFilled(topic: topic) }
    }

    func portalQueueDrained(topic: String) -> Actions {
        state.withLock { $0.ledger.portalQueueDrained(topic: topic) }
    }

    func circuitOpened() -> Actions {
        state.withLock { $0.ledger.circuitOpened() }
    }

    func circuitReleased() -> Actions {
        state.withLock { $0.ledger.circuitReleased() }
    }

    var totalInFlight: Int { state.withLock { $0.ledger.totalInFlight } }
    var ownedPartitions: [TopicPartition] { state.withLock { $0.ledger.ownedPartitions } }

    /// Returns when none of `partitions` has work in flight (or they are no longer owned), or when cancelled.
    func waitUntilIdle(_ partitions: Set<TopicPartition>) async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled || state.ledger.isIdle(partitions) { return true }
                    state.idleWaiters[id] = (partitions, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Work leaving the ledger may leave partitions idle: their waiters resume outside the lock.
    private func changeWakingIdleWaiters(_ change: (inout PartitionLedger) -> Actions) -> Actions {
        let (actions, waiters) = state.withLock { state in
            let actions = change(&state.ledger)
            return (actions, state.takeIdleWaiters())
        }
        waiters.forEach { $0.resume() }
        return actions
    }
}
