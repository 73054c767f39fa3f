import Kafka

/// Every owned partition's offsets in flight and whether it should be fetched from, without locks, Kafka
/// or clocks: each event returns the `Actions` that make the consumer's pause state match the ledger's.
/// `OffsetLedger` wraps it with a lock and the idle waiters; tests drive it directly.
///
/// A partition is paused while any reason holds: its own work in flight reached `maxInFlightPerPartition`,
/// the total reached `maxInFlight`, its portal's queue is full, or the circuit is open. Capacity lets go at
/// half the cap, so that a partition does not flap at its limit.
struct PartitionLedger {
    /// Proof that a message was begun under the current assignment of its partition. A message finished
    /// after its partition was revoked (and perhaps assigned again) must not move the new owner's offsets.
    struct Ticket: Sendable, Hashable {
        let partition: TopicPartition
        let offset: Int64
        let epoch: Int
    }

    /// Partitions whose fetching the consumer must stop or start, each list sorted.
    struct Actions: Equatable, Sendable {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        var isEmpty: Bool { pause.isEmpty && resume.isEmpty }
    }

    private struct Partition {
        var offsets = PartitionOffsets()
        let epoch: Int
        var revoking = false
        var atCapacity = false
        /// What the consumer was last told.
        var paused: Bool
    }

    private let maxInFlightPerPartition: Int
    private let maxInFlight: Int
    private var partitions: [TopicPartition: Partition] = [:]
    private var nextEpoch = 0
    private(set) var totalInFlight = 0
    private var atTotalCapacity = false
    private var circuitOpen = false
    /// Request topics whose portal's queue is full; kept so that a partition assigned meanwhile is paused too.
    private var fullPortalTopics: Set<String> = []

    init(maxInFlightPerPartition: Int, maxInFlight: Int) {
        self.maxInFlightPerPartition = maxInFlightPerPartition
        self.maxInFlight = maxInFlight
    }

    var ownedPartitions: [TopicPartition] { partitions.keys.sorted() }

    // MARK: Assignment

    /// Takes `assigned` afresh. librdkafka keeps an application's pause across unassign and assign, so every
    /// one of them is paused or resumed explicitly, whatever the consumer was told before.
    mutating func assigned(_ assigned: [TopicPartition]) -> Actions {
        var actions = Actions()
        for key in assigned {
            nextEpoch += 1
            if let previous = partitions[key] { totalInFlight -= previous.offsets.inFlight }
            let paused = sharedPauseReasonHolds(for: key)
            partitions[key] = Partition(epoch: nextEpoch, paused: paused)
            if paused { actions.pause.append(key) } else { actions.resume.append(key) }
        }
        releaseTotalCapacityIfDrained(into: &actions)
        actions.pause.sort()
        actions.resume.sort()
        return actions
    }

    /// Starts no new work for `revoking`; their work in flight may still finish and be committed.
    mutating func revocationStarted(_ revoking: [TopicPartition]) {
        for key in revoking { partitions[key]?.revoking = true }
    }

    /// Forgets `revoked`; late finishes for them change nothing. Their work leaving the total may let the
    /// others run again; the revoked ones themselves are set right when they are next assigned.
    mutating func revoked(_ revoked: [TopicPartition]) -> Actions {
        for key in revoked {
            if let removed = partitions.removeValue(forKey: key) { totalInFlight -= removed.offsets.inFlight }
        }
        var actions = Actions()
        releaseTotalCapacityIfDrained(into: &actions)
        return actions
    }

    // MARK: Work

    /// Registers a message about to be processed; no ticket when its partition is not owned or is being
    /// revoked (the message will be redelivered to the partition's owner), or when it was finished before
    /// the partition was assigned here (it must not be processed again).
    mutating func polled(_ key: TopicPartition, offset: Int64) -> (Ticket?, Actions) {
        let capacity = maxInFlightPerPartition
        let begun: (ticket: Ticket, reachedCapacity: Bool)? = withPartition(key) { partition in
            guard !partition.revoking, partition.offsets.begin(offset) else { return nil }
            let reachedCapacity = !partition.atCapacity && partition.offsets.inFlight >= capacity
            if reachedCapacity { partition.atCapacity = true }
            return (Ticket(partition: key, offset: offset, epoch: partition.epoch), reachedCapacity)
        }
        guard let begun else { return (nil, Actions()) }
        totalInFlight += 1
        var actions = Actions()
        if !atTotalCapacity, totalInFlight >= maxInFlight {
            atTotalCapacity = true
            reconcile(into: &actions) { _ in true }
        } else if begun.reachedCapacity {
            reconcile(key, into: &actions)
        }
        return (begun.ticket, actions)
    }

    /// A message's work is done (its outcome or dead letter is acknowledged).
    mutating func finished(_ ticket: Ticket) -> Actions {
        end(ticket) { $0.finish($1) }
    }

    /// A message was given up without an outcome because its partition is leaving: it no longer holds up
    /// the revocation, and its offset is never committed here, so the next owner gets it.
    mutating func withdrawn(_ ticket: Ticket) -> Actions {
        end(ticket) { $0.withdraw($1) }
    }

