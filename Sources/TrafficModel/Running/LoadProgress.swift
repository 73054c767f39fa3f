/// A snapshot of a running load, for progress lines.
public struct LoadProgress: Sendable, Hashable {
    /// Requests handed to the producer so far.
    public var sent: Int
    /// Requests with an outcome so far.
    public var outcomes: Int
    /// Sent and still owed an outcome.
    public var inFlight: Int
    /// Requests the run will send.
    public var total: Int
    public var elapsed: Duration

    /// `sent 1200/2000 · 200/s · outcomes 1150 · in flight 50 · 6.0 s`
    public var line: String {
        let seconds = elapsed / .seconds(1)
        let rate = seconds > 0 ? Double(sent) / seconds : 0
        return "sent \(sent)/\(total) · \(Int(rate.rounded()))/s · outcomes \(outcomes) · in flight \(inFlight) · "
            + "\(Self.oneDecimal(seconds)) s"
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Where a run reports its progress, every `interval`.
public struct ProgressReporter: Sendable {
    public var interval: Duration
    public var report: @Sendable (LoadProgress) -> Void

    public init(interval: Duration, report: @escaping @Sendable (LoadProgress) -> Void) {
        self.interval = interval
        self.report = report
    }
}
