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
        #expect(machine.timerElapsed(now: at(29)) == nil)
        // Half-open after the cool-down: two probes, then no more until they answer.
        #expect(machine.allowsCall(now: at(30)) == (true, .halfOpen))
        #expect(machine.allowsCall(now: at(30)) == (true, nil))
        #expect(machine.allowsCall(now: at(30)) == (false, nil))
        // A failed probe opens again for a new cool-down.
        #expect(record("SF", on: &machine, at: at(31)) == [.open])
        #expect(machine.allowsCall(now: at(60)) == (false, nil))
        #expect(machine.timerElapsed(now: at(61)) == .halfOpen)
        #expect(machine.allowsCall(now: at(61)).allowed)
        #expect(machine.allowsCall(now: at(61)).allowed)
        #expect(record("SS", on: &machine, at: at(62)) == [.closed])
        // Closed again with a clean slate: three failures are not four.
        #expect(record("FFF", on: &machine, at: at(63)) == [])
        #expect(machine.state == .closed)
    }

    @Test func halfOpenProbesThatNeverDecideOpenTheBreakerAgain() {
        var machine = CircuitBreakerStateMachine(configuration: Self.configuration)
        #expect(record("FFFF", on: &machine, at: at(0)) == [.open])
        #expect(machine.timerElapsed(now: at(30)) == .halfOpen)
        #expect(machine.nextTimer == at(60), "half-open lasts halfOpenTimeout (30 s by default)")
        #expect(machine.allowsCall(now: at(30)).allowed)
        #expect(machine.timerElapsed(now: at(59)) == nil)
        #expect(machine.timerElapsed(now: at(60)) == .open)
        #expect(machine.nextTimer == at(90))
    }

    @Test func aProbeThatToldNothingGivesItsSlotToTheNextCall() {
        var machine = CircuitBreakerStateMachine(configuration: Self.configuration)
        _ = record("FFFF", on: &machine, at: at(0))
        _ = machine.timerElapsed(now: at(30))
        #expect(machine.allowsCall(now: at(30)).allowed && machine.allowsCall(now: at(30)).allowed)
        #expect(!machine.allowsCall(now: at(30)).allowed)
        let freed = machine.recordInconclusive()
        #expect(freed)
        #expect(machine.allowsCall(now: at(31)).allowed)
        #expect(record("SS", on: &machine, at: at(32)) == [.closed])
        let freedWhileClosed = machine.recordInconclusive()
        #expect(!freedWhileClosed, "a closed breaker has no probe slots")
    }

    // Each advance goes a millisecond past the timer's instant: a test clock keeps a sleep registered for exactly
    // "now" until its next advance, and the breaker's timer task may register just after the advance.
    @Test func halfOpenTimesOutByItselfWithNoCalls() async {
        let clock = TestClock()
        let breaker = CircuitBreaker(configuration: Self.configuration, clock: clock, logger: Logger(label: "test"))
        let entered = Mutex<[CircuitState]>([])
        breaker.onStateChange { state in entered.withLock { $0.append(state) } }
        for _ in 0..<4 { breaker.recordFailure() }
        await clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { entered.withLock { $0 } == [.open, .halfOpen] })
        #expect(breaker.allowsCall())  // a probe that never reports back
        await clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { entered.withLock { $0 } == [.open, .halfOpen, .open] })
        await clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { entered.withLock { $0 } == [.open, .halfOpen, .open, .halfOpen] })
    }

    @Test func refusedCallsAreWokenByTheStateChangeWithoutTimePassing() async {
        let clock = TestClock()
        let breaker = CircuitBreaker(configuration: Self.configuration, clock: clock, logger: Logger(label: "test"))
        for _ in 0..<4 { breaker.recordFailure() }
        await clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { breaker.state == .halfOpen })
        #expect(breaker.allowsCall() && breaker.allowsCall())
        guard case .refused(let mark) = breaker.admitCall() else {
            Issue.record("the third call in half-open must be refused")
            return
        }
        let woken = Task { await breaker.waitForChange(after: mark, atMost: .seconds(600)) }
        #expect(await eventually { breaker.waitingCalls == 1 })
        breaker.recordSuccess()
        #expect(breaker.waitingCalls == 1, "one probe of two answered: still half-open, nothing to wake for")
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
        await woken.value  // no clock advance: the closing woke it
        #expect(breaker.waitingCalls == 0)
    }

    @Test func aWaitThatAlreadyMissedTheChangeReturnsAtOnce() async {
        let clock = TestClock()
        let breaker = CircuitBreaker(configuration: Self.configuration, clock: clock, logger: Logger(label: "test"))
        for _ in 0..<4 { breaker.recordFailure() }
        guard case .refused(let mark) = breaker.admitCall() else {
            Issue.record("an open breaker refuses")
            return
        }
        await clock.advance(by: .seconds(30) + .milliseconds(1))
        #expect(await eventually { breaker.state == .halfOpen })
        await breaker.waitForChange(after: mark, atMost: .seconds(600))
        #expect(breaker.waitingCalls == 0)
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
