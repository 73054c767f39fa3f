import Logging
import Synchronization

/// Stops calls to a failing population database (see `CircuitBreakerConfiguration` for when).
/// The pipeline asks `allowsCall()` before each call and records its outcome; on `.open` it pauses
/// request partitions (and the scheduler), on `.halfOpen` it resumes them so that probes can go out.
/// The breaker moves to half-open by itself when the cool-down has passed, even with no calls.
public final class CircuitBreaker: Sendable {
    private struct State {
        var machine: CircuitBreakerStateMachine
        var timer: Task<Void, Never>?
        var handler: (@Sendable (CircuitState) -> Void)?
    }

    private let lock: Mutex<State>
    private let clock: ElapsedClock
    private let logger: Logger

    public init(configuration: CircuitBreakerConfiguration, clock: any Clock<Duration>, logger: Logger) {
        self.clock = ElapsedClock(clock)
        self.logger = logger
        lock = Mutex(State(machine: CircuitBreakerStateMachine(configuration: configuration)))
    }

    deinit {
        lock.withLock { $0.timer?.cancel() }
    }

    public var state: CircuitState { lock.withLock { $0.machine.state } }

    /// `handler` is called with every state entered, outside the breaker's lock. Replaces an earlier one.
    public func onStateChange(_ handler: @escaping @Sendable (CircuitState) -> Void) {
        lock.withLock { $0.handler = handler }
    }

    /// Whether a call may go out now. While half-open only `halfOpenProbes` calls are allowed;
    /// each allowed call must be recorded.
    public func allowsCall() -> Bool {
        let (allowed, entered) = lock.withLock { $0.machine.allowsCall(now: clock.now) }
        announce(entered)
        return allowed
    }

    /// An answer came back (found or not found). 429 answers are recorded as neither.
    public func recordSuccess() {
        announce(lock.withLock { $0.machine.recordSuccess() })
    }

    /// The call failed (error, timeout, 5xx).
    public func recordFailure() {
        let entered = lock.withLock { state -> CircuitState? in
            let entered = state.machine.recordFailure(now: clock.now)
            if entered == .open, let openUntil = state.machine.openUntil {
                state.timer?.cancel()
                state.timer = coolDownTimer(until: openUntil)
            }
            return entered
        }
        announce(entered)
    }

    // MARK: Internals

    private func coolDownTimer(until openUntil: SchedulingInstant) -> Task<Void, Never> {
        let clock = clock
        return Task { [weak self] in
            do {
                try await clock.sleep(until: openUntil)
            } catch {
                return  // the breaker is gone
            }
            guard let self else { return }
            announce(lock.withLock { $0.machine.coolDownElapsed(now: clock.now) })
        }
    }

    private func announce(_ entered: CircuitState?) {
        guard let entered else { return }
        switch entered {
        case .open: logger.warning("Population database failing; circuit breaker open")
        case .halfOpen: logger.notice("Circuit breaker half-open; probing the population database")
        case .closed: logger.notice("Population database answering again; circuit breaker closed")
        }
        let handler = lock.withLock { $0.handler }
        handler?(entered)
    }
}
