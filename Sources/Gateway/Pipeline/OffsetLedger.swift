import Kafka
import Synchronization

/// Every owned partition's offsets in flight, with the backpressure rule: a partition at its cap, or all
/// partitions when the total is at its cap, are paused until half their work is done.
///
/// Methods return what the caller must do with the consumer (pause, resume), which it does outside the lock.
final class OffsetLedger: Sendable {
    /// Proof that a message was begun under the current assignment of its partition. A message finished
    /// after its partition was revoked (and perhaps assigned again) must not move the new owner's offsets.
    struct Ticket: Sendable, Hashable {
        let partition: TopicPartition
        let offset: Int64
        let epoch: Int
    }

    struct Backpressure: Equatable, Sendable {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        var isEmpty: Bool { pause.isEmpty && resume.isEmpty }
    }

    private struct Partition {
        var offsets = PartitionOffsets()
        var epoch: Int
        var revoking = false
        var pausedForCapacity = false
    }

    private struct State {
        var partitions: [TopicPartition: Partition] = [:]
        var nextEpoch = 0
        var totalInFlight = 0
        var pausedForTotal = false
        var idleWaiters: [Int: (partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiterID = 0

        /// Changes an owned partition in place; `nil` when it is not owned. A copy taken out and written
        /// back would share its offsets' storage, and the change would copy all of them, every message.
        mutating func withPartition<Result>(_ key: TopicPartition, _ change: (inout Partition) -> Result?) -> Result? {
            guard let index = partitions.index(forKey: key) else { return nil }
            return change(&partitions.values[index])
        }
    }

    private let state = Mutex(State())
    private let maxInFlightPerPartition: Int
    private let maxInFlight: Int

    init(maxInFlightPerPartition: Int, maxInFlight: Int) {
        self.maxInFlightPerPartition = maxInFlightPerPartition
        self.maxInFlight = maxInFlight
    }

    func assign(_ partitions: [TopicPartition]) {
        state.withLock { state in
            for partition in partitions {
                state.nextEpoch += 1
                if let previous = state.partitions[partition] { state.totalInFlight -= previous.offsets.inFlight }
                state.partitions[partition] = Partition(epoch: state.nextEpoch)
            }
        }
    }

    /// Starts no new work for `partitions`; their work in flight may still finish and be committed.
    func beginRevocation(_ partitions: [TopicPartition]) {
        state.withLock { state in
            for partition in partitions { state.partitions[partition]?.revoking = true }
        }
    }

    /// Forgets revoked partitions; late finishes for them are ignored. Returns the paused ones to resume
    /// (a paused partition stays paused across a reassignment otherwise).
    func completeRevocation(_ partitions: [TopicPartition]) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            for partition in partitions {
                if let removed = state.partitions.removeValue(forKey: partition) {
                    state.totalInFlight -= removed.offsets.inFlight
                }
            }
            return Self.takeIdleWaiters(&state)
        }
        waiters.forEach { $0.resume() }
    }

    /// Registers a message about to be processed; `nil` when its partition is not owned or is being revoked
    /// (the message will be redelivered to the partition's owner).
    func begin(_ message: KafkaMessage) -> (Ticket?, Backpressure) {
        state.withLock { state in
            let begun: (ticket: Ticket, reachedCap: Bool)? = state.withPartition(message.topicPartition) { partition in
                guard !partition.revoking else { return nil }
                partition.offsets.begin(message.offset)
                let reachedCap = !partition.pausedForCapacity && partition.offsets.inFlight >= maxInFlightPerPartition
                if reachedCap { partition.pausedForCapacity = true }
                return (Ticket(partition: message.topicPartition, offset: message.offset, epoch: partition.epoch), reachedCap)
            }
            guard let begun else { return (nil, Backpressure()) }
            state.totalInFlight += 1
            var backpressure = Backpressure()
            if begun.reachedCap, !state.pausedForTotal { backpressure.pause.append(message.topicPartition) }
            if !state.pausedForTotal, state.totalInFlight >= maxInFlight {
                state.pausedForTotal = true
                backpressure.pause = Array(state.partitions.keys)
            }
            return (begun.ticket, backpressure)
        }
    }

    /// Marks a message's work done (its outcome or dead letter is acknowledged).
    func finish(_ ticket: Ticket) -> Backpressure {
        end(ticket) { $0.finish($1) }
    }

    /// Marks a message given up without an outcome because its partition is leaving: it no longer holds up
    /// the revocation, and its offset is never committed here, so the next owner gets it.
    func withdraw(_ ticket: Ticket) -> Backpressure {
        end(ticket) { $0.withdraw($1) }
    }

    private func end(_ ticket: Ticket, _ change: (inout PartitionOffsets, Int64) -> Bool) -> Backpressure {
        let (backpressure, waiters): (Backpressure, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            let ended: Bool? = state.withPartition(ticket.partition) { partition in
                guard partition.epoch == ticket.epoch, change(&partition.offsets, ticket.offset) else { return nil }
                let resumes = partition.pausedForCapacity && partition.offsets.inFlight <= maxInFlightPerPartition / 2
                if resumes { partition.pausedForCapacity = false }
                return resumes
            }
            guard let resumesPartition = ended else { return (Backpressure(), []) }
            state.totalInFlight -= 1
            var backpressure = Backpressure()
            if state.pausedForTotal, state.totalInFlight <= maxInFlight / 2 {
                state.pausedForTotal = false
                backpressure.resume = state.partitions.filter { !$0.value.pausedForCapacity }.map(\.key)
            } else if resumesPartition, !state.pausedForTotal {
                backpressure.resume = [ticket.partition]
            }
            return (backpressure, Self.takeIdleWaiters(&state))
        }
        waiters.forEach { $0.resume() }
        return backpressure
    }

    /// Offsets that moved since the last commit (of `partitions`, or of all owned partitions).
    func offsetsToCommit(of partitions: [TopicPartition]? = nil) -> [TopicPartition: Int64] {
        state.withLock { state in
            var result: [TopicPartition: Int64] = [:]
            for (key, partition) in state.partitions where partitions?.contains(key) ?? true {
                if let offset = partition.offsets.offsetToCommit { result[key] = offset }
            }
            return result
        }
    }

    func markCommitted(_ offsets: [TopicPartition: Int64]) {
        state.withLock { state in
            for (key, offset) in offsets { state.partitions[key]?.offsets.markCommitted(offset) }
        }
    }

    var totalInFlight: Int { state.withLock { $0.totalInFlight } }
    var ownedPartitions: [TopicPartition] { state.withLock { Array($0.partitions.keys).sorted() } }

    /// Returns when none of `partitions` has work in flight (or they are no longer owned), or when cancelled.
    func waitUntilIdle(_ partitions: Set<TopicPartition>) async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled || Self.isIdle(partitions, in: state) { return true }
                    state.idleWaiters[id] = (partitions, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    private static func isIdle(_ partitions: Set<TopicPartition>, in state: State) -> Bool {
        partitions.allSatisfy { state.partitions[$0]?.offsets.inFlight ?? 0 == 0 }
    }

    private static func takeIdleWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.idleWaiters.isEmpty else { return [] }
        let ready = state.idleWaiters.filter { isIdle($0.value.partitions, in: state) }
        for id in ready.keys { state.idleWaiters.removeValue(forKey: id) }
        return ready.values.map(\.continuation)
    }
}
