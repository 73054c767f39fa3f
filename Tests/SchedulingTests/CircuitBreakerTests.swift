import Clocks
import Logging
import Synchronization
import Testing

@testable import Scheduling

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerTests {
    private static let configuration = CircuitBreakerConfiguration(
        windowSize: 10,
        minimumCalls: 6,
        failureRatio: 0.5,
        consecutiveFailures: 4,
        coolDown: .seconds(30),
        halfOpenProbes: 2
    )

    private func at(_ seconds: Int) -> SchedulingInstant { .init(sinceStart: .seconds(seconds)) }

    /// `S` success, `F` failure, in order; returns the states entered.
    private func record(
        _ outcomes: String,
        on machine: inout CircuitBreakerStateMachine,
        at now: SchedulingInstant
    )
        -> [CircuitState]
    {
        outcomes.compactMap { $0 == "S" ? machine.recordSuccess() : machine.recordFailure(now: now) }
    }

    @Test(arguments: [
        ("FFF", [CircuitState]()),
        ("FFFF", [.open]),  // consecutive failures
        ("SFSFSF", [.open]),  // half of six calls
        ("SFSFS", []),  // too few calls for the ratio
        ("SSSSSFSFSF", []),  // three of ten
        ("SSSSSFSFSFF", []),  // the window slides: four of the last ten
        ("SSSSSFSFSFFF", [.open]),  // then five
        ("SSSSSSSSSSSSSSFFF", []),
    ])
    func opensOnTheFailureRatioOrConsecutiveFailures(outcomes: String, entered: [CircuitState]) {
        var machine = CircuitBreakerStateMachine(configuration: Self.configuration)
        #expect(record(outcomes, on: &machine, at: at(0)) == entered)
    }

    @Test func everyTransition() {
        var machine = CircuitBreakerStateMachine(configuration: Self.configuration)
        #expect(record("FFFF", on: &machine, at: at(0)) == [.open])
        #expect(machine.allowsCall(now: at(29)) == (false, nil))
        #expect(machine.coolDownElapsed(now: at(29)) == nil)
        // Half-open after the cool-down: two probes, then no more until they answer.
        #expect(machine.allowsCall(now: at(30)) == (true, .halfOpen))
        #expect(machine.allowsCall(now: at(30)) == (true, nil))
        #expect(machine.allowsCall(now: at(30)) == (false, nil))
        // A failed probe opens again for a new cool-down.
        #expect(record("SF", on: &machine, at: at(31)) == [.open])
        #expect(machine.allowsCall(now: at(60)) == (false, nil))
        #expect(machine.coolDownElapsed(now: at(61)) == .halfOpen)
        #expect(machine.allowsCall(now: at(61)).allowed)
        #expect(machine.allowsCall(now: at(61)).allowed)
        #expect(record("SS", on: &machine, at: at(62)) == [.closed])
        // Closed again with a clean slate: three failures are not four.
        #expect(record("FFF", on: &machine, at: at(63)) == [])
        #expect(machine.state == .closed)
    }

    @Test func openBreakerMovesToHalfOpenByItselfSoPausedPartitionsResume() async {
        let clock = TestClock()
        let breaker = CircuitBreaker(configuration: Self.configuration, clock: clock, logger: Logger(label: "test"))
        let entered = Mutex<[CircuitState]>([])
        breaker.onStateChange { state in entered.withLock { $0.append(state) } }
        for _ in 0..<4 { breaker.recordFailure() }
        #expect(breaker.state == .open && !breaker.allowsCall())
        await clock.advance(by: .seconds(29))
        #expect(entered.withLock { $0 } == [.open])
        await clock.advance(by: .seconds(1) + .milliseconds(1))
        #expect(await eventually { entered.withLock { $0 } == [.open, .halfOpen] })
        #expect(breaker.allowsCall() && breaker.allowsCall() && !breaker.allowsCall())
        breaker.recordSuccess()
        breaker.recordSuccess()
        #expect(entered.withLock { $0 } == [.open, .halfOpen, .closed])
        #expect(breaker.state == .closed && breaker.allowsCall())
    }
}
