import DurationUnits

/// Exponential backoff with full jitter, bounded by a cap, honouring `Retry-After`.
struct RetryPolicy: Sendable {
    let base: Duration
    let cap: Duration
    let attempts: Int

    init(_ configuration: RetryConfiguration) {
        base = configuration.base.duration
        cap = configuration.cap.duration
        attempts = configuration.attempts
    }

    init(base: Duration, cap: Duration, attempts: Int) {
        self.base = base
        self.cap = cap
        self.attempts = attempts
    }

    /// The wait before the next call after `attemptsMade` failed calls, or `nil` when no attempt is left.
    /// - Parameter unitRandom: a number in `[0, 1)`; injected so tests can pin the jitter.
    func delay(afterAttempts attemptsMade: Int, retryAfter: Duration?, unitRandom: Double) -> Duration? {
        guard attemptsMade < attempts else { return nil }
        // base * 2^(n-1), computed in seconds so that large attempt counts saturate at the cap instead of overflowing.
        let exponent = Double(max(0, attemptsMade - 1))
        let ceilingSeconds = min(cap.inSeconds, base.inSeconds * Double.pow2(exponent))
        let jittered = Duration.seconds(ceilingSeconds * min(max(unitRandom, 0), 1))
        guard let retryAfter else { return jittered }
        return max(jittered, retryAfter)
    }
}

extension Double {
    fileprivate static func pow2(_ exponent: Double) -> Double {
        exponent >= 1023 ? .greatestFiniteMagnitude : Double(sign: .plus, exponent: Int(exponent), significand: 1)
    }
}
