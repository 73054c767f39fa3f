/// The circuit breaker's states.
/// Its raw value is what `/status` shows; `gaugeValue` is what `dancu_circuit_state` shows.
public enum CircuitState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Calls go through; outcomes are counted.
    case closed
    /// No calls until the cool-down has passed.
    case open
    /// A few probe calls go through; their answers close the breaker, a failure (or no decision within
    /// `halfOpenTimeout`) opens it again.
    case halfOpen = "half_open"

    /// 0 closed, 1 half-open, 2 open: higher is worse, so an alert can say `> 0` or `== 2`.
    public var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}

/// The breaker's rules without clocks or I/O: methods take the time and return the state entered,
/// if any, so that `CircuitBreaker` does the notifying and timing and tests need neither.
struct CircuitBreakerStateMachine {
    private let configuration: CircuitBreakerConfiguration
    private(set) var state = CircuitState.closed
    /// Outcomes of recent calls while closed (true: failed), oldest overwritten first.
    private var window: [Bool]
    private var windowNext = 0
    private var windowCount = 0
    private var windowFailures = 0
    private var consecutiveFailures = 0
    /// While open: when probes may start.
    private(set) var openUntil: SchedulingInstant?
    /// While half-open: when it opens again if the probes have not decided by then (a probe that never
    /// returns must not leave the breaker half-open, and the requests waiting on it, for ever).
    private(set) var halfOpenUntil: SchedulingInstant?
    /// While half-open: probes granted and probes that succeeded.
    private var probesGranted = 0
    private var probesSucceeded = 0

    init(configuration: CircuitBreakerConfiguration) {
        self.configuration = configuration
        window = Array(repeating: false, count: max(1, configuration.windowSize))
    }

    /// Whether a call may go out now; moves from open to half-open once the cool-down has passed.
    mutating func allowsCall(now: SchedulingInstant) -> (allowed: Bool, entered: CircuitState?) {
        var entered: CircuitState?
        if state == .open, let openUntil, now >= openUntil {
            entered = enterHalfOpen(now: now)
        }
        switch state {
        case .closed:
            return (true, entered)
        case .open:
            return (false, entered)
        case .halfOpen:
            guard probesGranted < configuration.halfOpenProbes else { return (false, entered) }
            probesGranted += 1
            return (true, entered)
        }
    }

    /// When `timerElapsed` has something to do: the end of the cool-down, or of the half-open time.
    var nextTimer: SchedulingInstant? {
        switch state {
        case .closed: nil
        case .open: openUntil
        case .halfOpen: halfOpenUntil
        }
    }

    /// The timer fired: after the cool-down probes may start; after `halfOpenTimeout` without a decision the
    /// probes are taken as failed.
    mutating func timerElapsed(now: SchedulingInstant) -> CircuitState? {
        switch state {
        case .closed:
            return nil
        case .open:
            guard let openUntil, now >= openUntil else { return nil }
            return enterHalfOpen(now: now)
        case .halfOpen:
            guard let halfOpenUntil, now >= halfOpenUntil else { return nil }
            return open(now: now)
        }
    }

    /// The population database answered: any HTTP answer, including 429, another 4xx, a SOAP `Client` fault
    /// or a 200 that is not the protocol's, shows that it is up. In half-open a 429 therefore closes the
    /// breaker: the database is alive and only asks for fewer calls, which the scheduler's adaptive rate and
    /// `Retry-After` pause handle; staying half-open would stop every province's calls for nothing.
    mutating func recordSuccess() -> CircuitState? {
        switch state {
        case .closed:
            consecutiveFailures = 0
            push(failed: false)
            return nil
        case .open:
            return nil  // a call that started before the breaker opened says nothing about now
        case .halfOpen:
            probesSucceeded += 1
            guard probesSucceeded >= configuration.halfOpenProbes else { return nil }
            state = .closed
            halfOpenUntil = nil
            resetCounts()
            return .closed
        }
    }

    /// A granted call said nothing about the database (never sent, cancelled): in half-open its probe slot
    /// goes to another call. Returns whether a slot was freed.
    mutating func recordInconclusive() -> Bool {
        guard state == .halfOpen, probesGranted > probesSucceeded else { return false }
        probesGranted -= 1
        return true
    }

    /// Only transport errors, timeouts and 5xx answers (`PopulationDBError.databaseHealth == .failing`).
    mutating func recordFailure(now: SchedulingInstant) -> CircuitState? {
        switch state {
        case .closed:
            consecutiveFailures += 1
            push(failed: true)
            let ratioExceeded =
                windowCount >= configuration.minimumCalls
                && Double(windowFailures) >= configuration.failureRatio * Double(windowCount)
            guard ratioExceeded || consecutiveFailures >= configuration.consecutiveFailures else { return nil }
            return open(now: now)
        case .open:
            return nil
        case .halfOpen:
            return open(now: now)
        }
    }

    private mutating func open(now: SchedulingInstant) -> CircuitState {
        state = .open
        openUntil = now.advanced(by: configuration.coolDown.duration)
        halfOpenUntil = nil
        resetCounts()
        return .open
    }

    private mutating func enterHalfOpen(now: SchedulingInstant) -> CircuitState {
        state = .halfOpen
        openUntil = nil
        halfOpenUntil = now.advanced(by: configuration.halfOpenTimeout.duration)
        probesGranted = 0
        probesSucceeded = 0
        return .halfOpen
    }

    private mutating func push(failed: Bool) {
        if windowCount == window.count {
            if window[windowNext] { windowFailures -= 1 }
        } else {
            windowCount += 1
        }
        window[windowNext] = failed
        if failed { windowFailures += 1 }
        windowNext = (windowNext + 1) % window.count
    }

    private mutating func resetCounts() {
        windowNext = 0
        windowCount = 0
        windowFailures = 0
        consecutiveFailures = 0
    }
}