    private mutating func end(_ ticket: Ticket, _ change: (inout PartitionOffsets, Int64) -> Bool) -> Actions {
        let capacity = maxInFlightPerPartition
        let released: Bool? = withPartition(ticket.partition) { partition in
            guard partition.epoch == ticket.epoch, change(&partition.offsets, ticket.offset) else { return nil }
            let released = partition.atCapacity && partition.offsets.inFlight <= capacity / 2
            if released { partition.atCapacity = false }
            return released
        }
        guard let released else { return Actions() }
        totalInFlight -= 1
        var actions = Actions()
        releaseTotalCapacityIfDrained(into: &actions)
        if released { reconcile(ticket.partition, into: &actions) }
        return actions
    }

    /// Whether none of `keys` has work in flight (a partition not owned has none).
    func isIdle(_ keys: Set<TopicPartition>) -> Bool {
        keys.allSatisfy { partitions[$0]?.offsets.inFlight ?? 0 == 0 }
    }

    // MARK: Commits

    /// What changed since the last commit (of `keys`, or of all owned partitions).
    func commits(of keys: [TopicPartition]? = nil) -> [TopicPartition: PartitionOffsets.Commit] {
        var result: [TopicPartition: PartitionOffsets.Commit] = [:]
        for (key, partition) in partitions where keys?.contains(key) ?? true {
            if let commit = partition.offsets.commit { result[key] = commit }
        }
        return result
    }

    mutating func committed(_ commits: [TopicPartition: PartitionOffsets.Commit]) {
        for (key, commit) in commits { _ = withPartition(key) { $0.offsets.markCommitted(commit) } }
    }

    /// Takes what the partition's last commit says was finished beyond its offset; returns how many offsets
    /// will be skipped. Only before anything of the partition is polled.
    mutating func restore(_ key: TopicPartition, from position: CommittedPosition) -> Int64 {
        withPartition(key) { $0.offsets.restore(position) } ?? 0
    }

    // MARK: Pause reasons from outside

    /// The portal whose requests `topic` carries has a full queue: its partitions stop until it drains.
    mutating func portalQueueFilled(topic: String) -> Actions {
        guard fullPortalTopics.insert(topic).inserted else { return Actions() }
        var actions = Actions()
        reconcile(into: &actions) { $0.topic == topic }
        return actions
    }

    mutating func portalQueueDrained(topic: String) -> Actions {
        guard fullPortalTopics.remove(topic) != nil else { return Actions() }
        var actions = Actions()
        reconcile(into: &actions) { $0.topic == topic }
        return actions
    }

    /// No database calls go out: every partition stops.
    mutating func circuitOpened() -> Actions {
        setCircuitOpen(true)
    }

    /// Closed or half-open: half-open needs requests for its probes, so partitions run again.
    mutating func circuitReleased() -> Actions {
        setCircuitOpen(false)
    }

    private mutating func setCircuitOpen(_ open: Bool) -> Actions {
        guard circuitOpen != open else { return Actions() }
        circuitOpen = open
        var actions = Actions()
        reconcile(into: &actions) { _ in true }
        return actions
    }

    // MARK: Reconciling

    /// Whether something other than the partition's own backlog stops it.
    private func sharedPauseReasonHolds(for key: TopicPartition) -> Bool {
        atTotalCapacity || circuitOpen || fullPortalTopics.contains(key.topic)
    }

    private mutating func releaseTotalCapacityIfDrained(into actions: inout Actions) {
        guard atTotalCapacity, totalInFlight <= maxInFlight / 2 else { return }
        atTotalCapacity = false
        reconcile(into: &actions) { _ in true }
    }

    /// Walks indices, changing values in place: no copy of the partitions.
    private mutating func reconcile(into actions: inout Actions, matching: (TopicPartition) -> Bool) {
        var index = partitions.startIndex
        while index != partitions.endIndex {
            if matching(partitions.keys[index]) { reconcile(at: index, into: &actions) }
            partitions.formIndex(after: &index)
        }
        actions.pause.sort()
        actions.resume.sort()
    }

    private mutating func reconcile(_ key: TopicPartition, into actions: inout Actions) {
        guard let index = partitions.index(forKey: key) else { return }
        reconcile(at: index, into: &actions)
    }

    /// Tells the consumer what the partition should now be, where that differs from what it was last told.
    private mutating func reconcile(at index: Dictionary<TopicPartition, Partition>.Index, into actions: inout Actions)
    {
        let key = partitions.keys[index]
        let paused = partitions.values[index].atCapacity || sharedPauseReasonHolds(for: key)
        guard paused != partitions.values[index].paused else { return }
        partitions.values[index].paused = paused
        if paused { actions.pause.append(key) } else { actions.resume.append(key) }
    }

    /// Changes an owned partition in place; `nil` when it is not owned. A copy taken out and written back
    /// would share its offsets' storage, and the change would copy all of them, every message.
    private mutating func withPartition<Result>(
        _ key: TopicPartition,
        _ change: (inout Partition) -> Result?
    ) -> Result? {
        guard let index = partitions.index(forKey: key) else { return nil }
        return change(&partitions.values[index])
    }
}
