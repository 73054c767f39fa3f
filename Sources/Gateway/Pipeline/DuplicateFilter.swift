import DequeModule
import Scheduling
import Synchronization

/// Remembers the outcome of each (portal, request id) for a window, so a request delivered again (a portal
/// retrying, or Kafka redelivering after a rebalance) gets the first outcome again without another upstream
/// call. Copies arriving while the first is still in flight wait for it.
///
/// Memory only, bounded by `capacity` outcomes and by `maxBytes` of them (with their keys): outcomes may carry
/// personal data and are never written anywhere. The oldest go first.
final class DuplicateFilter: Sendable {
    struct Key: Hashable, Sendable {
        let portal: String
        let requestId: String
    }

    enum Claim: Sendable, Equatable {
        /// The caller is first: it must call `complete` or `abandon` with this key.
        case first
        /// The outcome bytes the first copy published.
        case duplicate([UInt8])
        /// The first copy is still being answered: `outcomeOfFirstCopy` waits for it.
        case firstCopyInFlight
    }

    private enum Entry {
        case inFlight(waiters: [CheckedContinuation<[UInt8]?, Never>])
        case completed(outcome: [UInt8], at: SchedulingInstant)
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Completion order, oldest first, for expiry and the capacity bound.
        var completedOrder: Deque<(key: Key, at: SchedulingInstant)> = []
        /// What the completed entries hold, as `size(of:outcome:)` counts it.
        var completedBytes = 0
    }

    private let state = Mutex(State())
    private let window: Duration
    private let capacity: Int
    private let maxBytes: Int
    private let clock: ElapsedClock

    init(window: Duration, capacity: Int, maxBytes: Int, clock: any Clock<Duration>) {
        self.window = window
        self.capacity = capacity
        self.maxBytes = maxBytes
        self.clock = ElapsedClock(clock)
    }

    /// An entry's bytes: the outcome, the key's text, and a fixed allowance for the entry's own bookkeeping.
    static func size(of key: Key, outcome: [UInt8]) -> Int {
        outcome.count + key.portal.utf8.count + key.requestId.utf8.count + 64
    }

    /// Claims `key` without waiting.
    func claim(_ key: Key) -> Claim {
        guard capacity > 0 else { return .first }
        let now = clock.now
        return state.withLock { state in
            expire(&state, now: now)
            switch state.entries[key] {
            case nil:
                state.entries[key] = .inFlight(waiters: [])
                return .first
            case .completed(let outcome, _):
                return .duplicate(outcome)
            case .inFlight:
                return .firstCopyInFlight
            }
        }
    }

    /// The first copy's outcome once it is published; `nil` when the first copy gave up (e.g. shutdown), and
    /// the caller should claim the key again.
    func outcomeOfFirstCopy(_ key: Key) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            let resumeWith: [UInt8]?? = state.withLock { state in
                switch state.entries[key] {
                case .inFlight(let waiters):
                    state.entries[key] = .inFlight(waiters: waiters + [continuation])
                    return .none
                case .completed(let outcome, _):
                    return .some(outcome)
                case nil:
                    return .some(nil)
                }
            }
            if let resumeWith { continuation.resume(returning: resumeWith) }
        }
    }

    func complete(_ key: Key, outcome: [UInt8]) {
        guard capacity > 0 else { return }
        let now = clock.now
        let waiters: [CheckedContinuation<[UInt8]?, Never>] = state.withLock { state in
            guard case .inFlight(let waiters) = state.entries[key] else { return [] }
            state.entries[key] = .completed(outcome: outcome, at: now)
            state.completedOrder.append((key, now))
            state.completedBytes += Self.size(of: key, outcome: outcome)
            while state.completedOrder.count > capacity || state.completedBytes > maxBytes {
                removeOldest(&state)
            }
            return waiters
        }
        waiters.forEach { $0.resume(returning: outcome) }
    }

    /// The first copy could not finish; a waiting copy takes over.
    func abandon(_ key: Key) {
        guard capacity > 0 else { return }
        let waiters: [CheckedContinuation<[UInt8]?, Never>] = state.withLock { state in
            guard case .inFlight(let waiters) = state.entries.removeValue(forKey: key) else { return [] }
            return waiters
        }
        waiters.forEach { $0.resume(returning: nil) }
    }

    private func expire(_ state: inout State, now: SchedulingInstant) {
        while let oldest = state.completedOrder.first, oldest.at.advanced(by: window) <= now {
            removeOldest(&state)
        }
    }

    private func removeOldest(_ state: inout State) {
        guard let oldest = state.completedOrder.popFirst() else { return }
        if case .completed(let outcome, let at) = state.entries[oldest.key], at == oldest.at {
            state.entries.removeValue(forKey: oldest.key)
            state.completedBytes -= Self.size(of: oldest.key, outcome: outcome)
        }
    }
}
