import Testing

@testable import Gateway

@Suite struct RetryPolicyTests {
    private let policy = RetryPolicy(base: .milliseconds(100), cap: .seconds(2), attempts: 4)

    @Test func theCeilingDoublesFromTheBaseAndTheJitterScalesIt() {
        // With the largest jitter the delay is the ceiling: base, 2·base, 4·base.
        #expect(about(policy.delay(afterAttempts: 1, retryAfter: nil, unitRandom: 1), .milliseconds(100)))
        #expect(about(policy.delay(afterAttempts: 2, retryAfter: nil, unitRandom: 1), .milliseconds(200)))
        #expect(about(policy.delay(afterAttempts: 3, retryAfter: nil, unitRandom: 1), .milliseconds(400)))
        #expect(about(policy.delay(afterAttempts: 3, retryAfter: nil, unitRandom: 0.5), .milliseconds(200)))
        #expect(about(policy.delay(afterAttempts: 3, retryAfter: nil, unitRandom: 0), .zero))
    }

    @Test func noDelayIsOfferedOnceTheAttemptsAreSpent() {
        #expect(policy.delay(afterAttempts: 4, retryAfter: nil, unitRandom: 1) == nil)
        #expect(policy.delay(afterAttempts: 9, retryAfter: .seconds(1), unitRandom: 1) == nil)
    }

    @Test func theCapBoundsEveryDelayEvenForHugeAttemptCounts() {
        let generous = RetryPolicy(base: .milliseconds(100), cap: .seconds(2), attempts: .max)
        #expect(about(generous.delay(afterAttempts: 6, retryAfter: nil, unitRandom: 1), .seconds(2)))
        #expect(about(generous.delay(afterAttempts: 5_000, retryAfter: nil, unitRandom: 1), .seconds(2)))
    }

    @Test func jitterOutsideTheUnitIntervalIsClamped() {
        #expect(about(policy.delay(afterAttempts: 2, retryAfter: nil, unitRandom: 7), .milliseconds(200)))
        #expect(about(policy.delay(afterAttempts: 2, retryAfter: nil, unitRandom: -1), .zero))
    }

    @Test func retryAfterIsALowerBoundThatMayExceedTheCap() {
        #expect(about(policy.delay(afterAttempts: 1, retryAfter: .seconds(5), unitRandom: 1), .seconds(5)))
        // A shorter Retry-After does not shorten the backoff.
        #expect(about(policy.delay(afterAttempts: 3, retryAfter: .milliseconds(50), unitRandom: 1), .milliseconds(400)))
    }

    /// The policy computes in seconds as `Double`: equal to the nanosecond.
    private func about(_ delay: Duration?, _ expected: Duration) -> Bool {
        guard let delay else { return false }
        return (delay > expected ? delay - expected : expected - delay) < .nanoseconds(1)
    }
}
