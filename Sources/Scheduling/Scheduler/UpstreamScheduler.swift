import DanCuContract
import LogKeys
import Logging
import Synchronization

/// What `UpstreamScheduler.acquire` hands back.
public enum SchedulerGrant: Sendable {
    /// The right to make one upstream call now; complete it exactly once.
    case permit(UpstreamPermit)
    /// The deadline passed while the request waited: answer `expired` without calling.
    case expired
    /// The request's source was withdrawn (`withdraw(sources:)`): neither call nor answer.
    case withdrawn
}

/// Decides when each validated request may call the population database, so that the national
/// quota is spent in priority order (counter, online, batch), fairly between portals by weight,
/// at a rate that backs off when the database pushes back. See `SchedulerCore` for the rules and
/// `Docs/operations.md` for how to tune them.
///
/// Times are `SchedulingInstant`s on the injected clock: take them from `now`
/// (`scheduler.now.advanced(by: timeLeftUntilTheRequestsDeadline)`).
public final class UpstreamScheduler: Sendable {
    private typealias Waiting = CheckedContinuation<WaitResolution, Never>
    private typealias Core = SchedulerCore<Waiting>

    private struct State {
        var core: Core
        var timer: Task<Void, Never>?
        var timerWake: SchedulingInstant?
        var backpressureHandler: (@Sendable (_ portal: String, _ paused: Bool) -> Void)?
    }

    private let state: Mutex<State>
    private let nextId = Atomic<UInt64>(0)
    private let clock: ElapsedClock
    private let logger: Logger

    public init(
        configuration: SchedulerConfiguration,
        quota: QuotaSettings,
        portals: [PortalConfiguration],
        clock: any Clock<Duration>,
        logger: Logger
    ) {
        let clock = ElapsedClock(clock)
        self.clock = clock
        self.logger = logger
        state = Mutex(
            State(core: Core(configuration: configuration, quota: quota, portals: portals, now: clock.now))
        )
    }

    deinit {
        state.withLock { $0.timer?.cancel() }
    }

    /// The current time on the scheduler's clock, to compute deadlines and pauses from.
    public var now: SchedulingInstant { clock.now }

