/// Hands items over at their scheduled times, never waiting for answers (open loop), so a slow
/// system under test cannot slow the schedule down and hide its own latency.
///
/// Items whose times have passed when the scheduler wakes go together in one batch: at high rates
/// the timer's granularity groups sends instead of letting the schedule slip.
public struct OpenLoopScheduler<C: Clock>: Sendable where C.Duration == Duration {
    public let clock: C

    public init(clock: C) {
        self.clock = clock
    }

    /// Delivers items `0..<count` in order; item `i` is due `offset(i)` after the start (offsets must
    /// not decrease). `deliver` gets each batch and the batch's due offset of its first item.
    /// Returns when everything is delivered; throws `CancellationError` when cancelled.
    public func run(
        count: Int,
        offset: (Int) -> Duration,
        deliver: (Range<Int>) async -> Void
    ) async throws {
        let start = clock.now
        var next = 0
        while next < count {
            let due = start.advanced(by: offset(next))
            if clock.now < due {
                try await clock.sleep(until: due, tolerance: nil)
            }
            try Task.checkCancellation()
            let elapsed = start.duration(to: clock.now)
            var end = next + 1
            while end < count, offset(end) <= elapsed { end += 1 }
            await deliver(next..<end)
            next = end
        }
    }
}
