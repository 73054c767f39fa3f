import DurationUnits

/// Sends at a steady rate: the k-th message of a run (from 0) is due `k / rate` seconds after the start.
/// A pure schedule, so pacing is tested without a clock.
public struct Pacer: Sendable, Hashable {
    public let rate: Double

    public init(rate: Double) {
        precondition(rate > 0 && rate.isFinite, "the rate is checked when the command line is read")
        self.rate = rate
    }

    /// When message `index` is due, from the start of sending.
    public func due(_ index: Int) -> Duration {
        .nanoseconds(Int64((Double(index) / rate * 1e9).rounded(.up)))
    }

    /// How many messages may have been sent by `elapsed`.
    public func allowed(by elapsed: Duration) -> Int {
        let seconds = elapsed.inSeconds
        return Int((seconds * rate).rounded(.down)) + 1
    }
}