    /// Waits for the right to make one upstream call for `portal`'s request on `channel`.
    /// - Parameter source: where the request came from (its partition), for `withdraw(sources:)`.
    /// - Returns: a permit, `.expired` when `deadline` passes first (also when it has already), or
    ///   `.withdrawn` when `source` is withdrawn first (also when it already is).
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting (shutdown).
    public func acquire(
        portal: String,
        channel: Channel,
        deadline: SchedulingInstant,
        source: String? = nil
    ) async throws(CancellationError) -> SchedulerGrant {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).newValue
        let resolution = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Waiting) in
                let effects = state.withLock { state -> Core.Effects in
                    var effects = Core.Effects()
                    // Checked under the lock: a cancellation after this point finds the waiter queued.
                    if Task.isCancelled {
                        effects.resolved.append((continuation, .cancelled))
                        return effects
                    }
                    let now = clock.now
                    state.core.arrive(
                        id: id,
                        portal: portal,
                        channel: channel,
                        deadline: deadline,
                        source: source,
                        ticket: continuation,
                        now: now,
                        effects: &effects
                    )
                    scheduleTimer(&state, now: now)
                    return effects
                }
                perform(effects)
            }
        } onCancel: {
            let effects = state.withLock { state -> Core.Effects in
                var effects = Core.Effects()
                state.core.cancel(id: id, effects: &effects)
                return effects
            }
            perform(effects)
        }
        switch resolution {
        case .granted(let grantedAt, let number):
            return .permit(UpstreamPermit(scheduler: self, grantedAt: grantedAt, number: number))
        case .expired: return .expired
        case .withdrawn: return .withdrawn
        case .cancelled: throw CancellationError()
        }
    }

    /// Requests from `sources` (partitions being revoked) stop waiting: `acquire` returns `.withdrawn` for
    /// them now and for any that arrive later, until `readmit(sources:)`. Calls already granted go on.
    public func withdraw(sources: Set<String>) {
        let effects = state.withLock { state -> Core.Effects in
            var effects = Core.Effects()
            state.core.withdraw(sources: sources, effects: &effects)
            scheduleTimer(&state, now: clock.now)
            return effects
        }
        perform(effects)
    }

    /// `sources` are this instance's again: their requests wait for calls as usual.
    public func readmit(sources: Set<String>) {
        state.withLock { $0.core.readmit(sources: sources) }
    }

    /// This instance's share of the quota: its share of the consumer group's assigned request
    /// partitions, set at every rebalance. Values outside (0, 1] are ignored (an instance with no
    /// partitions receives no requests, so its previous share does no harm).
    public func setShare(_ fraction: Double) {
        guard fraction > 0, fraction <= 1 else {
            logger.warning("Ignoring a quota share outside (0, 1]", metadata: [LogKey.share: "\(fraction)"])
            return
        }
        let effects = state.withLock { state -> Core.Effects in
            var effects = Core.Effects()
            let now = clock.now
            state.core.setShare(fraction, now: now, effects: &effects)
            scheduleTimer(&state, now: now)
            return effects
        }
        logger.info("Quota share set", metadata: [LogKey.share: "\(fraction)"])
        perform(effects)
    }

    /// Starts no call before `instant` (Retry-After, circuit breaker open). Waiting requests still
    /// expire at their deadlines.
    public func pause(until instant: SchedulingInstant) {
        state.withLock { state in
            state.core.pause(until: instant)
            scheduleTimer(&state, now: clock.now)
        }
    }

    public var snapshot: SchedulerSnapshot {
        state.withLock { $0.core.snapshot(now: clock.now) }
    }

    /// `handler` is told when a portal's queue reaches `queueCapacityPerPortal` (`paused: true`:
    /// pause that portal's request partitions) and when it has drained to half (`paused: false`).
    /// Requests that still arrive while paused are queued, not refused. Replaces an earlier handler.
    public func onBackpressure(_ handler: @escaping @Sendable (_ portal: String, _ paused: Bool) -> Void) {
        state.withLock { $0.backpressureHandler = handler }
    }

    // MARK: Internals

    fileprivate func callStarts(number: UInt64) {
        state.withLock { $0.core.callStarts(number: number, now: clock.now) }
    }

    fileprivate func complete(_ result: UpstreamCallResult?, number: UInt64, grantedAt: SchedulingInstant) {
        let effects = state.withLock { state -> Core.Effects in
            var effects = Core.Effects()
            let now = clock.now
            state.core.complete(result, number: number, grantedAt: grantedAt, now: now, effects: &effects)
            scheduleTimer(&state, now: now)
            return effects
        }
        perform(effects)
    }

    fileprivate func returnUnused(number: UInt64) {
        let effects = state.withLock { state -> Core.Effects in
            var effects = Core.Effects()
            let now = clock.now
            state.core.returnUnused(number: number, now: now, effects: &effects)
            scheduleTimer(&state, now: now)
            return effects
        }
        perform(effects)
    }

    private func timerFired(at wake: SchedulingInstant) {
        let effects = state.withLock { state -> Core.Effects in
            if state.timerWake == wake {
                state.timer = nil
                state.timerWake = nil
            }
            var effects = Core.Effects()
            let now = clock.now
            state.core.dispatch(now: now, effects: &effects)
            scheduleTimer(&state, now: now)
            return effects
        }
        perform(effects)
    }

    /// Keeps one timer, set for the earliest moment the core wants to run again.
    private func scheduleTimer(_ state: inout State, now: SchedulingInstant) {
        guard let wake = state.core.nextWake(now: now) else { return }
        if let current = state.timerWake, current <= wake { return }
        state.timer?.cancel()
        state.timerWake = wake
        let clock = clock
        state.timer = Task { [weak self] in
            do {
                try await clock.sleep(until: wake)
            } catch {
                return  // replaced by an earlier timer, or the scheduler is gone
            }
            self?.timerFired(at: wake)
        }
    }

    /// Resumes waiters and calls the backpressure handler, outside the lock.
    private func perform(_ effects: Core.Effects) {
        for (continuation, resolution) in effects.resolved {
            continuation.resume(returning: resolution)
        }
        if let cut = effects.rateCut {
            logger.notice(
                "Upstream pushed back; call rate cut",
                metadata: [LogKey.fromRate: "\(cut.from)", LogKey.toRate: "\(cut.to)"]
            )
        }
        guard !effects.backpressure.isEmpty else { return }
        let handler = state.withLock { $0.backpressureHandler }
        for (portal, paused) in effects.backpressure {
            logger.notice(
                paused ? "Portal queue full; pausing its partitions" : "Portal queue drained; resuming its partitions",
                metadata: [LogKey.portal: "\(portal)"]
            )
            handler?(portal, paused)
        }
    }
}

/// The right to make one upstream call. Call `recordCallStart()` just before sending it, and
/// `complete(_:)` exactly once when the call is done: it frees the concurrency slot and feeds the
/// adaptive rate; or `returnUnused()` when no call was made. Later calls are ignored; a permit dropped without completing frees its slot
/// without a rate signal.
public final class UpstreamPermit: Sendable {
    private let scheduler: UpstreamScheduler
    /// When the call was granted, on the scheduler's clock.
    public let grantedAt: SchedulingInstant
    private let number: UInt64
    private let completed = Atomic<Bool>(false)

    fileprivate init(scheduler: UpstreamScheduler, grantedAt: SchedulingInstant, number: UInt64) {
        self.scheduler = scheduler
        self.grantedAt = grantedAt
        self.number = number
    }

    /// The call leaves now: the quota window counts it from now rather than from its grant, so a
    /// wait in between (for a thread of a busy process) cannot bunch calls at the database.
    public func recordCallStart() {
        scheduler.callStarts(number: number)
    }

    public func complete(_ result: UpstreamCallResult) {
        guard !completed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        scheduler.complete(result, number: number, grantedAt: grantedAt)
    }

    /// The call was not made (the circuit breaker refused it): the permit goes back unused, with no
    /// measurement for the adaptive rate, and its quota is granted to the next request.
    public func returnUnused() {
        guard !completed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        scheduler.returnUnused(number: number)
    }

    deinit {
        if !completed.load(ordering: .acquiring) {
            scheduler.complete(nil, number: number, grantedAt: grantedAt)
        }
    }
}
