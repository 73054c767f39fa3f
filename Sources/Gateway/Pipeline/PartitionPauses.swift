import Kafka

/// Why each partition is paused. Several reasons can hold one partition (its own backlog, its portal's
/// full queue, the circuit breaker); it resumes only when the last one lets go.
struct PartitionPauses {
    enum Reason: Hashable {
        case capacity
        case portalQueueFull
        case circuitOpen
    }

    private var reasons: [TopicPartition: Set<Reason>] = [:]

    /// Adds `reason`; returns the partitions that were running and must now be paused.
    mutating func add(_ reason: Reason, to partitions: [TopicPartition]) -> [TopicPartition] {
        partitions.filter { partition in
            let wasRunning = reasons[partition, default: []].isEmpty
            reasons[partition, default: []].insert(reason)
            return wasRunning
        }
    }

    /// Removes `reason`; returns the partitions with no reason left, which must now be resumed.
    mutating func remove(_ reason: Reason, from partitions: [TopicPartition]) -> [TopicPartition] {
        partitions.filter { partition in
            guard reasons[partition]?.remove(reason) != nil else { return false }
            if reasons[partition]?.isEmpty == true {
                reasons[partition] = nil
                return true
            }
            return false
        }
    }

    /// A revoked partition starts afresh if it comes back.
    mutating func forget(_ partitions: [TopicPartition]) {
        for partition in partitions { reasons[partition] = nil }
    }

    func isPaused(_ partition: TopicPartition, for reason: Reason) -> Bool {
        reasons[partition]?.contains(reason) == true
    }
}
