/// A point in time on a component's injected clock, as the time elapsed since that component was
/// created. Instants of one component (`UpstreamScheduler.now`) are meant for that component only.
public struct SchedulingInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Time since the component's clock was captured.
    public let sinceStart: Duration

    public init(sinceStart: Duration) { self.sinceStart = sinceStart }

    public func advanced(by duration: Duration) -> SchedulingInstant {
        SchedulingInstant(sinceStart: sinceStart + duration)
    }

    public func duration(to other: SchedulingInstant) -> Duration { other.sinceStart - sinceStart }

    public static func < (lhs: SchedulingInstant, rhs: SchedulingInstant) -> Bool { lhs.sinceStart < rhs.sinceStart }

    public var description: String { "+\(sinceStart)" }
}

/// Wraps an injected `any Clock<Duration>` so that the rest of the target works with plain
/// `SchedulingInstant` values instead of the clock's opaque instant type. Instants of two `ElapsedClock`s
/// are not comparable (each counts from its own capture); durations between them are.
public struct ElapsedClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    public init(_ clock: any Clock<Duration>) {
        self.init(opened: clock)
    }

    private init<C: Clock<Duration>>(opened clock: C) {
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleeper = { offset in try await clock.sleep(until: start.advanced(by: offset), tolerance: nil) }
    }

    public var now: SchedulingInstant { SchedulingInstant(sinceStart: elapsed()) }

    /// Sleeps until `instant`; throws `CancellationError` when the task is cancelled.
    public func sleep(until instant: SchedulingInstant) async throws {
        try await sleeper(instant.sinceStart)
    }

    /// Sleeps for `duration` from now; throws `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration))
    }
}
