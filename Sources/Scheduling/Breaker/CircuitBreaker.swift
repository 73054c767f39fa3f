import Logging
import Synchronization

/// Stops calls to a failing population database (see `CircuitBreakerConfiguration` for when).
/// Each call asks `admitCall()` first and records how it went: `recordSuccess()` when the database
/// answered, `recordFailure()` when it failed, `recordInconclusive()` when the call told nothing about it.
/// A refused call waits in `waitForChange(after:atMost:)` until the breaker's state moves on, not by polling.
/// The breaker moves to half-open by itself when the cool-down has passed, even with no calls, and back to
/// open when its probes have not decided within `halfOpenTimeout`.
public final class CircuitBreaker: Sendable {
    /// Whether a call may go out now; a refused call is told what state it was refused in.
    public enum Admission: Sendable {
        case allowed
        /// Pass `mark` to `waitForChange(after:atMost:)`.
        case refused(mark: UInt64)
    }

    private struct State {
        var machine: CircuitBreakerStateMachine
        var timer: Task<Void, Never>?
        var timerWake: SchedulingInstant?
        var handler: (@Sendable (CircuitState) -> Void)?
        /// Moves on with every state entered and every probe slot freed: what refused calls wait for.
        var mark: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
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
    public func admitCall() -> Admission {
        transition { state in
            let (allowed, entered) = state.machine.allowsCall(now: clock.now)
            return (entered, entered != nil, allowed ? .allowed : .refused(mark: state.mark))
        }
    }

    /// `admitCall()` without the mark to wait on.
    public func allowsCall() -> Bool {
        if case .allowed = admitCall() { return true }
        return false
    }

    /// Returns when the breaker has moved on since `mark` (a state entered, a probe slot freed), at once if it
    /// already has, or after `limit` (the waiting request's deadline), or when the task is cancelled.
    public func waitForChange(after mark: UInt64, atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { race in
            race.addTask { await self.change(after: mark) }
            race.addTask { [clock] in try? await clock.sleep(for: limit) }
            await race.next()
            race.cancelAll()
        }
    }

    /// The population database answered (see `CircuitBreakerStateMachine.recordSuccess` for what counts).
    public func recordSuccess() {
        transition { state in
            let entered = state.machine.recordSuccess()
            return (entered, entered != nil, ())
        }
    }

    /// The call failed: a transport error, a timeout or a 5xx answer.
    public func recordFailure() {
        transition { state in
            let entered = state.machine.recordFailure(now: clock.now)
            return (entered, entered != nil, ())
        }
    }

    /// The call told nothing about the database: it was never sent (the request could not be built) or was
    /// cancelled. A half-open probe slot it held goes to the next call.
    public func recordInconclusive() {
        transition { state in (nil, state.machine.recordInconclusive(), ()) }
    }

    /// Calls waiting in `waitForChange`; for tests.
    var waitingCalls: Int { lock.withLock { $0.waiters.count } }

    // MARK: Internals

    /// Runs `body` under the lock; when it says the breaker moved on, wakes the waiting calls and keeps the
    /// timer at the machine's next deadline, then announces the state entered outside the lock.
    private func transition<Result>(
        _ body: (inout State) -> (entered: CircuitState?, movedOn: Bool, result: Result)
    ) -> Result {
        let (entered, woken, handler, result) = lock.withLock { state in
            let (entered, movedOn, result) = body(&state)
            guard movedOn else {
                return (entered, [CheckedContinuation<Void, Never>](), state.handler, result)
            }
            state.mark &+= 1
            let woken = Array(state.waiters.values)
            state.waiters.removeAll()
            armTimer(&state)
            return (entered, woken, state.handler, result)
        }
        for waiter in woken { waiter.resume() }
        if let entered {
            switch entered {
            case .open: logger.warning("Population database failing; circuit breaker open")
            case .halfOpen: logger.notice("Circuit breaker half-open; probing the population database")
            case .closed: logger.notice("Population database answering again; circuit breaker closed")
            }
            handler?(entered)
        }
        return result
    }

    private func change(after mark: UInt64) async {
        let id = lock.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waits = lock.withLock { state in
                    // Checked under the lock: a cancellation after this point finds the waiter registered.
                    guard state.mark == mark, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func armTimer(_ state: inout State) {
        guard let wake = state.machine.nextTimer else {
            state.timer?.cancel()
            state.timer = nil
            state.timerWake = nil
            return
        }
        guard state.timerWake != wake else { return }
        state.timer?.cancel()
        state.timerWake = wake
        let clock = clock
        state.timer = Task { [weak self] in
            do {
                try await clock.sleep(until: wake)
            } catch {
                return  // replaced, or the breaker is gone
            }
            self?.timerElapsed(at: wake)
        }
    }

    private func timerElapsed(at wake: SchedulingInstant) {
        transition { state in
            if state.timerWake == wake {
                state.timer = nil
                state.timerWake = nil
            }
            let entered = state.machine.timerElapsed(now: clock.now)
            return (entered, entered != nil, ())
        }
    }
}
